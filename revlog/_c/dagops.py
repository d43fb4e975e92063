"""The revision graph through the C core (csrc/dagops.c, deltachain.c).

GraphMethods holds the graph methods of revlog._c.index.Index (headrevs,
common ancestors, reachableroots2, phases, lazy ancestors, descendants,
bitmaps, snapshots, slicing); the Index inherits them.  They check their
arguments with revlog.protocol, as the pure index does, then make one C
call under the index's lock, its output read from cells allocated once per
index.  The answers are those of revlog._pure.index and of Mercurial 7.2.4.
"""
import operator
import struct
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from revlog import constants as C
from revlog import protocol
from revlog._c._revlog_c import ffi, lib
from revlog._c.bitmap import Bitmap, int_set_at as _int_set, ints_at as _ints

_OK = lib.REVLOG_OK
_CALLBACK = lib.REVLOG_ERR_CALLBACK
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
# filters whose membership test is plain: asking C about an array of their
# revisions answers as asking them would
_PLAIN_SETS = (set, frozenset)
# lazy ancestors: revisions per C call, growing from the first to the last
_FIRST_BATCH, _LAST_BATCH = 16, 1024


class _Cells:
    """An index's out-parameters for the graph calls (used under its lock)."""

    __slots__ = ("revs", "more", "flag", "count", "counts", "walk", "bitmap")

    def __init__(self) -> None:
        self.revs = ffi.new("struct revlog_revs *")
        self.more = ffi.new("struct revlog_revs *")
        self.flag = ffi.new("int32_t *")
        self.count = ffi.new("int64_t *")
        self.counts = ffi.new("int64_t[]", len(protocol.TRACKED_PHASES))
        self.walk = ffi.new("struct revlog_ancestors **")
        self.bitmap = ffi.new("struct revlog_bitmap **")


def _listed(revs) -> List[int]:
    """A struct revlog_revs as a list."""
    return _ints(revs.revs, revs.count)


class _FilterCall:
    """A filter's __contains__ as C calls it: what it raised is kept."""

    __slots__ = ("contains", "error")

    def __init__(self, contains) -> None:
        self.contains = contains
        self.error: Optional[BaseException] = None


@ffi.def_extern()
def revlog_py_filter(context, rev):
    call = ffi.from_handle(context)
    try:
        return 1 if call.contains(rev) else 0
    except BaseException as exc:  # noqa: BLE001 - re-raised after the C call
        call.error = exc
        return -1


def _plain_revs(filtered_revs) -> Optional[bytes]:
    """The revisions of a set or frozenset of ints, as native int64s (None
    when an element is not an int64: then the set must be asked)."""
    try:
        return struct.pack("%dq" % len(filtered_revs), *filtered_revs)
    except struct.error:
        return None


