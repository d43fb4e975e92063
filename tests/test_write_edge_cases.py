"""Edge cases of the write path: delaying an empty inline revlog, readers
mapping what a writer rolls back, planted journals, argument types, the null
node, option checks, bad stored deltas, crash leftovers, stale data files,
directory fsyncs, a lock taken twice in one thread, short writes, damaged
delta bases and data offsets."""
import hashlib
import json
import os
import struct
import subprocess
import sys
import time

import pytest

import revlog
from revlog import constants as C
from revlog import adding, compression, deltafold, errors, journal, writer
from revlog.deltafold import replacement_header

import revlogbuild
from guards import fails_instead_of_hanging
from writespecs import FORMATS, bulky, check_history, file_bytes, linear, node_of, nodes_of

NULL = C.NULL_NODE


def replacement(old: bytes, new: bytes) -> bytes:
    """A delta replacing all of old with new."""
    return replacement_header(len(old), len(new)) + new


def add_all(rl, history, revs):
    nodes = nodes_of(history)
    for rev in revs:
        text, p1, p2 = history[rev]
        rl.add_revision(text, nodes[p1] if p1 >= 0 else NULL, nodes[p2] if p2 >= 0 else NULL, rev)


# ---- delay() on an empty inline revlog ------------------------------------------


@pytest.mark.parametrize("how", ["created-changelog", "empty-filelog"])
def test_delaying_an_empty_inline_revlog(backend, tmp_path, how):
    store = tmp_path / "store"
    if how == "created-changelog":
        path = str(store / "00changelog.i")
        store.mkdir()
        rl = revlog.create(path, format=FORMATS["v1-inline-nogd-zstd"], backend=backend)
        history = linear(3, 12)
    else:
        path = str(store / "data" / "f.i")
        os.makedirs(os.path.dirname(path))
        open(path, "wb").close()
        rl = revlog.open(path, backend=backend)
        history = bulky(4, 12)  # passes the inline limit: no split may happen while delayed
    assert rl.inline
    with rl.transaction():
        rl.delay()
        assert not rl.inline
        add_all(rl, history, range(6))
        assert len(revlog.open(path, backend=backend)) == 0
        assert os.path.getsize(path) == 0
        assert rl.write_pending() is True
        check_history(revlog.open(path, backend=backend, pending=True), history[:6])
        add_all(rl, history, range(6, 12))
        assert len(revlog.open(path, backend=backend)) == 0
        check_history(revlog.open(path, backend=backend, pending=True), history)
        assert [rl.revision(rev) for rev in range(12)] == [text for text, _, _ in history]
    assert not os.path.exists(path + ".a")
    reopened = revlog.open(path, backend=backend)
    assert not reopened.inline
    check_history(reopened, history)


def test_delay_then_rollback_leaves_an_empty_revlog(backend, tmp_path):
    path = str(tmp_path / "f.i")
    open(path, "wb").close()
    rl = revlog.open(path, backend=backend)
    with pytest.raises(KeyError):
        with rl.transaction():
            rl.delay()
            add_all(rl, linear(5, 3), range(3))
            raise KeyError
    assert sorted(os.listdir(str(tmp_path))) == ["f.i"]
    assert os.path.getsize(path) == 0 and len(rl) == 0 and rl.inline


def test_splitting_while_entries_are_held_back_is_refused(backend, tmp_path):
    path = str(tmp_path / "f.i")
    rl = revlog.create(path, format=FORMATS["v1-inline-sparse-zlib"], backend=backend)
    history = linear(6, 4)
    add_all(rl, history, range(2))
    with rl.transaction():
        rl.delay()
        add_all(rl, history, range(2, 4))
        with pytest.raises(errors.RevlogError, match="internal error"):
            rl._writer().split()
    check_history(revlog.open(path, backend=backend), history)


# ---- readers mapping a file a writer then rolls back ------------------------------

