"""The debug commands' output: byte for byte what ``hg debug...`` 7.2.4 prints.

`debug_index`, `debug_data`, `debug_delta_chain` and `debug_revlog` write
the same bytes as ``hg debugindex``, ``hg debugdata``, ``hg debugdeltachain``
and ``hg debugrevlog`` (plain, ``-v``/``--debug`` for the index, ``--all-info``
style switches for the chain, ``-d`` for revlog) for the same revlog.  Each
takes a Revlog and a ``write(bytes)`` callable.
"""
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence

from revlog import constants as C
from revlog import errors
from revlog.deltas import checked_base
from revlog.revlog import SPARSE_READ_DENSITY, Revlog
from revlog.symbols import hex_prefix, revision_number

Write = Callable[[bytes], None]
SHORT_NODE = 6   # bytes of a node shown in short form (12 hex digits)
# A repository slices delta chains with Mercurial's experimental.sparse-read
# defaults: density 0.5 (SPARSE_READ_DENSITY) and gaps of at least 65 KiB.
REPO_SPARSE_READ_MIN_GAP = 65 * 1024

# ---- revision identifiers of a single revlog ---------------------------------


def lookup(rl: Revlog, symbol: str) -> int:
    """A revision of rl named as ``hg debugdata`` accepts it.

    A revision number (negative counts from the end), a full hex node or a
    unique hex prefix; RevisionNotFound otherwise, AmbiguousPrefix when the
    prefix matches several nodes.
    """
    number = revision_number(symbol, len(rl))
    if number is not None:
        return number
    prefix = hex_prefix(symbol)
    if prefix is not None:
        node = rl.index.partialmatch(prefix)
        if node is not None and node != C.NULL_NODE:
            return rl.rev(node)
    raise errors.RevisionNotFound("%s: no revision matches %r" % (rl.name, symbol))


# ---- debugdata ----------------------------------------------------------------


def debug_data(rl: Revlog, symbol: str, write: Write) -> None:
    """``hg debugdata``: the raw stored text of one revision."""
    write(rl.rawdata(lookup(rl, symbol)))


# ---- debugindex ------------------------------------------------------------------


def _short(node: bytes) -> bytes:
    return node[:SHORT_NODE].hex().encode("ascii")


def _long(node: bytes) -> bytes:
    return node.hex().encode("ascii")


def _sidedata_mode(mode: int) -> bytes:
    names = {C.COMP_MODE_PLAIN: b"plain", C.COMP_MODE_DEFAULT: b"default", C.COMP_MODE_INLINE: b"inline"}
    return names.get(mode, b"%d" % mode)


# (header, width, shown only with -v, value of (rl, rev, entry, hexnode));
# width None: as wide as a node is shown
_INDEX_COLUMNS = [
    (b"rev", 6, False, lambda rl, rev, e, h: b"%d" % rev),
    (b"rank", 6, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_RANK]),
    (b"linkrev", 6, False, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_LINK]),
    (b"nodeid", None, False, lambda rl, rev, e, h: h(e[C.ENTRY_NODE])),
    (b"p1-rev", 6, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_P1]),
    (b"p1-nodeid", None, False, lambda rl, rev, e, h: h(rl.index[e[C.ENTRY_P1]][C.ENTRY_NODE])),
    (b"p2-rev", 6, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_P2]),
    (b"p2-nodeid", None, False, lambda rl, rev, e, h: h(rl.index[e[C.ENTRY_P2]][C.ENTRY_NODE])),
    (b"full-size", 20, True,
     lambda rl, rev, e, h: b"-" if rl.version == C.REVLOGV0 else b"%d" % e[C.ENTRY_RAW_LEN]),
    (b"delta-base", 6, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_BASE]),
    (b"flags", 2, True, lambda rl, rev, e, h: b"%d" % (e[C.ENTRY_OFFSET_FLAGS] & 0xFFFF)),
    (b"comp-mode", 4, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_DATA_COMP_MODE]),
    (b"data-offset", 20, True, lambda rl, rev, e, h: b"%d" % (e[C.ENTRY_OFFSET_FLAGS] >> 16)),
    (b"chunk-size", 10, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_COMP_LEN]),
    (b"sd-comp-mode", 7, True, lambda rl, rev, e, h: _sidedata_mode(e[C.ENTRY_SIDEDATA_COMP_MODE])),
    (b"sidedata-offset", 20, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_SIDEDATA_OFFSET]),
    (b"sd-chunk-size", 10, True, lambda rl, rev, e, h: b"%d" % e[C.ENTRY_SIDEDATA_LEN]),
]


