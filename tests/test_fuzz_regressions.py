"""Replay the committed fuzz regression corpus through the differential
harnesses (both backends on every input), and pin each finding with a
direct test on both backends."""
import pathlib
import sys

import pytest

import revlog
import revlogbuild
from conftest import load_backend
from guards import run_limited
from indexspecs import v1_data, v1_rows
from revlog import constants as C
from revlog import errors, protocol

FUZZ = pathlib.Path(__file__).resolve().parent.parent / "fuzz"
REGRESSIONS = FUZZ / "regressions"
# target -> the harness module that checks its inputs
HARNESSES = {target: "fuzz_" + target for target in ("mpatch", "index", "bdiff", "revlog")}


def corpus(target: str):
    return sorted((REGRESSIONS / target).iterdir())


def _import_harness(name: str):
    load_backend("c")
    sys.path.insert(0, str(FUZZ))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(FUZZ))


@pytest.fixture(scope="module")
def harness():
    return {target: _import_harness(name) for target, name in HARNESSES.items()}


def test_corpus_is_there():
    for target in HARNESSES:
        assert len(corpus(target)) >= 5, target


CASES = [(target, path) for target in HARNESSES for path in corpus(target)]


@pytest.mark.parametrize("target,path", CASES, ids=["%s/%s" % (t, p.name) for t, p in CASES])
def test_regression(harness, target, path):
    harness[target].check(path.read_bytes())


# target -> (pure backend attribute made to answer wrong, an input it changes)
BREAKAGES = {
    "mpatch": ("patches", "valid-chain"),
    "bdiff": ("textdiff", "hg-texts"),
    "revlog": ("patches", "split-no-generaldelta"),
}


@pytest.mark.parametrize("target", sorted(BREAKAGES))
def test_harness_reports_divergence(harness, monkeypatch, target):
    """The harness must be able to fail: make the backends disagree."""
    attribute, name = BREAKAGES[target]
    pure = harness[target].PURE
    right = getattr(pure, attribute)
    monkeypatch.setattr(pure, attribute, lambda *args: right(*args) + b"!")
    with pytest.raises(AssertionError):
        harness[target].check((REGRESSIONS / target / name).read_bytes())


def test_index_harness_reports_divergence(harness, monkeypatch):
    fuzz_index = harness["index"]
    pure_index = type(fuzz_index.PURE.parse_index2(b"", False, True)[0])
    monkeypatch.setattr(pure_index, "headrevs", lambda self, *args: [12345])
    with pytest.raises(AssertionError):
        fuzz_index.check((REGRESSIONS / "index" / "append-null-node").read_bytes())


# ---- the findings, one direct test each ------------------------------------


def _index(backend, count: int = 3, inline: bool = False):
    data = v1_data(v1_rows(count), inline)
    return backend.parse_index2(data, inline, True)[0]


def test_chunk_spans_of_the_null_revision(backend):
    """Pure read the last entry for -1 (a negative offset): the null
    revision has no data, at offset 0."""
    for inline in (False, True):
        index = _index(backend, inline=inline)
        assert index.chunk_spans([-1]) == ([0], [0])
        starts, lengths = index.chunk_spans([-1, 1])
        assert starts[0] == 0 and lengths == [0, 10]


def test_chunk_spans_out_of_range(backend):
    index = _index(backend)
    for revs in ([3], [-2], [0, 3]):
        with pytest.raises(IndexError):
            index.chunk_spans(revs)


def test_null_node_stays_the_null_revision_after_append(backend):
    """Pure mapped the null node to an appended entry carrying it."""
    index = _index(backend)
    assert index.get_rev(C.NULL_NODE) == C.NULL_REV  # builds the node map
    index.append((3 << 16, 10, 10, 3, 3, 2, -1, C.NULL_NODE, 0, 0, C.COMP_MODE_INLINE,
                  C.COMP_MODE_INLINE, -1))
    assert index.get_rev(C.NULL_NODE) == C.NULL_REV
    assert index.rev(C.NULL_NODE) == C.NULL_REV