RACING_READER = r"""
import os, sys
import revlog
import revlog.revlog as R
from revlog import constants as C
path, backend = sys.argv[1], sys.argv[2]
writer = revlog.open(path, backend=backend, fsync=False)
real = R._read_buffer
started = []
def racing(*args, **kwargs):
    # a writer begins and appends after the reader decided it may map the file
    if not started:
        started.append(writer.transaction())
        node = writer.node(len(writer) - 1)
        for i in range(200):
            node = writer.add_revision(b"new %d\n" % i * 3, node, C.NULL_NODE, 2000 + i)
    return real(*args, **kwargs)
R._read_buffer = racing
reader = revlog.open(path, backend=backend)
R._read_buffer = real
assert len(reader) == 1300, len(reader)
started[0].rollback()
assert reader.revision(1250) == b"new 150\n" * 3
assert reader.revision(5) == b"line 5\n" * 3
print("ok")
"""


def test_a_reader_never_maps_what_a_writer_beginning_meanwhile_truncates(backend, tmp_path):
    path = str(tmp_path / "f.i")
    rl = revlog.create(path, format=FORMATS["v1-split-sparse-zstd"], backend=backend, fsync=False)
    with rl.transaction():
        node = NULL
        for i in range(1100):
            node = rl.add_revision(b"line %d\n" % i * 3, node, NULL, i)
    assert os.path.getsize(path) >= revlog.revlog.MMAP_THRESHOLD
    child = subprocess.run([sys.executable, "-c", RACING_READER, path, backend.__name__.split(".")[-1].lstrip("_")],
                           capture_output=True, timeout=120)
    assert child.returncode == 0, (child.returncode, child.stderr.decode()[-2000:])
    assert child.stdout.strip() == b"ok"


# ---- planted journals -------------------------------------------------------------


@pytest.mark.parametrize("planted", [
    {"sizes": {"../victim.txt": -1}, "backups": {}, "temps": []},
    {"sizes": {"../victim.txt": 2}, "backups": {}, "temps": []},
    {"sizes": {}, "backups": {"../victim.txt": "f.i.journal.backup"}, "temps": []},
    {"sizes": {}, "backups": {"f.i": "../victim.txt"}, "temps": []},
    {"sizes": {}, "backups": {}, "temps": ["../victim.txt"]},
    {"sizes": {"f.i": 0}, "backups": {}, "temps": ["other.i"]},
])
def test_a_planted_journal_touches_no_file_the_writer_does_not_own(backend, tmp_path, planted):
    repo = tmp_path / "repo"
    repo.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    (repo / "other.i").write_bytes(b"mine\n")
    (repo / "f.i.journal.backup").write_bytes(b"planted\n")
    path = str(repo / "f.i")
    rl = revlog.create(path, format=FORMATS["v1-inline-sparse-zlib"], backend=backend, fsync=False)
    planted = dict(planted, version=1)
    (repo / "f.i.journal").write_text(json.dumps(planted))
    with pytest.raises(errors.RevlogError, match="never writes"):
        rl.add_revision(b"x\n", NULL, NULL, 0)
    assert victim.read_bytes() == b"precious\n"
    assert (repo / "other.i").read_bytes() == b"mine\n"
    assert (repo / "f.i.journal").exists() and os.path.getsize(path) == 0
    assert not (repo / "f.i.lock").exists()


# ---- what add_revision and add_group accept -----------------------------------------


@pytest.fixture
def small(backend, tmp_path):
    """A revlog with two revisions; (revlog, its nodes, its files' bytes)."""
    path = str(tmp_path / "f.i")
    rl = revlog.create(path, format=FORMATS["v1-inline-sparse-zlib"], backend=backend, fsync=False)
    history = linear(9, 2)
    add_all(rl, history, range(2))
    return rl, nodes_of(history), file_bytes(str(tmp_path))


@pytest.mark.parametrize("text", [7, 10 ** 12, [104, 105], "hi", None, memoryview(b"abcdef")[::2],
                                  memoryview(bytes(8)).cast("I")])
