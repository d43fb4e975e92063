"""Revlog: one revlog (an ``.i`` index and its data), read through a backend.

Reading revision r: its delta chain comes from the index (C or pure), each
chunk is sliced from the mapped data file and decompressed by its header,
the deltas are folded and applied in one mpatch call, and the result is
checked against the node (SHA-1 of the sorted parents and the text).  The
last text read is kept, so reading revisions in order costs one delta each.

Writing (transaction(), add_revision(), add_group(), pending writes) is
done by revlog.transaction, revlog.adding, revlog.writer and revlog.deltas; the Revlog
reads its own writes: new entries are appended to its index, new chunks
read back from the files being written, new texts kept for the next deltas.
"""
import hashlib
import mmap
import os
import struct
import types
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple, Type, Union

from revlog import adding, compression, errors, fileio, journal, lock, policy
from revlog import constants as C
from revlog.compression import Decompressor
from revlog.deltas import checked_base
from revlog import writer as revlog_writer
from revlog.transaction import LOCK_SUFFIX, Transaction

# Mercurial's sparse-read defaults: slice a chain where its density drops.
SPARSE_READ_DENSITY = 0.5
SPARSE_READ_MIN_GAP = 256 * 1024
CHUNK_CACHE_SIZE = 64 * 1024
# Files smaller than this are read into memory rather than mapped.
MMAP_THRESHOLD = 64 * 1024
# What a zstd chunk may decompress to when its chain holds a revision of
# unknown size (every v0 revlog): what any frame was allowed before chains
# bounded their chunks.
UNKNOWN_SIZE_CHUNK_LIMIT = 16 << 20
# Texts kept for reuse: reading revisions in order (even across interleaved
# branches) then costs about one delta each.
TEXT_CACHE_COUNT = 8
_COMP_LEN = struct.Struct(">i")

RevOrNode = Union[int, bytes]


@dataclass(frozen=True)
class Format:
    """What kind of revlog this is (frozen; see Revlog.format)."""

    version: int
    inline: bool
    generaldelta: bool
    sparse: bool
    delta_info: bool
    compression: str
    filelog_meta: bool = False


def format_header(fmt: Format) -> int:
    """The 4-byte header (version and flags) of a revlog of this format."""
    if fmt.version == C.REVLOGV0:
        return C.REVLOGV0
    header = fmt.version
    for wanted, flag in ((fmt.inline, C.FLAG_INLINE_DATA), (fmt.generaldelta, C.FLAG_GENERALDELTA),
                         (fmt.delta_info, C.FLAG_DELTA_INFO), (fmt.filelog_meta, C.FLAG_FILELOG_META)):
        if wanted:
            header |= flag
    return header


def check_writable_format(fmt: Format, name: str) -> None:
    """RevlogError unless the writer supports fmt (v0, v1; not the v2 dockets)."""
    if not isinstance(fmt, Format):
        raise errors.RevlogError("%s: format must be a revlog.Format, not %r" % (name, fmt))
    revlog_writer.check_writable_version(name, fmt.version)
    if fmt.version == C.REVLOGV0 and (fmt.inline or fmt.generaldelta or fmt.sparse or fmt.delta_info
                                      or fmt.filelog_meta):
        raise errors.RevlogError("%s: revlog v0 has no inline data, generaldelta, sparse-revlog, "
                                 "delta-info or filelog-meta: %r" % (name, fmt))
    if fmt.sparse and not fmt.generaldelta:
        raise errors.RevlogError("%s: sparse-revlog needs generaldelta: %r" % (name, fmt))
    compression.check_engine(fmt.compression)


def _load_backend(backend) -> types.ModuleType:
    if backend is None:
        return policy.namespace
    if isinstance(backend, str):
        return policy.load(backend)
    return backend


def _read_buffer(path: str, use_mmap: bool, error: Type[errors.RevlogError],
                 may_shrink: Optional[Callable[[], bool]] = None):
    """The whole file: mapped when large (zero copy), else read.

    error(message) if path is not a regular file (see fileio.open_regular).

    Never map a file a writer may truncate (see Revlog._may_shrink): a
    mapping past the end of a file faults instead of reading short.  A
    writer may begin between the caller's check and the mapping, so
    may_shrink (when given) is asked again once the file is mapped, and the
    file must not have shrunk meanwhile; else the map is dropped for a read.
    """
    with fileio.open_regular(path, error) as f:
        size = os.fstat(f.fileno()).st_size
        if use_mmap and size >= MMAP_THRESHOLD:
            mapped = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ)
            if may_shrink is None or (not may_shrink() and os.fstat(f.fileno()).st_size >= size):
                return memoryview(mapped)
            mapped.close()
        return f.read(size)


def _once(compute: Callable[[], int]) -> Callable[[], int]:
    """compute, called at most once: its first answer is kept."""
    answers: List[int] = []

    def answer() -> int:
        if not answers:
            answers.append(compute())
        return answers[0]

    return answer


