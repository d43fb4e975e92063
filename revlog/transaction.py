"""Transactions on one revlog: all of its writes, or none.

Beginning takes the writer's lock (revlog.lock), rolls back what a dead
writer left (its journal), brings the revlog up to date with the files, and
writes a journal of the files' sizes before anything changes
(revlog.journal).  Committing flushes (finalizing pending entries), fsyncs
per the revlog's fsync option, removes the journal and lets the lock go.
Rolling back restores the files from the journal, lets the lock go and
reloads the revlog from the files.  Used as a context manager, a
transaction commits when its block ends normally and rolls back when it
raises (then re-raises); a transaction opened inside another one on the
same revlog joins it.
"""
from typing import Optional

from revlog import errors, journal, lock
from revlog.writer import RevlogWriter, WriteOptions, journaled_files

LOCK_SUFFIX = ".lock"


class Transaction:
    """An open transaction on one revlog (see Revlog.transaction())."""

    def __init__(self, revlog, options: WriteOptions) -> None:
        self.revlog = revlog
        self._options = options
        self._lock: Optional[lock.Lock] = None
        self.journal: Optional[journal.Journal] = None
        self.writer: Optional[RevlogWriter] = None
        self._depth = 0

    @property
    def active(self) -> bool:
        """Whether the transaction is open (begun and neither committed nor rolled back)."""
        return self.writer is not None

    def begin(self) -> "Transaction":
        """Lock, recover, journal: after this, the revlog may be written."""
        revlog = self.revlog
        options = self._options
        index_path = revlog.index_path
        journal_path = index_path + journal.JOURNAL_SUFFIX
        self._lock = lock.acquire(index_path + LOCK_SUFFIX, options.lock_timeout)
        try:
            allowed = journaled_files(index_path, revlog.data_path, journal_path)
            recovered = journal.recover(journal_path, allowed, options.fsync)
            revlog._refresh(force=recovered)
            record = journal.Journal(journal_path, options.fsync)
            record.track(index_path, revlog.data_path)
            self.writer = RevlogWriter(revlog, record, options)
            record.write()
            self.journal = record
        except BaseException:
            self.writer = None
            self._release()
            raise
        return self

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def commit(self) -> None:
        """Make every write of the transaction durable and visible; end it."""
        if not self.active:
            raise errors.RevlogError("%s: no open transaction to commit" % self.revlog.name)
        writer, record = self.writer, self.journal
        try:
            writer.flush()
            record.remove()
        except BaseException:
            self.rollback()
            raise
        self.writer = self.journal = None
        self._release()
        self.revlog._after_commit()

    def rollback(self) -> None:
        """Undo every write of the transaction; end it."""
        if not self.active:
            return
        writer, record = self.writer, self.journal
        self.writer = self.journal = None
        try:
            writer.close()
            record.rollback()
        finally:
            self._release()
            self.revlog._after_rollback()

    def __enter__(self) -> "Transaction":
        self._depth += 1
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        self._depth -= 1
        if self._depth:
            return False
        if kind is None:
            self.commit()
        else:
            self.rollback()
        return False