def test_texts_must_be_bytes_like(small, tmp_path, text):
    rl, nodes, before = small
    with pytest.raises(errors.RevlogError, match="f.i: a revision's text must be bytes-like, not"):
        rl.add_revision(text, nodes[1], NULL, 2)
    with pytest.raises(errors.RevlogError, match="f.i: add_group item 0's delta must be bytes-like"):
        rl.add_group([(b"\x01" * 20, nodes[1], NULL, 2, NULL, text)])
    assert file_bytes(str(tmp_path)) == before and len(rl) == 2


def test_bytes_like_texts_are_stored_as_their_bytes(small):
    rl, nodes, _ = small
    for rev, text in enumerate([bytearray(b"one\n"), memoryview(b"two\n"), memoryview(b"three\n")[0:6]]):
        node = rl.add_revision(text, nodes[1], NULL, 2 + rev)
        assert rl.revision(node) == bytes(text) and node == node_of(bytes(text), nodes[1], NULL)
    delta = replacement(b"", b"four\n")
    node = rl.add_group([(node_of(b"four\n", NULL, NULL), NULL, NULL, 9, NULL, bytearray(delta))])[0]
    assert rl.revision(node) == b"four\n"


@pytest.mark.parametrize("bad", [NULL, b"\xff" * 20])
def test_the_null_and_working_directory_nodes_cannot_be_added(small, tmp_path, bad):
    rl, nodes, before = small
    name = "null" if bad == NULL else "working directory"
    with pytest.raises(errors.RevlogError, match="cannot be the %s node" % name):
        rl.add_revision(b"gone\n", nodes[1], NULL, 2, flags=C.REVIDX_ISCENSORED, node=bad)
    with pytest.raises(errors.RevlogError, match="add_group item 0's node cannot be the %s node" % name):
        rl.add_group([(bad, nodes[1], NULL, 2, NULL, replacement(b"", b"gone\n"), C.REVIDX_ISCENSORED)])
    assert file_bytes(str(tmp_path)) == before and len(rl) == 2


def test_the_size_of_a_text_is_checked_before_it_is_hashed(small, monkeypatch):
    rl, nodes, _ = small
    monkeypatch.setattr(adding, "MAX_FIELD", 10)

    def no_hashing(*args):
        raise AssertionError("hashed a text too large to store")
    monkeypatch.setattr(adding, "node_of", no_hashing)
    with pytest.raises(errors.RevlogError, match="11-byte revision exceeds the revlog limit of 10 bytes"):
        rl.add_revision(b"x" * 11, nodes[1], NULL, 2)
    with pytest.raises(errors.RevlogError, match="11-byte revision exceeds"):
        rl.add_group([(b"\x01" * 20, nodes[1], NULL, 2, NULL, replacement(b"", b"x" * 11))])


def test_v0_data_offsets_stop_at_2_gib(backend, tmp_path):
    path = str(tmp_path / "f.i")
    rl = revlog.create(path, format=FORMATS["v0-zlib"], backend=backend, fsync=False)
    history = linear(2, 3)
    add_all(rl, history, range(2))
    before = file_bytes(str(tmp_path))
    with pytest.raises(errors.RevlogError, match="f.i: the data of a v0 revlog cannot grow past 2147483647 bytes"):
        with rl.transaction():
            rl._writer().data_end = 0x7FFFFFF0  # as if 2 GiB were there
            add_all(rl, history, [2])
    assert file_bytes(str(tmp_path)) == before
    check_history(revlog.open(path, backend=backend), history[:2])


# ---- options and arguments are checked when given -----------------------------------


