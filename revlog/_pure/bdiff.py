"""Line-based binary diff in pure Python: the algorithm of csrc/bdiff.c.

textdiff(a, b) returns an mpatch delta turning `a` into `b`.  Both texts
are cut into lines (each keeps its trailing newline); lines are numbered by
content so that equal lines get equal ids.  The common leading and trailing
lines are set aside first; the rest is matched region by region, without
recursion (a stack of regions still to match):

1. lines equal at both ends of a region match;
2. a line alone on its side of a region matches where it first occurs on
   the other side (as steps 3 and 4 would find it, without counting work);
3. the lines occurring exactly once in each side of the region are paired
   and the longest chain of pairs in the same order on both sides (patience
   sorting) splits the region between those anchors (regions empty on
   both sides are dropped at once);
4. failing that, the longest run of equal lines (seeded only by the rarer
   lines of the region's old side, see _longest_run) splits it;
5. failing that, the region is one hunk.

All the matching work is counted; past a budget proportional to the number
of lines, the regions left become whole hunks, so hostile inputs cost at
most a bounded multiple of their size.

Hunks replace whole lines by whole lines, never less: Mercurial reads the
stored delta of a manifest against its parent as manifest lines (`hg
verify`, its manifest's read_delta), so a hunk shrunk to the bytes that
differ would make a valid delta Mercurial rejects.

C and pure backends make the same choices step for step, so they produce
the same delta byte for byte; keep them in step when changing either.
"""
import io
from bisect import bisect_left
from collections import Counter
from itertools import accumulate
from typing import Callable, Dict, List, Optional, Tuple

from revlog import constants, status

_HEADER = constants.DELTA_HUNK_HEADER

# A line occurring more often than this in a region's old side never seeds
# a run in step 4 (it may still extend one), unless no line of the new side
# occurs there more rarely.
POPULAR_LIMIT = 32
# Matching work allowed: WORK_PER_LINE per line of the two middles, plus
# WORK_BASE.
WORK_PER_LINE = 16
WORK_BASE = 10000

# (a_start, a_end, b_start, b_end) in lines of the middles.
LineHunk = Tuple[int, int, int, int]


def textdiff(a: bytes, b: bytes) -> bytes:
    """Return an mpatch delta that turns `a` into `b` (b"" if they are equal).

    Accepts any bytes-like objects; texts longer than a delta can address
    (2**31 - 1 bytes) raise revlog.errors.RevlogError.
    """
    a = a if isinstance(a, bytes) else memoryview(a).tobytes()
    b = b if isinstance(b, bytes) else memoryview(b).tobytes()
    if a == b:
        return b""
    la, lb = len(a), len(b)
    if max(la, lb) > constants.DELTA_FIELD_MAX:
        raise status.diff_error(max(la, lb))
    if not la:
        return _HEADER.pack(0, 0, lb) + b
    head = _common_line_prefix(a, b)
    tail = _common_line_suffix(a, b, head)
    a_lines = io.BytesIO(a[head:la - tail]).readlines()
    b_lines = io.BytesIO(b[head:lb - tail]).readlines()
    # ids in order of first appearance, a's lines first
    ids = {line: k for k, line in enumerate(dict.fromkeys(a_lines + b_lines))}
    a_ids = list(map(ids.__getitem__, a_lines))
    b_ids = list(map(ids.__getitem__, b_lines))
    a_starts = list(accumulate(map(len, a_lines), initial=head))
    b_starts = list(accumulate(map(len, b_lines), initial=head))
    out = []
    for a1, a2, b1, b2 in _match(a_ids, b_ids):
        out.append(_HEADER.pack(a_starts[a1], a_starts[a2], b_starts[b2] - b_starts[b1]))
        out.append(b[b_starts[b1]:b_starts[b2]])
    return b"".join(out)


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix of a and b."""
    return _agreeing_length(lambda lo, hi: a[lo:hi] == b[lo:hi], min(len(a), len(b)))


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common suffix of a and b, at most limit."""
    la, lb = len(a), len(b)
    return _agreeing_length(lambda lo, hi: a[la - hi:la - lo] == b[lb - hi:lb - lo], limit)


