"""Hand-built revlogs for tests: formats Mercurial no longer writes (v0) and
small, exactly known files to corrupt.

Deliberately simple and independent of revlog's own code: every revision is
stored as a full text or as one whole-text replacement delta against the
previous revision, so what is on disk is obvious from the inputs.
"""
import hashlib
import os
import struct
import zlib
from typing import List, Optional, Sequence, Tuple

NULL = b"\0" * 20
V0_ENTRY = struct.Struct(">4l20s20s20s")
V1_ENTRY = struct.Struct(">Qiiiiii20s12x")
FLAG_INLINE = 1 << 16
FLAG_GENERALDELTA = 1 << 17


def node_of(text: bytes, p1: bytes, p2: bytes) -> bytes:
    """Mercurial's node: SHA-1 of the sorted parents and the text."""
    a, b = sorted((p1, p2))
    return hashlib.sha1(a + b + text).digest()


def store(data: bytes, compress: bool) -> bytes:
    """A chunk as revlogs store it: zlib when asked and smaller, else 'u'."""
    if compress:
        packed = zlib.compress(data)
        if len(packed) < len(data):
            return packed
    if not data or data[:1] == b"\0":
        return data
    return b"u" + data


def replace_all(old: bytes, new: bytes) -> bytes:
    """A delta replacing the whole old text by new."""
    return struct.pack(">lll", 0, len(old), len(new)) + new


class Rev:
    """One revision to write: text, parent revs and whether to store a delta."""

    def __init__(self, text: bytes, p1: int = -1, p2: int = -1, delta: bool = False, flags: int = 0):
        self.text, self.p1, self.p2, self.delta, self.flags = text, p1, p2, delta, flags


def build(revs: Sequence[Rev], version: int = 1, inline: bool = False,
          compress: bool = True) -> Tuple[bytes, bytes, List[bytes]]:
    """Pack revisions; return (index bytes, data bytes, nodes).

    v1 revlogs are written without generaldelta (deltas against rev-1);
    v0 has no header and keeps parents as nodes.  For an inline v1 revlog
    the data bytes are empty: the chunks follow their entries in the index.
    """
    nodes: List[bytes] = []
    entries = []
    chunks = []
    offset = 0
    base = 0
    for rev, r in enumerate(revs):
        p1 = nodes[r.p1] if r.p1 >= 0 else NULL
        p2 = nodes[r.p2] if r.p2 >= 0 else NULL
        node = node_of(r.text, p1, p2)
        if r.delta and rev > 0:
            chunk = store(replace_all(revs[rev - 1].text, r.text), compress)
        else:
            chunk = store(r.text, compress)
            base = rev
        if version == 0:
            entries.append(V0_ENTRY.pack(offset, len(chunk), base, rev, p1, p2, node))
        else:
            entries.append(V1_ENTRY.pack(offset << 16 | r.flags, len(chunk), len(r.text), base,
                                         rev, r.p1, r.p2, node))
        chunks.append(chunk)
        offset += len(chunk)
        nodes.append(node)
    if version == 1 and entries:
        header = struct.pack(">I", 1 | (FLAG_INLINE if inline else 0))
        entries[0] = header + entries[0][4:]
    if version == 1 and inline:
        return b"".join(e + c for e, c in zip(entries, chunks)), b"", nodes
    return b"".join(entries), b"".join(chunks), nodes


def write(directory: str, name: str, revs: Sequence[Rev], **options) -> Tuple[str, List[bytes]]:
    """Write name.i (and name.d) under directory; return (index path, nodes)."""
    index, data, nodes = build(revs, **options)
    path = os.path.join(directory, name + ".i")
    with open(path, "wb") as f:
        f.write(index)
    if data:
        with open(os.path.join(directory, name + ".d"), "wb") as f:
            f.write(data)
    return path, nodes


def sample_revs(count: int = 12, size: int = 300) -> List[Rev]:
    """A small history: linear with a branch and a merge, some deltas, an empty text."""
    revs: List[Rev] = []
    for i in range(count):
        text = b"".join(b"line %d of revision %d\n" % (j, i) for j in range(size // 25 + i))
        if i == 5:
            text = b""
        p1 = i - 1
        p2 = -1
        if i == 8:
            p1, p2 = 7, 4
        revs.append(Rev(text, p1, p2, delta=i % 3 != 0))
    return revs


def read_with_mercurial(hg, index_path: str) -> Optional[list]:
    """Every revision text as Mercurial's own revlog code reads it."""
    from mercurial import revlog as hgrevlog
    from mercurial import vfs as vfsmod
    from mercurial.revlogutils import constants

    directory, filename = os.path.split(index_path)
    opener = vfsmod.vfs(directory.encode())
    opener.options = {}
    rl = hgrevlog.revlog(opener, target=(constants.KIND_OTHER, b"test"), radix=filename[:-2].encode())
    return [rl.revision(rev) for rev in range(len(rl))]
