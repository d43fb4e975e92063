"""Transactions: rollback, recovery after a crash, the writer's lock, readers
during a write, pending (delayed) index writes, and bad input writing nothing."""
import os
import subprocess
import sys
import threading
import time

import pytest

import revlog
from revlog import constants as C
from revlog import errors, lock

from writespecs import FORMATS, bulky, check_history, file_bytes, linear, node_of, nodes_of, write_history

NULL = C.NULL_NODE
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(params=["v1-inline-sparse-zlib", "v1-split-nogd-zlib", "v0-zlib"])
def fmt(request):
    return FORMATS[request.param]


def grown(tmp_path, fmt, backend, count=30, history=None, **options):
    """A revlog holding `count` revisions of a history 60 long; (path, revlog, history)."""
    history = history or linear(11, 60)
    path = str(tmp_path / "x.i")
    rl = write_history(path, fmt, backend, history[:count], **options)
    return path, rl, history


def add(rl, history, rev):
    nodes = nodes_of(history)
    text, p1, p2 = history[rev]
    return rl.add_revision(text, nodes[p1] if p1 >= 0 else NULL, nodes[p2] if p2 >= 0 else NULL, rev)


# ---- rollback ---------------------------------------------------------------


def test_an_exception_rolls_the_transaction_back(backend, tmp_path, fmt):
    path, rl, history = grown(tmp_path, fmt, backend)
    before = file_bytes(str(tmp_path))
    with pytest.raises(KeyError):
        with rl.transaction():
            for rev in range(30, 45):
                add(rl, history, rev)
            assert len(rl) == 45 and rl.revision(44) == history[44][0]
            raise KeyError("boom")
    assert file_bytes(str(tmp_path)) == before
    assert len(rl) == 30
    check_history(revlog.open(path, backend=backend), history[:30])
    # still writable, and the same revisions come out the same
    with rl.transaction():
        for rev in range(30, 60):
            add(rl, history, rev)
    check_history(revlog.open(path, backend=backend), history)


def test_rolling_back_a_split_restores_the_inline_revlog(backend, tmp_path):
    big = bulky(4, 60)
    path = str(tmp_path / "x.i")
    rl = write_history(path, FORMATS["v1-inline-sparse-zlib"], backend, big[:30])
    assert rl.inline
    before = file_bytes(str(tmp_path))
    with pytest.raises(RuntimeError):
        with rl.transaction():
            for rev in range(30, 60):
                add(rl, big, rev)
            assert not rl.inline and os.path.exists(str(tmp_path / "x.d"))
            raise RuntimeError("no")
    assert file_bytes(str(tmp_path)) == before
    assert rl.inline and len(rl) == 30
    with rl.transaction():
        for rev in range(30, 60):
            add(rl, big, rev)
    reopened = revlog.open(path, backend=backend)
    assert not reopened.inline
    check_history(reopened, big)


def test_a_failed_call_inside_a_transaction_writes_nothing(backend, tmp_path, fmt):
    path, rl, history = grown(tmp_path, fmt, backend)
    nodes = nodes_of(history)
    with rl.transaction():
        add(rl, history, 30)
        with pytest.raises(errors.RevisionNotFound, match=(b"\x07" * 20).hex()):
            rl.add_revision(b"text", b"\x07" * 20, NULL, 31)
        with pytest.raises(errors.CorruptedData, match="does not match"):
            rl.add_revision(history[31][0], nodes[30], NULL, 31, node=b"\x01" * 20)
        assert len(rl) == 31
        add(rl, history, 31)
    check_history(revlog.open(path, backend=backend), history[:32])


def test_bad_input_outside_a_transaction_changes_no_file(backend, tmp_path, fmt):
    path, rl, history = grown(tmp_path, fmt, backend)
    nodes = nodes_of(history)
    before = file_bytes(str(tmp_path))
    with pytest.raises(errors.RevisionNotFound, match="unknown parent"):
        rl.add_revision(b"text", nodes[3], b"\x05" * 20, 30)
    with pytest.raises(errors.CorruptedData, match="does not match"):
        rl.add_revision(b"text", nodes[3], NULL, 30, node=nodes[4])
    with pytest.raises(errors.RevlogError, match="linkrev"):
        rl.add_revision(b"text", nodes[3], NULL, -1)
    with pytest.raises(errors.RevlogError, match="flags"):
        rl.add_revision(b"text", nodes[3], NULL, 30, flags=1)
    # an existing node: returned, nothing written
    assert rl.add_revision(history[5][0], nodes[4], NULL, 99) == nodes[5]
    assert file_bytes(str(tmp_path)) == before
    assert len(rl) == 30


