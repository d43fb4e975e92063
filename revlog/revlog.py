"""Revlog: one revlog (an ``.i`` index and its data), read through a backend.

Reading revision r: its delta chain comes from the index (C or pure), each
chunk is sliced from the mapped data file and decompressed by its header,
the deltas are folded and applied in one mpatch call, and the result is
checked against the node (SHA-1 of the sorted parents and the text).  The
last text read is kept, so reading revisions in order costs one delta each.
"""
import functools
import hashlib
import io
import mmap
import os
import types
from collections import OrderedDict
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from revlog import compression, errors, policy
from revlog import constants as C

# Mercurial's sparse-read defaults: slice a chain where its density drops.
SPARSE_READ_DENSITY = 0.5
SPARSE_READ_MIN_GAP = 256 * 1024
CHUNK_CACHE_SIZE = 64 * 1024
# Files smaller than this are read into memory rather than mapped.
MMAP_THRESHOLD = 64 * 1024
# Texts kept for reuse: reading revisions in order (even across interleaved
# branches) then costs about one delta each.
TEXT_CACHE_COUNT = 8

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


def _load_backend(backend) -> types.ModuleType:
    if backend is None:
        return policy.namespace
    if isinstance(backend, str):
        return policy.load(backend)
    return backend


def _read_buffer(path: str, use_mmap: bool):
    """The whole file: mapped when large (zero copy), else read."""
    with io.open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if use_mmap and size >= MMAP_THRESHOLD:
            return memoryview(mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ))
        return f.read()


class _CachedFile:
    """Reads byte ranges of a file through a read-ahead window (no mmap)."""

    def __init__(self, path: str, cache_size: int = CHUNK_CACHE_SIZE):
        self._path = path
        self._cache_size = cache_size
        self._cache_start = 0
        self._cache = b""
        self.size = os.path.getsize(path)

    def read(self, start: int, length: int):
        offset = start - self._cache_start
        if 0 <= offset and offset + length <= len(self._cache):
            return memoryview(self._cache)[offset:offset + length]
        window = self._cache_size
        real_start = start - start % window
        real_end = start + length + window - (start + length) % window
        with io.open(self._path, "rb") as f:
            f.seek(real_start)
            data = f.read(real_end - real_start)
        self._cache_start, self._cache = real_start, data
        return memoryview(data)[start - real_start:start - real_start + length]


