"""Argument checks and messages of Mercurial's index protocol.

Both index backends (revlog._c.index, revlog._pure.index) validate their
arguments here before doing any work, so they raise the same exceptions
with the same messages by construction.
"""
from typing import Optional

from revlog import constants as C
from revlog import errors

_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def check_format(fmt: int) -> None:
    """ValueError unless fmt is an index format the backends parse."""
    if fmt not in C.ENTRY_STRUCTS:
        raise ValueError("unsupported revlog index format: %d" % fmt)


def check_node(node) -> None:
    """TypeError/ValueError unless node is a 20-byte bytes object."""
    if not isinstance(node, bytes):
        raise TypeError("a node is bytes, not %s" % type(node).__name__)
    if len(node) != C.NODE_SIZE:
        raise ValueError("node len %d != expected node len %d" % (len(node), C.NODE_SIZE))


def not_found(node: bytes) -> errors.RevisionNotFound:
    """The exception for a node the index does not hold."""
    return errors.RevisionNotFound("unknown node %s" % node.hex())


def hex_prefix(prefix) -> Optional[bytes]:
    """The prefix partialmatch looks up, as bytes; None if it is not hex.

    ValueError for an empty prefix or one longer than a hex node.
    """
    if isinstance(prefix, str):
        prefix = prefix.encode("ascii")
    if len(prefix) < 1:
        raise ValueError("key too short")
    if len(prefix) > 2 * C.NODE_SIZE:
        raise ValueError("key too long")
    if not _HEX_DIGITS.issuperset(prefix):
        return None
    return bytes(prefix)


def ambiguous(prefix: bytes) -> errors.AmbiguousPrefix:
    """The exception for a prefix that several nodes start with."""
    return errors.AmbiguousPrefix("ambiguous identifier prefix %s" % prefix.decode("ascii").lower())


def check_entry(entry, fmt: int) -> None:
    """What append checks before packing: a 13-tuple with a 20-byte node;
    v1 stores no compression modes, so they must be "inline"."""
    if len(entry) != 13:
        raise TypeError("13-tuple required")
    node = entry[C.ENTRY_NODE]
    if not isinstance(node, bytes) or len(node) != C.NODE_SIZE:
        raise TypeError("invalid node")
    if fmt == C.REVLOGV1:
        for field, what in ((C.ENTRY_DATA_COMP_MODE, "data"), (C.ENTRY_SIDEDATA_COMP_MODE, "sidedata")):
            if entry[field] != C.COMP_MODE_INLINE:
                raise ValueError("invalid %s compression mode: %d" % (what, entry[field]))


def pack_header(fmt: int, header: int) -> bytes:
    """The 4-byte revlog header (v1 only: v2 keeps it in the docket)."""
    if fmt != C.REVLOGV1:
        raise RuntimeError("version header should go in the docket, not the index: %d" % header)
    return C.INDEX_HEADER.pack(header & 0xFFFFFFFF)


def truncation_start(key, length: int) -> Optional[int]:
    """The first revision `del index[key]` removes; None when it removes nothing.

    Only `del index[rev:-1]` (a slice reaching the end, step 1) is allowed.
    """
    if not isinstance(key, slice):
        raise TypeError("revlog index only supports deleting a slice rev:-1")
    start, stop, step = key.indices(length + 1)
    if len(range(start, stop, step)) <= 0:
        return None
    if step != 1:
        raise ValueError("revlog index delete requires step size of 1")
    if stop != length:
        raise IndexError("revlog index deletion indices are invalid")
    return start


def check_deltachain(rev: int, stoprev, length: int) -> None:
    """The argument checks of deltachain(rev, stoprev)."""
    if stoprev is not None and not isinstance(stoprev, int):
        raise ValueError("stoprev must be integer or None")
    if not 0 <= rev < length:
        raise ValueError("revlog index out of range")


def check_rev(rev: int, length: int, lowest: int = 0) -> None:
    """ValueError unless lowest <= rev < length (entry_binary, issnapshot)."""
    if not lowest <= rev < length:
        raise ValueError("revlog index out of range: %d" % rev)