class _CachedFile:
    """Reads byte ranges of a data file through a read-ahead window (no mmap).

    FileNotFoundError if it is missing, CorruptedData if it is no regular file.
    """

    def __init__(self, path: str, cache_size: int = CHUNK_CACHE_SIZE):
        self._path = path
        self._cache_size = cache_size
        self._cache_start = 0
        self._cache = b""
        with fileio.open_regular(path, errors.CorruptedData) as f:
            self.size = os.fstat(f.fileno()).st_size

    def read(self, start: int, length: int):
        offset = start - self._cache_start
        if 0 <= offset and offset + length <= len(self._cache):
            return memoryview(self._cache)[offset:offset + length]
        window = self._cache_size
        real_start = start - start % window
        real_end = start + length + window - (start + length) % window
        with fileio.open_regular(self._path, errors.CorruptedData) as f:
            data = fileio.pread_bounded(f.fileno(), real_start, real_end - real_start)
        self._cache_start, self._cache = real_start, data
        return memoryview(data)[start - real_start:start - real_start + length]


class Revlog:
    """One revlog, to read and to write.  See revlog.open() and revlog.create()."""

    def __init__(self, index_path: str, backend=None, use_mmap: bool = True,
                 sparse: Optional[bool] = None, data_path: Optional[str] = None,
                 docket_index_path: Optional[str] = None, pending: bool = False,
                 fsync: bool = True, max_chain_len: Optional[int] = None,
                 compression_level: Optional[int] = None,
                 lock_timeout: float = lock.DEFAULT_TIMEOUT, compression: Optional[str] = None,
                 kind: Optional[str] = None, _new_format: Optional[Format] = None):
        self.index_path = index_path
        self._radix = index_path[:-2] if index_path.endswith(".i") else index_path
        self._data_path = data_path
        self._docket_index_path = docket_index_path
        self.data_path = data_path or self._radix + ".d"
        self.name = os.path.basename(index_path)
        self.backend = _load_backend(backend)
        self._use_mmap = use_mmap
        self._decompressor = Decompressor()
        # recent texts: a chain is rebuilt from the newest one it contains
        self._texts: "OrderedDict[int, bytes]" = OrderedDict()
        self._sparse = sparse
        self._format: Optional[Format] = None
        self._pending = pending
        self._write_options = revlog_writer.WriteOptions(
            fsync=bool(fsync), max_chain_len=max_chain_len, compression_level=compression_level,
            lock_timeout=lock_timeout, compression=compression, kind=kind)
        # the format of a revlog created empty (its files cannot say it yet)
        self._new_format = _new_format
        self._transaction: Optional[Transaction] = None
        self._load()
        if compression_level is not None:
            self._write_options.check_level(self._write_engine())

    # ---- opening --------------------------------------------------------

    def _load(self, own_lock: bool = False) -> None:
        """Read the index (and map the data) from the files.

        own_lock: this revlog holds the writer's lock, so a half-written
        tail cannot be another writer's work in progress.
        """
        self._disk_state = self._stat_files()
        mappable = self._use_mmap and (own_lock or not self._may_shrink())
        self._mappable = mappable
        # a writer may begin after the check above: ask again once mapped
        recheck = None if own_lock else self._may_shrink
        read_path = self.index_path
        if self._pending and os.path.exists(self.index_path + revlog_writer.PENDING_SUFFIX):
            read_path = self.index_path + revlog_writer.PENDING_SUFFIX
        try:
            index_data = _read_buffer(read_path, mappable, errors.CorruptedIndex, recheck)
        except FileNotFoundError:
            index_data = b""
        if len(index_data) >= C.INDEX_HEADER.size:
            (header,) = C.INDEX_HEADER.unpack_from(index_data)
        else:
            if len(index_data):
                raise errors.CorruptedIndex("%s: index file is truncated (%d bytes)" % (self.name, len(index_data)))
            header = self._empty_header()
        version = header & 0xFFFF
        flags = header & ~0xFFFF
        if version not in C.SUPPORTED_HEADER_FLAGS:
            raise errors.CorruptedIndex("%s: unknown revlog version %d" % (self.name, version))
        unknown = flags & ~C.SUPPORTED_HEADER_FLAGS[version]
        if unknown:
            raise errors.CorruptedIndex(
                "%s: unknown flags %#06x in revlog version %d" % (self.name, unknown >> 16, version))
        self.version = version
        self.header = header
        self.inline = bool(flags & C.FLAG_INLINE_DATA)
        self.generaldelta = bool(flags & C.FLAG_GENERALDELTA)
        self.delta_info = bool(flags & C.FLAG_DELTA_INFO)
        self.filelog_meta = bool(flags & C.FLAG_FILELOG_META)
        self.docket: Optional[Docket] = None
        index_format = C.REVLOGV1
        if version == C.REVLOGV0:
            index_data = self._convert_v0(self._tolerate_tail(index_data, own_lock, C.INDEX_ENTRY_V0.size))
        elif version in (C.REVLOGV2, C.CHANGELOGV2):
            index_format = version
            self.generaldelta = True  # implied by dockets, as in Mercurial
            self.docket = Docket.parse(index_data, self.name)
            index_data = self._docket_file(
                self._docket_index_path, self.docket.index_uuid, ".idx", self.docket.index_end)
        elif version == C.REVLOGV1:
            index_data = self._tolerate_tail(index_data, own_lock, C.INDEX_ENTRY_V1.size)
        try:
            self.index, _ = self.backend.parse_index2(
                index_data, self.inline, self.generaldelta, self.delta_info, index_format)
        except errors.CorruptedIndex as exc:
            raise errors.CorruptedIndex("%s: %s" % (self.name, exc)) from None
        self._format = None
        if self.docket is not None:
            self._data = self._docket_file(self._data_path, self.docket.data_uuid, ".dat", self.docket.data_end)
            self.data_path = self._data_path or self._docket_path(self.docket.data_uuid, ".dat")
            self._file = None
        elif self.inline:
            self._data = index_data
            self._file = None
        elif not len(self.index):
            self._data = b""
            self._file = None
        elif mappable:
            try:
                self._data = _read_buffer(self.data_path, True, errors.CorruptedData, recheck)
            except FileNotFoundError:
                raise self._missing_data() from None
            self._file = None
        else:
            self._data = None
            try:
                self._file = _CachedFile(self.data_path)
            except FileNotFoundError:
                raise self._missing_data() from None

    def _missing_data(self) -> errors.CorruptedData:
        return errors.CorruptedData("%s: data file %s is missing" % (self.name, self.data_path))

    def _stat_files(self) -> tuple:
        """What tells whether another writer changed the files since we read them."""
        state = []
        for path in (self.index_path, self.data_path):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                state.append(None)
            else:
                state.append((st.st_size, st.st_mtime_ns, st.st_ino))
        return tuple(state)

    def _may_shrink(self) -> bool:
        """Whether a writer may truncate the files (it is writing, or it died writing)."""
        return (os.path.exists(self.index_path + journal.JOURNAL_SUFFIX)
                or lock.held_by_writer(self.index_path + LOCK_SUFFIX))

    def _empty_header(self) -> int:
        """The header of a revlog with no revision yet: its creator's format, or hg's default."""
        fmt = self._new_format
        if fmt is None:
            return C.REVLOGV1 | C.FLAG_INLINE_DATA
        return format_header(fmt)

    def _tolerate_tail(self, data, own_lock: bool, entry_size: int):
        """data without a half-written last entry, if a writer is writing it
        or died writing it (its journal is left: the next writer rolls it back)."""
        complete = self._complete_length(data, entry_size)
        if complete == len(data) or own_lock:
            return data
        if not self._may_shrink():
            return data  # the parser reports the damage
        return memoryview(data)[:complete]

    def _complete_length(self, data, entry_size: int) -> int:
        """Bytes of data up to the end of its last complete entry (and chunk, inline)."""
        if self.version == C.REVLOGV1 and self.inline:
            pos = 0
            while pos + entry_size <= len(data):
                (comp_len,) = _COMP_LEN.unpack_from(data, pos + 8)
                if comp_len < 0 or pos + entry_size + comp_len > len(data):
                    break
                pos += entry_size + comp_len
            return pos
        return len(data) - len(data) % entry_size

    def _docket_path(self, uuid: bytes, suffix: str) -> str:
        return "%s-%s%s" % (self._radix, uuid.decode("ascii", "replace"), suffix)

    def _docket_file(self, path: Optional[str], uuid: bytes, suffix: str, end: int):
        """The first `end` bytes of a file the docket names (radix-uuid.suffix)."""
        path = path or self._docket_path(uuid, suffix)
        if end == 0:
            return b""
        try:
            with fileio.open_regular(path, errors.CorruptedIndex) as f:
                size = os.fstat(f.fileno()).st_size
                if size < end:
                    raise errors.CorruptedIndex(
                        "%s: %s has %d bytes, the docket says %d" % (self.name, path, size, end))
                if self._use_mmap and end >= MMAP_THRESHOLD:
                    return memoryview(mmap.mmap(f.fileno(), end, access=mmap.ACCESS_READ))
                return fileio.pread_bounded(f.fileno(), 0, end)
        except FileNotFoundError:
            raise errors.CorruptedIndex("%s: the docket names %s, which is missing" % (self.name, path)) from None

    def _convert_v0(self, data) -> bytes:
        """A v0 index (parents as nodes) rewritten as v1 entries."""
        size = C.INDEX_ENTRY_V0.size
        if len(data) % size:
            raise errors.CorruptedIndex(
                "%s: v0 index size %d is not a multiple of %d" % (self.name, len(data), size))
        entries = [C.INDEX_ENTRY_V0.unpack_from(data, pos) for pos in range(0, len(data), size)]
        revs = {C.NULL_NODE: C.NULL_REV}
        for rev, entry in enumerate(entries):
            revs.setdefault(entry[6], rev)
        packed = bytearray()
        for rev, (offset, comp_len, base, link, p1, p2, node) in enumerate(entries):
            if offset < 0:  # v1 keeps offsets unsigned
                raise errors.CorruptedIndex(
                    "%s: revision %d has a negative offset %d" % (self.name, rev, offset))
            # as Mercurial: an unknown parent node reads as the null revision
            packed += C.INDEX_ENTRY_V1.pack(
                offset << 16, comp_len, -1, base, link,
                revs.get(p1, C.NULL_REV), revs.get(p2, C.NULL_REV), node)
        return bytes(packed)

    @property
    def format(self) -> Format:
        """The revlog's format; compression is what its chunks use.

        For a revlog made by create(), the format it was created with (as
        long as its files say the same).
        """
        if self._format is None:
            created = self._new_format
            if created is not None and (created.version, created.generaldelta, created.delta_info,
                                        created.filelog_meta) == (self.version, self.generaldelta,
                                                                  self.delta_info, self.filelog_meta):
                sparse, engine = created.sparse, created.compression
            else:
                sparse = self.generaldelta if self._sparse is None else self._sparse
                engine = self._detect_compression()
            self._format = Format(
                version=self.version, inline=self.inline, generaldelta=self.generaldelta,
                sparse=sparse, delta_info=self.delta_info, compression=engine,
                filelog_meta=self.filelog_meta)
        return self._format

    def _detect_compression(self) -> str:
        if self.docket is not None:
            return compression.HEADER_ENGINES.get(self.docket.default_compression[0], "none")
        for rev in range(len(self)):
            engine = compression.engine_of(self._raw_chunk(rev)[:1])
            if engine is not None:
                return engine
        return "none"

    def close(self) -> None:
        """Drop the mapped files (they close when nothing uses them).

        An open transaction is rolled back.
        """
        if self._transaction is not None and self._transaction.active:
            self._transaction.rollback()
        self._data = b""
        self._texts.clear()

    # ---- entries ----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.index)

    def __iter__(self):
        return iter(range(len(self)))

    def _entry(self, rev: int) -> tuple:
        if not -1 <= rev < len(self.index):
            raise errors.RevisionNotFound("%s: no revision %d" % (self.name, rev))
        return self.index[rev]

    def node(self, rev: int) -> bytes:
        """The node (hash) of rev."""
        return self._entry(rev)[C.ENTRY_NODE]

    def rev(self, node: bytes) -> int:
        """The revision of node; RevisionNotFound if absent."""
        rev = self.index.get_rev(node)
        if rev is None:
            raise errors.RevisionNotFound("%s: unknown node %s" % (self.name, node.hex()))
        return rev

    def _to_rev(self, rev_or_node: RevOrNode) -> int:
        if isinstance(rev_or_node, int):
            if not -1 <= rev_or_node < len(self.index):
                raise errors.RevisionNotFound("%s: no revision %d" % (self.name, rev_or_node))
            return rev_or_node
        return self.rev(rev_or_node)

    def parentrevs(self, rev: int) -> Tuple[int, int]:
        """The parent revisions of rev (-1 for none)."""
        entry = self._entry(rev)
        p1, p2 = entry[C.ENTRY_P1], entry[C.ENTRY_P2]
        for parent in (p1, p2):
            if parent != C.NULL_REV and not 0 <= parent < rev:
                raise errors.CorruptedIndex(
                    "%s: parent out of range: revision %d has parent %d" % (self.name, rev, parent))
        return p1, p2

    def parents(self, node: bytes) -> Tuple[bytes, bytes]:
        """The parent nodes of node."""
        p1, p2 = self.parentrevs(self.rev(node))
        return self.node(p1), self.node(p2)

    def linkrev(self, rev: int) -> int:
        """The changelog revision that introduced rev."""
        return self._entry(rev)[C.ENTRY_LINK]

    def flags(self, rev: int) -> int:
        """The revision flags of rev (REVIDX_*)."""
        return self._entry(rev)[C.ENTRY_OFFSET_FLAGS] & 0xFFFF

    def start(self, rev: int) -> int:
        """Offset of rev's chunk in the data (without inline entries)."""
        return self._entry(rev)[C.ENTRY_OFFSET_FLAGS] >> 16

    def length(self, rev: int) -> int:
        """Size of rev's stored (compressed) chunk."""
        return self._entry(rev)[C.ENTRY_COMP_LEN]

    def end(self, rev: int) -> int:
        """Offset just past rev's chunk."""
        return self.start(rev) + self.length(rev)

    def rawsize(self, rev: int) -> int:
        """Size of rev's raw text."""
        size = self._entry(rev)[C.ENTRY_RAW_LEN]
        return size if size >= 0 else len(self.rawdata(rev))

    def deltaparent(self, rev: int) -> int:
        """The revision rev is stored as a delta against (-1: a full text)."""
        base = self._entry(rev)[C.ENTRY_BASE]
        if base == rev:
            return C.NULL_REV
        return base if self.generaldelta else rev - 1

    def chainbase(self, rev: int) -> int:
        """The full snapshot at the bottom of rev's delta chain.

        As Mercurial: the delta base fields followed down to one that names
        its own revision (with or without generaldelta; a base of -1, which
        hg never writes, ends at the null revision).
        """
        current = rev
        base = checked_base(self.name, current, self._entry(current))
        while base != current:   # each step goes lower, down to the null revision at most
            current = base
            base = checked_base(self.name, current, self.index[current])
        return current

    def chainlen(self, rev: int) -> int:
        """How many deltas lie between rev and its chain base.

        As Mercurial: each step goes to the delta parent (the base field
        with generaldelta, else the previous revision) until a revision
        whose base names itself, or the null revision (a base of -1).
        """
        length = 0
        current = rev
        base = checked_base(self.name, current, self._entry(current))
        while base != current:
            length += 1
            current = base if self.generaldelta else current - 1
            base = checked_base(self.name, current, self.index[current])
        return length

    def issnapshot(self, rev: int) -> bool:
        """Whether rev is stored as a snapshot (full, or intermediate in sparse revlogs)."""
        if not self.format.sparse:
            return self.deltaparent(rev) == C.NULL_REV
        return self._index_call(self.index.issnapshot, rev)

    def _index_call(self, method, *args):
        try:
            return method(*args)
        except errors.CorruptedIndex as exc:
            raise errors.CorruptedIndex("%s: %s" % (self.name, exc)) from None

    # ---- chunks -----------------------------------------------------------

    def _raw_chunk(self, rev: int):
        (start,), (length,) = self._index_call(self.index.chunk_spans, [rev])
        return self._segment(start, length, rev)

    def _segment(self, start: int, length: int, rev: int):
        if self._file is not None:
            data = self._file.read(start, length)
        else:
            data = self._data[start:start + length]
        if len(data) != length:
            data = self._read_new(start, length)
        if len(data) != length:
            raise errors.CorruptedData(
                "%s: revision %d: chunk at byte %d (%d bytes) runs past the end of the data"
                % (self.name, rev, start, length))
        return data

    def _chunks(self, revs: List[int]) -> list:
        """The decompressed chunks of revs (ascending)."""
        try:
            starts, lengths = self.index.chunk_spans(revs)
        except errors.CorruptedIndex as exc:
            raise errors.CorruptedIndex("%s: %s" % (self.name, exc)) from None
        limit = _once(lambda: self._chain_limit(revs))
        if self.docket is None:
            decompress = self._decompressor.decompress
        else:
            decompress = self._docket_decompressor(revs)
        if self._file is not None:
            return self._chunks_from_file(revs, starts, lengths, limit, decompress)
        data = self._data
        size = len(data)
        chunks = []
        append = chunks.append
        for rev, start, length in zip(revs, starts, lengths):
            if start + length > size:
                chunk = self._segment(start, length, rev)  # written since we mapped the file
            else:
                chunk = data[start:start + length]
            try:
                append(decompress(chunk, limit))
            except errors.RevlogError as exc:
                raise self._named(exc, rev) from None
        return chunks

    def _read_new(self, start: int, length: int):
        """A byte range past what was read or mapped: written since (by us or another writer)."""
        transaction = self._transaction
        if transaction is not None and transaction.active:
            return transaction.writer.read(start, length)
        if self._file is not None or self.docket is not None:
            return b""
        if self.inline:
            path, error = self.index_path, errors.CorruptedIndex
        else:
            path, error = self.data_path, errors.CorruptedData
        try:
            self._data = _read_buffer(path, self._mappable and not self._may_shrink(), error, self._may_shrink)
        except FileNotFoundError:
            return b""
        return self._data[start:start + length]

    def _chunks_from_file(self, revs, starts, lengths, limit, decompress) -> list:
        """Read the chain in few I/Os: one read per dense slice of it."""
        slicer = getattr(self.index, "slicechunktodensity", None)
        groups = slicer(revs, SPARSE_READ_DENSITY, SPARSE_READ_MIN_GAP) if slicer else [revs]
        where = {rev: i for i, rev in enumerate(revs)}
        chunks = []
        for group in groups:
            first, last = where[group[0]], where[group[-1]]
            begin = starts[first]
            segment = self._segment(begin, starts[last] + lengths[last] - begin, group[0])
            for rev in group:
                i = where[rev]
                offset = starts[i] - begin
                try:
                    chunks.append(decompress(segment[offset:offset + lengths[i]], limit))
                except errors.RevlogError as exc:
                    raise self._named(exc, rev) from None
        return chunks

    def _named(self, exc: errors.RevlogError, rev: int) -> errors.RevlogError:
        """The same error, its message naming this revlog and the revision."""
        return type(exc)("%s: revision %d: %s" % (self.name, rev, exc))

    def _docket_decompressor(self, revs: List[int]):
        """v2 chunks say per entry how they are stored (plain, default engine, own header)."""
        modes = iter([self.index[rev][C.ENTRY_DATA_COMP_MODE] for rev in revs])
        by_header = self._decompressor.decompress
        engine = self.docket.default_compression

        def decompress(chunk, limit):
            mode = next(modes)
            if mode == C.COMP_MODE_PLAIN:
                return bytes(chunk)
            if mode == C.COMP_MODE_DEFAULT:
                return self._decompressor.decompress_with(engine, chunk, limit)
            if mode == C.COMP_MODE_INLINE:
                return by_header(chunk, limit)
            raise errors.CorruptedData("unknown chunk compression mode %d" % mode)

        return decompress

    # ---- revisions --------------------------------------------------------

    def _rawtext(self, rev: int, entry: tuple) -> bytes:
        texts = self._texts
        text = texts.get(rev)
        if text is not None:
            texts.move_to_end(rev)
            return text
        try:
            chain, _ = self.index.deltachain(rev, None)
        except errors.CorruptedIndex as exc:
            raise errors.CorruptedIndex("%s: %s" % (self.name, exc)) from None
        # start from the newest text of the chain we still hold
        base = None
        for i in range(len(chain) - 1, -1, -1):
            base = texts.get(chain[i])
            if base is not None:
                chain = chain[i + 1:]
                break
        chunks = self._chunks(chain)
        if base is None:
            base = chunks.pop(0)
        try:
            text = self.backend.patches(base, chunks)
        except errors.CorruptedData as exc:
            raise errors.CorruptedData("%s: revision %d: %s" % (self.name, rev, exc)) from None
        raw_len = entry[C.ENTRY_RAW_LEN]
        if 0 <= raw_len != len(text):
            raise errors.CorruptedData(
                "%s: revision %d: reconstructed %d bytes, the index says %d"
                % (self.name, rev, len(text), raw_len))
        texts[rev] = text
        if len(texts) > TEXT_CACHE_COUNT:
            texts.popitem(last=False)
        return text

    def raw_chunk(self, rev: int) -> bytes:
        """The bytes stored for rev, as on disk (compression header included; b"" for -1)."""
        if self._to_rev(rev) == C.NULL_REV:
            return b""
        return bytes(self._raw_chunk(rev))

    def stored_delta(self, rev: int) -> bytes:
        """The decompressed chunk of rev (b"" for -1), not checked against the node.

        A delta against deltaparent(rev), or the full stored text when that is -1.
        """
        if self._to_rev(rev) == C.NULL_REV:
            return b""
        return bytes(self._chunks([rev])[0])

    def rawdata(self, rev_or_node: RevOrNode, validate: bool = False) -> bytes:
        """The stored text of a revision, before flag processing.

        CensoredRevision for a censored revision (as Mercurial).  With
        validate=True it is checked against the node as revision() does.
        """
        rev = self._to_rev(rev_or_node)
        if rev == C.NULL_REV:
            return b""
        entry = self.index[rev]
        flags = entry[C.ENTRY_OFFSET_FLAGS] & 0xFFFF
        if validate:
            self._check_flags(rev, flags)
        elif flags & C.REVIDX_ISCENSORED:
            raise errors.CensoredRevision("%s: revision %d is censored" % (self.name, rev))
        text = self._rawtext(rev, entry)
        if validate:
            self._check_hash(rev, entry, text)
        return text

    def revision(self, rev_or_node: RevOrNode) -> bytes:
        """The text of a revision, checked against its node.

        CensoredRevision for a censored revision, CorruptedData when the
        text does not hash to the node.
        """
        rev = self._to_rev(rev_or_node)
        if rev == C.NULL_REV:
            return b""
        entry = self.index[rev]
        flags = entry[C.ENTRY_OFFSET_FLAGS] & 0xFFFF
        if flags:
            self._check_flags(rev, flags)
        text = self._rawtext(rev, entry)
        if not flags & C.REVIDX_ELLIPSIS:  # ellipsis nodes do not hash their text
            self._check_hash(rev, entry, text)
        return text

    def _check_flags(self, rev: int, flags: int) -> None:
        unknown = flags & ~C.REVIDX_KNOWN_FLAGS
        if unknown:
            raise errors.RevlogError("%s: revision %d has unknown flags %#x" % (self.name, rev, unknown))
        if flags & C.REVIDX_ISCENSORED:
            raise errors.CensoredRevision("%s: revision %d is censored" % (self.name, rev))
        if flags & C.REVIDX_EXTSTORED:
            raise errors.RevlogError(
                "%s: revision %d is stored outside the revlog (EXTSTORED, e.g. by lfs)" % (self.name, rev))

    def _check_hash(self, rev: int, entry: tuple, text: bytes) -> None:
        index = self.index
        p1, p2 = entry[C.ENTRY_P1], entry[C.ENTRY_P2]
        if not (p1 == C.NULL_REV or 0 <= p1 < rev) or not (p2 == C.NULL_REV or 0 <= p2 < rev):
            self.parentrevs(rev)  # raises, naming the bad parent
        n1 = index[p1][C.ENTRY_NODE] if p1 != C.NULL_REV else C.NULL_NODE
        n2 = index[p2][C.ENTRY_NODE] if p2 != C.NULL_REV else C.NULL_NODE
        if n1 > n2:
            n1, n2 = n2, n1
        digest = hashlib.sha1(n1)
        digest.update(n2)
        digest.update(text)
        if digest.digest() != entry[C.ENTRY_NODE]:
            self._texts.pop(rev, None)
            raise errors.CorruptedData(
                "%s: revision %d: integrity check failed (text does not hash to %s)"
                % (self.name, rev, entry[C.ENTRY_NODE].hex()))

    # ---- writing ----------------------------------------------------------

    def transaction(self) -> Transaction:
        """Open a transaction (a context manager): every write in it, or none.

        Waits up to lock_timeout seconds for another writer (then LockHeld),
        rolls back what a writer that died left, and reloads the revlog if
        another writer changed it.  Inside an open transaction, returns that
        transaction (nested blocks join it).
        """
        if self._transaction is not None and self._transaction.active:
            return self._transaction
        if self._pending:
            raise errors.RevlogError("%s: opened with pending=True, which is for reading only" % self.name)
        revlog_writer.check_writable_version(self.name, self.version)
        transaction = Transaction(self, self._write_options)
        transaction.begin()
        self._transaction = transaction
        return transaction

    def _writer(self) -> revlog_writer.RevlogWriter:
        transaction = self._transaction
        if transaction is None or not transaction.active:
            raise errors.RevlogError("%s: no open transaction" % self.name)
        return transaction.writer

    def add_revision(self, text, p1: bytes, p2: bytes, linkrev: int, flags: int = 0,
                     node: Optional[bytes] = None) -> bytes:
        """Add a revision; its node.

        p1, p2: parent nodes (NULL_NODE for none; unknown: RevisionNotFound).
        node: None to compute it (SHA-1 of the sorted parents and text);
        else it must be the computed one (else CorruptedData), unless flags
        hold a flag that changes the stored text (censored, stored
        elsewhere), then it is taken as is.  A node the revlog already has
        is returned and nothing is written.  Outside a transaction, the
        revision gets one of its own; inside one, a failed call writes
        nothing either.
        """
        if self._transaction is None or not self._transaction.active:
            with self.transaction():
                return self.add_revision(text, p1, p2, linkrev, flags, node)
        writer = self._writer()
        added = adding.add_revision(writer, text, p1, p2, linkrev, flags, node)
        self._split_if_needed(writer)
        return added

    def add_group(self, items) -> List[bytes]:
        """Add revisions received as deltas; their nodes (in order).

        items: (node, p1, p2, linkrev, delta base node, delta[, flags]),
        each delta against its base's stored text (NULL_NODE: against
        b""); the base and parents may be earlier items.  Nodes already
        present are skipped.  Every text is checked against its node.  On
        any error the revlog is left as before the call and the error
        propagates (an unknown parent or delta base: RevisionNotFound; a
        bad delta or a wrong node: CorruptedData).
        """
        if self._transaction is None or not self._transaction.active:
            with self.transaction():
                return self.add_group(items)
        writer = self._writer()
        nodes = adding.add_group(writer, items)
        self._split_if_needed(writer)
        return nodes

    def _split_if_needed(self, writer: revlog_writer.RevlogWriter) -> None:
        """Split an inline revlog grown too large; a failed split ends the transaction."""
        if writer.should_split():
            try:
                writer.split()
            except BaseException:
                self._transaction.rollback()
                raise

    def delay(self) -> None:
        """Hold new index entries back from readers until the transaction commits.

        Changelog style: an inline revlog is split first; pending readers
        (revlog.open(path, pending=True)) see them after write_pending().
        """
        self._writer().delay()

    def write_pending(self) -> bool:
        """Write `<index>.a` (the index with the held-back entries); whether it has any."""
        return self._writer().write_pending()

    def finalize_pending(self) -> None:
        """Put the held-back entries into the index now (commit does it anyway)."""
        self._writer().finalize_pending()

    def _write_engine(self) -> str:
        """The compression engine new chunks use: the revlog's, zlib if it has none yet."""
        if self._new_format is not None:
            return self._new_format.compression
        engine = self.format.compression
        return engine if engine != "none" else "zlib"

    def _remember_text(self, rev: int, text: bytes) -> None:
        texts = self._texts
        texts[rev] = text
        if len(texts) > TEXT_CACHE_COUNT:
            texts.popitem(last=False)

    def _forget_from(self, rev: int) -> None:
        """Drop revisions rev and later from memory (their files were truncated)."""
        if rev < len(self.index):
            del self.index[rev:-1]
        for cached in [r for r in self._texts if r >= rev]:
            del self._texts[cached]
        if self._file is not None:  # its window may hold the bytes just truncated
            self._file = _CachedFile(self.data_path)

    def _refresh(self, force: bool = False) -> None:
        """Reload if the files changed since we read them (called holding the lock)."""
        if force or self._stat_files() != self._disk_state:
            self._texts.clear()
            self._load(own_lock=True)

    def _reload_after_split(self) -> None:
        self._load(own_lock=True)

    def _stop_inline(self) -> None:
        """An empty revlog's split: its first entry will carry a header without the inline flag."""
        self.header &= ~C.FLAG_INLINE_DATA
        self.inline = False
        self.index, _ = self.backend.parse_index2(b"", False, self.generaldelta, self.delta_info, C.REVLOGV1)
        self._data = b""
        self._format = None

    def _after_commit(self) -> None:
        self._disk_state = self._stat_files()
        self._format = None

    def _after_rollback(self) -> None:
        self._texts.clear()
        self._load()

    def _chain_limit(self, revs: List[int]) -> int:
        """The most any chunk of revs' chain may decompress to.

        A delta inserts at most the text it produces, plus a 12-byte header
        per hunk; only asked (once per chain read) when a zstd frame claims
        more than zlib could expand to, or does not say its size.  When a
        revision of the chain has no known size (v0 revlogs, a v1 raw
        length of -1), no less than UNKNOWN_SIZE_CHUNK_LIMIT.
        """
        sizes = [self.index[rev][C.ENTRY_RAW_LEN] for rev in revs]
        bound = 13 * max(max(sizes, default=0), 0) + 12 * (len(revs) + 1)
        if any(size < 0 for size in sizes):
            return max(bound, UNKNOWN_SIZE_CHUNK_LIMIT)
        return bound


