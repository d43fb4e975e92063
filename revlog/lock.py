"""The writer's lock of one revlog: ``<index>.lock``, held with flock().

One writer at a time: a writer creates the lock file, takes an exclusive
flock on it, and on release unlinks it and closes it.  Since the file can be
unlinked between another writer's open() and its flock(), a writer checks
after locking that the path still names the file it locked (else it locked
an orphan and tries again).  The kernel drops the flock of a process that
dies, so a writer killed mid-transaction leaves a stale file, not a stale
lock.

Readers never take the lock: held_by_writer() is a non-blocking probe that
lets a reader tolerate the half-written tail a live writer may be appending.
"""
import os
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: reading works, writing refuses
    fcntl = None

from revlog import errors

# Waiting for another writer: first poll interval, growing to the largest.
FIRST_POLL = 0.005
LARGEST_POLL = 0.1
DEFAULT_TIMEOUT = 600.0


class Lock:
    """A held lock; release() it exactly once (the transaction does)."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self._fd = fd

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
            os.close(self._fd)
            self._fd = None


def acquire(path: str, timeout: float = DEFAULT_TIMEOUT) -> Lock:
    """Take the lock at path, waiting up to timeout seconds; LockHeld after that."""
    if fcntl is None:
        raise errors.RevlogError("writing revlogs needs fcntl.flock, which this platform lacks")
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
                return Lock(path, fd)
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
        fd = os.open(path, os.O_RDONLY)
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