def test_lazyancestors_refuse_a_truncated_index(backend):
    """bool() (both backends) and `rev in` of a marked revision (C) still
    answered after the index lost revisions the walk covers."""
    index = _index(backend, count=4)
    lazy = index.lazyancestors([3], 0, True)
    assert 3 in lazy and bool(lazy)
    del index[2:-1]
    with pytest.raises(IndexError):
        bool(lazy)
    with pytest.raises(IndexError):
        3 in lazy  # noqa: B015
    with pytest.raises(IndexError):
        list(lazy)


def test_ancestors_pick_among_at_most_24_candidates(backend):
    """index.ancestors kept a set of candidates per revision for any number
    of candidate heads (memory quadratic in the index): capped at 24, with
    Mercurial's OverflowError, in both backends."""
    def crossed(width: int):
        # rev 0, `width` children of it, then two merges of all of them:
        # the two merge chains' common ancestors heads are the children
        pairs = [(-1, -1)] + [(0, -1)] * width
        for side in range(2):
            last = 1
            for child in range(2, width + 1):
                pairs.append((last, child))
                last = len(pairs) - 1
        return pairs, len(pairs) - 1, width * 2 - 1

    for width, fails in ((24, False), (25, True)):
        pairs, a, b = crossed(width)
        rows = [r._replace(p1=p1, p2=p2, base=rev) for rev, (r, (p1, p2))
                in enumerate(zip(v1_rows(len(pairs)), pairs))]
        index = backend.parse_index2(v1_data(rows, False), False, True)[0]
        assert len(index.commonancestorsheads(a, b)) == width
        if fails:
            with pytest.raises(OverflowError, match=r"bitset size \(25\) > capacity \(24\)"):
                index.ancestors(a, b)
        else:
            assert index.ancestors(a, b) == list(range(1, width + 1))


def test_gca_capacity_is_the_c_limit():
    load_backend("c")
    from revlog._c._revlog_c import lib

    assert lib.REVLOG_GCA_CAPACITY == protocol.GCA_CAPACITY == 24


def test_v0_revlog_with_a_negative_offset(backend, tmp_path):
    """Converting a v0 index packed a negative offset as unsigned: a
    struct.error escaped revlog.open instead of CorruptedIndex."""
    index, data, _ = revlogbuild.build(revlogbuild.sample_revs(count=3), version=0)
    corrupt = bytearray(index)
    corrupt[76:80] = b"\xff\xff\xff\xf0"  # rev 1's offset, signed in v0
    (tmp_path / "x.i").write_bytes(bytes(corrupt))
    (tmp_path / "x.d").write_bytes(data)
    with pytest.raises(errors.CorruptedIndex, match="revision 1 has a negative offset -16"):
        revlog.open(str(tmp_path / "x.i"), backend=backend)


# Run under an address-space limit: reading a chunk whose length the index
# says is ~2 GiB must not ask for that much memory.  Python's read(n) and
# os.pread(fd, n, offset) allocate n bytes before reading.
BOUNDED_READ = r"""
import sys
from revlog import errors
path, backend = sys.argv[1], sys.argv[2]
rl = revlog.open(path, backend=backend, use_mmap=False)
try:
    rl.rawdata(1)
except errors.CorruptedData as exc:
    print("CorruptedData:", exc)
"""


def test_chunk_length_from_the_index_is_not_allocated(backend, tmp_path):
    """An index claiming a ~2 GiB chunk over a tiny data file made the
    file reader (use_mmap=False) allocate ~2 GiB before reading (the
    atheris revlog harness ran at 18 executions/s on such inputs)."""
    index, data, _ = revlogbuild.build(revlogbuild.sample_revs(count=3), version=1)
    corrupt = bytearray(index)
    corrupt[72:76] = b"\x7f\xff\xff\xf0"  # rev 1's compressed length: ~2 GiB
    (tmp_path / "x.i").write_bytes(bytes(corrupt))
    (tmp_path / "x.d").write_bytes(data)
    name = backend.__name__.rsplit("._", 1)[-1]
    result = run_limited(BOUNDED_READ, [str(tmp_path / "x.i"), name], 768 << 20, timeout=120)
    assert result.returncode == 0, result.stderr
    # rev 1 deltas against rev 0: both are read as one span from byte 0
    assert result.stdout == ("CorruptedData: x.i: revision 0: chunk at byte 0 (2147483697 bytes)"
                             " runs past the end of the data\n")