def debug_index(rl: Revlog, write: Write, verbose: bool = False, full_nodes: bool = False) -> None:
    """``hg debugindex`` (``-v``: verbose; ``--debug``: verbose and full nodes)."""
    hexnode = _long if full_nodes else _short
    # Mercurial measures a node of the first revision; 12 for an empty revlog
    node_width = len(hexnode(C.NULL_NODE)) if len(rl) else 2 * SHORT_NODE
    columns = [(name, node_width if width is None else max(width, len(name)), value)
               for name, width, verbose_only, value in _INDEX_COLUMNS if verbose or not verbose_only]
    write(b" ".join(name.rjust(width) for name, width, _value in columns) + b"\n")
    index = rl.index
    for rev in range(len(rl)):
        entry = index[rev]
        write(b" ".join(value(rl, rev, entry, hexnode).rjust(width) for _name, width, value in columns)
              + b"\n")


# ---- debugdeltachain ----------------------------------------------------------------


def _empty_delta_base(rl: Revlog, rev: int) -> int:
    """rev, or the revision its empty deltas lead down to (Mercurial skips those).

    A rev outside the revlog (a damaged parent field) is returned as is.
    """
    index = rl.index
    if not 0 <= rev < len(rl):
        return rev
    entry = index[rev]
    while entry[C.ENTRY_COMP_LEN] == 0:
        lower = checked_base(rl.name, rev, entry)
        if lower == rev or lower == C.NULL_REV:
            break
        rev = lower   # always lower: the walk ends
        entry = index[rev]
    return rev


def _delta_chain(rl: Revlog, rev: int) -> List[int]:
    """The revisions of rev's delta chain, oldest first (index errors name the revlog)."""
    try:
        return rl.index.deltachain(rev, None)[0]
    except errors.CorruptedIndex as exc:
        raise errors.CorruptedIndex("%s: %s" % (rl.name, exc)) from None


def _delta_parent(rl: Revlog, rev: int) -> int:
    """rl.deltaparent(rev), its base field first checked to lie in [-1, rev]: below rev."""
    checked_base(rl.name, rev, rl.index[rev])
    return rl.deltaparent(rev)


def delta_type(rl: Revlog, rev: int) -> bytes:
    """How rev's delta was chosen, in ``hg debugdeltachain``'s words."""
    entry = rl.index[rev]
    base, p1, p2 = entry[C.ENTRY_BASE], entry[C.ENTRY_P1], entry[C.ENTRY_P2]
    if not rl.generaldelta:
        return b"base" if base == rev else b"prev"
    for kind, candidate in ((b"p1", p1), (b"p2", p2), (b"base", rev)):
        if base == candidate:
            return kind
    if base == _empty_delta_base(rl, p1):
        return b"skip1"
    if base == _empty_delta_base(rl, p2):
        return b"skip2"
    if rl.issnapshot(rev):
        return b"snap"
    return b"prev" if base == rev - 1 else b"other"