@pytest.mark.parametrize("options, message", [
    ({"compression_level": "9"}, "compression_level must be None or an integer, not '9'"),
    ({"compression_level": True}, "compression_level must be None or an integer"),
    ({"compression_level": 99}, "invalid any compression level 99"),
    ({"compression_level": 10}, "invalid zlib compression level 10 \\(0 to 9\\)"),  # the revlog's engine
    ({"compression_level": 23, "compression": "zstd"}, "invalid zstd compression level 23"),
    ({"lock_timeout": "x"}, "lock_timeout must be a number of seconds, not 'x'"),
    ({"lock_timeout": float("nan")}, "lock_timeout must be a number"),
    ({"max_chain_len": True}, "max_chain_len must be None or a count, not True"),
    ({"kind": ["changelog"]}, "unknown revlog kind"),
    ({"compression": 5}, "unknown compression engine 5"),
])
def test_bad_write_options_fail_at_open(small, backend, options, message):
    rl, _, _ = small
    assert rl.format.compression == "zlib"
    with pytest.raises(errors.RevlogError, match=message):
        revlog.open(rl.index_path, backend=backend, **options)


def test_good_write_options_pass(small, backend):
    rl, nodes, _ = small
    for options in ({"compression_level": 9}, {"compression_level": 0}, {"lock_timeout": 0},
                    {"compression": "zstd", "compression_level": 22}, {"max_chain_len": 0}):
        other = revlog.open(rl.index_path, backend=backend, **options)
        assert other.add_revision(b"%r\n" % sorted(options.items()), nodes[1], NULL, 2) in other.index


def test_zstd_without_zstandard_fails_at_open_and_create(small, backend, tmp_path, monkeypatch):
    rl, _, _ = small
    monkeypatch.setattr(compression, "zstandard", None)
    with pytest.raises(errors.RevlogError, match="zstandard package"):
        revlog.open(rl.index_path, backend=backend, compression="zstd")
    with pytest.raises(errors.RevlogError, match="zstandard package"):
        revlog.create(str(tmp_path / "z.i"), format=FORMATS["v1-split-sparse-zstd"], backend=backend)
    assert not os.path.exists(str(tmp_path / "z.i"))


def test_bad_arguments_are_revlog_errors(small, tmp_path):
    rl, nodes, before = small
    with pytest.raises(errors.RevlogError, match="f.i: invalid linkrev True"):
        rl.add_revision(b"new\n", nodes[1], NULL, True)
    with pytest.raises(errors.RevlogError, match="f.i: unknown revision flags True"):
        rl.add_revision(b"new\n", nodes[1], NULL, 2, flags=True)
    with pytest.raises(errors.RevlogError, match="f.i: add_group needs an iterable of revisions, not int"):
        rl.add_group(5)
    text = b"new\n"
    item = (node_of(text, nodes[1], NULL), nodes[1], NULL, True, NULL, replacement(b"", text))
    with pytest.raises(errors.RevlogError, match="f.i: invalid linkrev True"):
        rl.add_group([item])
    assert file_bytes(str(tmp_path)) == before


# ---- stored deltas the delta search parses --------------------------------------------


@pytest.mark.parametrize("delta", [
    b"\0" * 8 + b"\xff\xff\xff\xf4",              # negative size (looped forever)
    b"\0\0\0\x05\0\0\0\x04\0\0\0\0",              # ends before it starts
    b"\xff\xff\xff\xff\0\0\0\x04\0\0\0\0",        # starts before the text
    b"\0\0\0\0\0\0\0\x04\0\0\0\x09abc",           # its data is cut short
    replacement_header(0, 1) + b"x" + b"\0\0\0",  # a second header cut short
])
def test_parsing_a_bad_delta_is_corrupted_data(delta):
    with pytest.raises(errors.CorruptedData, match="delta hunk"):
        deltafold.parse(delta)


def test_parsing_good_deltas():
    delta = b"\0\0\0\x02\0\0\0\x04\0\0\0\x01x" + b"\0\0\0\x06\0\0\0\x06\0\0\0\x00"
    assert deltafold.parse(delta) == [(2, 4, 1), (6, 6, 0)]
    assert deltafold.parse(b"") == []


# ---- leftovers of a writer that died outside its journal's lifetime --------------------


