"""The revlog index in pure Python: Mercurial 7.2.4's index protocol.

The index keeps the buffer it was given (bytes or an mmap) and unpacks an
entry only when asked for it.  Appended entries are kept packed beside the
buffer.  Node lookups use a dict built on first use; prefix lookups use a
sorted list of nodes built on first use.  revlog._c.index is the same
object in C; both raise the same exceptions with the same messages.
"""
import bisect
import operator
import struct
import sys
from array import array
from typing import Dict, Iterable, List, Optional, Set, Tuple

from revlog import constants as C
from revlog import protocol, status
from revlog._pure import dagops
from revlog._pure.bitmap import Bitmap

_INT32 = struct.Struct(">i")
# (comp_len, base) at byte 8 of v1 and v2 entries; comp_len at byte 8 of all.
_COMP_LEN_AND_BASE = struct.Struct(">i4xi")
_OFFSET_FLAGS_AND_COMP_LEN = struct.Struct(">Qi")
_PARENTS = {C.REVLOGV1: (24, struct.Struct(">ii")), C.REVLOGV2: (24, struct.Struct(">ii")),
            C.CHANGELOGV2: (16, struct.Struct(">ii"))}
_NODE_AT = {C.REVLOGV1: 32, C.REVLOGV2: 32, C.CHANGELOGV2: 24}
# array typecode of a 32-bit int
_INT32_CODE = "i" if array("i").itemsize == 4 else "l"

Entry = tuple


def parse_index2(data, inline: bool, uses_generaldelta: bool, uses_delta_info: bool = False,
                 format: int = C.REVLOGV1) -> Tuple["Index", Optional[Tuple[int, object]]]:
    """Parse index data; return (index, cache) as Mercurial's parse_index2 does.

    `cache` is (0, data) for an inline revlog (its data lives in the index
    buffer), else None.
    """
    return protocol.parse_index2(Index, data, inline, uses_generaldelta, uses_delta_info, format)