def debug_delta_chain(rl: Revlog, write: Write, revs: Optional[Sequence[int]] = None,
                      size_info: bool = False, dist_info: bool = False, sparse_info: bool = False,
                      sparse_read: bool = False) -> None:
    """``hg debugdeltachain``: size, distance and sparse-read columns on request.

    revs: the revisions to show (all by default), shown in ascending order.
    sparse_read: whether the revlog is read in slices, as in a repository
    with the sparserevlog requirement (Mercurial shows sparse-read columns
    only then).
    """
    sparse_info = sparse_info and sparse_read
    header = b"    rev      p1      p2  chain# chainlen     prev   delta"
    if size_info:
        header += b"       size    rawsize  chainsize     ratio"
    if dist_info:
        header += b"   lindist extradist extraratio"
    if sparse_info:
        header += b"   readsize largestblk rddensity srchunks"
    write(header + b"\n")
    index = rl.index
    count = len(rl)
    chosen = range(count) if revs is None else sorted(rev for rev in revs if rev < count)
    chain_ids: Dict[int, int] = {}
    chain_sizes: Dict[int, int] = {}
    for rev in chosen:
        entry = index[rev]
        compressed = entry[C.ENTRY_COMP_LEN]
        raw = entry[C.ENTRY_RAW_LEN] if rl.version != C.REVLOGV0 else -1
        chain = _delta_chain(rl, rev)
        chain_size = _chain_size(index, chain, chain_sizes)
        chain_id = chain_ids.setdefault(chain[0], len(chain_ids) + 1)
        prev = chain[-2] if len(chain) > 1 else -1
        line = b"%7d %7d %7d %7d %8d %8d %7s" % (
            rev, entry[C.ENTRY_P1], entry[C.ENTRY_P2], chain_id, len(chain), prev, delta_type(rl, rev))
        if size_info:
            ratio = float(chain_size) / float(raw) if raw != 0 else chain_size
            line += b" %10d %10d %10d %9.5f" % (compressed, raw, chain_size, ratio)
        if dist_info:
            linear = rl.start(rev) + compressed - rl.start(chain[0])
            extra = linear - chain_size
            extra_ratio = float(extra) / float(chain_size) if chain_size != 0 else extra
            line += b" %9d %9d %10.5f" % (linear, extra, extra_ratio)
        if sparse_info:
            line += _sparse_read_columns(rl, chain, chain_size)
        write(line + b"\n")


def _sparse_read_columns(rl: Revlog, chain: List[int], chain_size: int) -> bytes:
    """Bytes read, largest read, density and read count of reading chain in slices."""
    read = largest = 0
    slices = rl.index.slicechunktodensity(chain, SPARSE_READ_DENSITY, REPO_SPARSE_READ_MIN_GAP)
    for piece in slices:
        size = rl.end(piece[-1]) - rl.start(piece[0])
        read += size
        largest = max(largest, size)
    density = float(chain_size) / float(read) if read else 1
    return b" %10d %10d %9.5f %8d" % (read, largest, density, len(slices))


def _chain_size(index, chain: List[int], known: Dict[int, int]) -> int:
    """Total stored size of a chain, reusing the total of the longest known prefix."""
    total = 0
    for rev in reversed(chain):
        cached = known.get(rev)
        if cached is not None:
            total += cached
            break
        total += index[rev][C.ENTRY_COMP_LEN]
    known[chain[-1]] = total
    return total


# ---- debugrevlog -------------------------------------------------------------------


def header_flags(rl: Revlog) -> int:
    """The format flags of rl's header (high 16 bits), as the file says them."""
    if rl.docket is not None:
        return rl.docket.version_header & ~0xFFFF
    flags = 0
    for present, flag in ((rl.inline, C.FLAG_INLINE_DATA), (rl.generaldelta, C.FLAG_GENERALDELTA),
                          (rl.filelog_meta, C.FLAG_FILELOG_META), (rl.delta_info, C.FLAG_DELTA_INFO)):
        if present:
            flags |= flag
    return flags


