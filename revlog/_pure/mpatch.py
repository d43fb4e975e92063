"""Binary deltas in pure Python: the algorithm of csrc/mpatch.c.

Each delta is validated against the length of the text it applies to, the
hunk lists are folded pairwise into one list expressed against the base
text, and the result is assembled with a single join.  A hunk is a tuple
(start, end, data): replace base[start:end] by data (a memoryview).
"""
import struct
from typing import List, Optional, Sequence, Tuple

from revlog import status

_HEADER = struct.Struct(">lll")
_HEADER_SIZE = _HEADER.size

Hunk = Tuple[int, int, memoryview]


def _scan(delta: memoryview, text_len: int, index: int, out: Optional[List[Hunk]]) -> int:
    """Check one delta against a text of text_len bytes; return the patched length.

    Appends the hunks that change something to `out` when it is a list.  The
    checks and their order are those of scan_delta in csrc/mpatch.c.
    """
    unpack = _HEADER.unpack_from
    delta_len = len(delta)
    pos = 0
    last = 0
    size = text_len
    while pos < delta_len:
        if delta_len - pos < _HEADER_SIZE:
            raise status.patch_error(status.PATCH_TRUNCATED, index, pos)
        start, end, length = unpack(delta, pos)
        if start < 0 or end < 0 or length < 0:
            raise status.patch_error(status.PATCH_OVERFLOW, index, pos)
        if start > end:
            raise status.patch_error(status.PATCH_BAD_RANGE, index, pos)
        if start < last:
            raise status.patch_error(status.PATCH_OUT_OF_ORDER, index, pos)
        if end > text_len:
            raise status.patch_error(status.PATCH_PAST_END, index, pos)
        data_start = pos + _HEADER_SIZE
        pos = data_start + length
        if pos > delta_len:
            raise status.patch_error(status.PATCH_TRUNCATED, index, data_start - _HEADER_SIZE)
        if out is not None and (start != end or length):
            out.append((start, end, delta[data_start:pos]))
        size += length - (end - start)
        last = end
    return size


def _combine(a: List[Hunk], b: List[Hunk]) -> List[Hunk]:
    """Combine `a` (base -> T1) with `b` (T1 -> T2) into one list (base -> T2).

    `off` is (T1 position) - (base position) at the current point of `a`.
    A hunk of `a` straddling a cut is split: the part before the cut keeps
    the whole deleted range, the rest becomes an insertion at its end.
    """
    out: List[Hunk] = []
    append = out.append
    ai = 0
    na = len(a)
    off = 0
    for bstart, bend, bdata in b:
        # keep what `a` did before this hunk of `b` starts
        while ai < na:
            start, end, data = a[ai]
            t1 = start + off
            if t1 >= bstart:
                break
            keep = bstart - t1
            if keep >= len(data):
                append(a[ai])
                off += len(data) - (end - start)
                ai += 1
                continue
            append((start, end, data[:keep]))
            off += keep - (end - start)
            a[ai] = (end, end, data[keep:])
            break
        cstart = bstart - off
        # drop what `a` did inside the range `b` replaces
        while ai < na:
            start, end, data = a[ai]
            t1 = start + off
            if t1 >= bend:
                break
            drop = bend - t1
            if drop >= len(data):
                off += len(data) - (end - start)
                ai += 1
                continue
            off += drop - (end - start)
            a[ai] = (end, end, data[drop:])
            break
        append((cstart, bend - off, bdata))
    out.extend(a[ai:])
    return out


def _fold(lists: List[List[Hunk]]) -> List[Hunk]:
    """Fold hunk lists pairwise, level by level, into one."""
    while len(lists) > 1:
        folded = [_combine(lists[i], lists[i + 1]) for i in range(0, len(lists) - 1, 2)]
        if len(lists) % 2:
            folded.append(lists[-1])
        lists = folded
    return lists[0] if lists else []


def patches(text: bytes, deltas: Sequence[bytes]) -> bytes:
    """Apply `deltas` in order to `text` and return the result.

    Every delta must be valid for the text it applies to, or
    revlog.errors.CorruptedData is raised naming the delta and the hunk.
    """
    if not deltas:
        return text if isinstance(text, bytes) else bytes(text)
    base = memoryview(text)
    size = base.nbytes
    lists = []
    for index, delta in enumerate(deltas):
        hunks: List[Hunk] = []
        size = _scan(memoryview(delta), size, index, hunks)
        lists.append(hunks)
    pieces = []
    last = 0
    for start, end, data in _fold(lists):
        if start > last:
            pieces.append(base[last:start])
        pieces.append(data)
        last = end
    pieces.append(base[last:])
    return b"".join(pieces)


def patchedsize(size: int, delta: bytes) -> int:
    """Length of the text `delta` makes of a text of `size` bytes.

    The delta is validated as patches() validates it.
    """
    if not 0 <= size <= status.MAX_TEXT_SIZE:
        raise status.patch_error(status.PATCH_OVERFLOW, 0, 0)
    return _scan(memoryview(delta), size, 0, None)
