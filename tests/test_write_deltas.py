"""Delta choice: the rules on their own (chain length cap, snapshot levels and
sizes, deltas against the previous revision without generaldelta, changelogs
without deltas, delta-info flags), and as a whole: given Mercurial's diff, the
writer writes the very same files as Mercurial 7.2.4's own writer."""
import os
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import revlog
from revlog import constants as C
from revlog import deltafold, deltas

import hgoracle
from hgwriter import mercurial_diff, with_textdiff, write_with_mercurial
from writespecs import FORMATS, branchy, check_history, edited, file_bytes, linear, nodes_of, write_history


def churn(seed: int, count: int, lines: int = 120) -> list:
    """Large edits on many branches: chains fill up fast, snapshots get made."""
    rng = random.Random(seed)
    texts, history = [], []
    base = [b"line %d %032x\n" % (i, rng.getrandbits(128)) for i in range(lines)]
    for rev in range(count):
        p1 = rng.randrange(max(0, rev - 20), rev) if rev else -1
        p2 = rng.randrange(max(0, rev - 20), rev) if rev and rng.random() < 0.15 else -1
        if p2 == p1:
            p2 = -1
        text = edited(rng, texts[p1] if p1 >= 0 else base, rev, rng.randint(10, 40))
        texts.append(text)
        history.append((b"".join(text), p1, p2))
    return history


