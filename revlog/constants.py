"""Revlog format constants: versions, header flags, entry layouts, revision flags.

One place for every number of the on-disk format (Mercurial 7.2.4's), so
that no other module carries magic numbers.
"""
import struct

# ---- versions (low 16 bits of the 4-byte header at the start of the .i)
REVLOGV0 = 0
REVLOGV1 = 1
REVLOGV2 = 0xDEAD
CHANGELOGV2 = 0xD34D

# ---- header flags (high 16 bits of the header)
FLAG_INLINE_DATA = 1 << 16
FLAG_GENERALDELTA = 1 << 17
FLAG_FILELOG_META = 1 << 18
FLAG_DELTA_INFO = 1 << 19

SUPPORTED_HEADER_FLAGS = {
    REVLOGV0: 0,
    REVLOGV1: FLAG_INLINE_DATA | FLAG_GENERALDELTA | FLAG_FILELOG_META | FLAG_DELTA_INFO,
    REVLOGV2: FLAG_INLINE_DATA,
    CHANGELOGV2: 0,
}

INDEX_HEADER = struct.Struct(">I")

# v2 revlogs: the .i file is a docket naming the index/data/sidedata files
# header, then per file kind: uuid size, count of older uuids; then the
# sizes (index, pending index, data, pending data, sidedata, pending
# sidedata) and the default compression header byte
DOCKET_HEADER = struct.Struct(">IBBBBBBQQQQQQc")
DOCKET_OLD_UID = struct.Struct(">BL")

# ---- index entries
# v0: offset, comp_len, base, link, p1 node, p2 node, node
INDEX_ENTRY_V0 = struct.Struct(">4l20s20s20s")
# v1: offset<<16|flags, comp_len, raw_len, base, link, p1, p2, node
INDEX_ENTRY_V1 = struct.Struct(">Qiiiiii20s12x")
# v2: v1 + sidedata offset, sidedata length, compression modes byte
INDEX_ENTRY_V2 = struct.Struct(">Qiiiiii20s12xQiB19x")
# changelog v2: no base/link (both are the rev itself), + rank
INDEX_ENTRY_CL_V2 = struct.Struct(">Qiiii20s12xQiBi23x")

ENTRY_STRUCTS = {
    REVLOGV1: INDEX_ENTRY_V1,
    REVLOGV2: INDEX_ENTRY_V2,
    CHANGELOGV2: INDEX_ENTRY_CL_V2,
}

NODE_SIZE = 20
NULL_NODE = b"\0" * NODE_SIZE
NULL_REV = -1

# positions in the 13-tuple entries of the index protocol
ENTRY_OFFSET_FLAGS = 0
ENTRY_COMP_LEN = 1
ENTRY_RAW_LEN = 2
ENTRY_BASE = 3
ENTRY_LINK = 4
ENTRY_P1 = 5
ENTRY_P2 = 6
ENTRY_NODE = 7
ENTRY_SIDEDATA_OFFSET = 8
ENTRY_SIDEDATA_LEN = 9
ENTRY_DATA_COMP_MODE = 10
ENTRY_SIDEDATA_COMP_MODE = 11
ENTRY_RANK = 12

# chunk compression modes (entry fields 10 and 11)
COMP_MODE_PLAIN = 0
COMP_MODE_DEFAULT = 1
COMP_MODE_INLINE = 2

RANK_UNKNOWN = -1

NULL_ENTRY = (0, 0, 0, -1, -1, -1, -1, NULL_NODE, 0, 0, COMP_MODE_INLINE, COMP_MODE_INLINE, RANK_UNKNOWN)

# ---- revision flags (low 16 bits of entry field 0)
REVIDX_ISCENSORED = 1 << 15
REVIDX_ELLIPSIS = 1 << 14
REVIDX_EXTSTORED = 1 << 13
REVIDX_HASCOPIESINFO = 1 << 12
REVIDX_HASMETA = 1 << 11
REVIDX_DELTA_IS_SNAPSHOT = 1 << 10
REVIDX_DELTA_QUALITY = 1 << 9
REVIDX_DELTA_GOOD = 1 << 8
REVIDX_DELTA_P1_SMALL = 1 << 7
REVIDX_DELTA_P2_SMALL = 1 << 6
REVIDX_KNOWN_FLAGS = 0xFFC0
REVIDX_DELTA_INFO_FLAGS = (
    REVIDX_DELTA_IS_SNAPSHOT | REVIDX_DELTA_QUALITY | REVIDX_DELTA_GOOD
    | REVIDX_DELTA_P1_SMALL | REVIDX_DELTA_P2_SMALL
)
# flags whose processing may change the stored bytes into the revision text
REVIDX_RAWTEXT_CHANGING_FLAGS = REVIDX_ISCENSORED | REVIDX_EXTSTORED

# ---- mpatch deltas: each hunk is three big-endian signed 32-bit fields
DELTA_HUNK_HEADER = struct.Struct(">lll")
DELTA_FIELD_MAX = 0x7FFFFFFF
