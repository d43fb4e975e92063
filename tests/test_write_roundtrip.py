"""Round trips: random histories written, read back by node, on both backends,
in every format the writer supports; the two backends write the same bytes;
Mercurial reads what we write."""
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import revlog
from revlog import constants as C
from revlog import policy

import hgoracle
import revlogbuild
from writespecs import FORMATS, branchy, bulky, check_history, file_bytes, node_of, write_history

FORMAT_NAMES = sorted(FORMATS)


@st.composite
def histories(draw, max_revs: int = 25):
    """(text, p1, p2) revisions: edits of a parent's text, empty, identical or binary texts."""
    count = draw(st.integers(1, max_revs))
    history = []
    nodes = {-1: C.NULL_NODE}
    for rev in range(count):
        parent = st.integers(-1, rev - 1)
        p1, p2 = draw(parent), draw(parent)
        kind = draw(st.sampled_from(["edit", "edit", "edit", "empty", "same", "binary"]))
        start = history[p1][0] if p1 >= 0 else b""
        if kind == "empty":
            text = b""
        elif kind == "same":
            text = start
        elif kind == "binary":
            text = draw(st.binary(max_size=600))
        else:
            lines = start.splitlines(True)
            for _ in range(draw(st.integers(1, 6))):
                at = draw(st.integers(0, len(lines)))
                if lines and draw(st.booleans()):
                    del lines[min(at, len(lines) - 1)]
                else:
                    lines[at:at] = [b"rev %d line %d %s\n" % (rev, at, b"x" * draw(st.integers(0, 80)))]
            text = b"".join(lines)
        if node_of(text, nodes[p1], nodes[p2]) in nodes.values():  # a revlog stores a node once
            text += b"rev %d\n" % rev
        nodes[rev] = node_of(text, nodes[p1], nodes[p2])
        history.append((text, p1, p2))
    return history


def written_by_both(tmp_path, name, history, batches=None, **options):
    """The history written by each backend in its own directory; checked, and the same bytes."""
    files = []
    for backend_name in policy.BACKENDS:
        directory = tmp_path / backend_name
        directory.mkdir(exist_ok=True)
        path = str(directory / "x.i")
        for leftover in os.listdir(str(directory)):
            os.unlink(str(directory / leftover))
        backend = policy.load(backend_name)
        write_history(path, FORMATS[name], backend, history, batches, fsync=False, **options).close()
        for reader in policy.BACKENDS:
            check_history(revlog.open(path, backend=reader), history)
        files.append(file_bytes(str(directory)))
    assert files[0] == files[1]
    return files[0]


@given(name=st.sampled_from(FORMAT_NAMES), history=histories(),
       batches=st.lists(st.integers(0, 6), max_size=8))
def test_random_histories_round_trip(tmp_path_factory, backends, name, history, batches):
    tmp_path = tmp_path_factory.mktemp("rt")
    written_by_both(tmp_path, name, history, batches)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_histories_with_branches_and_merges(tmp_path, backends, name):
    files = written_by_both(tmp_path, name, branchy(21, 150, lines=60), [40, 0, 0, 50])
    assert set(files) <= {"x.i", "x.d"}


@pytest.mark.parametrize("name", [n for n in FORMAT_NAMES if FORMATS[n].inline])
def test_inline_revlogs_split_past_128_kib(tmp_path, backends, name):
    history = bulky(2, 80)
    files = written_by_both(tmp_path, name, history, [30, 0, 0, 5, 20])
    assert set(files) == {"x.i", "x.d"}
    rl = revlog.open(str(tmp_path / "c" / "x.i"))
    assert not rl.inline and rl.format.version == 1
    # the split happens when the data reaches 128 KiB: what it held before is the split part
    assert len(files["x.d"]) >= 128 * 1024