# name -> (format, kind, max_chain_len, history)
CASES = {
    "sparse-other": (FORMATS["v1-inline-sparse-zlib"], "other", None, branchy(3, 300)),
    "sparse-manifest-snapshots": (revlog.Format(1, False, True, True, False, "zlib"), "manifest", 6,
                                  churn(1, 300)),
    "sparse-filelog-snapshots": (revlog.Format(1, True, True, True, False, "none"), "filelog", 4, churn(2, 250)),
    "deltainfo-filelog": (FORMATS["v1-split-deltainfo-zlib"], "filelog", 30, churn(3, 250)),
    "deltainfo-other": (revlog.Format(1, True, True, True, True, "zlib"), "other", None, branchy(4, 250)),
    "generaldelta": (FORMATS["v1-inline-gd-none"], "other", None, branchy(5, 250)),
    "nogd": (FORMATS["v1-split-nogd-zlib"], "other", 5, linear(6, 250)),
    "changelog": (revlog.Format(1, False, False, False, False, "zlib"), "changelog", None, linear(7, 200)),
    "v0": (FORMATS["v0-zlib"], "other", None, linear(8, 200)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_files_as_mercurial_given_its_diff(backend, tmp_path, case):
    fmt, kind, max_chain, history = CASES[case]
    hg_dir, our_dir = tmp_path / "hg", tmp_path / "ours"
    hg_dir.mkdir()
    our_dir.mkdir()
    radix = {"changelog": "00changelog", "manifest": "00manifest"}.get(kind, "x")
    write_with_mercurial(str(hg_dir), radix, fmt, kind, history, max_chain)
    ours = with_textdiff(backend, mercurial_diff())
    write_history(str(our_dir / (radix + ".i")), fmt, ours, history, [100, 0, 0, 50],
                  kind=kind, max_chain_len=max_chain, fsync=False).close()
    assert file_bytes(str(our_dir)) == file_bytes(str(hg_dir))
    check_history(revlog.open(str(our_dir / (radix + ".i")), backend=backend), history)


def written(tmp_path, backend, fmt, history, **options):
    path = str(tmp_path / "x.i")
    write_history(path, fmt, backend, history, fsync=False, **options).close()
    rl = revlog.open(path, backend=backend)
    check_history(rl, history)
    return rl


def stored_chain_size(rl, rev: int) -> int:
    chain, _ = rl.index.deltachain(rev, None)
    return sum(rl.length(r) for r in chain)


@pytest.mark.parametrize("cap", [1, 3, 17])
def test_chains_stay_within_max_chain_len(backend, tmp_path, cap):
    for name in ("v1-split-sparse-zstd", "v1-split-nogd-zlib", "v1-inline-gd-none"):
        (tmp_path / name).mkdir()
        rl = written(tmp_path / name, backend, FORMATS[name], churn(9, 120), max_chain_len=cap)
        longest = max(rl.chainlen(rev) for rev in rl)
        assert longest <= cap and (longest == cap or cap > 10)


def test_default_max_chain_len_is_hgs():
    assert deltas.default_max_chain_len(True) == 1000
    assert deltas.default_max_chain_len(False) is None


def test_deltas_are_small_and_chains_bounded(backend, tmp_path):
    for name in ("v1-split-sparse-zstd", "v1-split-nogd-zlib", "v1-inline-gd-none"):
        (tmp_path / name).mkdir()
        history = churn(10, 200)
        rl = written(tmp_path / name, backend, FORMATS[name], history)
        for rev in rl:
            textlen = len(history[rev][0])
            if rl.deltaparent(rev) != C.NULL_REV:
                assert rl.length(rev) <= textlen
                assert stored_chain_size(rl, rev) <= deltas.LIMIT_DELTA2TEXT * textlen


def test_without_generaldelta_deltas_are_against_the_previous_revision(backend, tmp_path):
    rl = written(tmp_path, backend, FORMATS["v1-split-nogd-zlib"], branchy(11, 150), max_chain_len=8)
    assert {rl.deltaparent(rev) - rev for rev in rl if rl.deltaparent(rev) != C.NULL_REV} == {-1}
    for rev in rl:
        # the base field names the chain's full text, and the chain stays within 4x the text
        assert rl.index[rev][C.ENTRY_BASE] == rl.chainbase(rev)
        span = rl.end(rev) - rl.start(rl.chainbase(rev))
        assert span <= 4 * rl.rawsize(rev) or rl.chainbase(rev) == rev


def test_changelogs_store_full_texts(backend, tmp_path):
    rl = written(tmp_path, backend, revlog.Format(1, False, False, False, False, "zlib"),
                 linear(12, 100), kind="changelog")
    assert all(rl.deltaparent(rev) == C.NULL_REV for rev in rl)
    os.rename(str(tmp_path / "x.i"), str(tmp_path / "00changelog.i"))
    os.rename(str(tmp_path / "x.d"), str(tmp_path / "00changelog.d"))
    named = revlog.open(str(tmp_path / "00changelog.i"), backend=backend)
    with named.transaction():  # the kind comes from the name too
        named.add_revision(b"next\n", named.node(99), C.NULL_NODE, 100)
    assert revlog.open(str(tmp_path / "00changelog.i")).deltaparent(100) == C.NULL_REV


def test_an_inline_changelog_splits_at_once(backend, tmp_path):
    rl = revlog.create(str(tmp_path / "00changelog.i"), format=revlog.Format(1, True, False, False, False, "zlib"),
                       backend=backend)
    rl.add_revision(b"first\n", C.NULL_NODE, C.NULL_NODE, 0)
    assert not rl.inline and os.path.exists(str(tmp_path / "00changelog.d"))


def test_sparse_snapshots(backend, tmp_path):
    history = churn(13, 300)
    rl = written(tmp_path, backend, FORMATS["v1-split-sparse-zstd"], history, max_chain_len=5, kind="manifest")
    depths = {}
    for rev in rl:
        if not rl.issnapshot(rev):
            continue
        depth = len(rl.index.deltachain(rev, None)[0]) - 1
        depths[depth] = depths.get(depth, 0) + 1
        if depth:
            base = rl.deltaparent(rev)
            assert rl.issnapshot(base) and base not in rl.parentrevs(rev)
            assert rl.length(rev) <= len(history[rev][0]) >> depth
            assert rl.length(rev) <= rl.length(base)
    assert depths.get(0) and depths.get(1) and depths.get(2), depths


def test_delta_info_flags(backend, tmp_path):
    history = churn(14, 200) + [(b"", 199, -1)]
    rl = written(tmp_path, backend, FORMATS["v1-split-deltainfo-zlib"], history, max_chain_len=6)
    for rev in rl:
        flags = rl.flags(rev)
        base = rl.deltaparent(rev)
        if base == C.NULL_REV:  # full texts are snapshots
            assert flags & C.REVIDX_DELTA_IS_SNAPSHOT
        elif flags & C.REVIDX_DELTA_IS_SNAPSHOT:  # intermediate: on a snapshot, not a parent
            assert rl.flags(base) & C.REVIDX_DELTA_IS_SNAPSHOT and _structurally_a_snapshot(rl, rev)
        if rev:
            assert flags & C.REVIDX_DELTA_QUALITY
        if flags & C.REVIDX_DELTA_GOOD and history[rev][0]:  # as small as a parent's delta
            assert flags & (C.REVIDX_DELTA_P1_SMALL | C.REVIDX_DELTA_P2_SMALL)
    assert rl.flags(len(history) - 1) & C.REVIDX_DELTA_GOOD  # an empty text: nothing beats it
    (tmp_path / "plain").mkdir()
    plain = written(tmp_path / "plain", backend, FORMATS["v1-split-sparse-zstd"], history[:50])
    assert not any(plain.flags(rev) for rev in plain)


def _structurally_a_snapshot(rl, rev: int) -> bool:
    """Mercurial's snapshot rule, from the entries (as without delta-info flags)."""
    while True:
        base = rl.index[rev][C.ENTRY_BASE]
        if base in (rev, C.NULL_REV):
            return True
        parents = []
        for parent in rl.parentrevs(rev):
            while parent != C.NULL_REV and rl.length(parent) == 0 and rl.index[parent][C.ENTRY_BASE] != parent:
                parent = rl.index[parent][C.ENTRY_BASE]
            parents.append(parent)
        if base in parents:
            return False
        rev = base


def test_a_censored_previous_revision_gets_a_whole_replacement(backend, tmp_path):
    path = str(tmp_path / "x.i")
    rl = revlog.create(path, format=FORMATS["v1-split-nogd-zlib"], backend=backend)
    first = rl.add_revision(b"a text\n" * 10, C.NULL_NODE, C.NULL_NODE, 0)
    rl.add_revision(b"tombstone\n", first, C.NULL_NODE, 1, flags=C.REVIDX_ISCENSORED, node=b"\x11" * 20)
    third = rl.add_revision(b"a text\n" * 11, first, C.NULL_NODE, 2)
    reopened = revlog.open(path, backend=backend)
    assert reopened.revision(third) == b"a text\n" * 11


# ---- folding deltas (delta-info) ------------------------------------------------


@st.composite
def fold_inputs(draw):
    """A text A of distinct bytes, and hunks of A->B and of B->C (no-op free, ordered)."""
    size = draw(st.integers(0, 60))

    def hunks(length):
        cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=8))))
        found, last_end = [], -1
        for start, end in zip(cuts[::2], cuts[1::2]):
            if draw(st.booleans()):
                end = start
            added = draw(st.integers(0, 12))
            if start == end and not added:
                added = 1
            if start > last_end:
                found.append((start, end, added))
                last_end = end
        return found

    lower = hunks(size)
    middle = size + sum(s - (e - b) for b, e, s in lower)
    return size, lower, hunks(middle)