@pytest.mark.parametrize("leftover", ["f.i.journal.tmp", "f.i.journal.backup"])
def test_the_next_writer_removes_crash_leftovers(small, tmp_path, leftover):
    rl, nodes, before = small
    (tmp_path / leftover).write_bytes(b"half a journal" if leftover.endswith("tmp") else before["f.i"])
    rl.add_revision(b"after\n", nodes[1], NULL, 2)
    assert sorted(os.listdir(str(tmp_path))) == ["f.i"]
    assert rl.revision(2) == b"after\n" and len(revlog.open(rl.index_path)) == 3


# ---- a stale data file beside an inline index ------------------------------------------


@pytest.mark.parametrize("end", ["rollback", "crash"])
def test_a_split_puts_a_stale_data_file_back_on_rollback(backend, tmp_path, end):
    path = str(tmp_path / "f.i")
    rl = revlog.create(path, format=FORMATS["v1-inline-sparse-zlib"], backend=backend, fsync=False)
    history = bulky(5, 60)
    add_all(rl, history, range(2))
    (tmp_path / "f.d").write_bytes(b"stale data of an older life\n" * 50)
    before = file_bytes(str(tmp_path))
    transaction = rl.transaction()
    add_all(rl, history, range(2, 60))
    assert not rl.inline  # split: f.d now holds the chunks
    if end == "rollback":
        transaction.rollback()
        assert file_bytes(str(tmp_path)) == before
    else:  # the writer dies; the next one rolls back what it left
        rl._writer().close()
        transaction._lock.release()
        revlog.open(path, backend=backend).add_revision(b"next\n", NULL, NULL, 2)
        after = file_bytes(str(tmp_path))
        assert sorted(after) == ["f.d", "f.i"] and after["f.d"] == before["f.d"]
        assert after["f.i"].startswith(before["f.i"])
    reopened = revlog.open(path, backend=backend)
    assert [reopened.revision(rev) for rev in range(2)] == [history[0][0], history[1][0]]
    assert len(reopened) == (2 if end == "rollback" else 3)


