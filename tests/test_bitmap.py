"""Revision bitmaps (index.ancestors_bitmap / descendants_bitmap) against Python sets.

Each backend's bitmaps are built from random DAGs and combined with `&`, `|`
and `-`; every result must hold exactly the revisions the same expression on
sets gives, and answer len, bool, iteration, `in`, tolist and `==` as that
set would.  Both backends' bitmaps hold the same revisions.  The pure Bitmap
class is also checked on its own, on arbitrary sets of ints.
"""
import operator
from typing import List, Set

import pytest
from hypothesis import given, strategies as st

from revlog._pure.bitmap import Bitmap
from test_dagops import Dag, Model, dags, ours

OPERATORS = {"&": operator.and_, "|": operator.or_, "-": operator.sub}


def assert_holds(bitmap, revs: Set[int], n: int) -> None:
    """bitmap behaves as the set revs of revisions in [0, n)."""
    expected = sorted(revs)
    assert bitmap.tolist() == expected
    assert list(bitmap) == expected and list(bitmap) == expected  # iterable again
    assert len(bitmap) == len(expected)
    assert bool(bitmap) == bool(expected)
    for rev in range(-3, n + 3):
        assert (rev in bitmap) == (rev in revs), rev
    assert None not in bitmap and "1" not in bitmap


@st.composite
def revision_sets(draw, dag: Dag):
    """(how it is asked, revs, inclusive) for a bitmap of dag."""
    kind = draw(st.sampled_from(["ancestors", "descendants"]))
    revs = draw(st.lists(st.integers(-1, len(dag.pairs) - 1), max_size=4))
    return kind, revs, draw(st.booleans())


def bitmap_of(index, how) -> object:
    kind, revs, inclusive = how
    return getattr(index, kind + "_bitmap")(revs, inclusive)


def set_of(model: Model, how) -> Set[int]:
    kind, revs, inclusive = how
    found = getattr(model, kind)(revs, inclusive)
    return {rev for rev in found if rev >= 0}


@given(dag=dags(), data=st.data())
def test_bitmaps_are_revision_sets(backend, dag, data):
    n = len(dag.pairs)
    index, model = ours(backend, dag), Model(dag)
    hows = [data.draw(revision_sets(dag)) for _ in range(3)]
    bitmaps = [bitmap_of(index, how) for how in hows]
    sets = [set_of(model, how) for how in hows]
    for bitmap, revs in zip(bitmaps, sets):
        assert_holds(bitmap, revs, n)
    # an expression of the three, on bitmaps and on sets
    ops = data.draw(st.lists(st.sampled_from(sorted(OPERATORS)), min_size=2, max_size=2))
    order = data.draw(st.permutations([0, 1, 2]))
    bitmap = OPERATORS[ops[1]](OPERATORS[ops[0]](bitmaps[order[0]], bitmaps[order[1]]), bitmaps[order[2]])
    revs = OPERATORS[ops[1]](OPERATORS[ops[0]](sets[order[0]], sets[order[1]]), sets[order[2]])
    assert_holds(bitmap, revs, n)
    # equality is equality of the sets, whatever the operations behind them
    for a, set_a in zip(bitmaps + [bitmap], sets + [revs]):
        for b, set_b in zip(bitmaps + [bitmap], sets + [revs]):
            assert (a == b) == (set_a == set_b) and (a != b) == (set_a != set_b)
    assert bitmaps[0] | bitmaps[1] == bitmaps[1] | bitmaps[0]
    assert (bitmaps[0] - bitmaps[1]) & bitmaps[1] == bitmaps[0] - bitmaps[0]


@given(dag=dags(), data=st.data())
def test_backends_make_the_same_bitmaps(backends, dag, data):
    how = data.draw(revision_sets(dag))
    listed = [bitmap_of(ours(backend, dag), how).tolist() for backend in backends]
    assert listed[0] == listed[1]


