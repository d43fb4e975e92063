"""Checking what callers add, then appending it through the writer.

add_revision() and add_group() validate their input (flags, linkrevs,
parent and delta base nodes, the text against its node), rebuild a
received delta's text, and hand each revision to RevlogWriter.append();
a failure leaves the revlog as it was before the call (a savepoint).
"""
import hashlib
from typing import Iterable, List, Optional

from revlog import deltas, errors
from revlog import constants as C
from revlog.deltafold import replacement_header
from revlog.writer import MAX_FIELD, WDIR_NODE, RevlogWriter, is_integer


def node_of(text: bytes, p1: bytes, p2: bytes) -> bytes:
    """Mercurial's node: SHA-1 of the sorted parent nodes and the text."""
    if p2 < p1:
        p1, p2 = p2, p1
    digest = hashlib.sha1(p1)
    digest.update(p2)
    digest.update(text)
    return digest.digest()


def check_flags(revlog, flags: int) -> int:
    """The flags to store (delta-info flags are the writer's own)."""
    if not is_integer(flags) or flags < 0 or flags & ~C.REVIDX_KNOWN_FLAGS:
        raise errors.RevlogError("%s: unknown revision flags %r" % (revlog.name, flags))
    flags &= ~C.REVIDX_DELTA_INFO_FLAGS
    if flags and revlog.version == C.REVLOGV0:
        raise errors.RevlogError("%s: revlog v0 cannot store revision flags (%#x)" % (revlog.name, flags))
    return flags


def check_linkrev(revlog, linkrev: int) -> None:
    """A linkrev the entry can hold."""
    if not is_integer(linkrev) or not 0 <= linkrev <= MAX_FIELD:
        raise errors.RevlogError("%s: invalid linkrev %r" % (revlog.name, linkrev))


def as_bytes(revlog, value, what: str) -> bytes:
    """value as bytes if it is bytes-like (a contiguous buffer of bytes), else RevlogError."""
    if type(value) is bytes:
        return value
    try:
        view = memoryview(value)
    except TypeError:
        view = None
    if view is None or view.format not in ("B", "b", "c") or not view.c_contiguous:
        raise errors.RevlogError("%s: %s must be bytes-like, not %s" % (revlog.name, what, type(value).__name__))
    return view.tobytes()


def check_size(revlog, text: bytes) -> None:
    """A text an entry can describe (checked before anything is computed from it)."""
    if len(text) > MAX_FIELD:
        raise errors.RevlogError("%s: a %d-byte revision exceeds the revlog limit of %d bytes"
                                 % (revlog.name, len(text), MAX_FIELD))


def check_node_shape(revlog, node, what: str) -> None:
    """A node: 20 bytes."""
    if not isinstance(node, bytes) or len(node) != C.NODE_SIZE:
        raise errors.RevlogError("%s: %s must be a %d-byte node, not %r" % (revlog.name, what, C.NODE_SIZE, node))


def check_new_node(revlog, node, what: str) -> None:
    """A node a new revision may have: 20 bytes, neither null nor the working directory's."""
    check_node_shape(revlog, node, what)
    if node in (C.NULL_NODE, WDIR_NODE):
        raise errors.RevlogError("%s: %s cannot be the %s node" % (
            revlog.name, what, "null" if node == C.NULL_NODE else "working directory"))


def parent_rev(revlog, node: bytes) -> int:
    """The revision of a parent node; RevisionNotFound naming it."""
    check_node_shape(revlog, node, "a parent")
    if node == C.NULL_NODE:
        return C.NULL_REV
    rev = revlog.index.get_rev(node)
    if rev is None:
        raise errors.RevisionNotFound("%s: unknown parent %s" % (revlog.name, node.hex()))
    return rev


def hash_check(revlog, node: Optional[bytes], text: bytes, p1: bytes, p2: bytes, flags: int) -> bytes:
    """The node to store: the computed one, which a given node must equal
    (unless flags say the stored text is not what the node hashes)."""
    computed = node_of(text, p1, p2)
    if node is None:
        return computed
    if node != computed and not flags & C.REVIDX_RAWTEXT_CHANGING_FLAGS:
        raise errors.CorruptedData("%s: node %s does not match the text (which hashes to %s)"
                                   % (revlog.name, node.hex(), computed.hex()))
    return node