def _agreeing_length(agree: Callable[[int, int], bool], limit: int) -> int:
    """Largest n <= limit such that agree(0, n), knowing agree(lo, hi) and
    agree(hi, k) imply agree(lo, k): growing steps, then bisection (no loop
    over single bytes)."""
    done = 0
    step = 32
    while done < limit:
        step = min(step, limit - done)
        if not agree(done, done + step):
            break
        done += step
        step *= 2
    else:
        return limit
    hi = done + step  # agree(0, done); the first disagreement lies before hi
    while hi - done > 1:
        mid = (done + hi) // 2
        if agree(done, mid):
            done = mid
        else:
            hi = mid
    return done


def _common_line_prefix(a: bytes, b: bytes) -> int:
    """Bytes in the whole lines a and b (which differ) start with."""
    same = _common_prefix(a, b)
    return a.rfind(b"\n", 0, same) + 1


def _common_line_suffix(a: bytes, b: bytes, head: int) -> int:
    """Bytes in the whole lines a[head:] and b[head:] both end with."""
    la, lb = len(a), len(b)
    same = _common_suffix(a, b, min(la, lb) - head)
    a_at_line = la - same == head or a[la - same - 1] == 10
    b_at_line = lb - same == head or b[lb - same - 1] == 10
    if a_at_line and b_at_line:
        return same
    newline = a.find(b"\n", la - same, la)
    return la - newline - 1 if newline >= 0 else 0


def _match(a: List[int], b: List[int]) -> List[LineHunk]:
    """The differing regions of line id lists a and b, in order."""
    hunks: List[LineHunk] = []
    budget = WORK_PER_LINE * (len(a) + len(b)) + WORK_BASE
    work = 0
    stack = [(0, len(a), 0, len(b))]
    while stack:
        a1, a2, b1, b2 = stack.pop()
        while a1 < a2 and b1 < b2 and a[a1] == b[b1]:
            a1 += 1
            b1 += 1
        while a1 < a2 and b1 < b2 and a[a2 - 1] == b[b2 - 1]:
            a2 -= 1
            b2 -= 1
        if a1 == a2 or b1 == b2 or work >= budget:
            if a1 < a2 or b1 < b2:
                hunks.append((a1, a2, b1, b2))
            continue
        if a2 - a1 == 1 or b2 - b1 == 1:
            # one line on a side: where it first occurs on the other (what
            # the steps below would find), at no counted cost
            run = _single_line(a, b, a1, a2, b1, b2)
            if run is None:
                hunks.append((a1, a2, b1, b2))
            else:
                stack.extend(_around(a1, a2, b1, b2, [run])[::-1])
            continue
        work += (a2 - a1) + (b2 - b1)
        anchors = _unique_anchors(a, b, a1, a2, b1, b2)
        if anchors:
            stack.extend(_around(a1, a2, b1, b2, anchors)[::-1])
            continue
        run, work = _longest_run(a, b, a1, a2, b1, b2, work, budget)
        if run is None:
            hunks.append((a1, a2, b1, b2))
        else:
            stack.extend(_around(a1, a2, b1, b2, [run])[::-1])
    return hunks


def _around(a1: int, a2: int, b1: int, b2: int,
            runs: List[Tuple[int, int, int]]) -> List[LineHunk]:
    """The regions of a[a1:a2], b[b1:b2] before, between and after the
    matching runs (i, j, length), in order; those empty on both sides are
    left out (they hold nothing to match or to change)."""
    regions = []
    for i, j, length in runs:
        if i > a1 or j > b1:
            regions.append((a1, i, b1, j))
        a1, b1 = i + length, j + length
    if a2 > a1 or b2 > b1:
        regions.append((a1, a2, b1, b2))
    return regions