def test_commit_fsyncs_the_data_files_directory_too(backend, tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(writer, "fsync_directory", lambda path: synced.append(os.path.dirname(path)))
    (tmp_path / "index").mkdir()
    (tmp_path / "data").mkdir()
    path = str(tmp_path / "index" / "f.i")
    data_path = str(tmp_path / "data" / "f.d")
    rl = revlog.create(path, format=FORMATS["v1-split-sparse-zstd"], backend=backend, data_path=data_path)
    history = linear(4, 3)
    add_all(rl, history, range(3))
    assert synced[-2:] == [str(tmp_path / "index"), str(tmp_path / "data")]
    check_history(revlog.open(path, backend=backend, data_path=data_path), history)


# ---- two Revlog objects of one revlog in one thread ------------------------------------


def test_a_second_writer_in_the_same_thread_fails_at_once(small, backend):
    rl, nodes, _ = small
    other = revlog.open(rl.index_path, backend=backend, lock_timeout=30)
    with rl.transaction():
        rl.add_revision(b"mine\n", nodes[1], NULL, 2)
        started = time.monotonic()
        with pytest.raises(errors.LockHeld, match="f.i.lock: this thread already holds the lock"):
            other.add_revision(b"theirs\n", nodes[1], NULL, 2)
        assert time.monotonic() - started < 5
    other.add_revision(b"theirs\n", nodes[1], NULL, 3)  # the lock went with the commit
    assert len(revlog.open(rl.index_path, backend=backend)) == 4


# ---- the writer's plumbing -------------------------------------------------------------


def test_write_pending_refuses_an_index_shorter_than_expected(small, tmp_path):
    rl, nodes, before = small
    with pytest.raises(errors.CorruptedIndex, match="shorter than the"):
        with rl.transaction():
            rl.delay()
            rl.add_revision(b"held\n", nodes[1], NULL, 2)
            os.truncate(rl.index_path, 10)  # someone else's damage
            rl.write_pending()
    assert not os.path.exists(rl.index_path + ".a")


@pytest.mark.parametrize("gather", [True, False])
def test_short_writes_are_finished(backend, tmp_path, monkeypatch, gather):
    real_pwrite = os.pwrite

    def short_pwrite(fd, data, offset):
        return real_pwrite(fd, bytes(data[:7]), offset)

    def short_pwritev(fd, parts, offset):
        return short_pwrite(fd, b"".join(parts), offset)
    monkeypatch.setattr(writer.os, "pwrite", short_pwrite)
    monkeypatch.setattr(writer, "_pwritev", short_pwritev if gather else None)
    history = bulky(8, 50)
    for name in ("v1-inline-sparse-zlib", "v1-split-nogd-zlib"):
        path = str(tmp_path / (name + ".i"))
        rl = revlog.create(path, format=FORMATS[name], backend=backend, fsync=False)
        add_all(rl, history, range(50))
        check_history(revlog.open(path, backend=backend), history)


# ---- a damaged index is refused, never followed round in circles or off its end ----------

V1_FIELDS = {"offset": (0, ">Q"), "length": (8, ">i"), "base": (16, ">i")}
V0_FIELDS = {"offset": (0, ">l"), "length": (4, ">l"), "base": (8, ">l")}


def damaged(backend, tmp_path, changes, count=6, version=1, inline=False):
    """t.i (and t.d) of `count` full texts, generaldelta (v1), then the entry fields
    changes says ({(rev, field): value}, value packed as the field is); (revlog, nodes)."""
    revs = [revlogbuild.Rev(b"text %d\n" % rev * 30, p1=rev - 1) for rev in range(count)]
    index, data, nodes = revlogbuild.build(revs, version=version, inline=inline)
    index = bytearray(index)
    if version == 1:
        struct.pack_into(">I", index, 0, struct.unpack_from(">I", index, 0)[0] | revlogbuild.FLAG_GENERALDELTA)
    size, fields = (revlogbuild.V0_ENTRY.size, V0_FIELDS) if version == 0 else (revlogbuild.V1_ENTRY.size, V1_FIELDS)
    starts = [0]
    for _ in range(count - 1):
        starts.append(starts[-1] + size + (struct.unpack_from(">i", index, starts[-1] + 8)[0] if inline else 0))
    for (rev, field), value in changes.items():
        at, form = fields[field]
        struct.pack_into(form, index, starts[rev] + at, value)
    (tmp_path / "t.i").write_bytes(bytes(index))
    if data:
        (tmp_path / "t.d").write_bytes(data)
    return revlog.open(str(tmp_path / "t.i"), backend=backend, fsync=False), nodes


def test_delta_bases_pointing_at_each_other_are_refused_by_the_chain_walk(backend, tmp_path):
    # audit finding 5: the writer's chain information walked 4 -> 3 -> 4 -> ... forever
    rl, nodes = damaged(backend, tmp_path, {(3, "base"): 4, (4, "base"): 3})
    before = file_bytes(str(tmp_path))
    with fails_instead_of_hanging():
        with pytest.raises(errors.CorruptedIndex) as caught:
            rl.add_revision(b"new text\n" * 20, nodes[4], NULL, 6)
    assert str(caught.value) == "t.i: delta base out of range: revision 3 has delta base 4"
    assert file_bytes(str(tmp_path)) == before


def test_empty_deltas_pointing_at_each_other_are_refused_by_the_delta_search(backend, tmp_path):
    # audit finding 6: the empty deltas below a parent were followed 4 -> 3 -> 4 -> ... forever
    rl, nodes = damaged(backend, tmp_path, {(3, "length"): 0, (3, "base"): 4, (4, "length"): 0, (4, "base"): 3})
    before = file_bytes(str(tmp_path))
    text = b"x" * 100
    received = (node_of(text, nodes[4], NULL), nodes[4], NULL, 6, nodes[2], replacement(rl.rawdata(2), text))
    with fails_instead_of_hanging():
        with pytest.raises(errors.CorruptedIndex) as caught:
            rl.add_group([received])
    assert str(caught.value) == "t.i: delta base out of range: revision 3 has delta base 4"
    assert file_bytes(str(tmp_path)) == before


def test_an_empty_delta_with_a_negative_base_is_refused_by_the_delta_search(backend, tmp_path):
    # audit finding 7: index[-5] raised IndexError from the search
    rl, nodes = damaged(backend, tmp_path, {(4, "length"): 0, (4, "base"): -5})
    with fails_instead_of_hanging():
        with pytest.raises(errors.CorruptedIndex) as caught:
            rl.add_revision(b"new text\n" * 20, nodes[4], NULL, 6)
    assert str(caught.value) == "t.i: delta base out of range: revision 4 has delta base -5"


def test_a_chain_base_not_flagged_as_a_snapshot_is_refused_by_the_delta_search(backend, tmp_path):
    # with delta-info flags only the flag says what a snapshot is: none at all was a KeyError
    rl, nodes = damaged(backend, tmp_path, {}, count=3)
    index = bytearray((tmp_path / "t.i").read_bytes())
    C.INDEX_HEADER.pack_into(index, 0, C.INDEX_HEADER.unpack_from(index, 0)[0] | C.FLAG_DELTA_INFO)
    (tmp_path / "t.i").write_bytes(bytes(index))
    rl = revlog.open(rl.index_path, backend=backend)
    assert rl.format.sparse and rl.format.delta_info
    unlike_any = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(20))  # no useful delta
    with pytest.raises(errors.CorruptedIndex) as caught:
        rl.add_revision(unlike_any, nodes[2], NULL, 3)
    assert str(caught.value) == "t.i: revision 2 is stored as a full text but not flagged as a snapshot"