class GraphMethods:
    """The graph methods of the C index (mixed into revlog._c.index.Index).

    The index provides _index, _lock, _err, _length, _call(function,
    *args), _error(code), and _heads (the cached headrevs, None after any
    change) and _cells (None until the first graph call).
    """

    _cells: Optional[_Cells]
    _heads: Optional[Tuple[object, List[int]]]

    def _graph_cells(self) -> _Cells:
        cells = self._cells
        if cells is None:
            cells = self._cells = _Cells()
        return cells

    def _revs_call(self, function, *args) -> List[int]:
        """function(index, *args, revs out, err) under the lock, its list."""
        cells = self._cells or self._graph_cells()
        with self._lock:
            self._call(function, *args, cells.revs)
            return _listed(cells.revs)

    # ---- heads ------------------------------------------------------------

    def headrevs(self, filtered_revs=None, stop_rev: Optional[int] = None) -> List[int]:
        """Heads of revisions [0, stop_rev) that are not in filtered_revs,
        ascending; [-1] when there are no revisions.

        stop_rev is clamped to [0, len].  A filtered revision with an
        unfiltered child is not filtered (as in Mercurial's C index).  The
        answer is cached while the index is unchanged, for filtered_revs
        None or a frozenset (by identity).
        """
        length = self._length
        stop = length if stop_rev is None else protocol.headrevs_stop(stop_rev, length)
        cached = self._heads
        if stop == length and cached is not None and cached[0] is filtered_revs:
            return list(cached[1])
        if filtered_revs is None:
            heads = self._revs_call(lib.revlog_index_headrevs, stop, ffi.NULL, 0, ffi.NULL, ffi.NULL)
        else:
            contains = protocol.filter_contains(filtered_revs)
            if type(filtered_revs) in _PLAIN_SETS:
                heads = self._plain_filtered_heads(stop, filtered_revs)
            else:
                heads = self._filtered_heads(stop, contains)
        if stop == length and (filtered_revs is None or type(filtered_revs) is frozenset):
            self._heads = (filtered_revs, heads)
            return list(heads)
        return heads

    def _plain_filtered_heads(self, stop: int, filtered_revs) -> List[int]:
        """headrevs filtered by a set or frozenset: asking it has no effect,
        so it need not be asked what Mercurial asks, in its order."""
        heads = self._revs_call(lib.revlog_index_headrevs, stop, ffi.NULL, 0, ffi.NULL, ffi.NULL)
        # Walking down, Mercurial asks first about the heads: when none is
        # filtered, nothing is (every other revision has an unfiltered child)
        if not stop or not any(map(filtered_revs.__contains__, heads)):
            return heads
        plain = _plain_revs(filtered_revs)
        if plain is None:
            return self._filtered_heads(stop, filtered_revs.__contains__)
        revs = ffi.from_buffer("int64_t[]", plain) if plain else ffi.NULL
        return self._revs_call(lib.revlog_index_headrevs, stop, revs, len(filtered_revs),
                               ffi.NULL, ffi.NULL)

    def _filtered_heads(self, stop: int, contains) -> List[int]:
        """headrevs asking contains(rev), from C, about the revisions
        Mercurial's C index asks about, in its order.  The index is locked
        meanwhile: a filter must not call back into it."""
        cells = self._cells or self._graph_cells()
        call = _FilterCall(contains)
        handle = ffi.new_handle(call)
        with self._lock:
            code = lib.revlog_index_headrevs(self._index, stop, ffi.NULL, 0, lib.revlog_py_filter,
                                             handle, cells.revs, self._err)
            if code == _OK:
                return _listed(cells.revs)
            if code != _CALLBACK:
                raise self._error(code)
        if isinstance(call.error, Exception):
            raise protocol.filter_failed() from call.error
        raise call.error  # KeyboardInterrupt and the like pass as they are

    def head_node_ids(self) -> List[bytes]:
        """The nodes of headrevs() ([null node] for an empty index)."""
        return [self[rev][C.ENTRY_NODE] if rev >= 0 else C.NULL_NODE for rev in self.headrevs()]

    def headrevsdiff(self, start: int, stop: int) -> Tuple[List[int], List[int]]:
        """(removed, added): the heads of revisions [0, start) that are not
        heads of [0, stop), and those of [0, stop) that are not heads of
        [0, start), each descending; -1 is removed when start is 0 < stop.
        start and stop lie in [0, len] (IndexError otherwise)."""
        start, stop = protocol.headrevsdiff_range(start, stop, self._length)
        cells = self._cells or self._graph_cells()
        with self._lock:
            self._call(lib.revlog_index_headrevsdiff, start, stop, cells.revs, cells.more)
            return _listed(cells.revs), _listed(cells.more)

    # ---- common ancestors ---------------------------------------------------

    def commonancestorsheads(self, *revs: int) -> List[int]:
        """Heads of the common ancestors of revs, descending (any number of revs)."""
        distinct = protocol.gca_args(revs, self._length) or ()
        return self._revs_call(lib.revlog_index_commonancestorsheads, distinct, len(distinct))

    def ancestors(self, *revs: int) -> List[int]:
        """Greatest common ancestors of revs (the common ancestors heads
        furthest from a root), ascending (any number of revs)."""
        distinct = protocol.gca_args(revs, self._length) or ()
        return self._revs_call(lib.revlog_index_gca, distinct, len(distinct))

    # ---- reachability ---------------------------------------------------------

    def reachableroots2(self, minroot: int, heads: List[int], roots: List[int],
                        includepath: bool) -> List[int]:
        """Roots that are ancestors of heads through revisions >= minroot, in
        the order a breadth-first walk from heads meets them; with
        includepath, then every revision between them and heads, ascending.
        Roots outside [-1, len) are ignored; heads outside are IndexError."""
        length = self._length
        minroot, heads, roots = protocol.reachableroots_args(minroot, heads, roots, includepath,
                                                             length)
        minroot = min(max(minroot, -1), length)
        call = lib.revlog_index_reachableroots
        try:  # C ignores the roots out of range, if they fit an int64
            return self._revs_call(call, minroot, heads, len(heads), roots, len(roots), includepath)
        except OverflowError:
            roots = [root for root in roots if -1 <= root < length]
            return self._revs_call(call, minroot, heads, len(heads), roots, len(roots), includepath)

    def isancestor(self, a: int, b: int) -> bool:
        """Whether a is an ancestor of b; a revision is its own ancestor and
        -1 is everyone's.  a and b in [-1, len) (IndexError otherwise)."""
        a, b = protocol.graph_revs((a, b), self._length)
        cells = self._cells or self._graph_cells()
        with self._lock:
            self._call(lib.revlog_index_isancestor, a, b, cells.flag)
            return bool(cells.flag[0])

    # ---- phases ------------------------------------------------------------------

    def computephasesmapsets(self, roots: Dict[int, Set[int]]) -> Tuple[int, Dict[int, Set[int]]]:
        """(len, {phase: set of revisions}) for phases 1, 2, 32 and 96, from
        roots {phase: set of root revisions}: a revision has the highest
        phase of its own roots' and its parents'."""
        length = self._length
        by_phase = protocol.phase_roots(roots, length)
        revs: List[int] = []
        phases: List[int] = []
        for phase, phase_revs in by_phase.items():
            revs.extend(phase_revs)
            phases.extend([phase] * len(phase_revs))
        cells = self._cells or self._graph_cells()
        found = {}
        with self._lock:
            self._call(lib.revlog_index_phases, revs, phases, len(revs), cells.counts, cells.revs)
            at = cells.revs.revs
            for k, phase in enumerate(protocol.TRACKED_PHASES):
                count = cells.counts[k]
                found[phase] = _int_set(at, count)
                at += count
        return length, found

    # ---- ancestors and descendants ----------------------------------------------

    def lazyancestors(self, revs: Iterable[int], stoprev: int = 0,
                      inclusive: bool = False) -> "LazyAncestors":
        """The ancestors of revs (not below stoprev), computed as needed:
        iterates newest first, `rev in` walks only down to rev.  revs in
        [-1, len) (IndexError otherwise)."""
        checked = protocol.graph_revs(revs, self._length)
        return LazyAncestors(self, checked, operator.index(stoprev), bool(inclusive))

    def _new_walk(self, revs: List[int], stoprev: int, inclusive: bool):
        """A C walk down the ancestors of revs (each in [max(stoprev, 0), len))."""
        cells = self._cells or self._graph_cells()
        stoprev = min(max(stoprev, _INT64_MIN), _INT64_MAX)
        with self._lock:
            self._call(lib.revlog_ancestors_new, revs, len(revs), stoprev, inclusive, cells.walk)
            return ffi.gc(cells.walk[0], lib.revlog_ancestors_free)

    def descendants(self, revs: Iterable[int], inclusive: bool = False) -> List[int]:
        """Descendants of revs, ascending (revs themselves if inclusive; -1
        too when given).  Every revision descends from -1."""
        checked = protocol.graph_revs(revs, self._length)
        return self._revs_call(lib.revlog_index_descendants, checked, len(checked), bool(inclusive))

    def ancestors_bitmap(self, revs: Iterable[int], inclusive: bool = True) -> Bitmap:
        """The ancestors of revs (revs too if inclusive) as a Bitmap; the
        null revision is never in one."""
        return self._bitmap_call(lib.revlog_index_ancestors_bitmap, revs, inclusive)

    def descendants_bitmap(self, revs: Iterable[int], inclusive: bool = True) -> Bitmap:
        """The descendants of revs (revs too if inclusive) as a Bitmap; the
        null revision is never in one."""
        return self._bitmap_call(lib.revlog_index_descendants_bitmap, revs, inclusive)

    def _bitmap_call(self, function, revs, inclusive) -> Bitmap:
        checked = protocol.graph_revs(revs, self._length)
        cells = self._cells or self._graph_cells()
        with self._lock:
            self._call(function, checked, len(checked), bool(inclusive), cells.bitmap)
            return Bitmap(cells.bitmap[0])

    # ---- snapshots and sparse reads --------------------------------------------------

    def findsnapshots(self, cache: Dict[int, Set[int]], start_rev: int, end_rev: int) -> None:
        """Add the snapshots among revs [start_rev, end_rev] to cache:
        cache[delta base] is the set of those with that base (-1: full texts)."""
        length = self._length
        start, end = protocol.snapshot_range(cache, start_rev, end_rev, length)
        start, end = min(start, length), max(end, 0)
        cells = self._cells or self._graph_cells()
        with self._lock:
            code = lib.revlog_index_findsnapshots(self._index, start, end, cells.revs, self._err)
            pairs = _listed(cells.revs)
            error = self._error(code) if code != _OK else None
        # what was found before a corrupted revision is kept, as in Mercurial
        for rev, base in zip(pairs[::2], pairs[1::2]):
            revs = cache.get(base)
            if revs is None:
                revs = cache[base] = set()
            revs.add(rev)
        if error is not None:
            raise error

    def slicechunktodensity(self, revs: List[int], targetdensity: float,
                            mingapsize: int) -> List[List[int]]:
        """Cut sorted revs into groups worth reading at once (sparse read).

        The largest gaps between chunks are skipped, largest first, until
        the data read is at least `targetdensity` useful; gaps up to
        `mingapsize` bytes are never skipped.
        """
        revs, targetdensity, mingapsize = protocol.slice_args(revs, targetdensity, mingapsize)
        count = len(revs)
        if count <= 1:
            return [revs]
        try:  # one C call to convert them, C checks their range
            packed = ffi.from_buffer("int64_t[]", struct.pack("%dq" % count, *revs))
        except struct.error:
            protocol.check_slice_revs(revs, self._length)  # the exception pure raises
            raise TypeError("revisions must be ints") from None
        cells = self._cells or self._graph_cells()
        with self._lock:
            code = lib.revlog_index_slicechunk(self._index, packed, count, targetdensity, mingapsize,
                                               cells.revs, self._err)
            if code != _OK:
                if code == lib.REVLOG_ERR_RANGE:
                    raise protocol.slice_rev_error(self._err.rev)
                raise self._error(code)
            bounds = _listed(cells.revs)
        if len(bounds) == 2:
            return [revs]
        return [revs[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]


class LazyAncestors:
    """The ancestors of revs, computed as they are asked for (Mercurial's
    ancestor.lazyancestors): iteration yields them newest first, each once,
    never below stoprev; `rev in` walks only as far down as rev.

    The null revision is never an ancestor; it is yielded only when it is
    one of revs, inclusive is true and stoprev <= -1 (as Mercurial does).
    Each iteration and the membership tests walk in C, a batch of
    revisions per call.
    """

    __slots__ = ("_index", "_revs", "_stoprev", "_inclusive", "_null", "_length", "_nonempty",
                 "_walk", "_fresh")

    def __init__(self, index: GraphMethods, revs: List[int], stoprev: int, inclusive: bool):
        unique = set(revs)
        self._index = index
        self._revs = sorted((rev for rev in unique if rev >= stoprev and rev >= 0), reverse=True)
        self._stoprev = stoprev
        self._inclusive = inclusive
        self._null = inclusive and stoprev <= C.NULL_REV and C.NULL_REV in unique
        self._length = len(index)
        # the first walk (it checks the graph now): the first iteration or
        # the membership tests take it
        walk = self._walk = index._new_walk(self._revs, stoprev, inclusive)
        self._fresh = True
        self._nonempty = walk.top >= walk.floor

    def _take_walk(self):
        if self._fresh:
            self._fresh = False
            return self._walk
        return self._index._new_walk(self._revs, self._stoprev, self._inclusive)

    def __iter__(self) -> Iterator[int]:
        walk = self._take_walk()
        if walk is self._walk:
            self._walk = None  # membership tests make their own
        return self._iterate(walk)

    def _iterate(self, walk) -> Iterator[int]:
        index = self._index
        cells = index._cells
        want = _FIRST_BATCH
        while True:
            with index._lock:
                index._call(lib.revlog_ancestors_next, walk, want, cells.count)
                count = cells.count[0]
                if not count:
                    break
                batch = _ints(walk.buffer, count)
            yield from batch
            want = min(want * 4, _LAST_BATCH)
        if self._null:
            yield C.NULL_REV

    def _check_index(self) -> None:
        """IndexError once the index lost revisions this walk may visit
        (the C walk would refuse them too)."""
        if len(self._index) < self._length:
            raise IndexError("revlog index out of range")

    def __bool__(self) -> bool:
        self._check_index()
        return self._null or self._nonempty

    def __contains__(self, target) -> bool:
        if not isinstance(target, int):
            return False
        if target < 0:
            return target == C.NULL_REV and self._null
        if target < self._stoprev or target >= self._length:
            return False
        self._check_index()
        walk = self._walk
        if walk is None:
            walk = self._walk = self._take_walk()
        self._fresh = False
        if walk.marks[target >> 6] >> (target & 63) & 1:
            return True
        index = self._index
        cells = index._cells
        with index._lock:
            index._call(lib.revlog_ancestors_contains, walk, target, cells.flag)
            return bool(cells.flag[0])

    def __repr__(self) -> str:
        return "<LazyAncestors of %r>" % (self._revs,)
