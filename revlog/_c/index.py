"""The revlog index through the C core (csrc/index.c, nodetree.c, deltachain.c).

Mirrors revlog._pure.index: Mercurial 7.2.4's index protocol, the same
exceptions with the same messages (revlog.protocol checks the arguments of
both).  The C index reads the caller's buffer in place (held through
ffi.from_buffer) and an entry's tuple is made only when it is asked for.

cffi releases the GIL around every C call, and lookups fill caches inside
the C object, so each index serialises its calls with a lock.  The output
cells the C functions write to are allocated once per index and only read
under that lock.
"""
import struct
import threading
import weakref
from typing import Dict, Iterable, List, Optional, Tuple

from revlog import constants as C
from revlog import protocol, status
from revlog._c._revlog_c import ffi, lib
from revlog._c.dagops import GraphMethods

_OK = lib.REVLOG_OK
_NOT_FOUND = lib.REVLOG_REV_NOT_FOUND
_AMBIGUOUS = lib.REVLOG_REV_AMBIGUOUS
_NO_STOP = -2  # a stop revision the walks never meet
_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1
# entry fields stored as signed 32-bit integers, by tuple position
_INT32_FIELDS = ((1, "comp_len"), (2, "raw_len"), (3, "base"), (4, "link"), (5, "p1"),
                 (6, "p2"), (9, "sidedata_len"), (12, "rank"))

Entry = tuple

# The buffers indexes read, kept reachable from here until their index is
# collected.  CPython's collector (3.11 at least) may otherwise clear a
# garbage memoryview that still has its buffer exported to ffi.from_buffer,
# and releasing that buffer afterwards crashes the interpreter.
_EXPORTERS: Dict[int, object] = {}


def _entry_struct() -> struct.Struct:
    """A Struct reading a whole struct revlog_entry in one call, fields in
    the order of the protocol tuple, padding as this build laid it out."""
    codes = {"uint64_t": "Q", "int32_t": "i", "uint8_t": "B"}
    fmt, at = "=", 0
    for _, field in ffi.typeof("struct revlog_entry").fields:
        fmt += "x" * (field.offset - at)
        if field.type.kind == "array":
            fmt += "%ds" % field.type.length
        else:
            fmt += codes[field.type.cname]
        at = field.offset + ffi.sizeof(field.type)
    fmt += "x" * (ffi.sizeof("struct revlog_entry") - at)
    return struct.Struct(fmt)


_ENTRY = _entry_struct()
_unpack_v1 = C.INDEX_ENTRY_V1.unpack_from
_unpack_base = struct.Struct(">i").unpack_from
_V1_TAIL = (0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, C.RANK_UNKNOWN)
assert C.INDEX_ENTRY_V1.size == 1 << 6


def parse_index2(data, inline: bool, uses_generaldelta: bool, uses_delta_info: bool = False,
                 format: int = C.REVLOGV1) -> Tuple["Index", Optional[Tuple[int, object]]]:
    """Parse index data; return (index, cache) as Mercurial's parse_index2 does.

    `cache` is (0, data) for an inline revlog (its data lives in the index
    buffer), else None.
    """
    return protocol.parse_index2(Index, data, inline, uses_generaldelta, uses_delta_info, format)


def _exception(code: int, err) -> Exception:
    """The exception for a status, with what err reports about it."""
    if code in status.INDEX_MESSAGES:
        return status.index_error(code, err.rev, err.value)
    if code == status.GCA_CAPACITY:
        return protocol.gca_capacity_error(err.value)
    return status.error_for(code)


def _raise(code: int, err) -> None:
    raise _exception(code, err)