def test_bitmaps_of_a_small_graph(backend):
    # 0 - 1 - 2 - 4, 0 - 3 - 4 (a merge), 5 a root
    index = ours(backend, Dag([(-1, -1), (0, -1), (1, -1), (0, -1), (2, 3), (-1, -1)]))
    left = index.ancestors_bitmap([2])
    right = index.ancestors_bitmap([3])
    assert (left & right).tolist() == [0]
    assert (left | right).tolist() == [0, 1, 2, 3]
    assert (left - right).tolist() == [1, 2]
    assert index.ancestors_bitmap([4], inclusive=False) == left | right
    path = index.descendants_bitmap([1]) & index.ancestors_bitmap([4])  # 1::4
    assert path.tolist() == [1, 2, 4] and path == (left - right) | index.descendants_bitmap([4])
    assert not index.ancestors_bitmap([]) and len(index.descendants_bitmap([5], False)) == 0
    assert index.ancestors_bitmap([5]) != index.ancestors_bitmap([0])


def test_bitmap_type_rules(backend, backends):
    index = ours(backend, Dag([(-1, -1), (0, -1)]))
    bitmap = index.ancestors_bitmap([1])
    for other in ({0, 1}, [0, 1], 3, None):
        for op in OPERATORS.values():
            with pytest.raises(TypeError):
                op(bitmap, other)
            with pytest.raises(TypeError):
                op(other, bitmap)
        assert bitmap != other and not bitmap == other
    # bitmaps combine with those of their own backend only
    for other_backend in backends:
        foreign = ours(other_backend, Dag([(-1, -1), (0, -1)])).ancestors_bitmap([1])
        if other_backend is backend:
            assert bitmap == foreign and (bitmap & foreign).tolist() == [0, 1]
        else:
            assert bitmap.tolist() == foreign.tolist()
            with pytest.raises(TypeError):
                bitmap & foreign


def test_big_bitmaps(backend):
    n = 100_000
    index = ours(backend, Dag([(rev - 1, -1) for rev in range(n)]))
    everything = index.descendants_bitmap([-1])
    upper = index.descendants_bitmap([n // 2])
    lower = index.ancestors_bitmap([n // 2], inclusive=False)
    assert len(everything) == n and len(upper) == n - n // 2 and len(lower) == n // 2
    assert (upper | lower) == everything and not (upper & lower)
    assert (everything - upper) == lower
    assert (everything - lower).tolist() == list(range(n // 2, n))
    assert n - 1 in upper and 0 not in upper and n not in everything
    assert list(upper)[:2] == [n // 2, n // 2 + 1]


# ---- the pure Bitmap on its own ------------------------------------------------------------

int_sets = st.sets(st.integers(0, 3000) | st.integers(0, 70))


@given(a=int_sets, b=int_sets, c=int_sets)
def test_pure_bitmap_algebra(a, b, c):
    x, y, z = (Bitmap.from_revs(s) for s in (a, b, c))
    assert_holds(x, a, 3000)
    assert ((x & y) | z).tolist() == sorted((a & b) | c)
    assert (x - (y | z)).tolist() == sorted(a - (b | c))
    assert (x | y) - (x & y) == (x - y) | (y - x)
    assert (x == y) == (a == b) and (hash(x) == hash(y)) >= (a == b)
    assert Bitmap.from_marks(bytes(1 if rev in a else 0 for rev in range(3001))) == x


def test_pure_bitmap_edges():
    assert Bitmap().tolist() == [] and Bitmap.from_revs([]) == Bitmap(0) and not Bitmap()
    assert Bitmap.from_marks(b"") == Bitmap() and Bitmap.from_marks(b"\x00\x01") == Bitmap(2)
    with pytest.raises(ValueError):
        Bitmap.from_revs([3, -1])
    with pytest.raises(ValueError):
        Bitmap(-1)
    big: List[int] = [0, 1 << 20]
    assert Bitmap.from_revs(big).tolist() == big and len(Bitmap.from_revs(big)) == 2
    assert "2 revisions" in repr(Bitmap.from_revs(big))
    assert repr(Bitmap.from_revs(range(20))).endswith(", ...]>")


@pytest.mark.parametrize("revs,error,message", [
    ([1 << 31], IndexError, "revlog index out of range"),
    ([1 << 40], IndexError, "revlog index out of range"),  # no 1 TiB allocation
    ([3.0], TypeError, "an integer is required"),
    ([-1], ValueError, "a bitmap holds revisions >= 0"),
])
def test_from_revs_rejects_what_no_index_holds(backends, revs, error, message):
    for be in backends:
        index, _ = be.parse_index2(b"", False, False)
        kind = type(index.ancestors_bitmap([]))
        with pytest.raises(error, match=message):
            kind.from_revs(revs)