def _apply(text: list, hunks, fresh) -> list:
    out, last = [], 0
    for start, end, size in hunks:
        out += text[last:start] + [next(fresh) for _ in range(size)]
        last = end
    return out + text[last:]


@given(fold_inputs())
def test_a_folded_delta_keeps_what_both_keep(data):
    size, lower, upper = data
    fresh = iter(range(1000, 10 ** 6))
    a = list(range(size))
    c = _apply(_apply(a, lower, fresh), upper, fresh)
    folded = deltafold.fold(lower, upper)
    assert all(folded[i][1] <= folded[i + 1][0] for i in range(len(folded) - 1))
    # applying the folded hunks to A, with C's bytes in place of the new ones, gives C
    out, last, at = [], 0, 0
    for start, end, added in folded:
        out += a[last:start]
        at += start - last
        out += c[at:at + added]
        at += added
        last = end
    out += a[last:]
    assert out == c


@given(fold_inputs())
def test_folding_gives_mercurials_hunks(data):
    hgoracle.mercurial()
    from mercurial.pure import deltas as hgdeltas

    size, lower, upper = data
    theirs = hgdeltas.Delta([hgdeltas.DeltaPiece(*h) for h in lower]).combine(
        hgdeltas.Delta([hgdeltas.DeltaPiece(*h) for h in upper]))
    assert deltafold.fold(lower, upper) == [(p.start, p.old_end, p.size) for p in theirs._patches]


