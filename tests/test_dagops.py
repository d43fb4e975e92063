"""The index's graph operations, each backend against Mercurial 7.2.4 and a model.

Random DAGs (linear runs, wide merges, many roots, anything) are packed as v1
indexes and asked every graph question.  The answers must equal, exactly and
in the same order, those of Mercurial's C index (on CPython); those of its
pure-Python algorithms (ancestor.py, dagop.py, pure/parsers.py; on PyPy
too) where they agree with its C index; and a brute-force model made of
Python sets.  Then: what Mercurial recorded on the fixture repositories,
commonancestorsheads of more than 24 revisions (where Mercurial's C index
gives up), corrupted parents, argument errors, the headrevs cache and a very
long linear history.

Rules both backends follow where Mercurial has none (it reads out of bounds
or gives inconsistent answers):
- headrevs clamps stop_rev to [0, len]; headrevsdiff wants start and stop
  in [0, len] (IndexError "revlog index out of range");
- after its argument checks, every graph method checks the parents of every
  revision: one outside [-1, rev) is CorruptedIndex naming the lowest such
  revision, p1 before p2;
- the methods Mercurial lacks (lazyancestors, descendants, isancestor,
  *_bitmap) take revisions in [-1, len) (IndexError "revlog index out of
  range"), and yield each revision once.
"""
import gc
import hashlib
import importlib
import mmap
import struct
import sys
import time
from array import array
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Set, Tuple

import pytest
from hypothesis import given, settings, strategies as st

import hgoracle
from revlog import constants as C
from revlog import errors, status
from test_index import pack_index, specs
from test_read_repos import open_recorded

CPYTHON = sys.implementation.name == "cpython"
PHASES = (1, 2, 32, 96)


# ---- DAGs and the indexes holding them ---------------------------------------


def node_of(rev: int) -> bytes:
    return hashlib.sha1(b"rev %d" % rev).digest()


class Dag(NamedTuple):
    """Parents by revision: (p1, p2), each in [-1, rev)."""
    pairs: List[Tuple[int, int]]

    def data(self) -> bytes:
        """A v1 index (not inline) of the DAG."""
        return b"".join(C.INDEX_ENTRY_V1.pack(0, 0, 0, rev, rev, p1, p2, node_of(rev))
                        for rev, (p1, p2) in enumerate(self.pairs))

    def parentrevs(self, rev: int) -> Tuple[int, int]:
        return self.pairs[rev] if rev >= 0 else (-1, -1)

    def revs(self, start: int = 0) -> Iterable[int]:
        return iter(range(start, len(self.pairs)))


@st.composite
def parent_pair(draw, shape: str, rev: int) -> Tuple[int, int]:
    anywhere = st.integers(-1, rev - 1)
    roll = draw(st.integers(0, 9))
    if shape == "linear":
        return (rev - 1 if roll else draw(anywhere)), -1
    if shape == "merges":  # mostly merges of a recent and any earlier revision
        recent = draw(st.integers(max(rev - 3, -1), rev - 1))
        return recent, (draw(anywhere) if roll < 8 else -1)
    if shape == "roots":  # many new roots, and merges between the lines
        return (-1 if roll < 3 else draw(anywhere)), (draw(anywhere) if roll > 6 else -1)
    return draw(anywhere), draw(anywhere)  # p1 == p2, p1 null and p2 not...


@st.composite
def dags(draw, min_revs: int = 0, max_revs: int = 40) -> Dag:
    count = draw(st.integers(min_revs, max_revs))
    shape = draw(st.sampled_from(["linear", "merges", "roots", "random"]))
    return Dag([draw(parent_pair(shape, rev)) for rev in range(count)])


def ours(backend, dag: Dag):
    return backend.parse_index2(dag.data(), False, True)[0]


def revs_in(dag: Dag, low: int = -1, extra: int = 0, max_size: int = 6):
    """Lists of revisions of dag (from low; `extra` past the end)."""
    if len(dag.pairs) - 1 + extra < low:
        return st.just([])
    return st.lists(st.integers(low, len(dag.pairs) - 1 + extra), max_size=max_size)


# ---- Mercurial ------------------------------------------------------------------


def hg_modules():
    """(ancestor, dagop, pure parsers, C parsers or None) of Mercurial 7.2.4."""
    hgoracle.mercurial()
    found = [importlib.import_module("mercurial." + name)
             for name in ("ancestor", "dagop", "pure.parsers")]
    return tuple(found) + (importlib.import_module("mercurial.cext.parsers") if CPYTHON else None,)


def hg_c_index(dag: Dag):
    """Mercurial's C index of dag, or None where it is not available (PyPy)."""
    cparsers = hg_modules()[3]
    if cparsers is None:
        return None
    return cparsers.parse_index2(dag.data(), False, True, False)[0]


def hg_pure_index(dag: Dag):
    return hg_modules()[2].parse_index2(dag.data(), False, True, False)[0]


def outcome(fn, *args):
    """("ok", result) or (exception type name, message)."""
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
        return (type(exc).__name__, str(exc))


# ---- the model ---------------------------------------------------------------------