def test_flags_and_given_nodes(backend, tmp_path):
    path = str(tmp_path / "x.i")
    rl = revlog.create(path, format=FORMATS["v1-split-sparse-zstd"], backend=backend)
    first = rl.add_revision(b"first\n", NULL, NULL, 0)
    tombstone_node = b"\x42" * 20  # censored: the node is kept, not checked
    assert rl.add_revision(b"\x01\ncensored: gone\n\x01\n", first, NULL, 1,
                           flags=C.REVIDX_ISCENSORED, node=tombstone_node) == tombstone_node
    meta = rl.add_revision(b"\x01\ncopy: a\n\x01\nbody\n", first, NULL, 2, flags=C.REVIDX_HASMETA)
    reopened = revlog.open(path, backend=backend)
    assert reopened.flags(1) == C.REVIDX_ISCENSORED and reopened.node(1) == tombstone_node
    with pytest.raises(errors.CensoredRevision):
        reopened.revision(1)
    assert reopened.flags(2) == C.REVIDX_HASMETA
    assert reopened.revision(meta) == b"\x01\ncopy: a\n\x01\nbody\n"
    v0 = revlog.create(str(tmp_path / "v0.i"), format=FORMATS["v0-zlib"], backend=backend)
    with pytest.raises(errors.RevlogError, match="v0 cannot store revision flags"):
        v0.add_revision(b"x", NULL, NULL, 0, flags=C.REVIDX_HASMETA)


# ---- add_group ----------------------------------------------------------------


def group_items(backend, history, start, stop, against_parent=False):
    nodes = nodes_of(history) + [NULL]
    items = []
    for rev in range(start, stop):
        text, p1, p2 = history[rev]
        base = p1 if against_parent else rev - 1
        base_text = history[base][0] if base >= 0 else b""
        items.append((nodes[rev], nodes[p1], nodes[p2], rev, nodes[base], backend.textdiff(base_text, text)))
    return items


def test_add_group(backend, tmp_path, fmt):
    path, rl, history = grown(tmp_path, fmt, backend, count=10)
    items = group_items(backend, history, 10, 60, against_parent=True)
    items.insert(5, group_items(backend, history, 3, 4)[0])  # a node it has: skipped
    nodes = rl.add_group(items)
    assert nodes == [item[0] for item in items]
    check_history(revlog.open(path, backend=backend), history)


def test_add_group_from_scratch_and_null_bases(backend, tmp_path):
    history = linear(3, 20)
    nodes = nodes_of(history)
    rl = revlog.create(str(tmp_path / "x.i"), format=FORMATS["v1-split-sparse-zstd"], backend=backend)
    items = [(nodes[rev], nodes[p1] if p1 >= 0 else NULL, nodes[p2] if p2 >= 0 else NULL, rev, NULL,
              backend.textdiff(b"", text)) for rev, (text, p1, p2) in enumerate(history)]
    assert rl.add_group(items) == nodes
    check_history(revlog.open(str(tmp_path / "x.i"), backend=backend), history)


@pytest.mark.parametrize("damage", ["delta", "node", "parent", "base", "shape"])
def test_a_bad_group_item_leaves_the_revlog_as_before(backend, tmp_path, fmt, damage):
    path, rl, history = grown(tmp_path, fmt, backend, count=10)
    items = group_items(backend, history, 10, 40)
    before = file_bytes(str(tmp_path))
    node, p1, p2, link, base, delta = items[20]
    expected = {
        "delta": (errors.CorruptedData, "bad delta", (node, p1, p2, link, base, b"\0\0\0\x05garbage")),
        "node": (errors.CorruptedData, "does not match", (b"\x09" * 20, p1, p2, link, base, delta)),
        "parent": (errors.RevisionNotFound, "unknown parent", (node, b"\x08" * 20, p2, link, base, delta)),
        "base": (errors.RevisionNotFound, "unknown delta base", (node, p1, p2, link, b"\x06" * 20, delta)),
        "shape": (errors.RevlogError, "is not", (node, p1)),
    }
    kind, message, items[20] = expected[damage]
    with pytest.raises(kind, match=message):
        rl.add_group(items)
    assert file_bytes(str(tmp_path)) == before and len(rl) == 10
    # inside a transaction: the group is undone, the rest of the transaction stays
    with rl.transaction():
        add(rl, history, 10)
        with pytest.raises(kind, match=message):
            rl.add_group(items[1:])
        assert len(rl) == 11
    check_history(revlog.open(path, backend=backend), history[:11])