class Index(GraphMethods):
    """A revlog index: entries by revision, node lookups, delta chains, and
    the revision graph (GraphMethods, revlog._c.dagops)."""

    def __init__(self, data, inline: bool, generaldelta: bool, delta_info: bool, fmt: int):
        self._buffer = ffi.from_buffer("uint8_t[]", data)
        _EXPORTERS[id(self)] = data
        weakref.finalize(self, _EXPORTERS.pop, id(self), None)
        self._format = fmt
        self._lock = threading.Lock()
        self._err = ffi.new("struct revlog_error_info *")
        # output cells, used under the lock only
        self._entry = ffi.new("struct revlog_entry *")
        self._entry_bytes = ffi.buffer(self._entry)
        self._unpack_entry = _ENTRY.unpack_from
        self._rev = ffi.new("int64_t *")
        self._flag = ffi.new("int32_t *")
        self._chain = ffi.new("struct revlog_chain *")
        self._packed = ffi.new("uint8_t **")
        self._node = ffi.new("uint8_t[]", C.NODE_SIZE)
        self._span_room = 0
        self._cells = None  # the graph calls' out-parameters, on first use
        self._heads = None  # headrevs() as (filtered revs, heads)
        self._starts = self._lengths = ffi.NULL
        out = ffi.new("struct revlog_index **")
        code = lib.revlog_index_new(self._buffer, len(self._buffer), fmt, inline,
                                    generaldelta, delta_info, out, self._err)
        if code != _OK:
            _raise(code, self._err)
        self._index = ffi.gc(out[0], lib.revlog_index_free)
        self._length = lib.revlog_index_length(self._index)
        self.entry_size = lib.revlog_index_entry_size(self._index)
        # Entries 1.. of a split v1 index are unpacked straight from the
        # buffer (no C call, no lock): as fast as Python can build a tuple.
        self._direct_end = self._length if fmt == C.REVLOGV1 and not inline else 0
        self._data = data

    def _call(self, function, *args) -> None:
        """function(index, *args, err), the lock held; raise the error it reports."""
        code = function(self._index, *args, self._err)
        if code != _OK:
            _raise(code, self._err)

    def _error(self, code: int) -> Exception:
        """The exception for a status a call returned (the lock held)."""
        return _exception(code, self._err)

    # ---- entries --------------------------------------------------------

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key):
        if isinstance(key, int):
            if 0 < key < self._direct_end:
                return _unpack_v1(self._data, key << 6) + _V1_TAIL
            if not 0 <= key < self._length:
                if key == C.NULL_REV:
                    return C.NULL_ENTRY
                raise IndexError("revlog index out of range")
            with self._lock:
                code = lib.revlog_index_entry(self._index, key, self._entry, self._err)
                if code != _OK:
                    _raise(code, self._err)
                return self._unpack_entry(self._entry_bytes)
        if isinstance(key, bytes):
            rev = self.get_rev(key)
            if rev is None:
                raise protocol.not_found(key)
            return rev
        raise TypeError("revlog index keys are revisions (int) or nodes (bytes)")

    def entry_binary(self, rev: int) -> bytes:
        """The packed entry of rev (for v1 rev 0: without the 4 header bytes)."""
        protocol.check_rev(rev, self._length)
        with self._lock:
            self._call(lib.revlog_index_entry_bytes, rev, self._packed)
            packed = ffi.buffer(self._packed[0], self.entry_size)[:]
        if rev == 0 and self._format == C.REVLOGV1:
            return packed[C.INDEX_HEADER.size:]
        return packed

    def pack_header(self, header: int) -> bytes:
        """The 4-byte revlog header (v1 only: v2 keeps it in the docket)."""
        return protocol.pack_header(self._format, header)

    def append(self, entry: Entry) -> None:
        """Append a 13-tuple entry (as returned by index[rev])."""
        protocol.check_entry(entry, self._format)
        with self._lock:
            if self._length >= lib.REVLOG_MAX_REVS:
                raise status.index_error(status.INDEX_TOO_LARGE, -1, self._length + 1)
            try:
                _fill(self._entry, entry)
            except (TypeError, OverflowError):
                raise TypeError("13-tuple required") from None
            self._call(lib.revlog_index_append, self._entry)
            self._length += 1
            self._heads = None

    def __delitem__(self, key) -> None:
        """`del index[rev:-1]`: strip rev and every later revision."""
        with self._lock:
            start = protocol.truncation_start(key, self._length)
            if start is not None:
                self._call(lib.revlog_index_truncate, start)
                self._length = start
                self._heads = None
                self._direct_end = min(self._direct_end, start)

    def clearcaches(self) -> None:
        """Drop the node lookup structures and the graph (rebuilt on next use)."""
        with self._lock:
            lib.revlog_index_clearcaches(self._index)
            self._heads = None

    # ---- node lookups ---------------------------------------------------

    def get_rev(self, node: bytes) -> Optional[int]:
        """Revision of node, or None."""
        if type(node) is not bytes or len(node) != C.NODE_SIZE:
            protocol.check_node(node)
        with self._lock:
            code = lib.revlog_index_find_node(self._index, node, self._rev, self._err)
            if code != _OK:
                _raise(code, self._err)
            rev = self._rev[0]
        return None if rev == _NOT_FOUND else rev

    def rev(self, node: bytes) -> int:
        """Revision of node; RevisionNotFound if unknown."""
        rev = self.get_rev(node)
        if rev is None:
            raise protocol.not_found(node)
        return rev

    def has_node(self, node: bytes) -> bool:
        """Whether node is in the index (the null node always is)."""
        return self.get_rev(node) is not None

    def __contains__(self, key) -> bool:
        if isinstance(key, int):
            return -1 <= key < self._length
        return self.has_node(key)

    def partialmatch(self, prefix: bytes) -> Optional[bytes]:
        """The node whose hex starts with prefix, None if none does.

        AmbiguousPrefix if several do; ValueError for an empty or too long
        prefix; None for a prefix that is not hex.
        """
        prefix = protocol.hex_prefix(prefix)
        if prefix is None:
            return None
        with self._lock:
            self._call(lib.revlog_index_partialmatch, prefix, len(prefix), self._rev, self._node)
            rev, node = self._rev[0], ffi.buffer(self._node)[:]
        if rev == _AMBIGUOUS:
            raise protocol.ambiguous(prefix)
        return None if rev == _NOT_FOUND else node

    def shortest(self, node: bytes) -> int:
        """Length of the shortest hex prefix that identifies node alone."""
        protocol.check_node(node)
        with self._lock:
            self._call(lib.revlog_index_shortest, node, self._flag)
            length = self._flag[0]
        if length == _NOT_FOUND:
            raise protocol.not_found(node)
        return length

    # ---- delta chains ---------------------------------------------------

    def deltachain(self, rev: int, stoprev: Optional[int]) -> Tuple[List[int], bool]:
        """(revs of the delta chain of rev, oldest first; whether stoprev stopped it).

        Revisions with an empty delta are skipped, as Mercurial does.
        """
        if stoprev is None and type(rev) is int and 0 <= rev < self._length:
            if 0 < rev < self._direct_end and _unpack_base(self._data, (rev << 6) + 16)[0] == rev:
                return [rev], False  # a full snapshot: its chain is itself
            stop = _NO_STOP
        else:
            protocol.check_deltachain(rev, stoprev, self._length)
            # a stop revision outside [-1, rev] is never met
            stop = stoprev if stoprev is not None and -1 <= stoprev <= rev else _NO_STOP
        chain = self._chain
        with self._lock:
            code = lib.revlog_index_deltachain(self._index, rev, stop, chain, self._err)
            if code != _OK:
                _raise(code, self._err)
            count = chain.count
            if count == 1:
                return [chain.revs[0]], chain.stopped == 1
            return (ffi.unpack(chain.revs, count) if count else []), chain.stopped == 1

    def issnapshot(self, rev: int) -> bool:
        """Whether rev is stored as a snapshot (full text or intermediate)."""
        protocol.check_rev(rev, self._length, lowest=C.NULL_REV)
        with self._lock:
            self._call(lib.revlog_index_issnapshot, rev, self._flag)
            return bool(self._flag[0])

    def chunk_spans(self, revs: Iterable[int]) -> Tuple[List[int], List[int]]:
        """(data start offsets, compressed lengths) of revs' chunks.

        Offsets are absolute in the file holding the data: for an inline
        revlog they count the interleaved index entries.
        """
        revs = list(revs)
        count = len(revs)
        if not count:
            return [], []
        with self._lock:
            if count > self._span_room:
                # the spans buffers grow to the longest chain asked for
                self._span_room = max(count, 2 * self._span_room)
                self._starts = ffi.new("int64_t[]", self._span_room)
                self._lengths = ffi.new("int64_t[]", self._span_room)
            self._call(lib.revlog_index_chunk_spans, revs, count, self._starts, self._lengths)
            if count == 1:
                return [self._starts[0]], [self._lengths[0]]
            return ffi.unpack(self._starts, count), ffi.unpack(self._lengths, count)


def _fill(out, entry: Entry) -> None:
    """Copy a 13-tuple into a struct revlog_entry (TypeError/OverflowError if it does not fit)."""
    for position, name in _INT32_FIELDS:
        value = entry[position]
        if not _INT32_MIN <= value <= _INT32_MAX:
            raise OverflowError(name)
        setattr(out, name, value)
    out.offset_flags = entry[C.ENTRY_OFFSET_FLAGS]
    out.sidedata_offset = entry[C.ENTRY_SIDEDATA_OFFSET]
    out.data_comp_mode = entry[C.ENTRY_DATA_COMP_MODE] & 3
    out.sidedata_comp_mode = entry[C.ENTRY_SIDEDATA_COMP_MODE] & 3
    ffi.memmove(out.node, entry[C.ENTRY_NODE], C.NODE_SIZE)
