"""Manifests: which file revision every tracked path has in a changeset.

A manifest text has one line per path, sorted by path:

    <path>\\0<filelog node, 40 hex digits><flag>\\n

where the flag is empty, ``x`` (executable), ``l`` (symlink) or ``t`` (a
tree-manifest directory).  `Manifest` answers single lookups by searching
the text and parses every line only when the whole mapping is used;
`new_entries` reads only the lines a stored delta inserts, which is what a
walk over every manifest revision (verify) needs.
"""
import binascii
import struct
from itertools import islice
from typing import Dict, Iterator, Mapping, Optional, Tuple

from revlog import errors
from revlog.constants import NULL_REV

FLAGS = (b"", b"x", b"l", b"t")
HEX_NODE_SIZE = 40
DELTA_HUNK = struct.Struct(">lll")   # start, end, length of the inserted data

Entry = Tuple[bytes, bytes]   # (filelog node, flag)


def _entry(line: bytes, number: int) -> Tuple[bytes, Entry]:
    path, nul, rest = line.partition(b"\0")
    flag = rest[HEX_NODE_SIZE:]
    if not nul or not path or len(rest) < HEX_NODE_SIZE or flag not in FLAGS:
        raise ValueError("line %d is malformed: %r" % (number, line[:200]))
    try:
        node = binascii.unhexlify(rest[:HEX_NODE_SIZE])
    except ValueError:
        raise ValueError("line %d has a malformed node: %r" % (number, line[:200])) from None
    return path, (node, flag)


def _check_lines(lines) -> None:
    """Raise ValueError naming the first malformed line."""
    for number, line in enumerate(lines, 1):
        _entry(line, number)


def parse_manifest(text: bytes) -> Dict[bytes, Entry]:
    """Every entry of a manifest text, in order: {path: (node, flag)}.

    ValueError (naming the line) if the text is malformed or not sorted.
    """
    if not text:
        return {}
    if text[-1:] != b"\n":
        raise ValueError("the text does not end with a newline")
    lines = bytes(text).split(b"\n")
    lines.pop()
    entries = {}
    unhex = binascii.unhexlify
    flagged = HEX_NODE_SIZE + 1
    try:   # the usual lines inline; anything else gets _entry's checks and message
        for line in lines:
            path, _nul, rest = line.partition(b"\0")
            if len(rest) == HEX_NODE_SIZE:
                entries[path] = (unhex(rest), b"")
            elif len(rest) == flagged and rest[HEX_NODE_SIZE:] in FLAGS:
                entries[path] = (unhex(rest[:HEX_NODE_SIZE]), rest[HEX_NODE_SIZE:])
            else:
                raise ValueError
    except ValueError:
        _check_lines(lines)
        raise   # not reached: _check_lines raises
    if b"" in entries:
        _check_lines(lines)
    # lines sort as their paths do (NUL sorts first); equal paths leave fewer entries
    if len(entries) != len(lines) or lines != sorted(lines):
        for number, (a, b) in enumerate(zip(lines, islice(lines, 1, None)), 2):
            if a.partition(b"\0")[0] >= b.partition(b"\0")[0]:
                raise ValueError("line %d is out of order or repeats a path" % number)
    return entries


class Manifest(Mapping[bytes, Entry]):
    """A manifest: path -> (filelog node, flag), read from its text on demand.

    `name` says where the text comes from, for error messages; a malformed
    text raises CorruptedData when the part that is wrong is read.
    """

    def __init__(self, text: bytes, name: str = "manifest"):
        self.text = bytes(text)
        self.name = name
        self._entries: Optional[Dict[bytes, Entry]] = None

    def _parsed(self) -> Dict[bytes, Entry]:
        if self._entries is None:
            try:
                self._entries = parse_manifest(self.text)
            except ValueError as exc:
                raise errors.CorruptedData("%s: %s" % (self.name, exc)) from None
        return self._entries

    def _find(self, path: bytes) -> Optional[Entry]:
        if self._entries is not None:
            return self._entries.get(path)
        if not path or b"\n" in path or b"\0" in path:
            return None
        text = self.text
        key = path + b"\0"
        if text.startswith(key):
            start = 0
        else:
            start = text.find(b"\n" + key) + 1
            if not start:
                return None
        end = text.find(b"\n", start)
        try:
            if end < 0:
                raise ValueError("the text does not end with a newline")
            return _entry(text[start:end], text.count(b"\n", 0, start) + 1)[1]
        except ValueError as exc:
            raise errors.CorruptedData("%s: %s" % (self.name, exc)) from None

    def __getitem__(self, path: bytes) -> Entry:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path) -> bool:
        return isinstance(path, bytes) and self._find(path) is not None

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())

    def items(self):
        """(path, (node, flag)) for every entry, in path order (the dict's own view)."""
        return self._parsed().items()

    def values(self):
        """(node, flag) of every entry, in path order."""
        return self._parsed().values()

    def node(self, path: bytes) -> bytes:
        """The filelog node of path (KeyError if not in the manifest)."""
        return self[path][0]

    def flags(self, path: bytes) -> bytes:
        """The flag of path: b"", b"x", b"l" or b"t"."""
        return self[path][1]


def delta_text(delta: bytes) -> bytes:
    """The data a delta inserts, its hunks' data in order (ValueError if malformed)."""
    pieces = []
    pos = 0
    size = len(delta)
    while pos < size:
        if pos + DELTA_HUNK.size > size:
            raise ValueError("delta hunk header truncated at byte %d" % pos)
        _start, _end, length = DELTA_HUNK.unpack_from(delta, pos)
        pos += DELTA_HUNK.size
        if length < 0 or pos + length > size:
            raise ValueError("delta hunk at byte %d runs past the end" % (pos - DELTA_HUNK.size))
        pieces.append(delta[pos:pos + length])
        pos += length
    return b"".join(pieces)


def new_entries(manifest_log, rev: int) -> Dict[bytes, Entry]:
    """The entries manifest revision rev adds or changes against its delta parent.

    Read from the stored delta alone (every entry for a full snapshot), as
    Mercurial's verify does: cheap whatever the size of the manifest.
    Raises revlog.errors exceptions; CorruptedData for a malformed delta.
    """
    full = manifest_log.deltaparent(rev) == NULL_REV
    # else the stored chunk of rev, decompressed: its delta against the delta parent
    stored = manifest_log.rawdata(rev) if full else manifest_log._chunks([rev])[0]
    try:
        return parse_manifest(stored if full else delta_text(stored))
    except ValueError as exc:
        raise errors.CorruptedData("%s: revision %d: %s" % (manifest_log.name, rev, exc)) from None


def read_manifest(manifest_log, rev: int) -> Manifest:
    """Manifest revision rev of the manifest Revlog (hash checked)."""
    return Manifest(manifest_log.revision(rev), "%s: revision %d" % (manifest_log.name, rev))