class _Sizes:
    """Smallest, largest and total of some sizes (smallest None until one is added)."""

    def __init__(self):
        self.low: Optional[int] = None
        self.high = 0
        self.total = 0

    def add(self, size: int) -> None:
        if self.low is None or size < self.low:
            self.low = size
        self.high = max(self.high, size)
        self.total += size

    def line(self, count) -> tuple:
        """(min, max, average over count) as Mercurial prints them."""
        average = self.total / count if count else 0
        return (self.low or 0, self.high, average)


class _RevlogStats:
    """What ``hg debugrevlog`` counts, gathered in one pass over the index."""

    def __init__(self, rl: Revlog):
        self.merges = 0
        self.empty_text = self.empty_delta = 0
        self.full = self.semi = 0
        self.by_depth: Dict[int, int] = defaultdict(int)
        self.by_depth_unrelated: Dict[int, int] = defaultdict(int)
        self.prev = self.prev_p1 = self.prev_p2 = self.prev_unrelated = 0
        self.p1 = self.p2 = self.other = 0
        self.chain_lengths: List[int] = []
        self.chain_spans: List[int] = []
        self.data = _Sizes()
        self.fulls = _Sizes()
        self.semis = _Sizes()
        self.deltas = _Sizes()
        self.depth_sizes: Dict[int, _Sizes] = defaultdict(_Sizes)
        self.chunk_counts: Dict[bytes, int] = {}
        self.chunk_sizes: Dict[bytes, int] = {}
        self.stored_content = 0
        self._bases: List[int] = []   # where each revision's chain starts in the data
        for rev in range(len(rl)):
            self._add(rl, rev)

    def _add(self, rl: Revlog, rev: int) -> None:
        p1, p2 = rl.parentrevs(rev)
        delta = _delta_parent(rl, rev)
        if rl.version > C.REVLOGV0:
            raw = rl.rawsize(rev)
            self.stored_content += raw
            self.data.add(raw)
        if p2 != C.NULL_REV:
            self.merges += 1
        size = rl.length(rev)
        if delta == C.NULL_REV:
            self.chain_lengths.append(0)
            self.chain_spans.append(size)
            self._bases.append(rl.start(rev))
            if size == 0:
                self.empty_text += 1
            else:
                self.full += 1
                self.by_depth[0] += 1
                self.fulls.add(size)
                self.depth_sizes[0].add(size)
        else:
            unrelated = delta != p1 and delta != p2 and not rl.index.isancestor(delta, rev)
            self.chain_lengths.append(self.chain_lengths[delta] + 1)
            base = self._bases[delta]
            self._bases.append(base)
            self.chain_spans.append(rl.start(rev) - base + size)
            if size == 0:
                self.empty_delta += 1
            elif rl.issnapshot(rev):
                depth = len(_delta_chain(rl, rev)) - 1
                self.semis.add(size)
                self.semi += 1
                self.by_depth[depth] += 1
                if unrelated:
                    self.by_depth_unrelated[depth] += 1
                self.depth_sizes[depth].add(size)
            else:
                self.deltas.add(size)
                self._count_delta(rev, delta, p1, p2, unrelated)
        chunk = rl.raw_chunk(rev)
        kind = bytes(chunk[:1]) if len(chunk) else b"empty"
        self.chunk_counts[kind] = self.chunk_counts.get(kind, 0) + 1
        self.chunk_sizes[kind] = self.chunk_sizes.get(kind, 0) + size

    def _count_delta(self, rev: int, delta: int, p1: int, p2: int, unrelated: bool) -> None:
        if delta == rev - 1:
            self.prev += 1
            if delta == p1:
                self.prev_p1 += 1
            elif delta == p2:
                self.prev_p2 += 1
            elif unrelated:
                self.prev_unrelated += 1
        elif delta == p1:
            self.p1 += 1
        elif delta == p2:
            self.p2 += 1
        else:
            self.other += 1