def add_revision(writer: RevlogWriter, text, p1: bytes, p2: bytes, linkrev: int, flags: int,
                 node: Optional[bytes]) -> bytes:
    """Revlog.add_revision inside a transaction (see there)."""
    revlog = writer.revlog
    text = as_bytes(revlog, text, "a revision's text")
    check_size(revlog, text)
    flags = check_flags(revlog, flags)
    check_linkrev(revlog, linkrev)
    if node is not None:
        check_new_node(revlog, node, "a new revision's node")
    p1r, p2r = parent_rev(revlog, p1), parent_rev(revlog, p2)
    node = hash_check(revlog, node, text, p1, p2, flags)
    if revlog.index.get_rev(node) is not None:
        return node
    point = writer.savepoint()
    try:
        writer.append(node, text, p1r, p2r, linkrev, flags, writer.computer())
    except BaseException:
        writer.restore(point)
        raise
    return node


def add_group(writer: RevlogWriter, items: Iterable[tuple]) -> List[bytes]:
    """Revlog.add_group inside a transaction (see there)."""
    try:
        items = iter(items)
    except TypeError:
        raise errors.RevlogError("%s: add_group needs an iterable of revisions, not %s"
                                 % (writer.revlog.name, type(items).__name__)) from None
    point = writer.savepoint()
    nodes = []
    try:
        computer = writer.computer()
        for position, item in enumerate(items):
            nodes.append(_add_group_item(writer, computer, position, item))
    except BaseException:
        writer.restore(point)
        raise
    return nodes


def _add_group_item(writer: RevlogWriter, computer: deltas.DeltaComputer, position: int, item) -> bytes:
    revlog = writer.revlog
    try:
        if len(item) == 6:
            node, p1, p2, linkrev, base_node, delta = item
            flags = 0
        else:
            node, p1, p2, linkrev, base_node, delta, flags = item
    except (TypeError, ValueError):
        raise errors.RevlogError(
            "%s: add_group item %d is not (node, p1, p2, linkrev, delta base, delta[, flags])"
            % (revlog.name, position)) from None
    check_new_node(revlog, node, "add_group item %d's node" % position)
    if revlog.index.get_rev(node) is not None:
        return node
    flags = check_flags(revlog, flags)
    check_linkrev(revlog, linkrev)
    p1r, p2r = parent_rev(revlog, p1), parent_rev(revlog, p2)
    check_node_shape(revlog, base_node, "add_group item %d's delta base" % position)
    base = C.NULL_REV if base_node == C.NULL_NODE else revlog.index.get_rev(base_node)
    if base is None:
        raise errors.RevisionNotFound("%s: unknown delta base %s" % (revlog.name, base_node.hex()))
    delta = as_bytes(revlog, delta, "add_group item %d's delta" % position)
    text = _apply_delta(revlog, node, base, delta)
    check_size(revlog, text)
    node = hash_check(revlog, node, text, p1, p2, flags)
    writer.append(node, text, p1r, p2r, linkrev, flags, computer, cached=(base, delta))
    return node


def _apply_delta(revlog, node: bytes, base: int, delta: bytes) -> bytes:
    """The text the received delta makes of its base's stored text."""
    if base != C.NULL_REV and revlog.flags(base) & C.REVIDX_ISCENSORED:
        # a censored base has no readable text: only a whole replacement applies
        header = delta[:12]
        rawsize = revlog.index[base][C.ENTRY_RAW_LEN]
        if len(header) == 12 and header == replacement_header(rawsize, len(delta) - 12):
            return delta[12:]
        raise errors.CorruptedData("%s: the delta for %s is against censored revision %d and does "
                                   "not replace its whole text" % (revlog.name, node.hex(), base))
    base_text = revlog._rawtext(base, revlog.index[base]) if base != C.NULL_REV else b""
    try:
        return revlog.backend.patches(base_text, [delta])
    except errors.CorruptedData as exc:
        raise errors.CorruptedData("%s: bad delta for %s: %s" % (revlog.name, node.hex(), exc)) from None