# ---- recovery -----------------------------------------------------------------

CRASHER = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
import revlog
from writespecs import FORMATS, bulky, nodes_of
path, backend, where = sys.argv[2], sys.argv[3], sys.argv[4]
history = bulky(11, 60)
nodes = nodes_of(history)
rl = revlog.open(path, backend=backend)
real_replace = os.replace
def replace(src, dst):
    if where == "before-split-rename" and src.endswith(".s"):
        os._exit(3)
    real_replace(src, dst)
    if where == "after-split-rename" and src.endswith(".s"):
        os._exit(3)
os.replace = replace
rl.transaction()
for rev in range(len(rl), 60):
    text, p1, p2 = history[rev]
    rl.add_revision(text, nodes[p1] if p1 >= 0 else b"\0" * 20, nodes[p2] if p2 >= 0 else b"\0" * 20, rev)
    if where == "mid" and rev == 40:
        os._exit(3)
    if where == "torn" and rev == 40:  # dies in the middle of the next entry's write
        with open(path, "ab") as f:
            f.write(b"\0" * 10)
        os._exit(3)
os._exit(4)
"""


def crash_and_recover(backend, tmp_path, fmt, where):
    """A child writer dies at `where`; the next writer must find the files as before it."""
    path, rl, history = grown(tmp_path, fmt, backend, history=bulky(11, 60))
    rl.close()
    before = file_bytes(str(tmp_path))
    child = subprocess.run([sys.executable, "-c", CRASHER, HERE, path, backend.NAME, where],
                           capture_output=True)
    assert child.returncode == 3, child.stderr.decode()
    assert os.path.exists(path + ".journal")
    assert file_bytes(str(tmp_path)) != before
    if where == "torn":  # readers see whole revisions, the torn one hidden, until recovery
        check_history(revlog.open(path, backend=backend), history[:41])
    rl = revlog.open(path, backend=backend)
    with rl.transaction():
        assert len(rl) == 30
    assert file_bytes(str(tmp_path)) == before
    with rl.transaction():
        for rev in range(30, 60):
            add(rl, history, rev)
    check_history(revlog.open(path, backend=backend), history)
    assert not [name for name in os.listdir(str(tmp_path)) if name not in ("x.i", "x.d")]


def test_a_writer_that_died_is_rolled_back_by_the_next(backend, tmp_path, fmt):
    crash_and_recover(backend, tmp_path, fmt, "mid")


def test_a_torn_entry_left_by_a_dead_writer_is_hidden_then_rolled_back(backend, tmp_path, fmt):
    crash_and_recover(backend, tmp_path, fmt, "torn")


@pytest.mark.parametrize("where", ["before-split-rename", "after-split-rename"])
def test_a_writer_that_died_splitting_is_rolled_back_by_the_next(backend, tmp_path, where):
    crash_and_recover(backend, tmp_path, FORMATS["v1-inline-sparse-zlib"], where)


def test_an_unreadable_journal_is_reported(backend, tmp_path):
    path, rl, _ = grown(tmp_path, FORMATS["v1-split-nogd-zlib"], backend)
    with open(path + ".journal", "wb") as f:
        f.write(b"{not json")
    with pytest.raises(errors.RevlogError, match="unreadable transaction journal"):
        rl.transaction()
    assert not os.path.exists(path + ".lock")


# ---- the lock and readers -----------------------------------------------------------


def test_a_second_writer_waits_then_gives_up(backend, tmp_path):
    path, rl, history = grown(tmp_path, FORMATS["v1-split-nogd-zlib"], backend)
    other = revlog.open(path, backend=backend, lock_timeout=0.3)
    with rl.transaction():
        add(rl, history, 30)
        outcome = []

        def wait_in_another_thread():
            started = time.monotonic()
            try:
                other.transaction()
            except errors.LockHeld as exc:
                outcome.append((str(exc), time.monotonic() - started))
        waiter = threading.Thread(target=wait_in_another_thread)
        waiter.start()
        waiter.join()
        assert "another writer" in outcome[0][0] and outcome[0][1] >= 0.3
        # readers are not blocked, and see only complete revisions
        reader = revlog.open(path, backend=backend)
        check_history(reader, history[:31])
    # the lock went with the commit: the other writer goes on, seeing the new revision
    with other.transaction():
        assert len(other) == 31
        add(other, history, 31)
    assert not os.path.exists(path + ".lock")
    check_history(revlog.open(path, backend=backend), history[:32])


def test_a_waiting_writer_gets_the_lock_when_it_is_released(backend, tmp_path):
    path, rl, history = grown(tmp_path, FORMATS["v1-inline-sparse-zlib"], backend)
    other = revlog.open(path, backend=backend, lock_timeout=30)
    opened = []

    def hold():  # the lock belongs to another thread: this one waits for it
        opened.append(rl.transaction())
        add(rl, history, 30)
    holder = threading.Thread(target=hold)
    holder.start()
    holder.join()
    timer = threading.Timer(0.3, opened[0].commit)
    timer.start()
    started = time.monotonic()
    with other.transaction():
        assert time.monotonic() - started >= 0.2
        add(other, history, 31)
    timer.join()
    check_history(revlog.open(path, backend=backend), history[:32])


def test_a_half_written_entry_is_tolerated_only_while_a_writer_holds_the_lock(backend, tmp_path, fmt):
    path, rl, history = grown(tmp_path, fmt, backend)
    rl.close()
    held = lock.acquire(path + ".lock")
    try:
        with open(path, "ab") as f:
            f.write(b"\x00" * 10)
        reader = revlog.open(path, backend=backend)
        check_history(reader, history[:30])
    finally:
        held.release()
    with pytest.raises(errors.CorruptedIndex):
        revlog.open(path, backend=backend)


# ---- pending writes -----------------------------------------------------------------


def test_delayed_entries_reach_pending_readers_then_everyone(backend, tmp_path):
    path, rl, history = grown(tmp_path, FORMATS["v1-split-nogd-zlib"], backend)
    with rl.transaction():
        rl.delay()
        for rev in range(30, 40):
            add(rl, history, rev)
        assert len(rl) == 40 and rl.revision(39) == history[39][0]
        assert len(revlog.open(path, backend=backend)) == 30
        assert len(revlog.open(path, backend=backend, pending=True)) == 30
        assert rl.write_pending() is True
        check_history(revlog.open(path, backend=backend, pending=True), history[:40])
        assert len(revlog.open(path, backend=backend)) == 30
        add(rl, history, 40)  # after write_pending, straight to the pending index
        check_history(revlog.open(path, backend=backend, pending=True), history[:41])
        assert len(revlog.open(path, backend=backend)) == 30
    assert not os.path.exists(path + ".a")
    check_history(revlog.open(path, backend=backend), history[:41])


def test_delaying_an_empty_revlog_diverts_to_the_pending_index(backend, tmp_path):
    history = linear(5, 20)
    path = str(tmp_path / "x.i")
    rl = revlog.create(path, format=FORMATS["v1-split-nogd-zlib"], backend=backend)
    nodes = nodes_of(history)
    with rl.transaction():
        rl.delay()
        for rev in range(20):
            add(rl, history, rev)
        assert os.path.getsize(path) == 0
        assert rl.write_pending() is True
        check_history(revlog.open(path, backend=backend, pending=True), history)
    assert not os.path.exists(path + ".a")
    check_history(revlog.open(path, backend=backend), history)
    assert rl.node(19) == nodes[19]


def test_pending_writes_roll_back(backend, tmp_path):
    path, rl, history = grown(tmp_path, FORMATS["v1-split-nogd-zlib"], backend)
    before = file_bytes(str(tmp_path))
    with pytest.raises(ValueError):
        with rl.transaction():
            rl.delay()
            for rev in range(30, 35):
                add(rl, history, rev)
            rl.write_pending()
            assert os.path.exists(path + ".a")
            raise ValueError
    assert file_bytes(str(tmp_path)) == before


def test_finalize_pending_and_delay_on_an_inline_revlog(backend, tmp_path):
    path, rl, history = grown(tmp_path, FORMATS["v1-inline-sparse-zlib"], backend)
    assert rl.inline
    with rl.transaction():
        rl.delay()  # splits first, as Mercurial's changelog does
        assert not rl.inline
        for rev in range(30, 35):
            add(rl, history, rev)
        assert len(revlog.open(path, backend=backend)) == 30
        rl.finalize_pending()
        check_history(revlog.open(path, backend=backend), history[:35])
        add(rl, history, 35)
    check_history(revlog.open(path, backend=backend), history[:36])
    with pytest.raises(errors.RevlogError, match="no open transaction"):
        rl.delay()


# ---- creating ------------------------------------------------------------------------


def test_create(backend, tmp_path):
    path = str(tmp_path / "x.i")
    fmt = FORMATS["v1-split-sparse-zstd"]
    rl = revlog.create(path, format=fmt, backend=backend)
    assert len(rl) == 0 and rl.format == fmt
    with pytest.raises(errors.RevlogExists) as raised:
        revlog.create(path, format=fmt, backend=backend)
    assert isinstance(raised.value, FileExistsError)
    rl.close()
    assert len(revlog.open(path, backend=backend)) == 0
    open(str(tmp_path / "y.d"), "wb").close()
    with pytest.raises(errors.RevlogExists):
        revlog.create(str(tmp_path / "y.i"), format=fmt, backend=backend)
    for bad, message in ((revlog.Format(0xDEAD, False, True, True, False, "zstd"), "not supported"),
                         (revlog.Format(1, False, False, True, False, "zlib"), "needs generaldelta"),
                         (revlog.Format(1, False, True, True, False, "lz4"), "compression engine"),
                         (revlog.Format(0, True, False, False, False, "zlib"), "v0")):
        with pytest.raises(errors.RevlogError, match=message):
            revlog.create(str(tmp_path / "z.i"), format=bad, backend=backend)
    assert not os.path.exists(str(tmp_path / "z.i"))


def test_pending_readers_cannot_write(backend, tmp_path):
    path, _, _ = grown(tmp_path, FORMATS["v1-split-nogd-zlib"], backend)
    with pytest.raises(errors.RevlogError, match="reading only"):
        revlog.open(path, backend=backend, pending=True).transaction()


def test_without_fsync(backend, tmp_path, fmt):
    history = linear(8, 40)
    path = str(tmp_path / "x.i")
    write_history(path, fmt, backend, history, batches=[0, 5, 0, 10], fsync=False)
    check_history(revlog.open(path, backend=backend), history)


def test_add_group_on_a_censored_base(backend, tmp_path):
    from revlog.deltafold import replacement_header

    path = str(tmp_path / "x.i")
    rl = revlog.create(path, format=FORMATS["v1-split-sparse-zstd"], backend=backend)
    first = rl.add_revision(b"first\n", NULL, NULL, 0)
    tombstone = b"\x01\ncensored: gone\n\x01\n"
    censored = rl.add_revision(tombstone, first, NULL, 1, flags=C.REVIDX_ISCENSORED, node=b"\x33" * 20)
    text = b"a new text\n"
    good = (node_of(text, censored, NULL), censored, NULL, 2, censored,
            replacement_header(len(tombstone), len(text)) + text)
    partial = (node_of(b"x" + tombstone, censored, NULL), censored, NULL, 2, censored,
               b"\0\0\0\0\0\0\0\0\0\0\0\x01x")
    with pytest.raises(errors.CorruptedData, match="censored"):
        rl.add_group([partial])
    assert rl.add_group([good]) == [good[0]]
    assert revlog.open(path, backend=backend).revision(good[0]) == text


def test_write_options_are_checked_when_opening(backend, tmp_path):
    path = str(tmp_path / "x.i")
    fmt = FORMATS["v1-split-sparse-zstd"]
    for options, message in (({"kind": "tree"}, "kind"), ({"compression": "lzma"}, "compression engine"),
                             ({"max_chain_len": -1}, "max_chain_len"), ({"lock_timeout": -1}, "lock_timeout")):
        with pytest.raises(errors.RevlogError, match=message):
            revlog.create(path, format=fmt, backend=backend, **options)
        assert not os.path.exists(path)
        with pytest.raises(errors.RevlogError, match=message):
            revlog.open(path, backend=backend, **options)
    with pytest.raises(TypeError):
        revlog.create(path, format=fmt, backend=backend, no_such_option=1)
    assert not os.path.exists(path)
