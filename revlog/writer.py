"""Appending revisions to one revlog's files, inside a transaction.

Each revision is one write to the data file (its chunk) and then one to the
index (its entry): a reader that sees an entry finds its chunk.  An inline
revlog gets entry and chunk together in one write to the index.  Writes go
at the offsets the index implies, through file descriptors kept open for
the transaction; the revlog reads its own new chunks back through them.

An inline revlog whose data passes INLINE_LIMIT bytes (a changelog: as soon
as it has any) is split after the operation that made it grow: the chunks
go to a new data file, the entries to a new index written beside the old
one and renamed over it, the old index backed up in the journal first.

delay() holds new index entries in memory (or, for an empty revlog, sends
them to the pending index ``<index>.a``); write_pending() writes the pending
index so that pending readers see them; finalize_pending() (called by
commit) puts them in the index itself.  These are Mercurial's changelog
rules for hooks that must see a transaction before it commits.
"""
import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from revlog import compression, deltas, errors, fileio, status
from revlog import constants as C
from revlog.journal import BACKUP_SUFFIX, DATA_BACKUP_SUFFIX, Journal, file_size, fsync_directory

# Mercurial 7.2.4 splits an inline revlog when its data reaches this size.
INLINE_LIMIT = 131072
# Largest text, chunk or linkrev an entry can hold (signed 32-bit fields).
MAX_FIELD = 0x7FFFFFFF
# Largest data offset an entry can hold: 48 bits in v1, a signed 32-bit field in v0.
MAX_OFFSET = {C.REVLOGV0: MAX_FIELD, C.REVLOGV1: (1 << 48) - 1}
# Chain information kept for this many revisions at most.
CHAIN_CACHE_LIMIT = 200000
# Bytes copied at once when splitting or copying a pending index.
COPY_BLOCK = 1 << 20
# Most buffers handed to one pwritev() (well below any platform's IOV_MAX).
GATHER_LIMIT = 16
_pwritev = getattr(os, "pwritev", None)
WDIR_NODE = b"\xff" * C.NODE_SIZE
PENDING_SUFFIX = ".a"
SPLIT_SUFFIX = ".s"


@dataclass(frozen=True)
class WriteOptions:
    """How a revlog is written (revlog.open()/create() options; all checked here,
    except a compression_level without a compression engine: see check_level)."""

    fsync: bool = True
    max_chain_len: Optional[int] = None
    compression_level: Optional[int] = None
    lock_timeout: float = 600.0
    compression: Optional[str] = None
    kind: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind is not None and (not isinstance(self.kind, str) or self.kind not in deltas.KINDS):
            raise errors.RevlogError("unknown revlog kind %r; expected one of %s"
                                     % (self.kind, ", ".join(deltas.KINDS)))
        if self.compression is not None:
            compression.check_engine(self.compression, self.compression_level)
        else:  # the engine is the revlog's own: check_level() finishes
            compression.check_level(None, self.compression_level)
        if self.max_chain_len is not None and (not is_integer(self.max_chain_len) or self.max_chain_len < 0):
            raise errors.RevlogError("max_chain_len must be None or a count, not %r" % (self.max_chain_len,))
        if (not isinstance(self.lock_timeout, (int, float)) or isinstance(self.lock_timeout, bool)
                or not self.lock_timeout >= 0):
            raise errors.RevlogError("lock_timeout must be a number of seconds, not %r" % (self.lock_timeout,))

    def check_level(self, engine: str) -> None:
        """RevlogError unless compression_level suits engine (the revlog's own)."""
        if self.compression is None:
            compression.check_level(engine, self.compression_level)