def test_best_base_folds_while_within_the_limit():
    delta = deltafold.replacement_header(0, 0)[:0] + b"\0\0\0\x0a\0\0\0\x0b\0\0\0\x01x"  # [10, 11) -> "x"
    steps = [(5, [(20, 21, 1)]), (3, [(40, 41, 1)]), (1, [(0, 0, 500)])]
    assert deltafold.best_base(delta, iter(steps), 40) == 3
    assert deltafold.best_base(delta, iter(steps), 12) is None
    assert deltafold.best_base(b"", iter(steps), 1000) is None
    assert deltafold.best_base(delta, iter(steps), 10 ** 6) == 1


def test_kinds_from_where_revlogs_live(tmp_path):
    from revlog.writer import infer_kind

    store = tmp_path / "repo" / ".hg" / "store"
    assert infer_kind(str(store / "00changelog.i"), False) == "changelog"
    assert infer_kind(str(store / "00manifest.i"), False) == "manifest"
    assert infer_kind(str(store / "meta" / "dir" / "00manifest.i"), False) == "manifest"
    assert infer_kind(str(store / "data" / "src" / "a.c.i"), False) == "filelog"
    assert infer_kind(str(tmp_path / "data" / "x.i"), False) == "other"
    assert infer_kind(str(tmp_path / "x.i"), True) == "filelog"
    assert deltas.config_for(True, True, False, "manifest", None).upper_bound_comp == 3
    assert deltas.config_for(True, True, False, "filelog", None).upper_bound_comp == 10
    assert not deltas.config_for(False, False, False, "changelog", None).store_deltas


@pytest.mark.parametrize("case", ["sparse-other", "deltainfo-filelog", "generaldelta", "nogd"])
@pytest.mark.parametrize("against", ["p1", "prev"])
def test_add_group_writes_what_mercurials_addgroup_writes(backend, tmp_path, case, against):
    fmt, kind, max_chain, history = CASES[case]
    diff = mercurial_diff()
    nodes = nodes_of(history) + [C.NULL_NODE]
    half = len(history) // 2
    group = []
    for rev in range(half, len(history)):
        text, p1, p2 = history[rev]
        base = p1 if against == "p1" else rev - 1
        group.append((nodes[rev], nodes[p1], nodes[p2], rev, nodes[base],
                      diff(history[base][0] if base >= 0 else b"", text)))
    hg_dir, our_dir = tmp_path / "hg", tmp_path / "ours"
    hg_dir.mkdir()
    our_dir.mkdir()
    write_with_mercurial(str(hg_dir), "x", fmt, kind, history[:half], max_chain, group)
    ours = write_history(str(our_dir / "x.i"), fmt, with_textdiff(backend, diff), history[:half],
                         kind=kind, max_chain_len=max_chain, fsync=False)
    assert ours.add_group(group) == nodes[half:len(history)]
    ours.close()
    assert file_bytes(str(our_dir)) == file_bytes(str(hg_dir))
