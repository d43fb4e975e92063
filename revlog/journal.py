"""The journal of a revlog transaction: written before the first change,
applied to roll back, found again after a crash.

The journal (``<index>.journal``) names every file the transaction may
change with its size before the transaction (-1: it did not exist), the
backups of files it replaces whole (the inline index an inline-to-split move
rewrites), and the temporary files it may leave (the pending index
``<index>.a``, the split index being written).  It is written to a temporary
name, fsynced and renamed into place before the change it covers, so it is
either complete or absent.

Rolling back puts the backups back, truncates every file to its recorded
size (removing those that did not exist) and removes the temporary files;
then the journal goes.  A journal found while holding the lock was left by
a writer that died: the next writer rolls it back first (recover()).
Committing is removing the journal, after the data reached the disk.
"""
import json
import os
from typing import Collection, Dict, List, Optional, Tuple

from revlog import errors, fileio

JOURNAL_SUFFIX = ".journal"
JOURNAL_VERSION = 1
# Beside the journal: the journal being written, and the backup of a file replaced whole.
TEMPORARY_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".backup"
DATA_BACKUP_SUFFIX = ".backup-data"
# A recorded size above this (the largest file offset) is no size a file had.
MAX_FILE_SIZE = (1 << 63) - 1
# what every refusal to roll a journal back advises
_CHECK_IT = "the revlog may hold an unfinished transaction: check it, then remove the journal"


def fsync_directory(path: str) -> None:
    """Make a rename or creation in the directory of path durable (where supported)."""
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def fsync_path(path: str) -> None:
    """fsync a file by name (missing files are fine)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_size(path: str) -> int:
    """The size of path, -1 if it does not exist."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


class Journal:
    """What a transaction may change, as recorded on disk before the change."""

    def __init__(self, path: str, fsync: bool = True) -> None:
        self.path = path
        self.fsync = fsync
        self._directory = os.path.dirname(os.path.abspath(path))
        self.sizes: Dict[str, int] = {}
        self.backups: Dict[str, str] = {}
        self.temps: List[str] = []

    # ---- recording ------------------------------------------------------------

    def track(self, *paths: str) -> bool:
        """Record the present size of paths not yet recorded; whether any was new."""
        new = False
        for path in paths:
            if path not in self.sizes:
                self.sizes[path] = file_size(path)
                new = True
        return new

    def add_backup(self, path: str, backup: str) -> None:
        """Record that backup holds path's content from before the transaction."""
        self.backups[path] = backup

    def add_temp(self, path: str) -> bool:
        """Record a file the transaction may create and must not leave; whether it was new."""
        if path in self.temps:
            return False
        self.temps.append(path)
        return True

    def write(self) -> None:
        """Put the journal on disk, atomically (and durably with fsync)."""
        record = {
            "version": JOURNAL_VERSION,
            "sizes": {self._relative(path): size for path, size in self.sizes.items()},
            "backups": {self._relative(path): self._relative(backup)
                        for path, backup in self.backups.items()},
            "temps": [self._relative(path) for path in self.temps],
        }
        data = json.dumps(record, sort_keys=True).encode("ascii")
        temporary = self.path + TEMPORARY_SUFFIX
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        if self.fsync:
            fsync_directory(self.path)

    def _relative(self, path: str) -> str:
        return os.path.relpath(os.path.abspath(path), self._directory)

    # ---- reading and applying ---------------------------------------------------

    @classmethod
    def read(cls, path: str, allowed: Collection[str], fsync: bool = True) -> Optional["Journal"]:
        """The journal at path, None if there is none.

        allowed: the only files it may name (those the writer of this
        revlog uses); a journal naming any other is refused (RevlogError),
        so a planted one cannot make rollback remove or replace them.
        """
        try:
            data = fileio.read_regular(path, errors.RevlogError, fileio.JOURNAL_MAX_SIZE)
        except FileNotFoundError:
            return None
        except errors.RevlogError as exc:  # not a regular file, or far too large
            raise errors.RevlogError("%s; %s" % (exc, _CHECK_IT)) from None
        journal = cls(path, fsync)
        try:
            sizes, backups, temps = _parse_record(data)
        except ValueError as exc:
            raise errors.RevlogError(
                "%s: unreadable transaction journal (%s); %s" % (path, exc, _CHECK_IT)) from None
        absolute = journal._absolute
        journal.sizes = {absolute(name): size for name, size in sizes.items()}
        journal.backups = {absolute(name): absolute(backup) for name, backup in backups.items()}
        journal.temps = [absolute(name) for name in temps]
        known = {os.path.normpath(os.path.abspath(name)) for name in allowed}
        named = list(journal.sizes) + list(journal.backups) + list(journal.backups.values()) + journal.temps
        strangers = sorted(name for name in named if name not in known)
        if strangers:
            raise errors.RevlogError(
                "%s: the transaction journal names files this revlog's writer never writes (%s); "
                "refusing to roll it back: check it, then remove the journal" % (path, ", ".join(strangers)))
        return journal

    def _absolute(self, name: str) -> str:
        return os.path.normpath(os.path.join(self._directory, name))

    def rollback(self) -> None:
        """Undo the transaction on disk, then remove the journal."""
        for path, backup in self.backups.items():
            if os.path.exists(backup):
                os.replace(backup, path)
        for path, size in self.sizes.items():
            if size < 0:
                _remove(path)
            elif file_size(path) > size:
                with open(path, "r+b") as f:
                    f.truncate(size)
                    if self.fsync:
                        os.fsync(f.fileno())
        for path in self.temps:
            _remove(path)
        if self.fsync:
            fsync_directory(self.path)
        self.remove()

    def remove(self) -> None:
        """Drop the journal (the commit point) and the backups it names."""
        _remove(self.path)
        if self.fsync:
            fsync_directory(self.path)
        for backup in self.backups.values():
            _remove(backup)