# the last of 3 revisions says its chunk lies at byte FAR_OFFSET
FAR_OFFSET = 1 << 46


@pytest.mark.parametrize("layout", ["v1-split", "v1-inline", "v0"])
def test_data_said_to_end_past_the_end_of_its_file_is_refused_before_any_write(backend, tmp_path, layout):
    # audit finding 10: the chunk went to byte 2**46 of the data file (a sparse file, or EFBIG)
    version, inline = (0, False) if layout == "v0" else (1, layout == "v1-inline")
    offset = (1 << 30) if version == 0 else FAR_OFFSET << 16
    rl, nodes = damaged(backend, tmp_path, {(2, "offset"): offset}, count=3, version=version, inline=inline)
    before = file_bytes(str(tmp_path))
    name = "t.i" if inline else "t.d"
    end = (offset if version == 0 else FAR_OFFSET) + rl.length(2) + (3 * revlogbuild.V1_ENTRY.size if inline else 0)
    message = "t.i: revision 2 ends at byte %d of %s, which has %d bytes" % (
        end, name, len(before[name]))
    with pytest.raises(errors.CorruptedIndex) as caught:
        rl.add_revision(b"new text\n", nodes[1], NULL, 3)
    assert str(caught.value) == message
    with pytest.raises(errors.CorruptedIndex):
        rl.transaction()
    assert file_bytes(str(tmp_path)) == before   # no journal, no lock, nothing appended


def test_a_negative_last_chunk_length_is_refused_before_any_write(backend, tmp_path):
    # the data "ended" 5 bytes into revision 2's chunk: the next chunk would have overwritten it
    rl, nodes = damaged(backend, tmp_path, {(2, "length"): -5}, count=3)
    before = file_bytes(str(tmp_path))
    with pytest.raises(errors.CorruptedIndex) as caught:
        rl.add_revision(b"new text\n", nodes[1], NULL, 3)
    assert str(caught.value) == "t.i: revision 2 has a negative compressed length -5"
    assert file_bytes(str(tmp_path)) == before