@dataclass(frozen=True)
class Docket:
    """The docket of a v2 revlog: which files hold its index and data, and how much."""

    version_header: int
    index_uuid: bytes
    data_uuid: bytes
    sidedata_uuid: bytes
    index_end: int
    data_end: int
    sidedata_end: int
    default_compression: bytes

    @classmethod
    def parse(cls, data, name: str) -> "Docket":
        """Parse docket bytes (the content of the v2 revlog's .i file)."""
        if len(data) < C.DOCKET_HEADER.size:
            raise errors.CorruptedIndex("%s: docket is truncated" % name)
        (version_header, index_uuid_size, old_index, data_uuid_size, old_data,
         sidedata_uuid_size, old_sidedata, index_end, _pending_index_end, data_end,
         _pending_data_end, sidedata_end, _pending_sidedata_end,
         compression_header) = C.DOCKET_HEADER.unpack_from(data)
        pos = C.DOCKET_HEADER.size

        def take(size: int) -> bytes:
            nonlocal pos
            if pos + size > len(data):
                raise errors.CorruptedIndex("%s: docket is truncated" % name)
            pos += size
            return bytes(data[pos - size:pos])

        def skip_old(count: int) -> None:
            sizes = [C.DOCKET_OLD_UID.unpack(take(C.DOCKET_OLD_UID.size))[0] for _ in range(count)]
            for size in sizes:
                take(size)

        def take_id(size: int) -> bytes:
            uid = take(size)
            if not fileio.is_file_id(uid):
                raise errors.CorruptedIndex("%s: docket names a file by an invalid id %r" % (name, uid))
            return uid

        index_uuid = take_id(index_uuid_size)
        skip_old(old_index)
        data_uuid = take_id(data_uuid_size)
        skip_old(old_data)
        sidedata_uuid = take_id(sidedata_uuid_size)
        skip_old(old_sidedata)
        return cls(version_header, index_uuid, data_uuid, sidedata_uuid, index_end, data_end,
                   sidedata_end, compression_header)