def _width_format(largest) -> bytes:
    """A %d format as wide as largest is written (Mercurial measures str() of it)."""
    return b"%%%dd\n" % len(str(largest))


def _percent_format(largest, padding: int = 0) -> bytes:
    return b"%%%dd %s(%%5.2f%%%%)\n" % (len(str(largest)), b" " * padding)


def _percent(value, total) -> tuple:
    return (value, 100 * float(value) / total) if total else (value, 100.0)


def _chunk_label(kind: bytes) -> bytes:
    if kind == b"empty":
        return b"    %s     : " % kind
    if kind.isalpha() and kind.isascii():
        return b"    0x%s (%s)  : " % (kind.hex().encode("ascii"), kind)
    return b"    0x%s      : " % kind.hex().encode("ascii")


def _grouped(number: int) -> bytes:
    """1234567 -> b"1 234 567"."""
    digits = b"%d" % number
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return b" ".join(groups)


def debug_revlog(rl: Revlog, write: Write) -> None:
    """``hg debugrevlog``: format, flags and statistics of the revlog's deltas."""
    count = len(rl)
    if not count:
        raise errors.RevlogError("%s: the revlog is empty, there is nothing to count" % rl.name)
    flags = header_flags(rl)
    names = [name for flag, name in ((C.FLAG_INLINE_DATA, b"inline"), (C.FLAG_GENERALDELTA, b"generaldelta"),
                                     (C.FLAG_FILELOG_META, b"hasmeta"), (C.FLAG_DELTA_INFO, b"delta-info"))
             if flags & flag]
    general = bool(flags & (C.FLAG_GENERALDELTA | C.FLAG_FILELOG_META | C.FLAG_DELTA_INFO))
    s = _RevlogStats(rl)
    empty = s.empty_text + s.empty_delta
    deltas = count - s.full - empty - s.semi
    total = s.fulls.total + s.semis.total + s.deltas.total
    ratio = s.data.total / total if total else 1

    write(b"format : %d\n" % rl.version)
    write(b"flags  : %s\n" % (b", ".join(names) or b"(none)"))
    write(b"\n")
    pct, num = _percent_format(total), _width_format(total)
    write(b"revisions     : " + num % count)
    write(b"    merges    : " + pct % _percent(s.merges, count))
    write(b"    normal    : " + pct % _percent(count - s.merges, count))
    write(b"revisions     : " + num % count)
    write(b"    empty     : " + pct % _percent(empty, count))
    write(b"                   text  : " + pct % _percent(s.empty_text, empty))
    write(b"                   delta : " + pct % _percent(s.empty_delta, empty))
    write(b"    snapshot  : " + pct % _percent(s.full + s.semi, count))
    for depth in sorted(s.by_depth):
        line = b"      lvl-%-3d :       " % depth + pct % _percent(s.by_depth[depth], count)
        if s.by_depth_unrelated[depth]:
            line = line[:-1] + b"  non-ancestor-bases: " + pct % _percent(
                s.by_depth_unrelated[depth], s.by_depth[depth])
        write(line)
    write(b"    deltas    : " + pct % _percent(deltas, count))
    write(b"revision size : " + num % total)
    write(b"    snapshot  : " + pct % _percent(s.fulls.total + s.semis.total, total))
    for depth in sorted(s.by_depth):
        write(b"      lvl-%-3d :       " % depth + pct % _percent(s.depth_sizes[depth].total, total))
    write(b"    deltas    : " + pct % _percent(s.deltas.total, total))

    write(b"\n")
    write(b"chunks        : " + num % count)
    for kind in sorted(s.chunk_counts):
        write(_chunk_label(kind) + pct % _percent(s.chunk_counts[kind], count))
    write(b"chunks size   : " + num % total)
    for kind in sorted(s.chunk_counts):
        write(_chunk_label(kind) + pct % _percent(s.chunk_sizes[kind], total))

    write(b"\n\n")
    write(b"total-stored-content: %s bytes\n\n" % _grouped(s.stored_content))
    average_chain = sum(s.chain_lengths) / count
    longest, reach = max(s.chain_lengths), max(s.chain_spans)
    num = _width_format(max(average_chain, longest, reach, ratio))
    write(b"avg chain length  : " + num % average_chain)
    write(b"max chain length  : " + num % longest)
    write(b"max chain reach   : " + num % reach)
    write(b"compression ratio : " + num % ratio)

    if rl.version > C.REVLOGV0:
        write(b"\n")
        write(b"uncompressed data size (min/max/avg) : %d / %d / %d\n" % s.data.line(count))
    write(b"full revision size (min/max/avg)     : %d / %d / %d\n" % s.fulls.line(s.full))
    write(b"inter-snapshot size (min/max/avg)    : %d / %d / %d\n" % s.semis.line(s.semi))
    for depth in sorted(s.depth_sizes):
        if depth:
            write(b"    level-%-3d (min/max/avg)          : %d / %d / %d\n"
                  % ((depth,) + s.depth_sizes[depth].line(s.by_depth[depth])))
    write(b"delta size (min/max/avg)             : %d / %d / %d\n" % s.deltas.line(deltas))

    if deltas > 0:
        _write_delta_bases(s, deltas, general, write)


