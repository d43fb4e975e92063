"""Revision graph algorithms in pure Python: heads, common ancestors, phases...

Every function works on a `Parents` table: two int sequences (p1 and p2 by
revision, e.g. `array('i')`) whose values are already known to lie in
[-1, rev).  The index checks that once (`first_bad_parent`) and keeps the
table; tests build one from plain lists.  No function recurses, so the
depth of a history does not matter.

Answers are Mercurial 7.2.4's (cext/revlog.c, ancestor.py, dagop.py),
including the order of the lists it returns; where Mercurial caps or
crashes (more than 24 revisions for common ancestors, ranges it does not
check) these functions have no cap and the index checks the arguments.

Marks arrays hold one byte per revision plus a last one for the null
revision, so that `marks[p]` with p == -1 reads that spare byte.
"""
import operator
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

from revlog import constants as C
from revlog import protocol

NULL_REV = C.NULL_REV
# Mercurial's phases that computephasesmapsets tracks (draft, secret,
# archived, internal), in the order their roots are applied.
TRACKED_PHASES = (1, 2, 32, 96)


class Parents(NamedTuple):
    """Parent revisions by revision: p1[rev], p2[rev], each in [-1, rev)."""
    p1: Sequence[int]
    p2: Sequence[int]

    @classmethod
    def from_pairs(cls, pairs: Iterable[Tuple[int, int]]) -> "Parents":
        """A table from (p1, p2) pairs listed by revision."""
        pairs = list(pairs)
        return cls([p[0] for p in pairs], [p[1] for p in pairs])


def first_bad_parent(parents: Parents, start: int = 0) -> Optional[Tuple[int, int]]:
    """(rev, parent) of the lowest revision >= start with a parent outside
    [-1, rev) (p1 checked before p2), or None if there is none."""
    p1, p2 = parents
    n = len(p1)
    if start >= n:
        return None
    revs = range(start, n)
    # C-speed scans first: a valid table answers without a Python loop
    if (min(p1[start:]) >= -1 and min(p2[start:]) >= -1
            and not any(map(operator.ge, p1[start:], revs))
            and not any(map(operator.ge, p2[start:], revs))):
        return None
    for rev in revs:
        for parent in (p1[rev], p2[rev]):
            if parent < -1 or parent >= rev:
                return rev, parent
    return None  # pragma: no cover - the scans above found one


# ---- heads -------------------------------------------------------------------


def headrevs(parents: Parents, stop: int,
             contains: Optional[Callable[[int], object]] = None) -> List[int]:
    """Heads of revisions [0, stop), ascending; [-1] when stop is 0.

    `contains(rev)` says whether rev is filtered.  As in Mercurial's C
    index, it is asked only about revisions without an unfiltered child: a
    filtered revision with one is kept (its parents are not heads).
    """
    if stop <= 0:
        return [NULL_REV]
    p1, p2 = parents
    if contains is None:
        children = set(p1[:stop])
        children.update(p2[:stop])
        return [rev for rev in range(stop) if rev not in children]
    nothead = bytearray(stop + 1)
    for rev in range(stop - 1, -1, -1):
        if not nothead[rev] and contains(rev):
            nothead[rev] = 1
            continue
        nothead[p1[rev]] = 1
        nothead[p2[rev]] = 1
    return [rev for rev in range(stop) if not nothead[rev]]


def headrevsdiff(parents: Parents, start: int, stop: int) -> Tuple[List[int], List[int]]:
    """(heads removed, heads added) going from revisions [0, start) to
    [0, stop), both in descending order; the null revision is removed when
    start is 0 (it was the head of nothing)."""
    p1, p2 = parents
    pending: Set[int] = set()
    added = []
    for rev in range(stop - 1, start - 1, -1):
        if rev in pending:
            pending.discard(rev)
        else:
            added.append(rev)
        pending.add(p1[rev])
        pending.add(p2[rev])
    pending.discard(NULL_REV)
    # pending: revisions below start with a child in the range; those that
    # were heads (no child below start) are the removed heads
    removed = []
    rev = start - 1
    while pending:
        if rev in pending:
            pending.discard(rev)
            removed.append(rev)
        pending.discard(p1[rev])
        pending.discard(p2[rev])
        rev -= 1
    if start == 0 and stop > 0:
        removed.append(NULL_REV)
    return removed, added