def test_a_data_file_longer_than_the_index_says_is_written_over(backend, tmp_path):
    rl, nodes = damaged(backend, tmp_path, {}, count=3)
    data = tmp_path / "t.d"
    end = len(data.read_bytes())
    data.write_bytes(data.read_bytes() + b"left over" * 10)
    text = b"new text\n" * 20
    node = rl.add_revision(text, nodes[2], NULL, 3)
    reopened = revlog.open(rl.index_path, backend=backend)
    assert reopened.revision(node) == text and reopened.start(3) == end


def test_a_dead_writers_entry_past_the_data_is_rolled_back_not_refused(backend, tmp_path):
    """Recovery comes first: its truncation is what makes the index whole again."""
    rl, nodes = damaged(backend, tmp_path, {}, count=3)
    before = file_bytes(str(tmp_path))
    record = journal.Journal(rl.index_path + journal.JOURNAL_SUFFIX, fsync=False)
    record.track(rl.index_path, rl.data_path)
    record.write()
    # the dead writer's entry reached the disk, its 100-byte chunk did not
    entry = revlogbuild.V1_ENTRY.pack(len(before["t.d"]) << 16, 100, 100, 3, 3, 2, -1, b"\x07" * 20)
    with open(rl.index_path, "ab") as f:
        f.write(entry)
    rl = revlog.open(rl.index_path, backend=backend)
    assert len(rl) == 4
    text = b"new text\n" * 20
    node = rl.add_revision(text, nodes[2], NULL, 3)
    reopened = revlog.open(rl.index_path, backend=backend)
    assert len(reopened) == 4 and reopened.revision(node) == text
    assert file_bytes(str(tmp_path))["t.i"][:len(before["t.i"])] == before["t.i"]


@pytest.mark.parametrize("layout", ["v1-split", "v1-inline", "v0"])
def test_a_last_chunk_starting_inside_an_earlier_one_is_refused_before_any_write(backend, tmp_path, layout):
    # the next chunk went right after revision 2's, over revision 1's: lost for good on commit
    version, inline = (0, False) if layout == "v0" else (1, layout == "v1-inline")
    rl, nodes = damaged(backend, tmp_path, {(2, "offset"): 0}, count=3, version=version, inline=inline)
    before = file_bytes(str(tmp_path))
    with pytest.raises(errors.CorruptedIndex) as caught:
        rl.add_revision(b"something else entirely\n" * 10, nodes[1], NULL, 3)
    assert str(caught.value) == "t.i: inconsistent offsets: revision 2 starts before byte %d" % rl.end(1)
    assert file_bytes(str(tmp_path)) == before


@pytest.mark.parametrize("generaldelta", [True, False])
def test_a_delta_base_of_minus_one_reads_as_mercurial_reads_it(backend, tmp_path, generaldelta):
    """hg never writes a base of -1, but reads one (as the backends'
    deltachain do): rev 1 is then a delta against the empty text of the null
    revision (generaldelta) or against rev 0; chainbase follows the base
    fields, chainlen the delta parents, as hg 7.2.4's (checked with it:
    (1, -1) both ways).  Revlog.chainlen and chainbase refused it."""
    rl, nodes = damaged(backend, tmp_path, {(1, "base"): -1}, count=3)
    if not generaldelta:
        index = bytearray((tmp_path / "t.i").read_bytes())
        struct.pack_into(">I", index, 0, struct.unpack_from(">I", index, 0)[0] & ~revlogbuild.FLAG_GENERALDELTA)
        (tmp_path / "t.i").write_bytes(bytes(index))
        rl = revlog.open(str(tmp_path / "t.i"), backend=backend)
    assert rl.index.deltachain(1, None)[0] == ([-1, 1] if generaldelta else [0, 1])
    assert (rl.chainlen(1), rl.chainbase(1)) == (1, -1)
    assert (rl.chainlen(2), rl.chainbase(2)) == (0, 2)
    assert rl.deltaparent(1) == (-1 if generaldelta else 0)