def open(index_path: str, backend=None, **options) -> Revlog:
    """Open the revlog whose index is index_path (``.../name.i``), to read or write.

    backend: None (the policy's choice), "c", "pure" or a backend namespace.
    Reading options: use_mmap (default True), sparse (whether the
    repository uses sparse-revlog; defaults to generaldelta), data_path
    (where the data lives when it is not the .i's sibling, e.g. hashed
    store paths), docket_index_path (the same for a v2 docket's index file)
    and pending (read ``<index>.a``, a transaction's pending index, when it
    exists; such a revlog is read-only).
    Writing options: fsync (default True: fsync files and directory at
    commit and around renames), max_chain_len (None: hg 7.2.4's default
    for the format, 1000 with sparse-revlog, else unlimited),
    compression_level (None: the engine's default), lock_timeout (seconds
    to wait for another writer, then LockHeld; default 600), compression
    (the engine of new chunks: "zlib", "zstd" or "none"; default the
    revlog's own, zlib if it has no compressed chunk yet) and kind
    ("changelog", "manifest", "filelog" or "other": the delta rules hg
    applies to it; default from the file name: 00changelog.i, 00manifest.i,
    under data/).
    """
    return Revlog(index_path, backend=backend, **options)


def create(index_path: str, format: Format, backend=None, **options) -> Revlog:
    """A new empty revlog of the given format at index_path (``.../name.i``).

    RevlogExists (a FileExistsError) if its index or data file exists;
    RevlogError for a format the writer does not support (revlog-v2 and
    changelog-v2).  The empty index file is created now, the data file with
    the first chunk; until the first revision the format lives only in this
    object (a reopened empty revlog is Mercurial's default, inline v1).
    Options: as open().
    """
    check_writable_format(format, os.path.basename(index_path))
    if os.path.exists(index_path):
        raise errors.RevlogExists("%s: cannot create a revlog: the file exists" % index_path)
    rl = Revlog(index_path, backend=backend, _new_format=format, **options)
    if os.path.exists(rl.data_path):
        raise errors.RevlogExists("%s: cannot create a revlog: %s exists" % (index_path, rl.data_path))
    try:
        fd = os.open(index_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise errors.RevlogExists("%s: cannot create a revlog: the file exists" % index_path) from None
    os.close(fd)
    rl._disk_state = rl._stat_files()
    return rl