def _write_delta_bases(s: _RevlogStats, deltas: int, general: bool, write: Write) -> None:
    pct, indented = _percent_format(deltas), _percent_format(deltas, 4)
    other_prev = s.prev - s.prev_p1 - s.prev_p2 - s.prev_unrelated
    write(b"\n")
    write(b"deltas against prev  : " + pct % _percent(s.prev, deltas))
    if s.prev > 0:
        write(b"    where prev = p1  : " + indented % _percent(s.prev_p1, s.prev))
        write(b"    where prev = p2  : " + indented % _percent(s.prev_p2, s.prev))
        write(b"    other-ancestor   : " + indented % _percent(other_prev, s.prev))
        # Mercurial 7.2.4 prints the other-ancestor count on this line too
        write(b"    unrelated        : " + indented % _percent(other_prev, s.prev))
    if general:
        write(b"deltas against p1    : " + pct % _percent(s.p1, deltas))
        write(b"deltas against p2    : " + pct % _percent(s.p2, deltas))
        # every "other" delta counts as unrelated in 7.2.4: none against other ancestors
        write(b"deltas against ancs  : " + pct % _percent(0, deltas))
        write(b"deltas against other : " + pct % _percent(s.other, deltas))


def debug_revlog_dump(rl: Revlog, write: Write) -> None:
    """``hg debugrevlog -d``: one line of positions and sizes per revision."""
    write(b"# rev p1rev p2rev start   end deltastart base   p1   p2"
          b" rawsize totalsize compression heads chainlen\n")
    total = 0
    heads = set()
    chain_bases: List[int] = []   # carried forward from the delta parent, as _RevlogStats does
    chain_lengths: List[int] = []
    for rev in range(len(rl)):
        base = _delta_parent(rl, rev)
        if base == C.NULL_REV:
            base = rev
            chain_bases.append(rev)
            chain_lengths.append(0)
        else:
            chain_bases.append(chain_bases[base])
            chain_lengths.append(chain_lengths[base] + 1)
        p1, p2 = rl.parentrevs(rev)
        raw = rl.rawsize(rev)
        total += raw
        heads.difference_update((p1, p2))
        heads.add(rev)
        end = rl.end(rev)
        compression = total / end if end else 0
        write(b"%5d %5d %5d %5d %5d %10d %4d %4d %4d %7d %9d %11d %5d %8d\n" % (
            rev, p1, p2, rl.start(rev), end, rl.start(base), rl.start(chain_bases[rev]),
            rl.start(p1), rl.start(p2), raw, total, compression, len(heads), chain_lengths[rev]))
