"""Synthetic index data for tests: rows packed in every format, what
Mercurial's index returns for them, and hypothesis strategies.

Deliberately independent of revlog's index code: the packing is plain
struct, the expected entries follow Mercurial's C index field by field.
"""
from typing import List, NamedTuple

from hypothesis import strategies as st

from revlog import constants as C

FORMATS = (C.REVLOGV1, C.REVLOGV2, C.CHANGELOGV2)
MISSING = b"\xee" * 20  # no generated node starts with 0xee 0xee

class Row(NamedTuple):
    """One entry's stored fields (what the index tuple is made of)."""
    offset_flags: int
    comp_len: int
    raw_len: int
    base: int
    link: int
    p1: int
    p2: int
    node: bytes
    sd_offset: int
    sd_len: int
    modes: int  # the raw byte: data mode in bits 0-1, sidedata mode in bits 2-3
    rank: int


class Spec(NamedTuple):
    fmt: int
    inline: bool
    generaldelta: bool
    delta_info: bool
    rows: List[Row]
    header: int  # what the first 4 bytes of rev 0 hold (v1/v2)

    def data(self) -> bytes:
        return pack_index(self.fmt, self.rows, self.inline, self.header)

    def args(self):
        return self.data(), self.inline, self.generaldelta, self.delta_info, self.fmt


def pack_row(fmt: int, r: Row) -> bytes:
    if fmt == C.REVLOGV1:
        return C.INDEX_ENTRY_V1.pack(r.offset_flags, r.comp_len, r.raw_len, r.base, r.link,
                                     r.p1, r.p2, r.node)
    if fmt == C.REVLOGV2:
        return C.INDEX_ENTRY_V2.pack(r.offset_flags, r.comp_len, r.raw_len, r.base, r.link,
                                     r.p1, r.p2, r.node, r.sd_offset, r.sd_len, r.modes)
    return C.INDEX_ENTRY_CL_V2.pack(r.offset_flags, r.comp_len, r.raw_len, r.p1, r.p2, r.node,
                                    r.sd_offset, r.sd_len, r.modes, r.rank)


def pack_index(fmt: int, rows: List[Row], inline: bool, header: int) -> bytes:
    parts = []
    for rev, row in enumerate(rows):
        packed = pack_row(fmt, row)
        if rev == 0 and fmt != C.CHANGELOGV2:
            packed = C.INDEX_HEADER.pack(header) + packed[4:]
        parts.append(packed)
        if inline:
            parts.append(bytes([rev & 0xFF]) * max(row.comp_len, 0))
    return b"".join(parts)


def expected_entry(fmt: int, row: Row, rev: int, ondisk: bool) -> tuple:
    """The 13-tuple Mercurial's C index returns for a packed row."""
    offset_flags = row.offset_flags
    if rev == 0 and ondisk and fmt != C.CHANGELOGV2:
        offset_flags &= 0xFFFF
    base, link = (rev, rev) if fmt == C.CHANGELOGV2 else (row.base, row.link)
    if fmt == C.REVLOGV1:
        tail = (0, 0, C.COMP_MODE_INLINE, C.COMP_MODE_INLINE, C.RANK_UNKNOWN)
    else:
        rank = row.rank if fmt == C.CHANGELOGV2 else C.RANK_UNKNOWN
        tail = (row.sd_offset, row.sd_len, row.modes & 3, (row.modes >> 2) & 3, rank)
    return (offset_flags, row.comp_len, row.raw_len, base, link, row.p1, row.p2, row.node) + tail


def as_tuple(row: Row) -> tuple:
    """A row as the 13-tuple append takes."""
    return (row.offset_flags, row.comp_len, row.raw_len, row.base, row.link, row.p1, row.p2,
            row.node, row.sd_offset, row.sd_len, row.modes & 3, (row.modes >> 2) & 3, row.rank)


# ---- strategies ------------------------------------------------------------