class Model:
    """The DAG as Python sets: the answers by definition."""

    def __init__(self, dag: Dag):
        self.pairs = dag.pairs
        self.n = len(dag.pairs)
        self.closure: List[FrozenSet[int]] = []  # ancestors of each rev, itself included
        for rev, (p1, p2) in enumerate(dag.pairs):
            found = {rev}
            for parent in (p1, p2):
                if parent >= 0:
                    found |= self.closure[parent]
            self.closure.append(frozenset(found))

    def parents(self, revs: Iterable[int]) -> Set[int]:
        return {p for rev in revs if rev >= 0 for p in self.pairs[rev] if p >= 0}

    def heads(self, revs: Iterable[int]) -> Set[int]:
        revs = set(revs)
        return revs - self.parents(revs)

    def ancestors(self, revs: Iterable[int], inclusive: bool = True) -> Set[int]:
        revs = [rev for rev in revs if rev >= 0]
        if inclusive:
            return set().union(*(self.closure[rev] for rev in revs))
        return set().union(*(self.closure[p] for p in self.parents(revs)))

    def descendants(self, revs: Iterable[int], inclusive: bool = True) -> Set[int]:
        revs = set(revs)
        if -1 in revs:  # everything descends from the null revision
            return set(range(self.n)) | (revs if inclusive else set())
        found = {rev for rev in range(self.n) if self.closure[rev] & revs}
        if inclusive:
            return found
        return {rev for rev in found if self.closure[rev] & (revs - {rev})}

    def common_heads(self, revs: List[int]) -> Set[int]:
        if not revs or -1 in revs:
            return set()
        return self.heads(frozenset.intersection(*(self.closure[rev] for rev in revs)))

    def headrevs(self, stop: int) -> List[int]:
        return sorted(self.heads(range(stop))) if stop > 0 else [-1]

    def filtered_heads(self, filtered: Set[int]) -> List[int]:
        """Heads as Mercurial's C index sees a filter: a filtered revision
        with an unfiltered child is not filtered."""
        kept: Set[int] = set()
        for rev in range(self.n - 1, -1, -1):
            if rev not in filtered or rev in self.parents(kept):
                kept.add(rev)
        return sorted(self.heads(kept))

    def phases(self, roots: Dict[int, Set[int]]) -> Dict[int, Set[int]]:
        phase = [0] * self.n
        for rev in range(self.n):
            own = [p for p, revs in roots.items() if rev in revs]
            phase[rev] = max([phase[p] for p in self.pairs[rev] if p >= 0] + own + [0])
        return {p: {rev for rev in range(self.n) if phase[rev] == p} for p in PHASES}


# ---- heads ---------------------------------------------------------------------------