def test_large_texts(tmp_path, backends):
    big = os.urandom(700000).hex().encode()  # 1.4 MB: compressed in pieces
    history = [(big, -1, -1), (big[:1000] + b"changed" + big[1000:], 0, -1), (b"", 1, -1), (big, 2, -1)]
    for name in ("v1-inline-sparse-zlib", "v1-split-sparse-zstd", "v0-zlib"):
        (tmp_path / name).mkdir()
        written_by_both(tmp_path / name, name, history)


def test_identical_and_empty_texts(tmp_path, backends):
    history = [(b"", -1, -1), (b"same\n", 0, -1), (b"same\n", -1, -1), (b"same\n", 1, 2), (b"", 3, -1),
               (b"\0binary\xff" * 50, 4, -1), (b"\0binary\xff" * 50, 5, 0)]
    for name in FORMAT_NAMES:
        (tmp_path / name).mkdir()
        written_by_both(tmp_path / name, name, history)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_mercurial_reads_what_we_write(tmp_path, backend, name):
    hg = hgoracle.mercurial()
    history = branchy(5, 80, lines=40) + [(b"", 79, -1), (b"\0raw" * 20, 80, -1)]
    path = str(tmp_path / "x.i")
    write_history(path, FORMATS[name], backend, history).close()
    assert revlogbuild.read_with_mercurial(hg, path) == [text for text, _, _ in history]
    from mercurial import revlog as hgrevlog
    from mercurial import vfs as vfsmod
    from mercurial.revlogutils import constants as hgconstants

    opener = vfsmod.vfs(str(tmp_path).encode())
    opener.options = {}
    theirs = hgrevlog.revlog(opener, target=(hgconstants.KIND_OTHER, b"test"), radix=b"x")
    ours = revlog.open(path, backend=backend)
    for rev in range(len(ours)):
        assert theirs.parentrevs(rev) == ours.parentrevs(rev)
        assert theirs.node(rev) == ours.node(rev)
        assert theirs.linkrev(rev) == rev
        assert theirs.deltaparent(rev) == ours.deltaparent(rev)
        assert theirs.rawsize(rev) == len(history[rev][0])
    assert theirs._inline == ours.inline


def test_linkrevs_and_parents_order_are_kept(tmp_path, backend):
    path = str(tmp_path / "x.i")
    rl = revlog.create(path, format=FORMATS["v1-split-sparse-zstd"], backend=backend)
    first = rl.add_revision(b"a\n", C.NULL_NODE, C.NULL_NODE, 7)
    second = rl.add_revision(b"b\n", C.NULL_NODE, first, 9)  # p1 null, p2 set: kept as given
    reopened = revlog.open(path, backend=backend)
    assert reopened.linkrev(0) == 7 and reopened.linkrev(1) == 9
    assert reopened.parentrevs(1) == (-1, 0) and reopened.node(1) == second


def test_writing_without_mmap(tmp_path, backend):
    """Reading back through the read-ahead window (use_mmap=False), across an undone group."""
    history = branchy(6, 120, lines=50)
    path = str(tmp_path / "x.i")
    rl = write_history(path, FORMATS["v1-split-sparse-zstd"], backend, history[:60], use_mmap=False, fsync=False)
    nodes = [rl.node(rev) for rev in range(60)]
    good_text = history[59][0] + b"added in the undone group\n"
    good = (node_of(good_text, nodes[59], C.NULL_NODE), nodes[59], C.NULL_NODE, 60, nodes[59],
            backend.textdiff(history[59][0], good_text))
    with rl.transaction():
        with pytest.raises(revlog.errors.RevisionNotFound):
            rl.add_group([good, (b"\2" * 20, b"\3" * 20, C.NULL_NODE, 61, nodes[59], b"")])
        for rev in range(60, 120):
            text, p1, p2 = history[rev]
            nodes.append(rl.add_revision(text, nodes[p1] if p1 >= 0 else C.NULL_NODE,
                                         nodes[p2] if p2 >= 0 else C.NULL_NODE, rev))
            assert rl.revision(rev) == text
    check_history(revlog.open(path, backend=backend, use_mmap=False), history)
