"""Argument checks and messages of Mercurial's index protocol.

Both index backends (revlog._c.index, revlog._pure.index) validate their
arguments here before doing any work, so they raise the same exceptions
with the same messages by construction.
"""
import operator
from typing import Dict, List, Optional, Tuple

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


# ---- the revision graph (headrevs, ancestors, phases...) ----------------------
#
# The argument checks of the graph methods, in Mercurial's order where it has
# the method; the index checks its parents only after them.

# Mercurial's phases computephasesmapsets tracks (draft, secret, archived,
# internal), in the order their roots are applied.
TRACKED_PHASES = (1, 2, 32, 96)
_MISSING = object()


def headrevs_stop(stop_rev, length: int) -> int:
    """headrevs' stop_rev (None: every revision), clamped to [0, length]."""
    if stop_rev is None:
        return length
    return min(max(operator.index(stop_rev), 0), length)


def filter_contains(filtered_revs):
    """filtered_revs.__contains__; TypeError if it has none."""
    try:
        return filtered_revs.__contains__
    except AttributeError:
        raise TypeError("filteredrevs has no attribute __contains__") from None


def filter_failed() -> TypeError:
    """What a filter that raises becomes (chain the cause)."""
    return TypeError("unable to check filter")


def headrevsdiff_range(start, stop, length: int) -> Tuple[int, int]:
    """headrevsdiff's start and stop, each in [0, length] (IndexError)."""
    start, stop = operator.index(start), operator.index(stop)
    if not (0 <= start <= length and 0 <= stop <= length):
        raise IndexError("revlog index out of range")
    return start, stop


def gca_args(revs, length: int) -> Optional[List[int]]:
    """The distinct revisions of commonancestorsheads/ancestors, or None if
    one is -1 (checked in order, as Mercurial does)."""
    distinct: List[int] = []
    seen = set()
    for rev in revs:
        if not isinstance(rev, int):
            raise TypeError("arguments must all be ints")
        if rev == C.NULL_REV:
            return None
        if not 0 <= rev < length:
            raise IndexError("index out of range")
        if rev not in seen:
            seen.add(rev)
            distinct.append(rev)
    return distinct


# index.ancestors picks among at most this many common ancestors heads, as
# Mercurial's C index does (REVLOG_GCA_CAPACITY in revlog.h): the pick keeps
# a set of candidates per revision, so this bounds its memory.
GCA_CAPACITY = 24


def gca_capacity_error(count: int) -> OverflowError:
    """The exception for `count` candidates, too many for index.ancestors:
    Mercurial's OverflowError, with its message."""
    return OverflowError("bitset size (%d) > capacity (%d)" % (count, GCA_CAPACITY))


def reachableroots_args(minroot, heads, roots, includepath,
                        length: int) -> Tuple[int, List[int], List[int]]:
    """reachableroots2's (minroot, heads, roots): heads in [-1, length)
    (IndexError), roots as ints (those out of range are ignored later)."""
    minroot = operator.index(minroot)
    for position, value, kind in ((2, heads, list), (3, roots, list), (4, includepath, bool)):
        if not isinstance(value, kind):
            raise TypeError("argument %d must be %s, not %s"
                            % (position, kind.__name__, type(value).__name__))
    root_revs = list(map(operator.index, roots))
    head_revs = []
    for head in heads:  # in order: Mercurial checks each before the next
        head = operator.index(head)
        if not -1 <= head < length:
            raise IndexError("head out of range")
        head_revs.append(head)
    return minroot, head_revs, root_revs


def phase_roots(roots, length: int) -> Dict[int, List[int]]:
    """computephasesmapsets' roots: {tracked phase: revisions in [0, length)}."""
    if not isinstance(roots, dict):
        raise TypeError("roots must be a dictionary")
    by_phase = {}
    for phase in TRACKED_PHASES:
        revs = dict.get(roots, phase, _MISSING)
        if revs is _MISSING:
            continue
        if not isinstance(revs, set):
            raise TypeError("roots must be a set of nodes")
        checked = []
        for rev in revs:
            rev = operator.index(rev)
            if not 0 <= rev < length:
                raise ValueError("revlog index out of range: %d" % rev)
            checked.append(rev)
        by_phase[phase] = checked
    return by_phase


def graph_revs(revs, length: int) -> List[int]:
    """Revisions for lazyancestors, descendants, isancestor and the bitmaps:
    ints in [-1, length) (IndexError otherwise)."""
    checked = []
    for rev in revs:
        rev = operator.index(rev)
        if not -1 <= rev < length:
            raise IndexError("revlog index out of range")
        checked.append(rev)
    return checked


def snapshot_range(cache, start_rev, end_rev, length: int) -> Tuple[int, int]:
    """findsnapshots' [start, end) of revisions, clamped to the index."""
    if not isinstance(cache, dict):
        raise TypeError("argument 1 must be dict, not %s" % type(cache).__name__)
    return max(operator.index(start_rev), 0), min(operator.index(end_rev) + 1, length)


def check_slice_revs(revs: List[int], length: int) -> None:
    """slicechunktodensity's revisions lie in [-1, length) (IndexError)."""
    for rev in revs:
        if not -1 <= rev < length:
            raise slice_rev_error(rev)


def slice_rev_error(rev: int) -> IndexError:
    """The exception for a revision slicechunktodensity has no entry for."""
    return IndexError("index out of range: %d" % rev)


def slice_args(revs, targetdensity, mingapsize) -> Tuple[List[int], float, int]:
    """slicechunktodensity's arguments as both backends use them: revs a
    list, the density a float, the gap an int clamped to int64 (TypeError
    with the same message in both backends otherwise)."""
    revs = list(revs)
    try:
        targetdensity = float(targetdensity)
        mingapsize = operator.index(mingapsize)
    except (TypeError, ValueError, OverflowError):
        raise TypeError("slicechunktodensity(revs, targetdensity: float, mingapsize: int)") from None
    return revs, targetdensity, min(max(mingapsize, -(1 << 63)), (1 << 63) - 1)


def parse_index2(index_class, data, inline, uses_generaldelta, uses_delta_info, fmt):
    """The body of both backends' parse_index2: (index, cache), cache being
    (0, data) for an inline revlog (its data lives in the index buffer)."""
    check_format(fmt)
    inline = bool(inline) and fmt != C.CHANGELOGV2
    index = index_class(data, inline, bool(uses_generaldelta), bool(uses_delta_info), fmt)
    return index, ((0, data) if inline else None)