# ---- common ancestors --------------------------------------------------------


def commonancestorsheads(parents: Parents, revs: Sequence[int]) -> List[int]:
    """Heads of the common ancestors of distinct revs (>= 0), descending.

    heads(::revs[0] and ::revs[1] and ...).  Each revision carries the set
    of revs it is an ancestor of, as the bits of a Python int (so there is
    no limit on their number); walking down from the highest, a revision
    that every rev reaches is a head, and its ancestors are poisoned.
    """
    if len(revs) <= 1:
        return list(revs)
    p1, p2 = parents
    everything = (1 << len(revs)) - 1
    poison = 1 << len(revs)
    top = max(revs)
    seen = [0] * (top + 1)
    for bit, rev in enumerate(revs):
        seen[rev] = 1 << bit
    wanted = set(revs)
    # revisions below the current one with a mask but no poison: while there
    # are none, no head is left to find
    pending = len(revs)
    heads = []
    for rev in range(top, -1, -1):
        if not pending:
            break
        mask = seen[rev]
        if not mask:
            continue
        if mask < poison:
            pending -= 1
            if mask == everything:
                heads.append(rev)
                if rev in wanted:  # one rev is an ancestor of all the others
                    break
                mask |= poison
        for parent in (p1[rev], p2[rev]):
            if parent < 0:
                continue
            old = seen[parent]
            if mask < poison:
                if not old:
                    pending += 1
                seen[parent] = old | mask
            else:
                if old and old < poison:
                    pending -= 1
                seen[parent] = mask
    return heads


def deepest(parents: Parents, revs: Sequence[int]) -> List[int]:
    """The revs (distinct, >= 0) furthest from a root, ascending, as
    Mercurial's find_deepest picks them.

    Walking down from the highest rev, each revision keeps its greatest
    depth below a rev and the set of revs (bits) reaching it at that depth;
    `counts` holds how many revisions still to walk carry each set.  When
    one set remains, its revs are the answer (none when no set remains).
    """
    if len(revs) <= 1:
        return list(revs)
    p1, p2 = parents
    revs = sorted(revs)
    top = revs[-1]
    depth = [0] * (top + 1)
    seen = [0] * (top + 1)
    counts: Dict[int, int] = {}
    for bit, rev in enumerate(revs):
        depth[rev] = 1
        seen[rev] = 1 << bit
        counts[1 << bit] = 1

    def drop(mask: int) -> None:
        left = counts[mask] - 1
        if left:
            counts[mask] = left
        else:
            del counts[mask]

    for rev in range(top, -1, -1):
        if len(counts) <= 1:
            break
        here = depth[rev]
        if not here:
            continue
        mask = seen[rev]
        for parent in (p1[rev], p2[rev]):
            if parent < 0:
                continue
            there = depth[parent]
            old = seen[parent]
            if there <= here:
                depth[parent] = here + 1
                if old != mask:
                    counts[mask] += 1
                    seen[parent] = mask
                    if old:
                        drop(old)
            elif here == there - 1:
                merged = old | mask
                if merged == old:
                    continue
                seen[parent] = merged
                drop(old)
                counts[merged] = counts.get(merged, 0) + 1
        drop(mask)
    if len(counts) != 1:
        return []
    (final,) = counts
    return [rev for bit, rev in enumerate(revs) if final >> bit & 1]


def gca(parents: Parents, revs: Sequence[int]) -> List[int]:
    """Greatest common ancestors (Mercurial's index.ancestors) of distinct revs."""
    heads = commonancestorsheads(parents, revs)
    if len(heads) <= 1:
        return heads
    if len(heads) > protocol.GCA_CAPACITY:  # bounds deepest's sets, as in C
        raise protocol.gca_capacity_error(len(heads))
    return deepest(parents, heads)


# ---- reachability -------------------------------------------------------------

_SEEN, _ROOT, _REACHABLE = 1, 2, 4