class Index:
    """A revlog index: entries by revision, node lookups, delta chains."""

    def __init__(self, data, inline: bool, generaldelta: bool, delta_info: bool, fmt: int):
        self._data = data
        self._format = fmt
        self._struct = C.ENTRY_STRUCTS[fmt]
        self.entry_size = self._struct.size
        self._inline = inline
        self._generaldelta = generaldelta and fmt != C.CHANGELOGV2
        self._delta_info = delta_info
        self._null = C.NULL_ENTRY  # rank -1 in every format, as Mercurial's C index
        self._added: List[bytes] = []
        if inline:
            self._offsets = self._scan_inline(data)
        else:
            leftover = len(data) % self.entry_size
            if leftover:
                raise status.index_error(status.INDEX_BAD_SIZE, -1, leftover)
            self._offsets = None
        self._ondisk = len(self._offsets) if inline else len(data) // self.entry_size
        self._nodemap: Optional[Dict[bytes, int]] = None
        self._sorted_nodes: Optional[List[bytes]] = None
        # the revision graph: parents by revision, the first _graph_checked
        # revisions' checked; headrevs() as (filtered revs, heads)
        self._graph_parents: Optional[dagops.Parents] = None
        self._graph_checked = 0
        self._heads: Optional[Tuple[object, List[int]]] = None

    def _scan_inline(self, data) -> List[int]:
        """Offsets of the entries of inline data (each followed by its chunk)."""
        size = self.entry_size
        end = len(data)
        unpack = _INT32.unpack_from
        offsets = []
        pos = 0
        while pos < end:
            if end - pos < size:
                raise status.index_error(status.INDEX_INLINE_TRUNCATED, len(offsets), 0)
            (comp_len,) = unpack(data, pos + 8)
            if comp_len < 0:
                raise status.index_error(status.INDEX_BAD_LENGTH, len(offsets), comp_len)
            offsets.append(pos)
            pos += size + comp_len
        if pos != end:
            raise status.index_error(status.INDEX_INLINE_TRUNCATED, len(offsets) - 1, 0)
        return offsets

    # ---- raw access -----------------------------------------------------

    def _locate(self, rev: int) -> Tuple[object, int]:
        """(buffer, byte offset) of the packed entry of rev (0 <= rev < len)."""
        if rev >= self._ondisk:
            return self._added[rev - self._ondisk], 0
        if self._offsets is not None:
            return self._data, self._offsets[rev]
        return self._data, rev * self.entry_size

    def _comp_len(self, rev: int) -> int:
        buf, pos = self._locate(rev)
        (comp_len,) = _INT32.unpack_from(buf, pos + 8)
        if comp_len < 0:
            raise status.index_error(status.INDEX_BAD_LENGTH, rev, comp_len)
        return comp_len

    def _base(self, rev: int) -> int:
        """Delta base of rev, checked to lie in [-1, rev]."""
        if self._format == C.CHANGELOGV2:
            return rev
        buf, pos = self._locate(rev)
        (base,) = _INT32.unpack_from(buf, pos + 16)
        if base < -1 or base > rev:
            raise status.index_error(status.INDEX_BAD_BASE, rev, base)
        return base

    def _parents(self, rev: int) -> Tuple[int, int]:
        """Parents of rev, checked to lie in [-1, rev)."""
        if rev == C.NULL_REV:
            return C.NULL_REV, C.NULL_REV
        buf, pos = self._locate(rev)
        at, pair = _PARENTS[self._format]
        p1, p2 = pair.unpack_from(buf, pos + at)
        for parent in (p1, p2):
            if parent < -1 or parent >= rev:
                raise status.index_error(status.INDEX_BAD_PARENT, rev, parent)
        return p1, p2

    def _node(self, rev: int) -> bytes:
        buf, pos = self._locate(rev)
        at = pos + _NODE_AT[self._format]
        return bytes(buf[at:at + C.NODE_SIZE])

    # ---- entries --------------------------------------------------------

    def __len__(self) -> int:
        return self._ondisk + len(self._added)

    def __getitem__(self, key):
        if isinstance(key, bytes):
            rev = self.get_rev(key)
            if rev is None:
                raise protocol.not_found(key)
            return rev
        if not isinstance(key, int):
            raise TypeError("revlog index keys are revisions (int) or nodes (bytes)")
        if key == C.NULL_REV:
            return self._null
        if not 0 <= key < len(self):
            raise IndexError("revlog index out of range")
        buf, pos = self._locate(key)
        fields = self._struct.unpack_from(buf, pos)
        if self._format == C.REVLOGV1:
            entry = fields + (0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, C.RANK_UNKNOWN)
        elif self._format == C.REVLOGV2:
            modes = fields[10]
            entry = fields[:10] + (modes & 3, (modes >> 2) & 3, C.RANK_UNKNOWN)
        else:
            (offset_flags, comp_len, raw_len, p1, p2, node, sd_offset, sd_len, modes,
             rank) = fields
            entry = (offset_flags, comp_len, raw_len, key, key, p1, p2, node, sd_offset,
                     sd_len, modes & 3, (modes >> 2) & 3, rank)
        if key == 0 and self._ondisk and self._format != C.CHANGELOGV2:
            # the first 4 bytes on disk are the revlog header, not offset
            entry = (entry[0] & 0xFFFF,) + entry[1:]
        return entry

    def entry_binary(self, rev: int) -> bytes:
        """The packed entry of rev (for v1 rev 0: without the 4 header bytes)."""
        protocol.check_rev(rev, len(self))
        buf, pos = self._locate(rev)
        packed = bytes(buf[pos:pos + self.entry_size])
        if rev == 0 and self._format == C.REVLOGV1:
            return packed[C.INDEX_HEADER.size:]
        return packed

    def pack_header(self, header: int) -> bytes:
        """The 4-byte revlog header (v1 only: v2 keeps it in the docket)."""
        return protocol.pack_header(self._format, header)

    def append(self, entry: Entry) -> None:
        """Append a 13-tuple entry (as returned by index[rev])."""
        protocol.check_entry(entry, self._format)
        node = entry[C.ENTRY_NODE]
        rev = len(self)
        try:
            packed = self._pack(rev, entry)
        except struct.error:  # a field of the wrong type or out of range
            raise TypeError("13-tuple required") from None
        self._added.append(packed)
        if self._graph_parents is not None:
            self._graph_parents.p1.append(entry[C.ENTRY_P1])
            self._graph_parents.p2.append(entry[C.ENTRY_P2])
        self._heads = None
        if self._nodemap is not None and node != C.NULL_NODE:  # null stays -1
            self._nodemap[node] = rev
        if self._sorted_nodes is not None:
            self._insort(node)

    def _pack(self, rev: int, entry: Entry) -> bytes:
        if self._format == C.REVLOGV1:
            return self._struct.pack(*entry[:8])
        modes = (entry[C.ENTRY_DATA_COMP_MODE] & 3) | ((entry[C.ENTRY_SIDEDATA_COMP_MODE] & 3) << 2)
        if self._format == C.REVLOGV2:
            return self._struct.pack(*entry[:10], modes)
        return self._struct.pack(entry[0], entry[1], entry[2], entry[5], entry[6], entry[7],
                                 entry[8], entry[9], modes, entry[C.ENTRY_RANK])

    def __delitem__(self, key) -> None:
        """`del index[rev:-1]`: strip rev and every later revision."""
        start = protocol.truncation_start(key, len(self))
        if start is None:
            return
        if start < self._ondisk:
            if self._offsets is not None:
                del self._offsets[start:]
            self._ondisk = start
            self._added = []
        else:
            del self._added[start - self._ondisk:]
        self.clearcaches()

    def clearcaches(self) -> None:
        """Drop the node lookup structures and the graph (rebuilt on next use)."""
        self._nodemap = None
        self._sorted_nodes = None
        self._graph_parents = None
        self._graph_checked = 0
        self._heads = None

    # ---- node lookups ---------------------------------------------------

    def _nodes(self) -> List[bytes]:
        """Every node, by revision."""
        data, at = self._data, _NODE_AT[self._format]
        if self._offsets is None:
            end = self._ondisk * self.entry_size
            ondisk = [bytes(data[p:p + C.NODE_SIZE]) for p in range(at, end, self.entry_size)]
        else:
            ondisk = [bytes(data[p + at:p + at + C.NODE_SIZE]) for p in self._offsets]
        return ondisk + [self._node(rev) for rev in range(self._ondisk, len(self))]

    def _map(self) -> Dict[bytes, int]:
        if self._nodemap is None:
            nodes = self._nodes()
            # the highest revision wins when a node appears twice (as a
            # lookup scanning from the tip finds it)
            nodemap = dict(zip(nodes, range(len(nodes))))
            nodemap[C.NULL_NODE] = C.NULL_REV
            self._nodemap = nodemap
        return self._nodemap

    def get_rev(self, node: bytes) -> Optional[int]:
        """Revision of node, or None."""
        protocol.check_node(node)
        return self._map().get(node)

    def rev(self, node: bytes) -> int:
        """Revision of node; RevisionNotFound if unknown."""
        protocol.check_node(node)
        rev = self._map().get(node)
        if rev is None:
            raise protocol.not_found(node)
        return rev

    def has_node(self, node: bytes) -> bool:
        """Whether node is in the index (the null node always is)."""
        protocol.check_node(node)
        return node in self._map()

    def __contains__(self, key) -> bool:
        if isinstance(key, int):
            return -1 <= key < len(self)
        return self.has_node(key)

    def _sorted(self) -> List[bytes]:
        if self._sorted_nodes is None:
            self._sorted_nodes = sorted(set(self._nodes()) | {C.NULL_NODE})
        return self._sorted_nodes

    def _insort(self, node: bytes) -> None:
        nodes = self._sorted_nodes
        at = bisect.bisect_left(nodes, node)
        if at == len(nodes) or nodes[at] != node:
            nodes.insert(at, node)

    def partialmatch(self, prefix: bytes) -> Optional[bytes]:
        """The node whose hex starts with prefix, None if none does.

        AmbiguousPrefix if several do; ValueError for an empty or too long
        prefix; None for a prefix that is not hex.
        """
        prefix = protocol.hex_prefix(prefix)
        if prefix is None:
            return None
        text = prefix.decode("ascii").lower()
        low = bytes.fromhex(text.ljust(2 * C.NODE_SIZE, "0"))
        high = bytes.fromhex(text.ljust(2 * C.NODE_SIZE, "f"))
        nodes = self._sorted()
        first = bisect.bisect_left(nodes, low)
        last = bisect.bisect_right(nodes, high)
        if last - first > 1:
            raise protocol.ambiguous(prefix)
        return nodes[first] if last > first else None

    def shortest(self, node: bytes) -> int:
        """Length of the shortest hex prefix that identifies node alone."""
        protocol.check_node(node)
        nodes = self._sorted()
        at = bisect.bisect_left(nodes, node)
        if at == len(nodes) or nodes[at] != node:
            raise protocol.not_found(node)
        common = 0
        for neighbour in nodes[at - 1:at] + nodes[at + 1:at + 2]:
            common = max(common, _common_hex_prefix(node, neighbour))
        return common + 1

    # ---- delta chains ---------------------------------------------------

    def deltachain(self, rev: int, stoprev: Optional[int]) -> Tuple[List[int], bool]:
        """(revs of the delta chain of rev, oldest first; whether stoprev stopped it).

        Revisions with an empty delta are skipped, as Mercurial does.
        """
        protocol.check_deltachain(rev, stoprev, len(self))
        if stoprev is None:
            stoprev = -2
        chain = []
        base = self._base(rev)
        current = rev
        while current != base and current != stoprev:
            if self._comp_len(current) > 0:
                chain.append(current)
            current = base if self._generaldelta else current - 1
            if current < 0:
                break
            base = self._base(current)
        stopped = current == stoprev
        if not stopped:
            chain.append(current)
        chain.reverse()
        return chain, stopped

    def chunk_spans(self, revs) -> Tuple[List[int], List[int]]:
        """(data start offsets, compressed lengths) of revs' chunks.

        Offsets are absolute in the file holding the data: for an inline
        revlog they count the interleaved index entries.
        """
        revs = list(revs)
        length = len(self)
        for rev in revs:  # all of them first, as the C index does
            if not C.NULL_REV <= rev < length:
                raise status.error_for(status.RANGE)
        starts = []
        lengths = []
        unpack = _OFFSET_FLAGS_AND_COMP_LEN.unpack_from
        shift = self.entry_size if self._inline else 0
        for rev in revs:
            if rev == C.NULL_REV:  # the null revision has no data
                starts.append(0)
                lengths.append(0)
                continue
            buf, pos = self._locate(rev)
            offset_flags, comp_len = unpack(buf, pos)
            if comp_len < 0:
                raise status.index_error(status.INDEX_BAD_LENGTH, rev, comp_len)
            # rev 0's offset field holds the header (not in changelog-v2)
            start = 0 if rev == 0 and self._format != C.CHANGELOGV2 else offset_flags >> 16
            starts.append(start + (rev + 1) * shift)
            lengths.append(comp_len)
        return starts, lengths

    def slicechunktodensity(self, revs: List[int], targetdensity: float,
                            mingapsize: int) -> List[List[int]]:
        """Cut sorted revs into groups worth reading at once (sparse read).

        The largest gaps between chunks are skipped, largest first, until
        the data read is at least `targetdensity` useful; gaps up to
        `mingapsize` bytes are never skipped.
        """
        revs, targetdensity, mingapsize = protocol.slice_args(revs, targetdensity, mingapsize)
        if len(revs) <= 1:
            return [revs]
        protocol.check_slice_revs(revs, len(self))
        starts, lengths = self._spans_for_slicing(revs)
        span = starts[-1] - starts[0] + lengths[-1]
        if starts[-1] < starts[0]:
            raise status.index_error(status.INDEX_BAD_OFFSET, revs[-1], starts[0])
        if span <= mingapsize:
            return [revs]
        payload = sum(lengths)
        density = payload / span if span > 0 else 1.0
        if density >= targetdensity:
            return [revs]
        gaps = []
        previous_end = None
        for i, (start, length) in enumerate(zip(starts, lengths)):
            if length == 0:
                continue
            if previous_end is not None and start - previous_end > mingapsize:
                gaps.append((start - previous_end, i))
            previous_end = start + length
        if not gaps:
            return [revs]
        gaps.sort()
        selected = []
        readdata = span
        while gaps:
            size, i = gaps.pop()
            selected.append(i)
            readdata -= size
            density = payload / readdata if readdata > 0 else 1.0
            if density >= targetdensity:
                break
        selected.sort()
        selected.append(len(revs))
        slices = []
        previous = 0
        for i in selected:
            end = i
            while end > 1 and end > previous and lengths[end - 1] == 0:
                end -= 1
            if previous < end:
                slices.append(revs[previous:end])
            previous = i
        return slices

    def _spans_for_slicing(self, revs: List[int]) -> Tuple[List[int], List[int]]:
        """Chunk starts and lengths as slicing sees them (null rev: empty at 0)."""
        real = [rev for rev in revs if rev >= 0]
        if len(real) == len(revs):
            return self.chunk_spans(real)
        spans = dict(zip(real, zip(*self.chunk_spans(real)))) if real else {}
        starts = [spans[rev][0] if rev >= 0 else 0 for rev in revs]
        lengths = [spans[rev][1] if rev >= 0 else 0 for rev in revs]
        return starts, lengths

    def issnapshot(self, rev: int) -> bool:
        """Whether rev is stored as a snapshot (full text or intermediate)."""
        protocol.check_rev(rev, len(self), lowest=C.NULL_REV)
        return self._issnapshot(rev, {})

    def _issnapshot(self, rev: int, known: Dict[int, bool]) -> bool:
        """issnapshot for a rev in range; `known` remembers earlier answers
        (a snapshot's answer is its delta base's, down the chain)."""
        if self._delta_info and rev >= 0:
            return bool(self[rev][0] & C.REVIDX_DELTA_IS_SNAPSHOT)
        walked = []
        answer = None
        while rev >= 0:
            answer = known.get(rev)
            if answer is not None:
                break
            walked.append(rev)
            base = self._base(rev)
            if base == rev:
                base = -1
            if base == -1:
                answer = True
                break
            p1, p2 = self._parents(rev)
            if base in (self._skip_empty(p1), self._skip_empty(p2)):
                answer = False
                break
            rev = base
        if answer is None:
            answer = rev == -1
        for rev in walked:
            known[rev] = answer
        return answer

    def findsnapshots(self, cache: Dict[int, Set[int]], start_rev: int, end_rev: int) -> None:
        """Add the snapshots among revs [start_rev, end_rev] to cache:
        cache[delta base] is the set of those with that base (-1: full texts)."""
        start, end = protocol.snapshot_range(cache, start_rev, end_rev, len(self))
        known: Dict[int, bool] = {}
        for rev in range(start, end):
            if not self._issnapshot(rev, known):
                continue
            base = self._base(rev)
            if base == rev:
                base = -1
            revs = cache.get(base)
            if revs is None:
                revs = cache[base] = set()
            revs.add(rev)

    def _skip_empty(self, rev: int) -> int:
        """Follow the delta bases of empty revisions down to one with data."""
        while rev >= 0 and self._comp_len(rev) == 0:
            base = self._base(rev)
            if base == rev:
                break
            rev = base
        return rev

    # ---- the revision graph -----------------------------------------------
    #
    # Every graph method checks its arguments (as Mercurial's C index does
    # where it checks them), then the parents of every revision of the index:
    # a parent outside [-1, rev) anywhere is CorruptedIndex naming the lowest
    # such revision (p1 before p2), whatever the question.  The parents are
    # read once into two arrays, kept up to date by append and dropped by
    # truncation and clearcaches.

    def _graph(self) -> dagops.Parents:
        """The parents of every revision, checked to lie in [-1, rev)."""
        parents = self._graph_parents
        if parents is None:
            parents = self._graph_parents = self._read_parents()
            self._graph_checked = 0
        if self._graph_checked < len(self):
            bad = dagops.first_bad_parent(parents, self._graph_checked)
            if bad is not None:
                raise status.index_error(status.INDEX_BAD_PARENT, bad[0], bad[1])
            self._graph_checked = len(self)
        return parents

    def _read_parents(self) -> dagops.Parents:
        """Two int32 arrays: p1 and p2 of every revision, unchecked."""
        at, pair = _PARENTS[self._format]
        p1 = array(_INT32_CODE)
        p2 = array(_INT32_CODE)
        if self._offsets is None and self._ondisk:
            # one strided copy per field out of the buffer, in C
            step = self.entry_size // 4
            with memoryview(self._data) as whole, whole.cast("B") as raw, \
                    raw[:self._ondisk * self.entry_size] as used, used.cast("i") as ints:
                for field, column in ((at // 4, p1), (at // 4 + 1, p2)):
                    with ints[field::step] as strided:
                        column.frombytes(strided.tobytes())
            if sys.byteorder == "little":
                p1.byteswap()
                p2.byteswap()
        elif self._offsets is not None:
            unpack = pair.unpack_from
            for pos in self._offsets[:self._ondisk]:
                a, b = unpack(self._data, pos + at)
                p1.append(a)
                p2.append(b)
        for packed in self._added:
            a, b = pair.unpack_from(packed, at)
            p1.append(a)
            p2.append(b)
        return dagops.Parents(p1, p2)

    def headrevs(self, filtered_revs=None, stop_rev: Optional[int] = None) -> List[int]:
        """Heads of revisions [0, stop_rev) that are not in filtered_revs,
        ascending; [-1] when there are no revisions.

        stop_rev is clamped to [0, len].  A filtered revision with an
        unfiltered child is not filtered (as in Mercurial's C index).  The
        answer is cached while the index is unchanged, for filtered_revs
        None or a frozenset (by identity).
        """
        length = len(self)
        stop = protocol.headrevs_stop(stop_rev, length)
        cached = self._heads
        if stop == length and cached is not None and cached[0] is filtered_revs:
            return list(cached[1])
        contains = None
        if filtered_revs is not None:
            contains = _filter(protocol.filter_contains(filtered_revs))
        heads = dagops.headrevs(self._graph(), stop, contains)
        if stop == length and (filtered_revs is None or type(filtered_revs) is frozenset):
            self._heads = (filtered_revs, heads)
        return list(heads)

    def head_node_ids(self) -> List[bytes]:
        """The nodes of headrevs() ([null node] for an empty index)."""
        return [self._node(rev) if rev >= 0 else C.NULL_NODE for rev in self.headrevs()]

    def headrevsdiff(self, start: int, stop: int) -> Tuple[List[int], List[int]]:
        """(removed, added): the heads of revisions [0, start) that are not
        heads of [0, stop), and those of [0, stop) that are not heads of
        [0, start), each descending; -1 is removed when start is 0 < stop.
        start and stop lie in [0, len] (IndexError otherwise)."""
        start, stop = protocol.headrevsdiff_range(start, stop, len(self))
        return dagops.headrevsdiff(self._graph(), start, stop)

    def commonancestorsheads(self, *revs: int) -> List[int]:
        """Heads of the common ancestors of revs, descending (any number of revs)."""
        distinct = protocol.gca_args(revs, len(self))
        parents = self._graph()
        if distinct is None:
            return []
        return dagops.commonancestorsheads(parents, distinct)

    def ancestors(self, *revs: int) -> List[int]:
        """Greatest common ancestors of revs (the common ancestors heads
        furthest from a root), ascending (any number of revs)."""
        distinct = protocol.gca_args(revs, len(self))
        parents = self._graph()
        if distinct is None:
            return []
        return dagops.gca(parents, distinct)

    def reachableroots2(self, minroot: int, heads: List[int], roots: List[int],
                        includepath: bool) -> List[int]:
        """Roots that are ancestors of heads through revisions >= minroot, in
        the order a breadth-first walk from heads meets them; with
        includepath, then every revision between them and heads, ascending.
        Roots outside [-1, len) are ignored; heads outside are IndexError."""
        minroot, head_revs, root_revs = protocol.reachableroots_args(
            minroot, heads, roots, includepath, len(self))
        return dagops.reachableroots(self._graph(), minroot, head_revs, root_revs, includepath)

    def computephasesmapsets(self, roots: Dict[int, Set[int]]) -> Tuple[int, Dict[int, Set[int]]]:
        """(len, {phase: set of revisions}) for phases 1, 2, 32 and 96, from
        roots {phase: set of root revisions}: a revision has the highest
        phase of its own roots' and its parents'."""
        length = len(self)
        by_phase = protocol.phase_roots(roots, length)
        return length, dagops.phasesets(self._graph(), by_phase)

    def lazyancestors(self, revs: Iterable[int], stoprev: int = 0,
                      inclusive: bool = False) -> dagops.LazyAncestors:
        """The ancestors of revs (not below stoprev), computed as needed:
        iterates newest first, `rev in` walks only down to rev.  revs in
        [-1, len) (IndexError otherwise)."""
        checked = protocol.graph_revs(revs, len(self))
        stoprev = operator.index(stoprev)
        return dagops.LazyAncestors(self._graph(), checked, stoprev, bool(inclusive), self.__len__)

    def descendants(self, revs: Iterable[int], inclusive: bool = False) -> List[int]:
        """Descendants of revs, ascending (revs themselves if inclusive; -1
        too when given).  Every revision descends from -1."""
        checked = protocol.graph_revs(revs, len(self))
        marks = dagops.descendant_marks(self._graph(), checked, bool(inclusive))
        found = dagops.marked(marks, len(self))
        if inclusive and C.NULL_REV in checked:
            found.insert(0, C.NULL_REV)
        return found

    def isancestor(self, a: int, b: int) -> bool:
        """Whether a is an ancestor of b; a revision is its own ancestor and
        -1 is everyone's.  a and b in [-1, len) (IndexError otherwise)."""
        a, b = protocol.graph_revs((a, b), len(self))
        return dagops.isancestor(self._graph(), a, b)

    def ancestors_bitmap(self, revs: Iterable[int], inclusive: bool = True) -> Bitmap:
        """The ancestors of revs (revs too if inclusive) as a Bitmap; the
        null revision is never in one."""
        checked = protocol.graph_revs(revs, len(self))
        marks = dagops.ancestor_marks(self._graph(), checked, bool(inclusive))
        return Bitmap.from_marks(marks[:len(self)])

    def descendants_bitmap(self, revs: Iterable[int], inclusive: bool = True) -> Bitmap:
        """The descendants of revs (revs too if inclusive) as a Bitmap; the
        null revision is never in one."""
        checked = protocol.graph_revs(revs, len(self))
        marks = dagops.descendant_marks(self._graph(), checked, bool(inclusive))
        return Bitmap.from_marks(marks[:len(self)])


def _common_hex_prefix(a: bytes, b: bytes) -> int:
    """Number of leading hex digits a and b share."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return 2 * i + (1 if x >> 4 == y >> 4 else 0)
    return 2 * len(a)


def _filter(contains):
    """A filter calling contains(rev); its failures are TypeError, as in Mercurial."""
    def filtered(rev: int) -> bool:
        try:
            return bool(contains(rev))
        except Exception as exc:
            raise protocol.filter_failed() from exc
    return filtered