class Revlog:
    """One revlog, opened for reading.  See revlog.open()."""

    def __init__(self, index_path: str, backend=None, use_mmap: bool = True,
                 sparse: Optional[bool] = None, data_path: Optional[str] = None,
                 docket_index_path: Optional[str] = None):
        self.index_path = index_path
        self._radix = index_path[:-2] if index_path.endswith(".i") else index_path
        self._data_path = data_path
        self._docket_index_path = docket_index_path
        self.data_path = data_path or self._radix + ".d"
        self.name = os.path.basename(index_path)
        self.backend = _load_backend(backend)
        self._use_mmap = use_mmap
        self._decompressor = compression.Decompressor()
        # recent texts: a chain is rebuilt from the newest one it contains
        self._texts: "OrderedDict[int, bytes]" = OrderedDict()
        self._sparse = sparse
        self._format: Optional[Format] = None
        self._load()

    # ---- opening --------------------------------------------------------

    def _load(self) -> None:
        try:
            index_data = _read_buffer(self.index_path, self._use_mmap)
        except FileNotFoundError:
            index_data = b""
        if len(index_data) >= C.INDEX_HEADER.size:
            (header,) = C.INDEX_HEADER.unpack_from(index_data)
        else:
            if len(index_data):
                raise errors.CorruptedIndex("%s: index file is truncated (%d bytes)" % (self.name, len(index_data)))
            header = C.REVLOGV1 | C.FLAG_INLINE_DATA
        version = header & 0xFFFF
        flags = header & ~0xFFFF
        if version not in C.SUPPORTED_HEADER_FLAGS:
            raise errors.CorruptedIndex("%s: unknown revlog version %d" % (self.name, version))
        unknown = flags & ~C.SUPPORTED_HEADER_FLAGS[version]
        if unknown:
            raise errors.CorruptedIndex(
                "%s: unknown flags %#06x in revlog version %d" % (self.name, unknown >> 16, version))
        self.version = version
        self.inline = bool(flags & C.FLAG_INLINE_DATA)
        self.generaldelta = bool(flags & C.FLAG_GENERALDELTA)
        self.delta_info = bool(flags & C.FLAG_DELTA_INFO)
        self.filelog_meta = bool(flags & C.FLAG_FILELOG_META)
        self.docket: Optional[Docket] = None
        index_format = C.REVLOGV1
        if version == C.REVLOGV0:
            index_data = self._convert_v0(index_data)
        elif version in (C.REVLOGV2, C.CHANGELOGV2):
            index_format = version
            self.generaldelta = True  # implied by dockets, as in Mercurial
            self.docket = Docket.parse(index_data, self.name)
            index_data = self._docket_file(
                self._docket_index_path, self.docket.index_uuid, ".idx", self.docket.index_end)
        try:
            self.index, _ = self.backend.parse_index2(
                index_data, self.inline, self.generaldelta, self.delta_info, index_format)
        except errors.CorruptedIndex as exc:
            raise errors.CorruptedIndex("%s: %s" % (self.name, exc)) from None
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
        elif self._use_mmap:
            try:
                self._data = _read_buffer(self.data_path, True)
            except FileNotFoundError:
                raise errors.CorruptedData("%s: data file %s is missing" % (self.name, self.data_path)) from None
            self._file = None
        else:
            self._data = None
            self._file = _CachedFile(self.data_path)

    def _docket_path(self, uuid: bytes, suffix: str) -> str:
        return "%s-%s%s" % (self._radix, uuid.decode("ascii", "replace"), suffix)

    def _docket_file(self, path: Optional[str], uuid: bytes, suffix: str, end: int):
        """The first `end` bytes of a file the docket names (radix-uuid.suffix)."""
        path = path or self._docket_path(uuid, suffix)
        if end == 0:
            return b""
        try:
            data = _read_buffer(path, self._use_mmap)
        except FileNotFoundError:
            raise errors.CorruptedIndex("%s: the docket names %s, which is missing" % (self.name, path)) from None
        if len(data) < end:
            raise errors.CorruptedIndex(
                "%s: %s has %d bytes, the docket says %d" % (self.name, path, len(data), end))
        return memoryview(data)[:end]

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
        for offset, comp_len, base, link, p1, p2, node in entries:
            # as Mercurial: an unknown parent node reads as the null revision
            packed += C.INDEX_ENTRY_V1.pack(
                offset << 16, comp_len, -1, base, link,
                revs.get(p1, C.NULL_REV), revs.get(p2, C.NULL_REV), node)
        return bytes(packed)

    @property
    def format(self) -> Format:
        """The revlog's format; compression is what its chunks use."""
        if self._format is None:
            self._format = Format(
                version=self.version, inline=self.inline, generaldelta=self.generaldelta,
                sparse=self.generaldelta if self._sparse is None else self._sparse,
                delta_info=self.delta_info, compression=self._detect_compression(),
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
        """Drop the mapped files (they close when nothing uses them)."""
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
        """The full snapshot at the bottom of rev's delta chain."""
        return self._chain_info(rev)[1]

    def chainlen(self, rev: int) -> int:
        """How many deltas lie between rev and its chain base."""
        return self._chain_info(rev)[0]

    def _chain_info(self, rev: int) -> Tuple[int, int]:
        length = 0
        current = rev
        base = self._checked_base(current)
        while base != current:
            length += 1
            current = base if self.generaldelta else current - 1
            base = self._checked_base(current)
        return length, current

    def _checked_base(self, rev: int) -> int:
        base = self._entry(rev)[C.ENTRY_BASE]
        if base < 0 or base > rev:
            raise errors.CorruptedIndex(
                "%s: delta base out of range: revision %d has delta base %d" % (self.name, rev, base))
        return base

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
        limit = functools.partial(self._chain_limit, revs)
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
                self._segment(start, length, rev)  # raises, naming the revision
            try:
                append(decompress(data[start:start + length], limit))
            except errors.RevlogError as exc:
                raise self._named(exc, rev) from None
        return chunks

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

    def _chain_limit(self, revs: List[int]) -> int:
        """The most any chunk of revs' chain may decompress to.

        A delta inserts at most the text it produces, plus a 12-byte header
        per hunk; only asked when a zstd frame claims more than usual.
        """
        largest = max((self.index[rev][C.ENTRY_RAW_LEN] for rev in revs), default=0)
        return 13 * max(largest, 0) + 12 * (len(revs) + 1)


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

        index_uuid = take(index_uuid_size)
        skip_old(old_index)
        data_uuid = take(data_uuid_size)
        skip_old(old_data)
        sidedata_uuid = take(sidedata_uuid_size)
        skip_old(old_sidedata)
        return cls(version_header, index_uuid, data_uuid, sidedata_uuid, index_end, data_end,
                   sidedata_end, compression_header)


def open(index_path: str, backend=None, **options) -> Revlog:
    """Open the revlog whose index is index_path (``.../name.i``) for reading.

    backend: None (the policy's choice), "c", "pure" or a backend namespace.
    Options: use_mmap (default True), sparse (whether the repository uses
    sparse-revlog; defaults to generaldelta), data_path (where the data
    lives when it is not the .i's sibling, e.g. hashed store paths) and
    docket_index_path (the same for a v2 docket's index file).
    """
    return Revlog(index_path, backend=backend, **options)
