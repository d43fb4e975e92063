"""Delta arithmetic without texts: hunks, folding two deltas into one, sizes.

A delta is a list of hunks (start, end, size): replace [start, end) of the
old text by `size` new bytes; stored, each hunk takes 12 + size bytes.
Folding deltas A->B and B->C gives the delta A->C that Mercurial 7.2.4's
delta-info search estimates, hunk for hunk: the hunks are walked left to
right; a hunk that touches no hunk of the other delta is kept as it is (a
hunk of B->C moved into A's coordinates); hunks that touch (overlap or are
adjacent, in B) start a group that keeps taking the next hunk of either
delta while it touches the group, and the group becomes one hunk.

best_base() is what the search uses: how far down a chain a delta against
a parent can be folded before it grows past a tolerance.
"""
import struct
from typing import Iterable, List, Optional, Tuple

Hunk = Tuple[int, int, int]  # (start, end, size) in the old text
_HUNK = struct.Struct(">lll")
HUNK_HEADER_SIZE = _HUNK.size


def replacement_header(old_size: int, new_size: int) -> bytes:
    """The header of a one-hunk delta replacing a whole old text."""
    return _HUNK.pack(0, old_size, new_size)


def parse(delta) -> List[Hunk]:
    """The hunks of a well-formed delta (the chunk of a stored revision)."""
    hunks = []
    pos = 0
    end = len(delta)
    unpack = _HUNK.unpack_from
    while pos < end:
        start, stop, size = unpack(delta, pos)
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
    """The delta A->C from lower (A->B) and upper (B->C)."""
    out: List[Hunk] = []
    i = j = 0
    shift = 0  # B position minus A position, past the lower hunks consumed
    nlow, nup = len(lower), len(upper)
    while i < nlow or j < nup:
        if j == nup:
            out.extend(lower[i:])
            break
        if i == nlow:
            out.extend((start - shift, end - shift, size) for start, end, size in upper[j:])
            break
        low_start, low_end, low_size = lower[i]
        up_start, up_end, up_size = upper[j]
        low_b_start = low_start + shift
        if low_b_start + low_size < up_start:
            out.append(lower[i])
            shift += low_size - (low_end - low_start)
            i += 1
            continue
        if up_end < low_b_start:
            out.append((up_start - shift, up_end - shift, up_size))
            j += 1
            continue
        # a group, in B coordinates: [b_start, b_end), growing while touched
        a_start = min(low_start, up_start - shift)
        b_start = min(low_b_start, up_start)
        b_end = b_start
        upper_growth = 0
        while True:
            took = False
            if i < nlow:
                low_start, low_end, low_size = lower[i]
                if low_start + shift <= b_end:
                    b_end = max(b_end, low_start + shift + low_size)
                    shift += low_size - (low_end - low_start)
                    i += 1
                    took = True
            if j < nup:
                up_start, up_end, up_size = upper[j]
                if up_start <= b_end:
                    b_end = max(b_end, up_end)
                    upper_growth += up_size - (up_end - up_start)
                    j += 1
                    took = True
            if not took:
                break
        out.append((a_start, b_end - shift, b_end - b_start + upper_growth))
    return out


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