def reachableroots(parents: Parents, minroot: int, heads: Sequence[int], roots: Iterable[int],
                   includepath: bool) -> List[int]:
    """Mercurial's reachableroots2: the roots that are ancestors of heads
    without going below minroot, in the order a breadth-first walk from the
    heads meets them; with includepath, then every revision on a path from
    them to the heads, ascending.

    heads are in [-1, len); roots outside it are ignored.
    """
    p1, p2 = parents
    n = len(p1)
    state = bytearray(n + 1)  # state[-1] is the null revision's
    for root in roots:
        if -1 <= root < n:
            state[root] |= _ROOT
    queue = []
    for head in heads:
        if not state[head] & _SEEN:
            state[head] |= _SEEN
            queue.append(head)
    reachable = []
    at = 0
    while at < len(queue):
        rev = queue[at]
        at += 1
        if state[rev] & _ROOT:
            state[rev] |= _REACHABLE
            reachable.append(rev)
            if not includepath:
                continue
        if rev == NULL_REV:
            continue
        for parent in (p1[rev], p2[rev]):
            if parent >= minroot and not state[parent] & _SEEN:
                state[parent] |= _SEEN
                queue.append(parent)
    if includepath:
        for rev in range(max(minroot, 0), n):
            here = state[rev]
            if (here & _SEEN and not here & _REACHABLE
                    and (state[p1[rev]] | state[p2[rev]]) & _REACHABLE):
                state[rev] = here | _REACHABLE
                reachable.append(rev)
    return reachable


def isancestor(parents: Parents, a: int, b: int) -> bool:
    """Whether a is an ancestor of b (a == b and a == -1 count), for a, b in [-1, len)."""
    if a == NULL_REV or a == b:
        return True
    if a > b:
        return False
    p1, p2 = parents
    marks = bytearray(b + 2)  # marks[-1]: the null revision's
    marks[b] = 1
    rev = b + 1
    while True:
        rev = marks.rfind(1, a, rev)
        if rev < 0:
            return False
        if rev == a:
            return True
        marks[p1[rev]] = 1
        marks[p2[rev]] = 1


def ancestor_marks(parents: Parents, revs: Iterable[int], inclusive: bool) -> bytearray:
    """One byte per revision (and a last, meaningless one): 1 for the
    ancestors of revs (revs included if inclusive); -1 in revs adds nothing."""
    p1, p2 = parents
    n = len(p1)
    marks = bytearray(n + 1)
    top = -1
    for rev in revs:
        if rev < 0:
            continue
        top = max(top, rev)
        if inclusive:
            marks[rev] = 1
        else:
            marks[p1[rev]] = 1
            marks[p2[rev]] = 1
    if not inclusive:
        top -= 1  # the highest mark is at most the highest rev's parent
    rev = top + 1
    while True:
        rev = marks.rfind(1, 0, rev)
        if rev < 0:
            break
        marks[p1[rev]] = 1
        marks[p2[rev]] = 1
    marks[n] = 0
    return marks


def descendant_marks(parents: Parents, revs: Iterable[int], inclusive: bool) -> bytearray:
    """One byte per revision (and a last, meaningless one): 1 for the
    descendants of revs (revs included if inclusive; without, a rev counts
    only if it descends from another).  Everything descends from -1."""
    p1, p2 = parents
    n = len(p1)
    revs = set(revs)
    if NULL_REV in revs:
        return bytearray(b"\x01" * n + b"\x00")
    reached = bytearray(n + 1)  # revs and their descendants
    if not revs:
        return reached
    for rev in revs:
        reached[rev] = 1
    below = bytearray(n + 1)  # reached through a parent
    first = min(revs)
    for rev, a, b in zip(range(first + 1, n), p1[first + 1:], p2[first + 1:]):
        if reached[a] or reached[b]:
            reached[rev] = below[rev] = 1
    return reached if inclusive else below


def marked(marks: bytearray, count: int) -> List[int]:
    """The revisions marked in the first count bytes, ascending."""
    found = []
    rev = marks.find(1, 0, count)
    while rev >= 0:
        found.append(rev)
        rev = marks.find(1, rev + 1, count)
    return found


# ---- lazy ancestors ---------------------------------------------------------------


