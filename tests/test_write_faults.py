"""A writer killed (SIGKILL) at random points of a long write, then reopened:
every revision committed before the kill is there, nothing partial is
visible, recovery rolls the unfinished transaction back, the revlog verifies
(by us and by Mercurial) and takes more writes."""
import os
import random
import signal
import subprocess
import sys
import time
import zlib

import pytest

import revlog
from revlog import constants as C

import hgoracle
import revlogbuild
import writehistory

CHILD = os.path.abspath(writehistory.__file__)
COUNT = 220          # an inline revlog passes 128 KiB (and splits) after ~100 of these
KILLS_PER_FORMAT = 4

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def kill_writer_somewhere(path: str, fmt: str, backend: str, seed: int, rng: random.Random) -> int:
    """Start the child writer, SIGKILL it at a random point; the last count it reported."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen(
        [sys.executable, CHILD, path, fmt, backend, str(seed), str(COUNT)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    kill_after = rng.randrange(COUNT)  # committed revisions to wait for
    committed = 0
    try:
        while committed < kill_after:
            line = child.stdout.readline()
            if not line:
                break
            committed = int(line.split()[1])
        time.sleep(rng.random() * 0.02)  # somewhere inside the next transaction
        child.send_signal(signal.SIGKILL)
        rest, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    for line in rest.splitlines():
        committed = int(line.split()[1])
    assert child.returncode in (-signal.SIGKILL, 0), err.decode(errors="replace")
    return committed


def committed_counts(seed: int, reported: int) -> set:
    """What a reopened revlog may hold: the reported commits, or one more
    transaction if it committed just before the kill but could not say so."""
    total = 0
    for size in writehistory.batch_sizes(seed):
        if total == reported:
            return {reported, min(total + size, COUNT)}
        assert total < reported, "the child reported a count that is no transaction's end"
        total += size
    raise AssertionError("unreachable: batch_sizes never ends")


def check_all(rl, revs, upto: int) -> None:
    """Revisions 0..upto-1 are exactly the history's, hashes and parents checked."""
    for rev in range(upto):
        text, p1, p2 = revs[rev]
        assert rl.revision(rev) == text, rev
        assert rl.parentrevs(rev) == (p1, p2), rev
        assert rl.linkrev(rev) == rev


@pytest.mark.parametrize("fmt", sorted(writehistory.FORMATS))
def test_killed_writer_loses_only_the_unfinished_transaction(fmt, backend, tmp_path):
    rng = random.Random(zlib.crc32(fmt.encode()))
    for attempt in range(KILLS_PER_FORMAT):
        seed = rng.randrange(1 << 30)
        revs = writehistory.history(seed, COUNT)
        path = str(tmp_path / ("%d.i" % attempt))
        reported = kill_writer_somewhere(path, fmt, backend.NAME, seed, rng)

        # a reader, before any recovery: whole revisions only, never an error
        before = revlog.open(path, backend=backend)
        assert len(before) >= reported
        check_all(before, revs, len(before))
        before.close()

        # a writer recovers the unfinished transaction first
        rl = revlog.open(path, backend=backend)
        with rl.transaction():
            pass
        assert len(rl) in committed_counts(seed, reported), (len(rl), reported)
        assert not os.path.exists(path + ".journal")
        kept = len(rl)
        check_all(revlog.open(path, backend=backend), revs, kept)

        # and goes on: the rest of the history appends cleanly
        with rl.transaction():
            for rev in range(kept, COUNT):
                text, p1, p2 = revs[rev]
                rl.add_revision(text, rl.node(p1), rl.node(p2), linkrev=rev)
        rl.close()
        final = revlog.open(path, backend=backend)
        assert len(final) == COUNT
        check_all(final, revs, COUNT)
        # Mercurial reads the result too, every revision hash-checked
        hg = hgoracle.mercurial()
        assert revlogbuild.read_with_mercurial(hg, path) == [text for text, _, _ in revs]
