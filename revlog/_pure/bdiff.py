"""Line-based binary diff in pure Python: the algorithm of csrc/bdiff.c.

textdiff(a, b) returns an mpatch delta turning `a` into `b`.  Both texts
are cut into lines (each keeps its trailing newline); lines are numbered by
content so that equal lines get equal ids.  The common leading and trailing
lines are set aside first; the rest is matched region by region, without
recursion (a stack of regions still to match):

1. lines equal at both ends of a region match;
2. the lines occurring exactly once in each side of the region are paired
   and the longest chain of pairs in the same order on both sides (patience
   sorting) splits the region between those anchors;
3. failing that, the longest run of equal lines (seeded only by the rarer
   lines of the region's old side, see _longest_run) splits it;
4. failing that, the region is one hunk.

All the matching work is counted; past a budget proportional to the number
of lines, the regions left become whole hunks, so hostile inputs cost at
most a bounded multiple of their size.  Each hunk is finally shrunk by the
bytes its two sides share at their start and end.

C and pure backends make the same choices step for step, so they produce
the same delta byte for byte; keep them in step when changing either.
"""
import io
from bisect import bisect_left
from itertools import accumulate
from typing import Callable, Dict, List, Optional, Tuple

from revlog import constants, status

_HEADER = constants.DELTA_HUNK_HEADER

# A line occurring more often than this in a region's old side never seeds
# a run in step 3 (it may still extend one).
POPULAR_LIMIT = 32
# Matching work allowed: WORK_PER_LINE per line of the two middles, plus
# WORK_BASE.
WORK_PER_LINE = 64
WORK_BASE = 100000

# (a_start, a_end, b_start, b_end) in lines of the middles.
LineHunk = Tuple[int, int, int, int]


def textdiff(a: bytes, b: bytes) -> bytes:
    """Return an mpatch delta that turns `a` into `b` (b"" if they are equal).

    Accepts any bytes-like objects; texts longer than a delta can address
    (2**31 - 1 bytes) raise revlog.errors.RevlogError.
    """
    a = a if isinstance(a, bytes) else bytes(a)
    b = b if isinstance(b, bytes) else bytes(b)
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
    ids: Dict[bytes, int] = {}
    a_ids = [ids.setdefault(line, len(ids)) for line in a_lines]
    b_ids = [ids.setdefault(line, len(ids)) for line in b_lines]
    a_starts = list(accumulate(map(len, a_lines), initial=head))
    b_starts = list(accumulate(map(len, b_lines), initial=head))
    out = []
    for a1, a2, b1, b2 in _match(a_ids, b_ids):
        start, end = a_starts[a1], a_starts[a2]
        bstart, bend = b_starts[b1], b_starts[b2]
        limit = min(end - start, bend - bstart)
        same = _common_prefix(a, b, start, bstart, limit)
        start += same
        bstart += same
        same = _common_suffix(a, b, end, bend, limit - same)
        end -= same
        bend -= same
        out.append(_HEADER.pack(start, end, bend - bstart))
        out.append(b[bstart:bend])
    return b"".join(out)


def _common_prefix(a: bytes, b: bytes, i: int, j: int, limit: int) -> int:
    """Length of the common prefix of a[i:i + limit] and b[j:j + limit]."""
    return _agreeing_length(lambda lo, hi: a[i + lo:i + hi] == b[j + lo:j + hi], limit)


def _common_suffix(a: bytes, b: bytes, i: int, j: int, limit: int) -> int:
    """Length of the common suffix of a[i - limit:i] and b[j - limit:j]."""
    return _agreeing_length(lambda lo, hi: a[i - hi:i - lo] == b[j - hi:j - lo], limit)


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
    same = _common_prefix(a, b, 0, 0, min(len(a), len(b)))
    return a.rfind(b"\n", 0, same) + 1


def _common_line_suffix(a: bytes, b: bytes, head: int) -> int:
    """Bytes in the whole lines a[head:] and b[head:] both end with."""
    la, lb = len(a), len(b)
    same = _common_suffix(a, b, la, lb, min(la, lb) - head)
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
        work += (a2 - a1) + (b2 - b1)
        anchors = _unique_anchors(a, b, a1, a2, b1, b2)
        if anchors:
            # regions between anchors, pushed last first so they pop in order
            ends = anchors[::-1]
            stack.append((ends[0][0] + 1, a2, ends[0][1] + 1, b2))
            for (i, j), (pi, pj) in zip(ends, ends[1:]):
                stack.append((pi + 1, i, pj + 1, j))
            stack.append((a1, ends[-1][0], b1, ends[-1][1]))
            continue
        run, work = _longest_run(a, b, a1, a2, b1, b2, work, budget)
        if run is None:
            hunks.append((a1, a2, b1, b2))
            continue
        i, j, length = run
        stack.append((i + length, a2, j + length, b2))
        stack.append((a1, i, b1, j))
    return hunks


def _unique_anchors(a: List[int], b: List[int], a1: int, a2: int, b1: int,
                    b2: int) -> List[Tuple[int, int]]:
    """Longest chain of lines occurring once in a[a1:a2] and once in b[b1:b2].

    Pairs (i, j) with a[i] == b[j], increasing in both i and j: the longest
    increasing subsequence, by patience sorting, of the j of those lines
    taken in order of i.
    """
    b_pos: Dict[int, int] = {}
    for j in range(b1, b2):
        x = b[j]
        b_pos[x] = -1 if x in b_pos else j
    a_pos: Dict[int, int] = {}
    for i in range(a1, a2):
        x = a[i]
        a_pos[x] = -1 if x in a_pos else i
    pairs = [(i, b_pos.get(x, -1)) for x, i in a_pos.items() if i >= 0]
    pairs = [pair for pair in pairs if pair[1] >= 0]
    if not pairs:
        return []
    pairs.sort()
    tails: List[int] = []  # j at the top of each pile
    tops: List[int] = []  # pair index at the top of each pile
    previous = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pile = bisect_left(tails, j)
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
        chain.append(pairs[k])
        k = previous[k]
    chain.reverse()
    return chain


def _longest_run(a: List[int], b: List[int], a1: int, a2: int, b1: int, b2: int,
                 work: int, budget: int) -> Tuple[Optional[Tuple[int, int, int]], int]:
    """The longest run a[i:i + n] == b[j:j + n] inside the region, and the work.

    Runs are found from their seeds: b[j] equal to a[i] where that line
    occurs at most POPULAR_LIMIT times in a[a1:a2] (or as rarely as the
    rarest line of b[b1:b2] there), scanning j upwards and i upwards; the
    first longest wins.  A run already seen from an earlier
    seed on its diagonal is skipped.  Returns (None, work) when there is no
    run or the work exceeds the budget.
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