class LazyAncestors:
    """The ancestors of revs, computed as they are asked for (Mercurial's
    ancestor.lazyancestors): iteration yields them newest first, each once,
    never below stoprev; `rev in` walks only as far down as rev.

    The null revision is never an ancestor; it is yielded only when it is
    one of revs, inclusive is true and stoprev <= -1 (as Mercurial does).
    """

    def __init__(self, parents: Parents, revs: Iterable[int], stoprev: int = 0,
                 inclusive: bool = False, index_length: Optional[Callable[[], int]] = None):
        revs = set(revs)
        self._parents = parents
        # the owning index's current length: walking after the index lost
        # revisions is an IndexError, as in the C backend
        self._index_length = index_length
        self._length = len(parents.p1)  # appends to the table leave it as it was
        self._stoprev = stoprev
        self._inclusive = bool(inclusive)
        self._revs = sorted((rev for rev in revs if rev >= stoprev and rev >= 0), reverse=True)
        self._null = self._inclusive and stoprev <= NULL_REV and NULL_REV in revs
        self._walk: Optional[_Walk] = None  # the walk membership tests advance

    def _check_index(self) -> None:
        if self._index_length is not None and self._index_length() < self._length:
            raise IndexError("revlog index out of range")

    def _new_walk(self) -> "_Walk":
        return _Walk(self._parents, self._length, self._revs, self._stoprev, self._inclusive)

    def __iter__(self) -> Iterator[int]:
        self._check_index()
        walk = self._new_walk()
        while True:
            rev = walk.next()
            if rev is None:
                break
            yield rev
        if self._null:
            yield NULL_REV

    def __bool__(self) -> bool:
        self._check_index()
        return self._null or self._new_walk().next() is not None

    def __contains__(self, target) -> bool:
        if not isinstance(target, int):
            return False
        if target < 0:
            return target == NULL_REV and self._null
        if target < self._stoprev or target >= self._length:
            return False
        self._check_index()
        if self._walk is None:
            self._walk = self._new_walk()
        return self._walk.reach(target)

    def __repr__(self) -> str:
        return "<LazyAncestors of %r>" % (self._revs,)


class _Walk:
    """A downward walk through ancestors: marks one byte per revision."""

    def __init__(self, parents: Parents, length: int, revs: List[int], stoprev: int,
                 inclusive: bool):
        p1, p2 = parents
        self._p1, self._p2 = p1, p2
        self._marks = bytearray(length + 1)
        self._stoprev = max(stoprev, 0)
        marks = self._marks
        top = -1
        for rev in revs:
            if inclusive:
                marks[rev] = 1
                top = max(top, rev)
            else:
                marks[p1[rev]] = 1
                marks[p2[rev]] = 1
                top = max(top, p1[rev], p2[rev])
        marks[-1] = 0
        self._below = top + 1  # every mark at or above this was yielded

    def next(self) -> Optional[int]:
        """The next ancestor, or None when the walk is over."""
        if self._below <= self._stoprev:
            return None
        marks = self._marks
        rev = marks.rfind(1, self._stoprev, self._below)
        if rev < 0:
            self._below = self._stoprev
            return None
        marks[self._p1[rev]] = 1
        marks[self._p2[rev]] = 1
        marks[-1] = 0
        self._below = rev
        return rev

    def reach(self, target: int) -> bool:
        """Whether target (stoprev <= target < len) is an ancestor."""
        marks = self._marks
        while not marks[target] and self._below > target:
            if self.next() is None:
                break
        return bool(marks[target])


# ---- phases ------------------------------------------------------------------------


def phasesets(parents: Parents, roots: Dict[int, List[int]]) -> Dict[int, Set[int]]:
    """{phase: revisions in it} for the tracked phases: a revision takes the
    highest phase among its roots' and its parents'.  roots maps a tracked
    phase to revisions in [0, len)."""
    p1, p2 = parents
    n = len(p1)
    phases = bytearray(n + 1)
    low = n
    for phase in TRACKED_PHASES:
        for rev in roots.get(phase, ()):
            phases[rev] = phase
            low = min(low, rev)
    found: Dict[int, Set[int]] = {phase: set() for phase in TRACKED_PHASES}
    for rev in range(low, n):
        phase = max(phases[rev], phases[p1[rev]], phases[p2[rev]])
        phases[rev] = phase
        if phase:
            found[phase].add(rev)
    return found