@given(dag=dags(), extra_stops=st.lists(st.integers(-3, 45), max_size=3))
def test_headrevs(backend, dag, extra_stops):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hg_c, hg_pure = hg_c_index(dag), hg_pure_index(dag)
    expected = model.headrevs(n)
    assert index.headrevs() == expected == hg_pure.headrevs()
    assert index.headrevs(None, None) == expected
    if hg_c is not None:
        assert hg_c.headrevs() == expected
    for stop in sorted({0, 1, n // 2, n} | set(extra_stops)):
        clamped = min(max(stop, 0), n)
        assert index.headrevs(None, stop) == model.headrevs(clamped), stop
        if 0 <= stop <= n:  # Mercurial's C index does not check the range
            assert hg_pure.headrevs(None, stop) == model.headrevs(stop)
            if hg_c is not None:
                assert hg_c.headrevs(None, stop) == model.headrevs(stop)
    assert index.head_node_ids() == [node_of(rev) if rev >= 0 else C.NULL_NODE for rev in expected]


@given(dag=dags(min_revs=1), data=st.data())
def test_headrevs_filtered(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    filtered = data.draw(st.frozensets(st.integers(0, n - 1)))
    hg_c = hg_c_index(dag)
    expected = model.filtered_heads(filtered)
    assert index.headrevs(filtered) == expected
    if hg_c is not None:
        assert hg_c.headrevs(filtered) == expected
    # any container with __contains__ works; each revision is asked about
    # once at most (Mercurial's C index asks only about those without an
    # unfiltered child: a backend may ask about more)
    asked = []

    class Spy:
        def __contains__(self, rev):
            asked.append(rev)
            return rev in filtered

    assert index.headrevs(Spy()) == expected
    assert len(asked) == len(set(asked)) and set(asked) <= set(range(n))
    # Mercurial's pure index agrees when the filter keeps no child of what it
    # hides (as repoview's filters do)
    closed = frozenset(model.descendants(filtered))
    assert index.headrevs(closed) == model.filtered_heads(closed) == hg_pure_index(dag).headrevs(closed)
    # stop_rev with a filter: the heads below stop_rev of what is left
    stop = data.draw(st.integers(0, n))
    below = Model(Dag(dag.pairs[:stop]))
    assert index.headrevs(filtered, stop) == (below.filtered_heads(filtered) if stop else [-1])


@given(dag=dags(), data=st.data())
def test_headrevsdiff(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hg_c = hg_c_index(dag)
    hg_dagop = hg_modules()[1]
    pairs = [(0, n), (n, n)] + data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=6))
    for start, stop in pairs:
        removed, added = index.headrevsdiff(start, stop)
        before, after = set(model.headrevs(start)), set(model.headrevs(stop))
        if start >= stop:
            assert (removed, added) == ([], []), (start, stop)
            continue
        assert removed == sorted(before - after, reverse=True) and added == sorted(after - before, reverse=True)
        if hg_c is not None:
            assert hg_c.headrevsdiff(start, stop) == (removed, added)
        # Mercurial's pure version also reports -1 removed when a new root
        # comes after start > 0
        hg_removed, hg_added = hg_dagop.headrevsdiff(dag.parentrevs, start, stop)
        assert (hg_removed - {-1}, hg_added) == (set(removed) - {-1}, set(added))


# ---- common ancestors ------------------------------------------------------------------


@given(dag=dags(min_revs=1), data=st.data())
def test_common_ancestors(backend, dag, data):
    index, model = ours(backend, dag), Model(dag)
    hg_ancestor = hg_modules()[0]
    hg_c = hg_c_index(dag)
    for _ in range(4):
        revs = data.draw(st.lists(st.integers(-1, len(dag.pairs) - 1), max_size=5)
                         | revs_in(dag, low=0, max_size=4))
        heads = index.commonancestorsheads(*revs)
        assert heads == sorted(model.common_heads(revs), reverse=True), revs
        assert set(heads) == hg_ancestor.commonancestorsheads(dag.parentrevs, *revs)
        gca = index.ancestors(*revs)
        assert gca == sorted(gca) and set(gca) <= set(heads)
        assert set(gca) == set(hg_ancestor.ancestors(dag.parentrevs, *revs)), revs
        if hg_c is not None:
            assert hg_c.commonancestorsheads(*revs) == heads
            assert hg_c.ancestors(*revs) == gca


@settings(max_examples=40)
@given(dag=dags(min_revs=30, max_revs=150), data=st.data())
def test_common_ancestors_of_many_revisions(backend, dag, data):
    # Mercurial's C index stops at 24 (OverflowError; hg then falls back to
    # its pure algorithm, which has no limit): there is none here
    n = len(dag.pairs)
    revs = data.draw(st.lists(st.integers(0, n - 1), min_size=25, max_size=n, unique=True))
    index, model = ours(backend, dag), Model(dag)
    hg_ancestor = hg_modules()[0]
    heads = index.commonancestorsheads(*revs)
    assert heads == sorted(model.common_heads(revs), reverse=True)
    assert set(heads) == hg_ancestor.commonancestorsheads(dag.parentrevs, *revs)
    if len(heads) > 24:  # the candidates index.ancestors picks among: capped as in hg's C
        with pytest.raises(OverflowError):
            index.ancestors(*revs)
    else:
        assert set(index.ancestors(*revs)) == set(hg_ancestor.ancestors(dag.parentrevs, *revs))
    hg_c = hg_c_index(dag)
    if hg_c is not None:
        with pytest.raises(OverflowError):
            hg_c.commonancestorsheads(*revs)


def test_common_ancestors_of_a_thousand_merged_lines(backend):
    # 1000 lines from one root, merged pairwise into one head: the common
    # ancestor of all of their tips is the root
    pairs = [(-1, -1)] + [(0, -1)] * 1000
    tips = list(range(1, 1001))
    merges = []
    level = tips
    while len(level) > 1:
        nxt = []
        for a, b in zip(level[::2], level[1::2]):
            pairs.append((a, b))
            nxt.append(len(pairs) - 1)
        level = nxt + level[len(level) // 2 * 2:]
        merges.extend(nxt)
    index = ours(backend, Dag(pairs))
    assert index.commonancestorsheads(*tips) == [0] == index.ancestors(*tips)
    assert index.commonancestorsheads(*tips, merges[-1]) == [0]
    assert index.commonancestorsheads(*merges) == [0]
    assert index.commonancestorsheads(merges[-1], merges[0]) == [merges[0]]
    assert index.commonancestorsheads(merges[-1], *tips[:500]) == [0]
    assert index.commonancestorsheads(*(tips * 3)) == [0]


# ---- reachability ------------------------------------------------------------------------


@given(dag=dags(min_revs=1), data=st.data())
def test_reachableroots2(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hg_c = hg_c_index(dag)
    for _ in range(3):
        minroot = data.draw(st.integers(-2, n))
        heads = data.draw(revs_in(dag, max_size=4))
        roots = data.draw(st.lists(st.integers(-3, n + 2), max_size=5))
        includepath = data.draw(st.booleans())
        found = index.reachableroots2(minroot, heads, roots, includepath)
        if hg_c is not None:
            assert hg_c.reachableroots2(minroot, heads, roots, includepath) == found
        assert len(found) == len(set(found))
        assert set(found) == reachable_roots(model, minroot, heads, roots, includepath)


def reachable_roots(model: Model, minroot: int, heads: List[int], roots: List[int],
                    includepath: bool) -> Set[int]:
    """reachableroots2 by definition: the roots met walking down from heads
    through parents >= minroot (past roots only with includepath); with
    includepath, also the revisions >= minroot met on the way that have a
    parent in the answer."""
    seen = set(heads)
    stack = list(heads)
    while stack:
        rev = stack.pop()
        if rev < 0 or (rev in roots and not includepath):
            continue
        for parent in model.pairs[rev]:
            if parent >= minroot and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    found = seen & set(roots)
    if includepath:
        for rev in sorted(seen):
            if rev >= max(minroot, 0) and found & set(model.pairs[rev]):
                found.add(rev)
    return found


@given(dag=dags(min_revs=1))
def test_isancestor(backend, dag):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hg_c = hg_c_index(dag)
    for b in range(-1, n):
        for a in range(-1, n):
            expected = a == -1 or a == b or (b >= 0 and a in model.closure[b])
            assert index.isancestor(a, b) == expected, (a, b)
            if hg_c is not None and -1 < a < b:  # revlog.isancestorrev
                assert bool(hg_c.reachableroots2(a, [b], [a], False)) == expected


# ---- phases ------------------------------------------------------------------------------


@given(dag=dags(min_revs=1), data=st.data())
def test_computephasesmapsets(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    roots = data.draw(st.dictionaries(st.sampled_from(PHASES + (0, 7)), st.sets(st.integers(0, n - 1), max_size=3)))
    found = index.computephasesmapsets(roots)
    assert found == (n, model.phases({p: r for p, r in roots.items() if p in PHASES}))
    hg_c = hg_c_index(dag)
    if hg_c is not None:
        assert hg_c.computephasesmapsets(roots) == found


# ---- lazy ancestors, descendants --------------------------------------------------------


@given(dag=dags(), data=st.data())
def test_lazyancestors(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hg_ancestor = hg_modules()[0]
    revs = data.draw(revs_in(dag))
    stoprev = data.draw(st.integers(-2, n + 1))
    inclusive = data.draw(st.booleans())
    lazy = index.lazyancestors(revs, stoprev, inclusive)
    # Mercurial yields a rev twice when it is given twice: give it each once
    hg_lazy = hg_ancestor.lazyancestors(dag.parentrevs, sorted(set(revs)), stoprev, inclusive)
    listed = list(lazy)
    assert listed == list(hg_lazy) == list(lazy)  # each iteration starts afresh
    expected = {rev for rev in model.ancestors(revs, inclusive) if rev >= stoprev}
    if inclusive and -1 in revs and stoprev <= -1:
        expected.add(-1)
    assert listed == sorted(expected, reverse=True)
    assert bool(lazy) == bool(expected) == bool(hg_lazy)
    # membership, asked in any order, on an object iterated or not
    for lazy_one, hg_one in ((lazy, hg_lazy),
                             (index.lazyancestors(revs, stoprev, inclusive),
                              hg_ancestor.lazyancestors(dag.parentrevs, sorted(set(revs)), stoprev, inclusive))):
        targets = data.draw(st.lists(st.integers(-3, n + 2), max_size=2 * n + 4))
        for target in targets:
            assert (target in lazy_one) == (target in expected) == (target in hg_one), target
    assert None not in lazy and "x" not in lazy


@given(dag=dags(), data=st.data())
def test_descendants(backend, dag, data):
    index, model = ours(backend, dag), Model(dag)
    hg_dagop = hg_modules()[1]
    revs = data.draw(revs_in(dag))
    for inclusive in (False, True):
        found = index.descendants(revs, inclusive)
        assert found == sorted(model.descendants(revs, inclusive)), (revs, inclusive)
    if revs:
        assert index.descendants(revs) == list(hg_dagop.descendantrevs(revs, dag.revs, dag.parentrevs))
    else:
        assert index.descendants(revs) == [] == index.descendants(revs, True)


@given(dag=dags(), data=st.data())
def test_pure_algorithms_on_plain_lists(dag, data):
    # revlog._pure.dagops works on any pair of parent sequences
    from revlog._pure import dagops
    n = len(dag.pairs)
    parents, model = dagops.Parents.from_pairs(dag.pairs), Model(dag)
    assert dagops.first_bad_parent(parents) is None
    assert dagops.headrevs(parents, n) == model.headrevs(n)
    revs = sorted(set(data.draw(revs_in(dag, low=0))))
    assert dagops.commonancestorsheads(parents, revs) == sorted(model.common_heads(revs), reverse=True)
    assert set(dagops.gca(parents, revs)) <= model.common_heads(revs)
    assert dagops.marked(dagops.ancestor_marks(parents, revs, True), n) == sorted(model.ancestors(revs))
    assert list(dagops.LazyAncestors(parents, revs)) == sorted(model.ancestors(revs, False), reverse=True)
    if n:
        bad = dagops.Parents.from_pairs(dag.pairs[:-1] + [(dag.pairs[-1][0], n - 1)])
        assert dagops.first_bad_parent(bad) == (n - 1, n - 1)
        assert dagops.first_bad_parent(bad, n) is None


# ---- other formats, appended entries ------------------------------------------------------


@given(spec=specs(max_revs=30), data=st.data())
def test_every_format_and_appended_entries(backend, spec, data):
    # parents come from the right place in v1, v2 and changelog-v2 entries,
    # inline or not, on disk or appended
    index = backend.parse_index2(*spec.args())[0]
    cut = data.draw(st.integers(0, len(spec.rows)))
    early = backend.parse_index2(pack_index(spec.fmt, spec.rows[:cut], spec.inline, spec.header),
                                 *spec.args()[1:])[0]
    early.headrevs()  # the graph is read before the appends and kept up to date
    for row in spec.rows[cut:]:
        early.append(index[len(early)])
    dag = Dag([(row.p1, row.p2) for row in spec.rows])
    model = Model(dag)
    n = len(spec.rows)
    revs = data.draw(revs_in(dag, low=0, max_size=4))
    for idx in (index, early):
        assert idx.headrevs() == model.headrevs(n)
        assert idx.commonancestorsheads(*revs) == sorted(model.common_heads(revs), reverse=True)
        assert list(idx.lazyancestors(revs)) == sorted(model.ancestors(revs, False), reverse=True)
        assert idx.descendants_bitmap(revs).tolist() == sorted(model.descendants(revs))
    if cut < n:
        del early[cut:-1]
        assert early.headrevs() == model.headrevs(cut)
        assert early.descendants_bitmap([-1]).tolist() == list(range(cut))


def test_graph_of_a_mapped_file(backend, tmp_path):
    # the parents are read out of the buffer without keeping it exported
    path = tmp_path / "x.i"
    path.write_bytes(Dag([(-1, -1), (0, -1), (0, -1)]).data())
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    index = backend.parse_index2(mapped, False, True)[0]
    assert index.headrevs() == [1, 2] and index.descendants([0]) == [1, 2]
    del index
    gc.collect()
    mapped.close()


# ---- snapshots ---------------------------------------------------------------------------


@given(spec=specs(), data=st.data())
def test_findsnapshots(backend, spec, data):
    index = backend.parse_index2(*spec.args())[0]
    n = len(spec.rows)
    start = data.draw(st.integers(-2, n + 1))
    end = data.draw(st.integers(-2, n + 1))
    prefilled = data.draw(st.dictionaries(st.integers(-1, 3), st.sets(st.integers(100, 103), max_size=2),
                                          max_size=2))
    got = {base: set(revs) for base, revs in prefilled.items()}
    result = outcome(index.findsnapshots, got, start, end)
    hg_c = hg_modules()[3]
    if hg_c is not None:
        hg_index = hg_c.parse_index2(*spec.args()[:4], format=spec.fmt)[0]
        expected = {base: set(revs) for base, revs in prefilled.items()}
        hg_result = outcome(hg_index.findsnapshots, expected, start, end)
        assert (result[0] == "ok") == (hg_result[0] == "ok"), (result, hg_result)
        if result[0] == "ok":
            assert got == expected
    if result[0] != "ok":
        assert result[0] == "CorruptedIndex"
        return
    # the snapshots in range, by delta base (outcome of issnapshot per rev)
    model = {base: set(revs) for base, revs in prefilled.items()}
    for rev in range(max(start, 0), min(end + 1, n)):
        if index.issnapshot(rev):
            base = spec.rows[rev].base if spec.fmt != C.CHANGELOGV2 else rev
            model.setdefault(-1 if base == rev else base, set()).add(rev)
    assert got == model


# ---- the fixture repositories ------------------------------------------------------------


def test_recorded_dag_answers(hg_repo, backend):
    for rec in hg_repo.revlogs:
        index = open_recorded(hg_repo, rec, backend).index
        where = rec["path"]
        assert index.headrevs() == rec["headrevs"], where
        if rec["findsnapshots"] is not None:
            cache: Dict[int, Set[int]] = {}
            index.findsnapshots(cache, 0, rec["len"] - 1)
            assert {base: sorted(revs) for base, revs in cache.items()} == rec["findsnapshots"], where
        dag = rec["dag"]
        if dag is None:
            continue
        for stop, heads in dag["headrevs_stop"].items():
            assert index.headrevs(None, stop) == heads, (where, stop)
        for revs, heads in dag["commonancestorsheads"].items():
            assert sorted(index.commonancestorsheads(*revs)) == heads, (where, revs)
        for revs, gca in dag["ancestors"].items():
            assert sorted(index.ancestors(*revs)) == gca, (where, revs)
        parents = {r["rev"]: tuple(r["parentrevs"]) for r in rec["revs"]}
        model = Model(Dag([parents[rev] for rev in range(rec["len"])]))
        last = rec["len"] - 1
        assert list(index.lazyancestors([last], inclusive=True)) == sorted(model.closure[last], reverse=True)
        assert index.descendants([0]) == sorted(model.descendants([0], inclusive=False))


def test_recorded_changelog_heads(hg_repos, backend):
    for repo in hg_repos.values():
        index = open_recorded(repo, repo.changelog, backend).index
        assert index.headrevs() == repo.info["heads"]
        assert index.head_node_ids() == [repo.changelog["revs"][rev]["node"] for rev in repo.info["heads"]]


# ---- corrupted parents -------------------------------------------------------------------

BAD_PARENTS = [-2, -(1 << 31), (1 << 31) - 1]


def graph_calls(n: int):
    """One call of every graph method that must check the parents."""
    top = max(n - 1, 0)
    return [
        ("headrevs", ()), ("headrevs", (frozenset([0]),)), ("headrevs", (None, 0)),
        ("head_node_ids", ()), ("headrevsdiff", (0, n)), ("headrevsdiff", (n, n)),
        ("commonancestorsheads", (0, top)), ("commonancestorsheads", (top,)),
        ("commonancestorsheads", (-1,)), ("ancestors", (0, top)), ("ancestors", ()),
        ("reachableroots2", (0, [top], [0], True)), ("reachableroots2", (0, [], [], False)),
        ("computephasesmapsets", ({1: {0}},)), ("computephasesmapsets", ({},)),
        ("lazyancestors", ([top],)), ("descendants", ([0],)), ("isancestor", (0, top)),
        ("isancestor", (-1, -1)), ("ancestors_bitmap", ([top],)), ("descendants_bitmap", ([0],)),
    ]


@st.composite
def corrupted_dags(draw) -> Tuple[Dag, Tuple[int, int]]:
    """A DAG with bad parents, and (rev, parent) of the one to report."""
    dag = draw(dags(min_revs=1, max_revs=20))
    pairs = list(dag.pairs)
    n = len(pairs)
    for _ in range(draw(st.integers(1, 3))):
        rev = draw(st.integers(0, n - 1))
        value = draw(st.sampled_from(BAD_PARENTS + [rev, rev + 1, n, n + 7]))
        which = draw(st.integers(0, 1))
        pair = list(pairs[rev])
        pair[which] = value
        pairs[rev] = tuple(pair)
    for rev, pair in enumerate(pairs):
        for parent in pair:
            if parent < -1 or parent >= rev:
                return Dag(pairs), (rev, parent)
    raise AssertionError("not corrupted")  # pragma: no cover


@given(corrupted=corrupted_dags())
def test_corrupted_parents_anywhere(backend, corrupted):
    dag, (rev, parent) = corrupted
    message = str(status.index_error(status.INDEX_BAD_PARENT, rev, parent))
    for name, args in graph_calls(len(dag.pairs)):
        index = ours(backend, dag)  # fresh: nothing checked or cached yet
        with pytest.raises(errors.CorruptedIndex) as info:
            result = getattr(index, name)(*args)
            list(result) if name == "lazyancestors" else None
        assert str(info.value) == message, name
        assert isinstance(info.value, ValueError)
        # still corrupted the second time
        with pytest.raises(errors.CorruptedIndex):
            getattr(index, name)(*args)


@given(corrupted=corrupted_dags())
def test_backends_agree_on_corrupted_parents(backends, corrupted):
    dag, _ = corrupted
    results = []
    for backend in backends:
        index = ours(backend, dag)
        results.append([outcome(getattr(index, name), *args) for name, args in graph_calls(len(dag.pairs))])
        results.append([outcome(index.issnapshot, rev) for rev in range(len(dag.pairs))])
    assert results[0] == results[2] and results[1] == results[3]


@pytest.mark.parametrize("field", ["p1", "p2"])
def test_corrupted_appended_entry(backend, field):
    dag = Dag([(-1, -1), (0, -1), (1, -1)])
    index = ours(backend, dag)
    assert index.headrevs() == [2]
    row = (0, 0, 0, 3, 3, 2, -1, node_of(3), 0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, -1)
    bad = row[:5] + ((3, -1) if field == "p1" else (2, 7)) + row[7:]
    index.append(bad)
    for name, args in graph_calls(4):
        with pytest.raises(errors.CorruptedIndex, match=r"^parent out of range: revision 3 has parent %d$"
                           % (3 if field == "p1" else 7)):
            getattr(index, name)(*args)
    del index[3:-1]
    assert index.headrevs() == [2] and index.commonancestorsheads(1, 2) == [1]
    index.append(row)
    assert index.headrevs() == [3] and list(index.lazyancestors([3])) == [2, 1, 0]


def test_lowest_corrupted_revision_is_reported(backend):
    dag = Dag([(-1, -1), (0, 5), (-2, 1), (0, -1), (3, 3)])
    for name, args in graph_calls(5):
        with pytest.raises(errors.CorruptedIndex, match=r"^parent out of range: revision 1 has parent 5$"):
            getattr(ours(backend, dag), name)(*args)
    # snapshots are a question about delta chains: parents read on the way
    index = ours(backend, dag)
    assert index.issnapshot(0) is True
    cache: Dict[int, Set[int]] = {}
    index.findsnapshots(cache, 0, 4)  # every base is the revision itself
    assert cache == {-1: {0, 1, 2, 3, 4}}


# ---- arguments ---------------------------------------------------------------------------


def small(backend):
    """0 - 1 - 2 - 4, 0 - 3 - 4 (a merge), 5 a root."""
    dag = Dag([(-1, -1), (0, -1), (1, -1), (0, -1), (2, 3), (-1, -1)])
    return ours(backend, dag), dag


ARGUMENT_ERRORS = [
    # (method, args, exception, message or None when Python words it)
    ("commonancestorsheads", (1, "2"), TypeError, "arguments must all be ints"),
    ("commonancestorsheads", (1, 2.0), TypeError, "arguments must all be ints"),
    ("commonancestorsheads", (1, 6), IndexError, "index out of range"),
    ("commonancestorsheads", (-2, 1), IndexError, "index out of range"),
    ("ancestors", (None,), TypeError, "arguments must all be ints"),
    ("ancestors", (1, 1 << 40), IndexError, "index out of range"),
    ("reachableroots2", (0, (1,), [0], False), TypeError, "argument 2 must be list, not tuple"),
    ("reachableroots2", (0, [1], {0}, False), TypeError, "argument 3 must be list, not set"),
    ("reachableroots2", (0, [1], [0], 1), TypeError, "argument 4 must be bool, not int"),
    ("reachableroots2", ("0", [1], [0], True), TypeError, None),
    ("reachableroots2", (0, [1], ["0"], True), TypeError, None),
    ("reachableroots2", (0, ["1"], [0], True), TypeError, None),
    ("reachableroots2", (0, [6], [0], True), IndexError, "head out of range"),
    ("reachableroots2", (0, [-2], [0], True), IndexError, "head out of range"),
    ("computephasesmapsets", ([],), TypeError, "roots must be a dictionary"),
    ("computephasesmapsets", ({1: [0]},), TypeError, "roots must be a set of nodes"),
    ("computephasesmapsets", ({2: frozenset([0])},), TypeError, "roots must be a set of nodes"),
    ("computephasesmapsets", ({1: {"0"}},), TypeError, None),
    ("headrevs", (5,), TypeError, "filteredrevs has no attribute __contains__"),
    ("headrevs", (None, "1"), TypeError, None),
    ("findsnapshots", ([], 0, 1), TypeError, "argument 1 must be dict, not list"),
    ("findsnapshots", ({}, "0", 1), TypeError, None),
]
# Where Mercurial checks nothing (it reads out of bounds) or has no method
OUR_ARGUMENT_ERRORS = [
    ("computephasesmapsets", ({1: {6}},), ValueError, "revlog index out of range: 6"),
    ("computephasesmapsets", ({96: {-1}},), ValueError, "revlog index out of range: -1"),
    ("headrevsdiff", (0, 7), IndexError, "revlog index out of range"),
    ("headrevsdiff", (-1, 3), IndexError, "revlog index out of range"),
    ("headrevsdiff", (7, 3), IndexError, "revlog index out of range"),
    ("headrevsdiff", (0, "3"), TypeError, None),
    ("lazyancestors", ([6],), IndexError, "revlog index out of range"),
    ("lazyancestors", ([-2],), IndexError, "revlog index out of range"),
    ("lazyancestors", (["1"],), TypeError, None),
    ("lazyancestors", ([1], "0"), TypeError, None),
    ("descendants", ([6],), IndexError, "revlog index out of range"),
    ("isancestor", (0, 6), IndexError, "revlog index out of range"),
    ("isancestor", (-2, 0), IndexError, "revlog index out of range"),
    ("isancestor", (-1, 6), IndexError, "revlog index out of range"),
    ("ancestors_bitmap", ([6],), IndexError, "revlog index out of range"),
    ("descendants_bitmap", ([-2],), IndexError, "revlog index out of range"),
    ("descendants_bitmap", (None,), TypeError, None),
]


@pytest.mark.parametrize("name, args, exc, message", ARGUMENT_ERRORS + OUR_ARGUMENT_ERRORS)
def test_argument_errors(backend, name, args, exc, message):
    index, dag = small(backend)
    with pytest.raises(exc) as info:
        getattr(index, name)(*args)
    assert type(info.value) is exc
    if message is not None:
        assert str(info.value) == message


@pytest.mark.parametrize("name, args, exc, message", ARGUMENT_ERRORS)
def test_argument_errors_are_mercurials(name, args, exc, message):
    index = hg_c_index(Dag([(-1, -1), (0, -1), (1, -1), (0, -1), (2, 3), (-1, -1)]))
    if index is None:
        pytest.skip("Mercurial's C index is CPython only")
    with pytest.raises(exc) as info:
        getattr(index, name)(*args)
    if message is not None:
        assert str(info.value) == message


def test_argument_errors_match_across_backends(backends):
    for name, args, _, _ in ARGUMENT_ERRORS + OUR_ARGUMENT_ERRORS:
        c, pure = (outcome(getattr(small(backend)[0], name), *args) for backend in backends)
        assert c == pure, (name, args)


def test_argument_edges(backend):
    index, dag = small(backend)
    # Mercurial's shortcuts: -1 anywhere, checked in order
    assert index.commonancestorsheads() == [] == index.ancestors()
    assert index.commonancestorsheads(-1, 99) == [] == index.ancestors(3, -1, "x")
    assert index.commonancestorsheads(4) == [4] == index.commonancestorsheads(4, 4, 4)
    assert index.commonancestorsheads(True, 2) == [1]
    assert index.commonancestorsheads(2, 3) == [0] and index.commonancestorsheads(4, 5) == []
    # a filter that fails is a TypeError
    class Broken:
        def __contains__(self, rev):
            raise KeyError(rev)
    with pytest.raises(TypeError, match="^unable to check filter$"):
        index.headrevs(Broken())
    assert index.headrevs([]) == [4, 5] and index.headrevs({4: 1}) == [2, 3, 5]
    # stop_rev is clamped
    assert index.headrevs(None, 99) == [4, 5] and index.headrevs(None, -5) == [-1]
    assert index.headrevsdiff(6, 6) == ([], []) and index.headrevsdiff(4, 2) == ([], [])
    assert index.headrevsdiff(0, 6) == ([-1], [5, 4])
    assert index.headrevsdiff(2, 5) == ([1], [4])
    # reachableroots2: roots out of range are ignored, -1 is a revision
    assert index.reachableroots2(0, [4], [-5, 99, 0], False) == [0]
    assert index.reachableroots2(-1, [4], [-1], False) == [-1]
    assert index.reachableroots2(-1, [-1], [-1], True) == [-1]
    assert index.reachableroots2(0, [4, 5], [1, 3], True) == [3, 1, 2, 4]
    assert index.reachableroots2(2, [4], [1, 3], False) == [3]
    # phases: other keys are ignored, set subclasses are sets
    class Roots(set):
        pass
    assert index.computephasesmapsets({0: "ignored", 2: Roots({3}), 1: {1}}) == (
        6, {1: {1, 2}, 2: {3, 4}, 32: set(), 96: set()})
    # findsnapshots clamps its range
    cache: Dict[int, Set[int]] = {}
    index.findsnapshots(cache, -9, 99)
    assert cache == {-1: {0, 1, 2, 3, 4, 5}}
    index.findsnapshots(cache, 3, 2)
    assert cache == {-1: {0, 1, 2, 3, 4, 5}}
    # lazy ancestors and friends: any iterable, null in it, stoprev anywhere
    assert list(index.lazyancestors(iter([4, 4]), inclusive=True)) == [4, 3, 2, 1, 0]
    assert list(index.lazyancestors([-1], -1, True)) == [-1] and not index.lazyancestors([-1])
    assert list(index.lazyancestors((4,), stoprev=2)) == [3, 2]
    assert list(index.lazyancestors([4], stoprev=99)) == [] and list(index.lazyancestors([4], -9)) == [3, 2, 1, 0]
    assert index.descendants([-1]) == [0, 1, 2, 3, 4, 5] and index.descendants([-1], True)[0] == -1
    assert index.descendants([1, 2]) == [2, 4] and index.descendants([1, 2], True) == [1, 2, 4]
    assert index.isancestor(-1, -1) and index.isancestor(3, 3) and not index.isancestor(3, -1)
    assert index.isancestor(0, 4) and index.isancestor(3, 4) and not index.isancestor(5, 4)
    assert index.ancestors_bitmap([-1]).tolist() == [] and index.ancestors_bitmap([4], False).tolist() == [0, 1, 2, 3]
    assert index.descendants_bitmap([-1]).tolist() == [0, 1, 2, 3, 4, 5]
    assert index.descendants_bitmap([-1], False).tolist() == [0, 1, 2, 3, 4, 5]
    assert index.descendants_bitmap([0, 3], False).tolist() == [1, 2, 3, 4]


def test_empty_index(backend):
    index = backend.parse_index2(b"", False, True)[0]
    assert index.headrevs() == [-1] and index.head_node_ids() == [C.NULL_NODE]
    assert index.headrevs(frozenset(), 5) == [-1]
    assert index.headrevsdiff(0, 0) == ([], [])
    assert index.commonancestorsheads() == [] and index.ancestors(-1) == []
    assert index.reachableroots2(-1, [-1], [-1], False) == [-1]
    assert index.computephasesmapsets({1: set()}) == (0, {1: set(), 2: set(), 32: set(), 96: set()})
    assert list(index.lazyancestors([-1])) == [] and index.descendants([-1]) == []
    assert index.isancestor(-1, -1) and not index.ancestors_bitmap([-1])
    assert len(index.descendants_bitmap([-1])) == 0


# ---- the headrevs cache ------------------------------------------------------------------


def test_headrevs_cache(backend):
    index, dag = small(backend)
    first = index.headrevs()
    first.append(99)  # callers get their own list
    assert index.headrevs() == [4, 5]
    hidden = frozenset([5])
    assert index.headrevs(hidden) == [4]
    assert index.headrevs(hidden) == [4] and index.headrevs() == [4, 5]
    # a mutable filter is asked again (Mercurial's C index would answer from
    # its cache, by identity, what the set held the first time)
    filtered = {5}
    assert index.headrevs(filtered) == [4]
    filtered.add(4)
    assert index.headrevs(filtered) == [2, 3]
    # append, truncate and clearcaches forget the answer
    row = (0, 0, 0, 6, 6, 4, 5, node_of(6), 0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, -1)
    index.append(row)
    assert index.headrevs() == [6] and index.headrevs(hidden) == [6]  # 6 shows 5
    assert index.head_node_ids() == [node_of(6)]
    del index[6:-1]
    assert index.headrevs() == [4, 5] and index.headrevs(hidden) == [4]
    index.clearcaches()
    assert index.headrevs() == [4, 5] and index.headrevsdiff(5, 6) == ([], [5])


# ---- a long linear history ---------------------------------------------------------------


def linear_index(backend, count: int):
    """A v1 index of count revisions, each the child of the previous one."""
    stride = C.INDEX_ENTRY_V1.size // 4
    data = bytearray(count * C.INDEX_ENTRY_V1.size)

    def column(values) -> array:  # big-endian int32s
        ints = array("i", values)
        if sys.byteorder == "little":
            ints.byteswap()
        return ints

    with memoryview(data) as raw, raw.cast("i") as ints:
        ints[4::stride] = column(range(count))  # delta base: itself
        ints[5::stride] = column(range(count))  # linkrev
        ints[6::stride] = column(range(-1, count - 1))  # p1
        ints[7::stride] = column([-1]) * count  # p2
    return backend.parse_index2(bytes(data), False, True)[0]


LONG = 1_000_000


def test_long_linear_history(backend):
    # no recursion, no quadratic walk: a million revisions in a line
    started = time.perf_counter()
    index = linear_index(backend, LONG)
    top = LONG - 1
    assert index.headrevs() == [top] and index.headrevs(None, LONG // 2) == [LONG // 2 - 1]
    assert index.headrevsdiff(0, LONG) == ([-1], [top]) and index.headrevsdiff(10, LONG) == ([9], [top])
    assert index.commonancestorsheads(0, top) == [0] == index.ancestors(top, 0)
    assert index.commonancestorsheads(top, LONG // 2) == [LONG // 2]
    assert index.ancestors(top - 1, top) == [top - 1]
    assert index.isancestor(0, top) and not index.isancestor(top, 0)
    assert index.reachableroots2(0, [top], [0], False) == [0]
    lazy = index.lazyancestors([top])
    assert top - 5 in lazy and 0 in lazy and top not in lazy
    assert next(iter(lazy)) == top - 1
    bitmap = index.ancestors_bitmap([top])
    assert len(bitmap) == LONG and top in bitmap and 0 in bitmap
    assert len(index.descendants_bitmap([LONG // 2], False)) == LONG - LONG // 2 - 1
    phases = index.computephasesmapsets({1: {top - 2}, 2: {top}})
    assert phases == (LONG, {1: {top - 2, top - 1}, 2: {top}, 32: set(), 96: set()})
    elapsed = time.perf_counter() - started
    assert elapsed < 60, elapsed


def test_lazyancestors_after_truncation(backends):
    """A walk over revisions the index no longer holds is an IndexError in both backends."""
    rows = b"".join(struct.pack(">Qiiiiii20s12x", 0, 0, 0, i, i, i - 1, -1, bytes([i + 1]) * 20)
                    for i in range(5))
    for be in backends:
        index, _ = be.parse_index2(rows, False, True)
        walk = index.lazyancestors([4], 0, True)
        assert 3 in walk
        del index[2:-1]
        with pytest.raises(IndexError, match="revlog index out of range"):
            list(walk)
        with pytest.raises(IndexError, match="revlog index out of range"):
            1 in walk