# Nodes crowd a few prefixes (and the null node's) so that prefix lookups
# meet ambiguity at every depth.
_PREFIXES = [b"", b"\x00", b"\x00\x00", b"\x0f", b"\xab", b"\xab\xc0", b"\xab\xcd\xef"]


def _ordinary(node: bytes) -> bytes:
    """node, unless it is the null node or could be MISSING's."""
    if node == C.NULL_NODE:
        return node[:19] + b"\x01"
    return b"\xee\xed" + node[2:] if node.startswith(b"\xee\xee") else node


nodes = st.sampled_from(_PREFIXES).flatmap(
    lambda p: st.binary(min_size=20 - len(p), max_size=20 - len(p)).map(lambda rest: _ordinary(p + rest)))

int32s = st.integers(-(1 << 31), (1 << 31) - 1)


@st.composite
def rows_for(draw, fmt: int, first: int, count: int, node_list: List[bytes], inline: bool) -> List[Row]:
    """Valid rows for revisions first .. first+count-1."""
    rows = []
    for i in range(count):
        rev = first + i
        sd_len = 0 if inline else draw(st.integers(0, 1000))
        rows.append(Row(
            offset_flags=(draw(st.integers(0, (1 << 48) - 1)) << 16) | draw(st.integers(0, 0xFFFF)),
            comp_len=draw(st.sampled_from([0, 0, 1, 2, 7, 30])),
            raw_len=draw(int32s),
            base=draw(st.integers(-1, rev)),
            link=draw(st.integers(-1, rev + 3)),
            p1=draw(st.integers(-1, rev - 1)),
            p2=draw(st.integers(-1, rev - 1)),
            node=node_list[i],
            sd_offset=draw(st.integers(0, (1 << 64) - 1)),
            sd_len=sd_len,
            modes=draw(st.integers(0, 255) if fmt != C.REVLOGV1 else st.just(0)),
            rank=draw(int32s if fmt == C.CHANGELOGV2 else st.just(C.RANK_UNKNOWN)),
        ))
    return rows


@st.composite
def specs(draw, formats=FORMATS, max_revs: int = 24) -> Spec:
    fmt = draw(st.sampled_from(formats))
    inline = fmt != C.CHANGELOGV2 and draw(st.booleans())
    count = draw(st.integers(0, max_revs))
    node_list = draw(st.lists(nodes, min_size=count, max_size=count, unique=True))
    rows = draw(rows_for(fmt, 0, count, node_list, inline))
    return Spec(fmt, inline, draw(st.booleans()), draw(st.booleans()), rows,
                draw(st.integers(0, (1 << 32) - 1)))


@st.composite
def corrupted_specs(draw) -> Spec:
    """A valid spec with bad parents, bases or lengths, or two revisions
    sharing a node."""
    spec = draw(specs(max_revs=12))
    rows = list(spec.rows)
    for _ in range(draw(st.integers(1, 3)) if rows else 0):
        rev = draw(st.integers(0, len(rows) - 1))
        field = draw(st.sampled_from(["p1", "p2", "base", "comp_len", "node"]))
        if field == "node":
            value = rows[draw(st.integers(0, len(rows) - 1))].node
        else:
            value = draw(st.sampled_from([-5, -2, rev, rev + 1, len(rows) + 7, (1 << 31) - 1, -(1 << 31)]))
        rows[rev] = rows[rev]._replace(**{field: value})
    return spec._replace(rows=rows)


def v1_rows(count: int, **changes) -> List[Row]:
    """count valid v1 rows with a linear history; changes maps rev -> fields."""
    rows = [Row(rev << 16, 10, 10, rev, rev, rev - 1, -1, bytes([rev + 1]) * 20, 0, 0, 10, -1)
            for rev in range(count)]
    for rev, fields in changes.items():
        rev = int(rev[1:])
        rows[rev] = rows[rev]._replace(**fields)
    return rows


def v1_data(rows: List[Row], inline: bool) -> bytes:
    return pack_index(C.REVLOGV1, rows, inline, C.REVLOGV1 | (C.FLAG_INLINE_DATA if inline else 0))
