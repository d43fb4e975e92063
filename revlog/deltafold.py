"""Delta arithmetic without texts: hunks, folding two deltas into one, sizes.

A delta is a list of hunks (start, end, size): replace [start, end) of the
old text by `size` new bytes; stored, each hunk takes 12 + size bytes.
Folding deltas A->B and B->C gives the delta A->C that Mercurial 7.2.4's
delta-info search estimates, hunk for hunk (its choices depend on the size):
the hunks are walked left to right; a hunk that touches no hunk of the other
delta is kept as it is (a hunk of B->C moved into A's coordinates); hunks
that touch (overlap or are adjacent) start a group, walked in step in A
coordinates, that keeps taking the next hunk of either delta while it
starts by the group's end, and the group becomes one hunk.  Like
Mercurial's, the group's end may run past what the hunks replace (the
result stays a valid delta, a little larger than it could be).

best_base() is what the search uses: how far down a chain a delta against
a parent can be folded before it grows past a tolerance.
"""
import struct
from typing import Iterable, List, Optional, Tuple

from revlog import errors

Hunk = Tuple[int, int, int]  # (start, end, size) in the old text
_HUNK = struct.Struct(">lll")
HUNK_HEADER_SIZE = _HUNK.size


def replacement_header(old_size: int, new_size: int) -> bytes:
    """The header of a one-hunk delta replacing a whole old text."""
    return _HUNK.pack(0, old_size, new_size)


def parse(delta) -> List[Hunk]:
    """The hunks of a delta (the chunk of a stored revision); CorruptedData
    for a hunk that is cut short, has a negative size or ends before it starts."""
    hunks = []
    pos = 0
    end = len(delta)
    unpack = _HUNK.unpack_from
    while pos < end:
        if pos + HUNK_HEADER_SIZE > end:
            raise errors.CorruptedData("delta hunk header at offset %d is cut short" % pos)
        start, stop, size = unpack(delta, pos)
        if size < 0 or not 0 <= start <= stop or pos + HUNK_HEADER_SIZE + size > end:
            raise errors.CorruptedData("bad delta hunk at offset %d: [%d, %d) replaced by %d bytes"
                                       % (pos, start, stop, size))
        hunks.append((start, stop, size))
        pos += HUNK_HEADER_SIZE + size
    return hunks


def whole_text(size: int) -> List[Hunk]:
    """The delta from an empty text to a text of `size` bytes."""
    return [(0, 0, size)] if size else []


def stored_size(hunks: Iterable[Hunk]) -> int:
    """Bytes the delta takes once stored."""
    return sum(HUNK_HEADER_SIZE + size for _, _, size in hunks)


def fold(lower: List[Hunk], upper: List[Hunk]) -> List[Hunk]:
    """The delta A->C from lower (A->B) and upper (B->C), as Mercurial folds them."""
    out: List[Hunk] = []
    low = iter(lower)
    up = iter(upper)
    b = next(low, None)
    t = next(up, None)
    shift = 0  # B position minus A position, past the lower hunks consumed
    while b is not None or t is not None:
        if t is None:
            out.append(b)
            out.extend(low)
            break
        if b is None:
            out.append((t[0] - shift, t[1] - shift, t[2]))
            out.extend((start - shift, end - shift, size) for start, end, size in up)
            break
        if b[0] + b[2] < t[0] - shift:  # b's new bytes end before t starts
            out.append(b)
            shift += b[2] - (b[1] - b[0])
            b = next(low, None)
        elif t[1] - shift < b[0]:  # t ends before b starts
            out.append((t[0] - shift, t[1] - shift, t[2]))
            t = next(up, None)
        else:
            hunk, b, t, grown = _fold_group(b, t, low, up, shift)
            out.append(hunk)
            shift += grown
    return out


def _fold_group(b: Hunk, t: Hunk, low, up, shift: int):
    """One hunk from overlapping lower and upper hunks, walked in step in A
    coordinates (an upper hunk's position counts the lower hunks taken so far).

    Returns (the hunk, next lower, next upper, growth of the lower hunks taken).
    """
    start = end = min(b[0], t[0] - shift)
    grown_low = grown_up = 0
    while b is not None or t is not None:
        if t is None:
            while b is not None and b[0] <= end:
                end = max(end, b[1])
                grown_low += b[2] - (b[1] - b[0])
                b = next(low, None)
            break
        if b is None:
            moved = shift + grown_low
            while t is not None and t[0] - moved <= end:
                end = max(end, t[1] - moved)
                grown_up += t[2] - (t[1] - t[0])
                t = next(up, None)
            break
        at_low = b[0]
        at_up = t[0] - shift - grown_low
        if at_low > end and at_up > end:
            break
        if at_low < at_up:  # the lower hunk starts first: take it, or its part before t
            gap = at_up - at_low
            if b[1] - b[0] <= gap:
                end = max(end, b[1])
                grown_low += b[2] - (b[1] - b[0])
                b = next(low, None)
            else:
                end += gap
                grown_low += min(0, b[2] - gap)
                b = _cut(b, gap)
        elif at_up < at_low:  # the upper hunk starts first
            gap = at_low - at_up
            if t[1] - t[0] <= gap:
                end = max(end, t[1] - shift - grown_low)
                grown_up += t[2] - (t[1] - t[0])
                t = next(up, None)
            else:
                end += gap
                grown_up += min(0, t[2] - gap)
                t = _cut(t, gap)
        elif t[1] - t[0] <= b[2]:  # same start, t within b's new bytes
            grown_up += t[2] - (t[1] - t[0])
            t = next(up, None)
        else:  # same start, t reaches past b's new bytes: b is taken whole
            grown_up += min(0, t[2] - b[2])
            t = _cut(t, b[2])
            end += b[1] - b[0]
            grown_low += b[2] - (b[1] - b[0])
            b = next(low, None)
    return (start, end, end - start + grown_up + grown_low), b, t, grown_low


def _cut(hunk: Hunk, amount: int) -> Hunk:
    """hunk without its first `amount` replaced bytes (and as many new ones)."""
    start, end, size = hunk
    return start + amount, end, size - min(amount, size)


def best_base(delta: bytes, steps: Iterable[Tuple[int, List[Hunk]]], max_size: int) -> Optional[int]:
    """The lowest base the delta folds down to within max_size stored bytes.

    steps: (base below, hunks from it to the previous base), going down the
    chain of the delta's base.  None when not even one step fits (or the
    delta is empty: nothing to gain).
    """
    if not delta:
        return None
    current = parse(delta)
    best = None
    for below, hunks in steps:
        current = fold(hunks, current)
        if stored_size(current) > max_size:
            break
        best = below
    return best
