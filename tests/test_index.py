"""The index protocol: our indexes against Mercurial 7.2.4's, C against pure.

Synthetic indexes (random valid DAGs packed in every format, inline with
random chunks and not) are compared method by method with Mercurial's C
index on CPython (its pure index on PyPy, for the methods it has), and the
two backends with each other, on valid and corrupted data.  A state machine
checks append / truncate / lookups against a list and a dict.
"""
import gc
import importlib
import mmap
import struct
import subprocess
import sys
import textwrap
import threading
from typing import List

import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import hgoracle
from conftest import load_backend
from indexspecs import (FORMATS, MISSING, Row, Spec, as_tuple, corrupted_specs, expected_entry,
                        nodes, pack_index, rows_for, specs, v1_data, v1_rows)
from revlog import constants as C
from revlog import errors, status

CPYTHON = sys.implementation.name == "cpython"


# ---- running one battery of calls on an index -----------------------------


def outcome(fn, *args):
    """("ok", result) or (exception type name, message)."""
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
        return (type(exc).__name__, str(exc))


def prefixes(node: bytes) -> List[bytes]:
    text = node.hex().encode()
    return [text[:k] for k in (1, 2, 3, 4, 5, 7, 40)]


def battery(index, spec: Spec):
    """Every protocol call on every revision, as a list of (call, outcome)."""
    n = len(spec.rows)
    nodes_in = [row.node for row in spec.rows] + [C.NULL_NODE, MISSING]
    out = [("len", len(index))]
    for rev in range(-1, n + 1):
        out.append((("entry", rev), outcome(index.__getitem__, rev)))
        out.append((("issnapshot", rev), outcome(index.issnapshot, rev)))
        out.append((("in", rev), rev in index))
    for rev in range(n):
        out.append((("entry_binary", rev), outcome(index.entry_binary, rev)))
        for stop in (None, -1, 0, rev // 2, rev):
            out.append((("deltachain", rev, stop), outcome(index.deltachain, rev, stop)))
    out.append(("spans", outcome(index.chunk_spans, range(n))))
    for node in nodes_in:
        for name in ("get_rev", "rev", "has_node", "__getitem__", "shortest"):
            out.append(((name, node), outcome(getattr(index, name), node)))
        for prefix in prefixes(node):
            out.append((("partialmatch", prefix), outcome(index.partialmatch, prefix)))
    return out


# ---- Mercurial as the oracle -----------------------------------------------


def hg_parsers():
    """(Mercurial's parsers module, whether it is the C one)."""
    hgoracle.mercurial()
    if CPYTHON:
        return importlib.import_module("mercurial.cext.parsers"), True
    return importlib.import_module("mercurial.pure.parsers"), False


def kind(exc_outcome) -> str:
    """What an error means, whichever implementation raised it."""
    name = exc_outcome[0]
    if name in ("RevisionNotFound", "AmbiguousPrefix", "RevlogError"):
        return "lookup failed"
    return name


def compare_with_hg(ours, hg, spec: Spec, hg_is_c: bool) -> None:
    n = len(spec.rows)
    assert len(ours) == len(hg) == n
    # Mercurial's pure index masks rev 0's offset in changelog-v2 too
    for rev in range(-1 if hg_is_c else 1 if spec.fmt == C.CHANGELOGV2 else 0, n):
        assert ours[rev] == hg[rev], rev
    for rev in (n, -2):
        assert kind(outcome(ours.__getitem__, rev)) == kind(outcome(hg.__getitem__, rev)) == "IndexError"
    # Mercurial's pure index repacks entries: only v1 rows > 0 come out raw
    for rev in range(0, n) if hg_is_c else range(1, n) if spec.fmt == C.REVLOGV1 else ():
        assert ours.entry_binary(rev) == hg.entry_binary(rev)
    for node in [row.node for row in spec.rows] + [C.NULL_NODE, MISSING]:
        for name in ("get_rev", "rev", "has_node"):
            a, b = outcome(getattr(ours, name), node), outcome(getattr(hg, name), node)
            assert a == b if a[0] == "ok" else kind(a) == kind(b), (name, node, a, b)
    if not hg_is_c:
        return
    for rev in range(n):
        for stop in (None, -1, 0, rev // 2, rev):
            assert ours.deltachain(rev, stop) == hg.deltachain(rev, stop), (rev, stop)
    for rev in range(0 if spec.delta_info else -1, n):  # hg reads out of bounds for -1
        assert ours.issnapshot(rev) == hg.issnapshot(rev), rev
    for node in [row.node for row in spec.rows] + [C.NULL_NODE, MISSING]:
        a, b = outcome(ours.shortest, node), outcome(hg.shortest, node)
        assert a == b if a[0] == "ok" else kind(a) == kind(b), (node, a, b)
        for prefix in prefixes(node):
            a, b = outcome(ours.partialmatch, prefix), outcome(hg.partialmatch, prefix)
            assert a == b if a[0] == "ok" else kind(a) == kind(b), (prefix, a, b)


def expected_spans(spec: Spec, hg) -> tuple:
    """Chunk spans as Mercurial's C index computes starts (index_get_start)."""
    shift = hg.entry_size if spec.inline else 0
    starts = []
    for rev in range(len(spec.rows)):
        start = 0 if rev == 0 and spec.fmt != C.CHANGELOGV2 else hg[rev][0] >> 16
        starts.append(start + (rev + 1) * shift)
    return starts, [hg[rev][1] for rev in range(len(spec.rows))]


@given(spec=specs())
def test_c_matches_mercurial(spec):
    parsers, hg_is_c = hg_parsers()
    if not hg_is_c:
        if spec.inline and spec.fmt == C.REVLOGV2:
            return  # Mercurial's pure index reads inline data as v1 only
        if spec.rows:  # and it rejects unknown flags on rev 0
            first = spec.rows[0]
            known = first.offset_flags & ~0xFFFF | first.offset_flags & C.REVIDX_KNOWN_FLAGS
            spec = spec._replace(rows=[first._replace(offset_flags=known)] + spec.rows[1:])
    c = load_backend("c")
    ours, ours_cache = c.parse_index2(*spec.args())
    hg, hg_cache = parsers.parse_index2(*spec.args()[:4], format=spec.fmt)
    assert (ours_cache is None) == (hg_cache is None)
    compare_with_hg(ours, hg, spec, hg_is_c)
    if hg_is_c:
        assert ours.chunk_spans(range(len(spec.rows))) == expected_spans(spec, hg)
        assert ours.chunk_spans([-1]) == ([0], [0])


@given(spec=specs())
def test_entries_are_the_packed_rows(spec, backend):
    index, cache = backend.parse_index2(*spec.args())
    assert cache == ((0, spec.data()) if spec.inline else None)
    assert index.entry_size == {C.REVLOGV1: 64}.get(spec.fmt, 96)
    for rev, row in enumerate(spec.rows):
        assert index[rev] == expected_entry(spec.fmt, row, rev, True)
    assert index[-1] == C.NULL_ENTRY


@given(spec=specs())
def test_backends_agree(spec, backends):
    c, pure = (b.parse_index2(*spec.args())[0] for b in backends)
    assert battery(c, spec) == battery(pure, spec)


@given(spec=corrupted_specs())
def test_backends_agree_on_corrupted_data(spec, backends):
    results = []
    for backend in backends:
        parsed = outcome(backend.parse_index2, *spec.args())
        results.append(battery(parsed[1][0], spec) if parsed[0] == "ok" else parsed)
    assert results[0] == results[1]


# ---- corrupted data: exact errors --------------------------------------------


def raises_index_error(call, code: int, rev: int, value: int) -> None:
    with pytest.raises(errors.CorruptedIndex) as info:
        call()
    assert str(info.value) == str(status.index_error(code, rev, value))
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("extra", [1, 63])
def test_bad_size(backend, extra):
    data = v1_data(v1_rows(3), False) + b"x" * extra
    raises_index_error(lambda: backend.parse_index2(data, False, True), status.INDEX_BAD_SIZE, -1, extra)


@pytest.mark.parametrize("cut, rev", [(1, 2), (10, 2), (11, 2), (70, 2), (75, 1)])
def test_truncated_inline(backend, cut, rev):
    # 3 entries of 64 bytes, each followed by 10 bytes: the revision blamed
    # is the one whose entry (a partial one included) or chunk is cut.
    data = v1_data(v1_rows(3), True)[:-cut]
    raises_index_error(lambda: backend.parse_index2(data, True, True), status.INDEX_INLINE_TRUNCATED, rev, 0)


def test_inline_data_past_the_end(backend):
    data = bytearray(v1_data(v1_rows(3), True))
    data[74 + 8:74 + 12] = struct.pack(">i", 500)  # rev 1's comp_len
    data = bytes(data)
    raises_index_error(lambda: backend.parse_index2(data, True, True), status.INDEX_INLINE_TRUNCATED, 1, 0)


def test_negative_length_inline(backend):
    data = v1_data(v1_rows(3, r1={"comp_len": -3}), True)
    raises_index_error(lambda: backend.parse_index2(data, True, True), status.INDEX_BAD_LENGTH, 1, -3)


def test_negative_length_outside_the_walks(backend):
    index, _ = backend.parse_index2(v1_data(v1_rows(3, r2={"comp_len": -3, "base": 1}), False), False, True)
    assert index[2][1] == -3  # reading the entry is fine, as in Mercurial
    raises_index_error(lambda: index.chunk_spans([0, 2]), status.INDEX_BAD_LENGTH, 2, -3)
    raises_index_error(lambda: index.deltachain(2, None), status.INDEX_BAD_LENGTH, 2, -3)


@pytest.mark.parametrize("base", [3, 7, -2, -(1 << 31)])
def test_bad_base(backend, base):
    index, _ = backend.parse_index2(v1_data(v1_rows(4, r2={"base": base}), False), False, True)
    raises_index_error(lambda: index.deltachain(2, None), status.INDEX_BAD_BASE, 2, base)
    raises_index_error(lambda: index.issnapshot(2), status.INDEX_BAD_BASE, 2, base)


def test_bad_base_met_walking_down(backend):
    # non-generaldelta: rev 3's chain walks 3, 2, ... and meets rev 2's base
    index, _ = backend.parse_index2(v1_data(v1_rows(4, r2={"base": 5}, r3={"base": 0}), False), False, False)
    raises_index_error(lambda: index.deltachain(3, None), status.INDEX_BAD_BASE, 2, 5)


@pytest.mark.parametrize("field, value", [("p1", 3), ("p2", 9), ("p1", -2)])
def test_bad_parent(backend, field, value):
    # rev 2 is a delta against rev 1, not a parent of it: the walk reads parents
    index, _ = backend.parse_index2(v1_data(v1_rows(4, r2={"base": 0, field: value}), False), False, True)
    raises_index_error(lambda: index.issnapshot(2), status.INDEX_BAD_PARENT, 2, value)


def test_cyclic_bases_are_rejected(backend):
    # rev 3 is a delta against rev 2, which claims to be one against rev 3
    index, _ = backend.parse_index2(v1_data(v1_rows(5, r2={"base": 3}, r3={"base": 2}), False), False, True)
    assert index.deltachain(4, 4) == ([], True)  # the first call: nothing to return
    assert index.deltachain(4, None) == ([4], False)
    raises_index_error(lambda: index.deltachain(3, None), status.INDEX_BAD_BASE, 2, 3)


# ---- the protocol's edges, each backend --------------------------------------


def small_index(backend, fmt=C.REVLOGV1, inline=False, count=4):
    rows = [Row((rev * 10) << 16, 10, 12, rev - 1 if rev % 2 else rev, rev, rev - 1, -1,
                bytes([0xA0 + rev]) + b"\x11" * 19, 0, 0, 2 | (2 << 2), rev + 1)
            for rev in range(count)]
    index, _ = backend.parse_index2(pack_index(fmt, rows, inline, C.REVLOGV1), inline, True, False, fmt)
    return index, rows


def test_lookup_errors(backend):
    index, rows = small_index(backend)
    with pytest.raises(IndexError, match="revlog index out of range"):
        index[4]
    with pytest.raises(IndexError, match="revlog index out of range"):
        index[-2]
    with pytest.raises(errors.RevisionNotFound, match="unknown node " + MISSING.hex()):
        index.rev(MISSING)
    with pytest.raises(LookupError):
        index[MISSING]
    assert index.get_rev(MISSING) is None and not index.has_node(MISSING)
    assert MISSING not in index and rows[2].node in index and 3 in index and 4 not in index
    assert index.get_rev(C.NULL_NODE) == -1 and index[C.NULL_NODE] == -1
    with pytest.raises(ValueError, match="node len 3 != expected node len 20"):
        index.get_rev(b"abc")
    with pytest.raises(TypeError):
        index.get_rev("a" * 20)
    with pytest.raises(TypeError):
        index["a"]
    with pytest.raises(errors.RevisionNotFound):
        index.shortest(MISSING)


def test_partialmatch_edges(backend):
    index, rows = small_index(backend)
    assert index.partialmatch(b"a1") == rows[1].node
    assert index.partialmatch("A1") == rows[1].node
    assert index.partialmatch(b"0") == C.NULL_NODE
    assert index.partialmatch(b"0" * 40) == C.NULL_NODE
    assert index.partialmatch(b"b") is None
    assert index.partialmatch(b"zz") is None
    with pytest.raises(errors.AmbiguousPrefix, match="ambiguous identifier prefix a"):
        index.partialmatch(b"A")
    with pytest.raises(ValueError, match="key too short"):
        index.partialmatch(b"")
    with pytest.raises(ValueError, match="key too long"):
        index.partialmatch(b"0" * 41)
    assert index.shortest(rows[1].node) == 2
    assert index.shortest(C.NULL_NODE) == 1


def test_append_and_truncate_edges(backend):
    index, rows = small_index(backend)
    new = as_tuple(rows[0]._replace(node=b"\xbb" * 20))
    with pytest.raises(TypeError, match="13-tuple required"):
        index.append(new[:12])
    with pytest.raises(TypeError, match="invalid node"):
        index.append(new[:7] + (b"x",) + new[8:])
    with pytest.raises(ValueError, match="invalid data compression mode: 1"):
        index.append(new[:10] + (1,) + new[11:])
    with pytest.raises(TypeError, match="13-tuple required"):
        index.append(new[:1] + (1 << 40,) + new[2:])
    assert len(index) == 4
    index.append(new)
    assert index[4] == new[:10] + (2, 2, -1) and index.rev(b"\xbb" * 20) == 4
    with pytest.raises(TypeError, match="only supports deleting a slice"):
        del index[2]
    with pytest.raises(ValueError, match="requires step size of 1"):
        del index[0:-1:2]
    with pytest.raises(IndexError, match="deletion indices are invalid"):
        del index[1:3]
    del index[7:-1]
    assert len(index) == 5
    del index[3:-1]
    assert len(index) == 3 and index.get_rev(b"\xbb" * 20) is None and index.get_rev(rows[3].node) is None
    assert index.get_rev(rows[2].node) == 2
    del index[0:-1]
    assert len(index) == 0
    index.append(as_tuple(rows[2]))
    assert index[0][0] == rows[2].offset_flags  # appended: no header to mask


def test_entry_binary_and_header(backend):
    for fmt in FORMATS:
        index, rows = small_index(backend, fmt)
        packed = pack_index(fmt, rows, False, C.REVLOGV1)
        size = index.entry_size
        assert index.entry_binary(1) == packed[size:2 * size]
        assert index.entry_binary(0) == packed[4 if fmt == C.REVLOGV1 else 0:size]
        with pytest.raises(ValueError, match="revlog index out of range: 4"):
            index.entry_binary(4)
        if fmt == C.REVLOGV1:
            assert index.pack_header(C.REVLOGV1 | C.FLAG_INLINE_DATA) == b"\x00\x01\x00\x01"
        else:
            with pytest.raises(RuntimeError, match="version header should go in the docket"):
                index.pack_header(1)


def test_arguments(backend):
    index, _ = small_index(backend)
    with pytest.raises(ValueError, match="unsupported revlog index format: 2"):
        backend.parse_index2(b"", False, False, False, 2)
    with pytest.raises(ValueError, match="stoprev must be integer or None"):
        index.deltachain(1, "1")
    with pytest.raises(ValueError, match="revlog index out of range"):
        index.deltachain(4, None)
    with pytest.raises(ValueError, match="revlog index out of range: -2"):
        index.issnapshot(-2)
    assert index.issnapshot(-1) is True
    assert index.deltachain(3, 1 << 70) == index.deltachain(3, None)
    index.clearcaches()
    assert index.rev(index[3][7]) == 3
    cl2, cache = backend.parse_index2(b"", True, False, False, C.CHANGELOGV2)
    assert cache is None and len(cl2) == 0


def test_inline_spans(backend):
    index, rows = small_index(backend, inline=True)
    starts, lengths = index.chunk_spans([0, 1, 3])
    assert starts == [64, 10 + 2 * 64, 30 + 4 * 64] and lengths == [10, 10, 10]
    with pytest.raises(IndexError):
        index.chunk_spans([4])


def test_inline_v2_chunks_skip_only_comp_len(backend):
    # Mercurial's C index also skips sidedata_len bytes after inline v2
    # entries (a layout Mercurial never writes); ours skips comp_len only,
    # as its pure index and chunk_spans do.
    rows = [Row(0, 3, 3, 0, 0, -1, -1, b"\x01" * 20, 0, 5, 0, -1)]
    index, _ = backend.parse_index2(pack_index(C.REVLOGV2, rows, True, 0), True, True, False, C.REVLOGV2)
    assert len(index) == 1 and index.chunk_spans([0]) == ([96], [3])


def test_duplicate_nodes_answer_the_highest_rev(backend):
    twin = b"\x42" * 20
    rows = [r._replace(node=twin) if r.link in (1, 3) else r for r in v1_rows(5)]
    index, _ = backend.parse_index2(v1_data(rows, False), False, True)
    assert index.rev(twin) == 3
    assert index.partialmatch(b"42") == twin and index.rev(twin) == 3
    del index[3:-1]
    assert index.rev(twin) == 1
    index.append(as_tuple(rows[4]._replace(node=twin)))
    assert index.rev(twin) == 3


def test_truncation_forgets_removed_prefixes(backend):
    # Mercurial's C tree keeps the inner nodes of removed revisions, so it
    # then calls "ab" ambiguous; ours only ever reflects the nodes it holds.
    rows = v1_rows(3, r1={"node": b"\xab\xc0" + b"\x01" * 18}, r2={"node": b"\xab\xd0" + b"\x01" * 18})
    index, _ = backend.parse_index2(v1_data(rows, False), False, True)
    assert index.shortest(rows[1].node) == 3
    del index[2:-1]
    assert index.partialmatch(b"ab") == rows[1].node
    assert index.shortest(rows[1].node) == 1


def test_truncate_inline_before_reading(backend):
    # Mercurial 7.2.4's C index writes past its offsets array here: it
    # allocates them for the 2 revisions left, then records all 50.
    rows = v1_rows(50)
    index, _ = backend.parse_index2(v1_data(rows, True), True, True)
    del index[2:-1]
    assert index[1] == expected_entry(C.REVLOGV1, rows[1], 1, True)
    assert index.chunk_spans([1]) == ([1 + 2 * 64], [10])
    assert index.get_rev(rows[1].node) == 1 and index.get_rev(rows[2].node) is None


def test_reads_an_mmap_in_place(backend, tmp_path):
    data = v1_data(v1_rows(20), True)
    path = tmp_path / "x.i"
    path.write_bytes(data)
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    index, cache = backend.parse_index2(mapped, True, True)
    assert cache[1] is mapped
    assert [index[r] for r in range(20)] == [backend.parse_index2(data, True, True)[0][r] for r in range(20)]
    del index, cache
    gc.collect()
    mapped.close()


GARBAGE_MEMORYVIEWS = textwrap.dedent("""
    import gc, mmap, sys
    from revlog import policy
    backend = policy.load(sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(bytes(64 * 100))

    class Holder:
        pass

    for _ in range(50):
        with open(sys.argv[2], "rb") as f:
            view = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        first, second = Holder(), Holder()
        first.cycle, second.cycle = second, first
        first.view = second.view = view
        first.index = backend.parse_index2(view, False, True)[0]
        del first, second, view
        gc.collect()
""")


def test_garbage_memoryview_buffers(backend, tmp_path):
    # An index over a memoryview, all of it garbage in one cycle: CPython's
    # collector may clear the memoryview first, and releasing the buffer the
    # index still holds then crashed the interpreter (hence a subprocess).
    result = subprocess.run([sys.executable, "-c", GARBAGE_MEMORYVIEWS, backend.NAME, str(tmp_path / "x.i")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_concurrent_lookups(backend):
    rows = v1_rows(200)
    rows = [r._replace(node=bytes([r.link % 7]) + r.link.to_bytes(2, "big") * 9 + b"\x01") for r in rows]
    index, _ = backend.parse_index2(v1_data(rows, True), True, True)
    failures = []

    def worker(offset):
        for k in range(len(rows)):
            rev = (k * 7 + offset) % len(rows)
            if index.rev(rows[rev].node) != rev or index[rev][7] != rows[rev].node:
                failures.append(rev)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


# ---- append / truncate / lookups against a model ---------------------------


class IndexMachine(RuleBasedStateMachine):
    """The index against a list of entries and a dict of nodes (and, on
    CPython, against Mercurial's C index fed the same operations)."""

    backend_name = "c"

    @initialize(spec=specs(max_revs=10))
    def start(self, spec):
        backend = load_backend(self.backend_name)
        self.spec = spec
        self.index, _ = backend.parse_index2(*spec.args())
        self.ondisk = len(spec.rows)
        self.entries = [expected_entry(spec.fmt, row, rev, True) for rev, row in enumerate(spec.rows)]
        self.rows = list(spec.rows)
        self.hg = None
        if CPYTHON and self.backend_name == "c":
            parsers, _ = hg_parsers()
            self.hg, _ = parsers.parse_index2(*spec.args()[:4], format=spec.fmt)
            if spec.rows:
                # Mercurial sizes its inline offsets by the current length
                # but fills them for the whole buffer: build them before
                # any truncation (see test_truncate_inline_before_reading)
                self.hg[len(spec.rows) - 1]
        self.removed = []

    def nodes(self):
        return {row.node: rev for rev, row in enumerate(self.rows)}

    @rule(data=st.data())
    def append(self, data):
        rev = len(self.rows)
        node, taken = data.draw(nodes), set(self.nodes()) | {C.NULL_NODE}
        while node in taken:  # keep the prefix, change the tail
            node = node[:16] + ((int.from_bytes(node[16:], "big") + 1) % (1 << 32)).to_bytes(4, "big")
        row = data.draw(rows_for(self.spec.fmt, rev, 1, [node], False))[0]
        if self.spec.fmt == C.REVLOGV1:
            row = row._replace(modes=C.COMP_MODE_INLINE | C.COMP_MODE_INLINE << 2)
        self.index.append(as_tuple(row))
        if self.hg is not None:
            self.hg.append(as_tuple(row))
        self.rows.append(row)
        self.entries.append(expected_entry(self.spec.fmt, row, rev, False))

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def truncate(self, data):
        start = data.draw(st.integers(0, len(self.rows)))
        del self.index[start:-1]
        if self.hg is not None:
            del self.hg[start:-1]
        self.removed.extend(row.node for row in self.rows[start:])
        del self.rows[start:], self.entries[start:]
        self.ondisk = min(self.ondisk, start)

    @rule()
    def clearcaches(self):
        self.index.clearcaches()

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def lookup(self, data):
        rev = data.draw(st.integers(0, len(self.rows) - 1))
        node = self.rows[rev].node
        assert self.index[rev] == self.entries[rev]
        assert self.index.rev(node) == rev and self.index[node] == rev and node in self.index
        if self.hg is not None:
            assert self.hg[rev] == self.entries[rev] and self.hg.get_rev(node) == rev
            assert self.index.deltachain(rev, None) == self.hg.deltachain(rev, None)

    @precondition(lambda self: self.removed)
    @rule(data=st.data())
    def lookup_removed(self, data):
        node = data.draw(st.sampled_from(self.removed))
        assert self.index.get_rev(node) == self.nodes().get(node)

    @rule(data=st.data())
    def prefix(self, data):
        known = list(self.nodes()) + [C.NULL_NODE]
        node = data.draw(st.sampled_from(known))
        text = node.hex()
        shortest = 1 + max((common_hex(node, other) for other in known if other != node), default=0)
        assert self.index.shortest(node) == shortest
        length = data.draw(st.integers(1, 8))
        matches = [n for n in known if n.hex().startswith(text[:length])]
        if len(matches) > 1:
            with pytest.raises(errors.AmbiguousPrefix):
                self.index.partialmatch(text[:length].encode())
        else:
            assert self.index.partialmatch(text[:length].encode()) == node

    @invariant()
    def same_length(self):
        if hasattr(self, "index"):
            assert len(self.index) == len(self.rows) == len(self.entries)


def common_hex(a: bytes, b: bytes) -> int:
    n = 0
    for x, y in zip(a.hex(), b.hex()):
        if x != y:
            break
        n += 1
    return n


class PureIndexMachine(IndexMachine):
    backend_name = "pure"


TestIndexMachineC = IndexMachine.TestCase
TestIndexMachinePure = PureIndexMachine.TestCase
for _case in (TestIndexMachineC, TestIndexMachinePure):
    _case.settings = settings(_case.settings, max_examples=100, stateful_step_count=30, deadline=None)
del _case


def test_slicing_with_the_null_revision_anywhere(backends):
    """-1 is an empty chunk at byte 0 wherever it stands in revs."""
    rows = b"".join(struct.pack(">Qiiiiii20s12x", (i * 10) << 16, 10, 10, i, i, i - 1, -1, bytes([i + 1]) * 20)
                    for i in range(3))
    outcomes = []
    for be in backends:
        index, _ = be.parse_index2(rows, False, True)
        assert index.slicechunktodensity([-1, 0, 2], 0.9, 0) == [[-1, 0], [2]]
        with pytest.raises(errors.CorruptedIndex, match="inconsistent offsets: revision -1 starts before byte 10"):
            index.slicechunktodensity([1, -1], 0.9, 0)
        outcomes.append(index.slicechunktodensity([0, 1, 2], 0.5, 0))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("density,gap", [(0.5, 1.5), ("a", 0), (None, 0), (1 << 2000, 0)])
def test_slicing_argument_types(backends, density, gap):
    rows = b"".join(struct.pack(">Qiiiiii20s12x", (i * 10) << 16, 10, 10, i, i, i - 1, -1, bytes([i + 1]) * 20)
                    for i in range(3))
    for be in backends:
        index, _ = be.parse_index2(rows, False, True)
        with pytest.raises(TypeError, match=r"slicechunktodensity\(revs, targetdensity: float, mingapsize: int\)"):
            index.slicechunktodensity([0, 1, 2], density, gap)
