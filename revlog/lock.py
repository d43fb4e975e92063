"""The writer's lock of one revlog: ``<index>.lock``, held with flock().

One writer at a time: a writer creates the lock file, takes an exclusive
flock on it, and on release unlinks it and closes it.  Since the file can be
unlinked between another writer's open() and its flock(), a writer checks
after locking that the path still names the file it locked (else it locked
an orphan and tries again).  The kernel drops the flock of a process that
dies, so a writer killed mid-transaction leaves a stale file, not a stale
lock.

A writer that waits for a lock its own thread holds (a second Revlog object
of the same revlog) would wait for the whole timeout: a per-process table
of held locks makes it fail at once (LockHeld).  Other threads wait as
other processes do.

Readers never take the lock: held_by_writer() is a non-blocking probe that
lets a reader tolerate the half-written tail a live writer may be appending.
"""
import os
import threading
import time
import weakref
from typing import Dict

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: reading works, writing refuses
    fcntl = None

from revlog import errors

# Waiting for another writer: first poll interval, growing to the largest.
FIRST_POLL = 0.005
LARGEST_POLL = 0.1
DEFAULT_TIMEOUT = 600.0

# The locks this process holds (by real path) and the thread holding each.
_held_here: Dict[str, int] = {}
_held_here_guard = threading.Lock()


def _let_go(key: str, fd: int) -> None:
    """Close a lock's file (dropping the flock) and forget it."""
    with _held_here_guard:
        _held_here.pop(key, None)
    os.close(fd)


class Lock:
    """A held lock; release() it exactly once (the transaction does)."""

    def __init__(self, path: str, fd: int, key: str) -> None:
        self.path = path
        self._fd = fd
        # dropped without release (its writer vanished): let the lock go, as
        # a dead process would, leaving the journal for the next writer
        self._finalizer = weakref.finalize(self, _let_go, key, fd)

    @property
    def held(self) -> bool:
        """Whether release() has not run yet."""
        return self._fd is not None

    def release(self) -> None:
        """Unlink the lock file, then let the lock go (closing drops the flock)."""
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        finally:
            self._fd = None
            self._finalizer()


def acquire(path: str, timeout: float = DEFAULT_TIMEOUT) -> Lock:
    """Take the lock at path, waiting up to timeout seconds; LockHeld after that."""
    if fcntl is None:
        raise errors.RevlogError("writing revlogs needs fcntl.flock, which this platform lacks")
    key = os.path.realpath(path)
    with _held_here_guard:
        if _held_here.get(key) == threading.get_ident():
            raise errors.LockHeld("%s: this thread already holds the lock (another Revlog object of "
                                  "the same revlog has an open transaction)" % path)
    held = _acquire(path, key, timeout)
    with _held_here_guard:
        _held_here[key] = threading.get_ident()
    return held


def _acquire(path: str, key: str, timeout: float) -> Lock:
    deadline = time.monotonic() + max(0.0, timeout)
    poll = FIRST_POLL
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
        else:
            if _still_named(path, fd):
                return Lock(path, fd, key)
            os.close(fd)  # an orphan the previous holder unlinked: try again
            continue
        now = time.monotonic()
        if now >= deadline:
            raise errors.LockHeld(
                "%s: another writer has held the lock for more than %g seconds" % (path, timeout))
        time.sleep(min(poll, deadline - now))
        poll = min(poll * 2, LARGEST_POLL)


def _still_named(path: str, fd: int) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def held_by_writer(path: str) -> bool:
    """Whether a live writer holds the lock at path (never blocks, never creates it)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO would block a plain open
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