def _parse_record(data: bytes) -> Tuple[Dict[str, int], Dict[str, str], List[str]]:
    """(sizes, backups, temps) of a journal's bytes, names relative to its
    directory, exactly as write() makes them; ValueError naming what is wrong."""
    try:
        record = json.loads(data.decode("ascii"))  # UnicodeDecodeError is a ValueError
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    version = record.get("version")
    if not _is_int(version) or version != JOURNAL_VERSION:
        raise ValueError("version %r" % (version,))
    sizes = _field(record, "sizes", dict)
    backups = _field(record, "backups", dict)
    temps = _field(record, "temps", list)
    for name, size in sizes.items():
        if not (_is_int(size) and -1 <= size <= MAX_FILE_SIZE):
            raise ValueError("size of %r is %r" % (name, size))
    for name, backup in backups.items():
        if not isinstance(backup, str):
            raise ValueError("backup of %r is %r" % (name, backup))
    for name in temps:
        if not isinstance(name, str):
            raise ValueError("temporary file %r" % (name,))
    return sizes, backups, temps


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field(record: dict, key: str, kind: type):
    if key not in record:
        raise ValueError("no %r" % key)
    value = record[key]
    if not isinstance(value, kind):
        raise ValueError("%r is %s, not %s" % (key, type(value).__name__, kind.__name__))
    return value


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def recover(journal_path: str, allowed: Collection[str], fsync: bool = True) -> bool:
    """Roll back the transaction a dead writer left (call with the lock held),
    and remove its leftovers; allowed: the files it may name (see Journal.read).
    Whether there was a journal."""
    journal = Journal.read(journal_path, allowed, fsync)
    if journal is not None:
        journal.rollback()
    # what a writer that died writing its journal, or committing, leaves
    # beside it (nobody else uses them while we hold the lock)
    _remove(journal_path + TEMPORARY_SUFFIX)
    _remove(journal_path + BACKUP_SUFFIX)
    _remove(journal_path + DATA_BACKUP_SUFFIX)
    return journal is not None