def _single_line(a: List[int], b: List[int], a1: int, a2: int, b1: int,
                 b2: int) -> Optional[Tuple[int, int, int]]:
    """For a region with one line on a side, the run (i, j, 1) where that
    line first occurs on the other side, or None."""
    try:
        if a2 - a1 == 1:
            return a1, b.index(a[a1], b1, b2), 1
        return a.index(b[b1], a1, a2), b1, 1
    except ValueError:
        return None


def _unique_anchors(a: List[int], b: List[int], a1: int, a2: int, b1: int,
                    b2: int) -> List[Tuple[int, int, int]]:
    """Longest chain of lines occurring once in a[a1:a2] and once in b[b1:b2].

    Runs (i, j, 1) with a[i] == b[j], increasing in both i and j: the
    longest increasing subsequence, by patience sorting, of the j of those
    lines taken in order of i.
    """
    a_count = Counter(a[a1:a2])
    b_count = Counter(b[b1:b2])
    b_pos = {x: j for j, x in enumerate(b[b1:b2], b1) if b_count[x] == 1}
    pairs = [(i, b_pos[x]) for i, x in enumerate(a[a1:a2], a1)
             if a_count[x] == 1 and x in b_pos]
    if not pairs:
        return []
    js = [j for _, j in pairs]
    if all(map(int.__lt__, js, js[1:])):  # in order already: all of them
        return [(i, j, 1) for i, j in pairs]
    tails: List[int] = []  # j at the top of each pile
    tops: List[int] = []  # pair index at the top of each pile
    previous = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pile = len(tails) if tails and tails[-1] < j else bisect_left(tails, j)
        if pile:
            previous[k] = tops[pile - 1]
        if pile == len(tails):
            tails.append(j)
            tops.append(k)
        else:
            tails[pile] = j
            tops[pile] = k
    chain = []
    k = tops[-1]
    while k >= 0:
        chain.append(pairs[k] + (1,))
        k = previous[k]
    chain.reverse()
    return chain


def _longest_run(a: List[int], b: List[int], a1: int, a2: int, b1: int, b2: int,
                 work: int, budget: int) -> Tuple[Optional[Tuple[int, int, int]], int]:
    """The longest run a[i:i + n] == b[j:j + n] inside the region, and the work.

    Runs are found from their seeds: b[j] equal to a[i] where that line
    occurs at most POPULAR_LIMIT times in a[a1:a2] (or as rarely as the
    rarest line of b[b1:b2] there), scanning j upwards and i upwards; the
    first longest wins.  A run already seen from an earlier seed on its
    diagonal is skipped.  Returns (None, work) when there is no run or the
    work exceeds the budget.
    """
    where: Dict[int, List[int]] = {}
    for i in range(a1, a2):
        where.setdefault(a[i], []).append(i)
    rarest = min((len(where[x]) for x in b[b1:b2] if x in where), default=0)
    limit = max(POPULAR_LIMIT, rarest)
    seeds = {x: spots for x, spots in where.items() if len(spots) <= limit}
    best = None
    best_len = 0
    for j in range(b1, b2):
        spots = seeds.get(b[j])
        if spots is None:
            continue
        for i in spots:
            back = 0
            seen = False
            while i - back > a1 and j - back > b1 and a[i - back - 1] == b[j - back - 1]:
                if a[i - back - 1] in seeds:
                    seen = True
                    break
                back += 1
            ahead = 0
            if not seen:
                ahead = 1
                while i + ahead < a2 and j + ahead < b2 and a[i + ahead] == b[j + ahead]:
                    ahead += 1
                if back + ahead > best_len:
                    best_len = back + ahead
                    best = (i - back, j - back, best_len)
            work += 1 + back + ahead
            if work > budget:
                return None, work
    return best, work