def is_integer(value) -> bool:
    """An int that is not a bool (True is not a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def journaled_files(index_path: str, data_path: str, journal_path: str) -> Tuple[str, ...]:
    """Every file a writer of this revlog may name in its journal."""
    return (index_path, data_path, index_path + PENDING_SUFFIX, index_path + SPLIT_SUFFIX,
            journal_path + BACKUP_SUFFIX, journal_path + DATA_BACKUP_SUFFIX)


def infer_kind(index_path: str, filelog_meta: bool) -> str:
    """changelog / manifest / filelog / other, from where the revlog lives
    (a store's 00changelog.i, 00manifest.i, data/...) or its filelog flag."""
    name = os.path.basename(index_path)
    if name == "00changelog.i":
        return "changelog"
    if name == "00manifest.i":
        return "manifest"
    parts = os.path.normpath(os.path.abspath(index_path)).split(os.sep)[:-1]
    in_store = any(parts[i] == "data" and parts[i - 1] in ("store", ".hg") for i in range(1, len(parts)))
    return "filelog" if in_store or filelog_meta else "other"


def _write_all(fd: int, parts: Sequence[bytes], offset: int) -> int:
    """Write parts at offset (one system call where the platform gathers, retrying
    short writes); bytes written."""
    if len(parts) == 1:
        data = parts[0]
        done = os.pwrite(fd, data, offset)
    elif _pwritev is not None and len(parts) <= GATHER_LIMIT:
        data = None
        done = _pwritev(fd, parts, offset)
    else:
        data = b"".join(parts)
        done = os.pwrite(fd, data, offset)
    size = len(data) if data is not None else sum(len(part) for part in parts)
    if done < size:
        view = memoryview(data if data is not None else b"".join(parts))
        while done < size:
            done += os.pwrite(fd, view[done:], offset + done)
    return size


def data_end(index) -> int:
    """Where the data of the revlog whose index this is ends (without inline entries)."""
    if not len(index):
        return 0
    entry = index[len(index) - 1]
    return (entry[C.ENTRY_OFFSET_FLAGS] >> 16) + entry[C.ENTRY_COMP_LEN]


class _Source(deltas.DeltaSource):
    """The revlog as the delta search reads it (see deltas.DeltaSource)."""

    def __init__(self, revlog) -> None:
        self.revlog = revlog
        self.name = revlog.name
        self.index = revlog.index
        self.general_delta = revlog.generaldelta
        self._chains = {}
        self._bases = {}

    def data_end(self) -> int:
        return data_end(self.index)

    def chainbase(self, rev: int) -> int:
        base = self._bases.get(rev)
        if base is None:
            # the oldest revision of the delta chain (one call to the index)
            base = self.index.deltachain(rev, None)[0][0]
            self._bases[rev] = base
        return base

    def chaininfo(self, rev: int) -> Tuple[int, int]:
        cache = self._chains
        known = cache.get(rev)
        if known is not None:
            return known
        index = self.index
        general = self.general_delta
        current = rev
        entry = index[current]
        base = deltas.checked_base(self.name, current, entry)
        length = size = 0
        while current != base:   # each step goes lower, down to the null revision at most
            length += 1
            size += entry[C.ENTRY_COMP_LEN]
            current = base if general else current - 1
            below = cache.get(current)
            if below is not None:
                length += below[0]
                size += below[1]
                break
            entry = index[current]
            base = deltas.checked_base(self.name, current, entry)
        else:
            size += entry[C.ENTRY_COMP_LEN]
        self.remember(rev, (length, size))
        return length, size

    def remember(self, rev: int, info: Tuple[int, int], chainbase: Optional[int] = None) -> None:
        """Record rev's chain information (known when rev is written)."""
        if len(self._chains) >= CHAIN_CACHE_LIMIT:
            self._chains.clear()
            self._bases.clear()
        self._chains[rev] = info
        if chainbase is not None:
            self._bases[rev] = chainbase

    def rawtext(self, rev: int) -> bytes:
        return self.revlog._rawtext(rev, self.index[rev])

    def raw_chunk(self, rev: int) -> bytes:
        return self.revlog._chunks([rev])[0]


def check_writable_version(name: str, version: int) -> None:
    """RevlogError unless the writer can write revlogs of this version (v0 or v1)."""
    if version in (C.REVLOGV0, C.REVLOGV1):
        return
    docket = " (revlog-v2 / changelog-v2 with a docket)" if version in (C.REVLOGV2, C.CHANGELOGV2) else ""
    raise errors.RevlogError("%s: writing revlog version %#x%s is not supported; only v0 and v1 revlogs "
                             "can be written" % (name, version, docket))


class RevlogWriter:
    """Writes one revlog's new revisions during one transaction."""

    def __init__(self, revlog, journal: Journal, options: WriteOptions) -> None:
        self.revlog = revlog
        self.journal = journal
        self.options = options
        fmt = revlog.format
        self.kind = options.kind or infer_kind(revlog.index_path, fmt.filelog_meta)
        engine = options.compression or revlog._write_engine()
        self.compressor = compression.Compressor(engine, options.compression_level)
        self.entry_size = (C.INDEX_ENTRY_V0 if revlog.version == C.REVLOGV0 else C.INDEX_ENTRY_V1).size
        self.index_path = revlog.index_path
        self.data_path = revlog.data_path
        self.index_target = self.index_path   # the file entries go to (.a when diverted)
        self._index_fd: Optional[int] = None
        self._data_fd: Optional[int] = None
        self.delay_buffer: Optional[List[bytes]] = None
        self.diverted = False
        self._machinery_index = None
        self._sync_positions()
        self._check_positions()

    # ---- positions and files ----------------------------------------------------

    def _check_positions(self) -> None:
        """CorruptedIndex unless the files hold all the data the index
        describes and the last chunk begins where the one before it ends
        or later.

        Writes go where the index says the data ends: past the end of the
        file they would leave a hole of a size the index chose, and a last
        chunk starting inside an earlier one would have the next chunk
        written over that one.  Run when the transaction begins, before its
        journal is written; a file longer than that is fine (the bytes past
        the end are overwritten).  O(1): the last two entries only.
        """
        index = self.revlog.index
        if not len(index):
            return
        last = len(index) - 1
        name = self.revlog.name
        length = index[last][C.ENTRY_COMP_LEN]
        if length < 0:
            raise errors.CorruptedIndex("%s: %s" % (name, status.index_error(status.INDEX_BAD_LENGTH, last, length)))
        if last > 0:
            previous = index[last - 1]
            previous_end = (previous[C.ENTRY_OFFSET_FLAGS] >> 16) + previous[C.ENTRY_COMP_LEN]
            if index[last][C.ENTRY_OFFSET_FLAGS] >> 16 < previous_end:
                raise errors.CorruptedIndex(
                    "%s: %s" % (name, status.index_error(status.INDEX_BAD_OFFSET, last, previous_end)))
        path, end = (self.index_path, self.index_end) if self.inline else (self.data_path, self.data_end)
        size = self.journal.sizes.get(path)
        if size is None:
            size = file_size(path)
        size = max(size, 0)
        if not 0 <= end <= size:
            raise errors.CorruptedIndex("%s: revision %d ends at byte %d of %s, which has %d bytes"
                                        % (name, last, end, os.path.basename(path), size))

    def _sync_positions(self) -> None:
        """Where the next chunk and entry go, from the revlog's index."""
        revlog = self.revlog
        self.inline = revlog.inline
        count = len(revlog.index)
        self.data_end = data_end(revlog.index)
        self.index_end = count * self.entry_size + (self.data_end if self.inline else 0)

    def _index_fd_open(self) -> int:
        if self._index_fd is None:
            self._index_fd = os.open(self.index_target, os.O_RDWR | os.O_CREAT, 0o644)
        return self._index_fd

    def _data_fd_open(self) -> int:
        if self._data_fd is None:
            self._data_fd = os.open(self.data_path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._data_fd

    def close(self) -> None:
        """Close the files (without flushing anything held back)."""
        for name in ("_index_fd", "_data_fd"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                os.close(fd)

    def read(self, start: int, length: int) -> bytes:
        """Bytes the revlog's reader finds past what it mapped (our new chunks)."""
        fd = self._index_fd_open() if self.inline else self._data_fd_open()
        return fileio.pread_bounded(fd, start, length)

    # ---- adding revisions -------------------------------------------------------

    def _machinery(self) -> Tuple[_Source, deltas.DeltaConfig, "deltas.SnapshotMap"]:
        """The delta search's view of the revlog (rebuilt when the index is replaced)."""
        revlog = self.revlog
        if self._machinery_index is not revlog.index:
            fmt = revlog.format
            max_chain = self.options.max_chain_len
            if max_chain is None:
                max_chain = deltas.default_max_chain_len(fmt.sparse and fmt.generaldelta)
            self._config = deltas.config_for(fmt.generaldelta, fmt.sparse, fmt.delta_info,
                                             self.kind, max_chain)
            self._source = _Source(revlog)
            self._snapshots = deltas.SnapshotMap(revlog.index)
            self._machinery_index = revlog.index
        return self._source, self._config, self._snapshots

    def computer(self) -> deltas.DeltaComputer:
        """A delta computer for one add_revision call or one group."""
        source, config, snapshots = self._machinery()
        return deltas.DeltaComputer(source, config, snapshots, self.revlog.backend.textdiff,
                                    self.compressor.compress)

    def append(self, node: bytes, text: bytes, p1: int, p2: int, linkrev: int, flags: int,
               computer: deltas.DeltaComputer, cached: Optional[Tuple[int, bytes]] = None) -> int:
        """Store one new revision (checked by the caller); its revision number."""
        revlog = self.revlog
        index = revlog.index
        rev = len(index)
        choice = computer.choose(deltas.NewRevision(text, p1, p2, flags, cached))
        flags |= choice.entry_flags(computer.config)
        offset = self.data_end
        limit = MAX_OFFSET[revlog.version]
        if offset + choice.length > limit or choice.length > MAX_FIELD:
            raise errors.RevlogError("%s: the data of a v%d revlog cannot grow past %d bytes"
                                     % (revlog.name, revlog.version, limit))
        if revlog.version == C.REVLOGV0:
            raw_len = -1
            packed = C.INDEX_ENTRY_V0.pack(offset, choice.length, choice.base, linkrev,
                                           index[p1][C.ENTRY_NODE], index[p2][C.ENTRY_NODE], node)
        else:
            raw_len = len(text)
            packed = C.INDEX_ENTRY_V1.pack(offset << 16 | flags, choice.length, raw_len, choice.base,
                                           linkrev, p1, p2, node)
            if rev == 0:
                packed = C.INDEX_HEADER.pack(revlog.header) + packed[C.INDEX_HEADER.size:]
        self._write(packed, choice.header, choice.payload)
        index.append(((offset << 16) | flags, choice.length, raw_len, choice.base, linkrev, p1, p2, node,
                      0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, C.RANK_UNKNOWN))
        source, _, snapshots = self._machinery()
        source.remember(rev, (0 if choice.base == rev else choice.chainlen, choice.chain_size), choice.chainbase)
        snapshots.added(rev)
        revlog._remember_text(rev, text)
        return rev

    def _write(self, entry: bytes, header: bytes, payload) -> None:
        length = len(header) + len(payload)
        if self.inline:
            self.index_end += _write_all(self._index_fd_open(), (entry, header, payload), self.index_end)
            self.data_end += length
            return
        data_fd = self._data_fd_open()  # created even for an empty chunk, as Mercurial does
        if length:
            _write_all(data_fd, (header, payload) if header else (payload,), self.data_end)
            self.data_end += length
        if self.delay_buffer is not None:
            self.delay_buffer.append(entry)
        else:
            self.index_end += _write_all(self._index_fd_open(), (entry,), self.index_end)

    # ---- savepoints ---------------------------------------------------------------

    def savepoint(self) -> tuple:
        """What restore() needs to undo the revisions added after this call."""
        buffered = None if self.delay_buffer is None else len(self.delay_buffer)
        return (len(self.revlog.index), self.index_end, self.data_end, buffered, self.inline)

    def restore(self, point: tuple) -> None:
        """Forget every revision added since point (files and memory)."""
        count, index_end, data_end, buffered, inline = point
        if inline != self.inline:
            raise errors.RevlogError("%s: cannot return to a savepoint across a split" % self.revlog.name)
        if self._index_fd is not None:
            os.ftruncate(self._index_fd, index_end)
        elif file_size(self.index_target) > index_end:
            os.truncate(self.index_target, index_end)
        if not self.inline:
            if self._data_fd is not None:
                os.ftruncate(self._data_fd, max(data_end, 0))
            elif file_size(self.data_path) > data_end:
                os.truncate(self.data_path, data_end)
        if buffered is not None and self.delay_buffer is not None:
            del self.delay_buffer[buffered:]
        self.index_end, self.data_end = index_end, data_end
        self.revlog._forget_from(count)
        self._machinery_index = None

    # ---- the inline-to-split move -------------------------------------------------

    def should_split(self) -> bool:
        """Whether the revlog is inline and too large to stay so."""
        if not self.inline or not len(self.revlog.index):
            return False
        return self.kind == "changelog" or self.data_end >= INLINE_LIMIT

    def split(self) -> None:
        """Move the chunks of an inline revlog to its data file (journaled, atomic).

        An empty revlog has nothing to move: it just stops being inline (its
        header reaches the disk with its first entry).
        """
        revlog = self.revlog
        if self.diverted or self.delay_buffer is not None:
            raise errors.RevlogError("%s: internal error: splitting while index entries are held back"
                                     % revlog.name)
        if not len(revlog.index):
            revlog._stop_inline()
            self._sync_positions()
            return
        journal = self.journal
        index_path, data_path = self.index_path, self.data_path
        temporary = index_path + SPLIT_SUFFIX
        original = journal.sizes.get(index_path, -1)
        if original > 0 and index_path not in journal.backups:
            backup = journal.path + BACKUP_SUFFIX
            journal.add_temp(backup)
            journal.write()
            self._copy_prefix(index_path, backup, original)
            journal.add_backup(index_path, backup)
        # a stale data file beside the inline index is set aside whole (rollback puts it back)
        stale = os.path.exists(data_path) and data_path not in journal.backups
        if stale:
            journal.add_backup(data_path, journal.path + DATA_BACKUP_SUFFIX)
        journal.track(data_path)
        journal.add_temp(temporary)
        journal.write()
        if stale:
            os.replace(data_path, journal.backups[data_path])
        index = revlog.index
        source = self._index_fd_open()
        size = self.entry_size
        header = C.INDEX_HEADER.pack(revlog.header & ~C.FLAG_INLINE_DATA)
        data_fd = os.open(data_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        new_fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            position = data_at = entries_at = 0
            entries: List[bytes] = []
            chunks: List[bytes] = []
            count = len(index)
            for rev in range(count):
                length = index[rev][C.ENTRY_COMP_LEN]
                record = os.pread(source, size + length, position)
                if len(record) != size + length:
                    raise errors.CorruptedIndex("%s: inline data ends inside revision %d" % (revlog.name, rev))
                position += size + length
                entries.append(header + record[C.INDEX_HEADER.size:size] if rev == 0 else record[:size])
                chunks.append(record[size:])
                if position - entries_at - data_at >= COPY_BLOCK or rev == count - 1:
                    data_at += _write_all(data_fd, chunks, data_at)
                    entries_at += _write_all(new_fd, entries, entries_at)
                    entries, chunks = [], []
            if self.options.fsync:
                os.fsync(data_fd)
                os.fsync(new_fd)
        finally:
            os.close(new_fd)
            os.close(data_fd)
        self.close()
        os.replace(temporary, index_path)
        if self.options.fsync:
            self._fsync_directories()
        revlog._reload_after_split()
        self._sync_positions()
        self._machinery_index = None

    def _copy_prefix(self, path: str, target: str, size: int, tail: bytes = b"") -> None:
        """target := the first size bytes of path, then tail (fsynced per the option)."""
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            at = 0
            if size:
                with open(path, "rb") as src:
                    while at < size:
                        block = src.read(min(size - at, COPY_BLOCK))
                        if not block:
                            raise errors.CorruptedIndex("%s: shorter than the %d bytes expected" % (path, size))
                        at += _write_all(fd, (block,), at)
            if tail:
                _write_all(fd, (tail,), at)
            if self.options.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    # ---- pending writes (changelog style) -------------------------------------------

    def delay(self) -> None:
        """Hold new index entries back from readers until finalize_pending()."""
        if self.inline:
            self.split()
        if self.delay_buffer is not None or self.diverted:
            return
        if len(self.revlog.index):
            self.delay_buffer = []
            return
        # an empty revlog: its entries go straight to the pending index
        pending = self.index_path + PENDING_SUFFIX
        if self.journal.add_temp(pending):
            self.journal.write()
        if os.path.exists(pending):
            os.unlink(pending)
        self._divert_to(pending, self.index_end)

    def _divert_to(self, path: str, size: int) -> None:
        if self._index_fd is not None:
            os.close(self._index_fd)
            self._index_fd = None
        self.index_target = path
        self.index_end = size
        self.diverted = True

    def write_pending(self) -> bool:
        """Write the pending index (`<index>.a`); whether it holds entries the index lacks."""
        if self.inline:
            self.split()
        if self.diverted:
            return True
        pending = self.index_path + PENDING_SUFFIX
        if self.journal.add_temp(pending):
            self.journal.write()
        held = b"".join(self.delay_buffer or ())
        self._copy_prefix(self.index_path, pending, self.index_end, held)
        self.delay_buffer = None
        self._divert_to(pending, self.index_end + len(held))
        return bool(held)

    def finalize_pending(self) -> None:
        """Make held-back entries part of the index itself."""
        if self.delay_buffer is not None:
            held = b"".join(self.delay_buffer)
            self.delay_buffer = None
            if held:
                self.index_end += _write_all(self._index_fd_open(), (held,), self.index_end)
        elif self.diverted:
            if self._index_fd is not None:
                if self.options.fsync:
                    os.fsync(self._index_fd)
                os.close(self._index_fd)
                self._index_fd = None
            if os.path.exists(self.index_target):
                os.replace(self.index_target, self.index_path)
            self.index_target = self.index_path
            self.diverted = False

    # ---- committing -------------------------------------------------------------------

    def flush(self) -> None:
        """Finalize pending entries and put everything on disk (per the fsync option)."""
        self.finalize_pending()
        if self.options.fsync:
            for fd in (self._data_fd, self._index_fd):
                if fd is not None:
                    os.fsync(fd)
            self._fsync_directories()
        self.close()

    def _fsync_directories(self) -> None:
        """Make files created or renamed in the index's and the data file's directories durable."""
        fsync_directory(self.index_path)
        if os.path.dirname(os.path.abspath(self.data_path)) != os.path.dirname(os.path.abspath(self.index_path)):
            fsync_directory(self.data_path)
