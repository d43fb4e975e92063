"""Where a repository keeps its revlogs: store layouts and path encoding.

A tracked file's filelog is ``data/<path>.i`` (and ``.d``) inside the store,
but the name on disk depends on the store's requirements (Mercurial 7.2.4):

  no ``store``       ``.hg/data/...``, only directory names are escaped
                     (``x.i/`` -> ``x.i.hg/``: a directory cannot clash with a revlog)
  ``store``          ``.hg/store/data/...``, also reversibly escaped: an upper-case
                     letter or ``_`` becomes ``_`` + lower case, control, high and
                     Windows-reserved bytes become ``~xx`` (hex)
  ``fncache``        as ``store``, and Windows-reserved names (``aux``, ``com1``...)
                     are escaped, a name ending in ``.`` or space too; a name
                     longer than 120 bytes becomes ``dh/<short dirs>/<stem><sha1>.ext``;
                     the ``fncache`` file lists every store file
  ``dotencode``      with ``fncache``: a leading ``.`` or space is escaped as well
  ``fileindex-v1``   dotencode names; the file index lists the tracked files

Every store file is encoded on its own (a hashed ``.i`` and its ``.d`` get
different hashes).  Nothing here writes to the repository.
"""
import hashlib
import os
import posixpath
import re
import struct
from typing import Callable, Collection, List, Optional

from revlog import errors, fileio

MAX_STORE_PATH = 120        # longer encoded paths are hashed
HASHED_DIR_PREFIX = 8       # bytes kept of each directory of a hashed path
HASHED_DIRS_MAX = 8 * (HASHED_DIR_PREFIX + 1) - 4   # room for those directories
FNCACHE = "fncache"

# Windows device names, reserved whatever their extension
_RESERVED_3 = frozenset([b"aux", b"con", b"prn", b"nul"])
_RESERVED_4 = frozenset([b"com", b"lpt"])   # followed by a digit 1-9
_WINDOWS_SPECIALS = b'\\:*?"<>|'


def _escape(byte: int) -> bytes:
    return b"~%02x" % byte


def _needs_escape(byte: int) -> bool:
    return byte < 32 or byte >= 126 or byte in _WINDOWS_SPECIALS


def _build_tables():
    reversible = []
    lowered = []
    for byte in range(256):
        char = bytes([byte])
        if _needs_escape(byte):
            reversible.append(_escape(byte))
            lowered.append(_escape(byte))
        elif ord("A") <= byte <= ord("Z"):
            reversible.append(b"_" + char.lower())
            lowered.append(char.lower())
        elif char == b"_":
            reversible.append(b"__")
            lowered.append(char)
        else:
            reversible.append(char)
            lowered.append(char)
    return reversible, lowered


_REVERSIBLE, _LOWERED = _build_tables()
_UNDECODE = {code: bytes([byte]) for byte, code in enumerate(_REVERSIBLE)}
_PLAIN = re.compile(rb"[^\x00-\x1f\x7e-\xff\\:*?\"<>|A-Z_]*\Z")
_DIR_SUFFIX = re.compile(rb"\.(i|d|hg)/")
_DIR_SUFFIX_ENCODED = re.compile(rb"\.(i|d|hg)\.hg/")


# ---- the encodings ---------------------------------------------------------

def encode_dir(path: bytes) -> bytes:
    """Append ``.hg`` to directory names ending in ``.i``, ``.d`` or ``.hg``."""
    return _DIR_SUFFIX.sub(rb".\1.hg/", path)


def decode_dir(path: bytes) -> bytes:
    """Undo encode_dir."""
    return _DIR_SUFFIX_ENCODED.sub(rb".\1/", path)


def _escape_name(path: bytes) -> bytes:
    if _PLAIN.match(path):
        return path
    table = _REVERSIBLE
    return b"".join([table[byte] for byte in path])


def encode_filename(path: bytes) -> bytes:
    """The reversible encoding of a store without fncache (``_x`` and ``~xx``)."""
    return _escape_name(encode_dir(path))


def decode_filename(name: bytes) -> bytes:
    """Undo encode_filename; CorruptedIndex if name is not such an encoding."""
    out = []
    i = 0
    while i < len(name):
        for width in (1, 2, 3):
            piece = _UNDECODE.get(name[i:i + width])
            if piece is not None:
                out.append(piece)
                i += width
                break
        else:
            raise errors.CorruptedIndex("undecodable store file name %r" % name)
    return decode_dir(b"".join(out))


def _lower_escape(path: bytes) -> bytes:
    table = _LOWERED
    return b"".join([table[byte] for byte in path])


def _escape_reserved(parts: List[bytes], dotencode: bool) -> List[bytes]:
    """Escape Windows device names, and names ending in a dot or a space.

    With dotencode, a leading dot or space is escaped instead of a device
    name.  Expects names with upper case already escaped (reserved names
    are matched in lower case only).
    """
    out = []
    for name in parts:
        if name:
            if dotencode and name[:1] in (b".", b" "):
                name = _escape(name[0]) + name[1:]
            else:
                stem = name.split(b".", 1)[0]
                if stem in _RESERVED_3 or (
                        len(stem) == 4 and stem[:3] in _RESERVED_4 and b"1" <= stem[3:] <= b"9"):
                    name = name[:2] + _escape(name[2]) + name[3:]
            if name[-1:] in (b".", b" "):
                name = name[:-1] + _escape(name[-1])
        out.append(name)
    return out


def _hashed(path: bytes, dotencode: bool) -> bytes:
    """The ``dh/`` form of a (dir-encoded) ``data/...`` path too long to store."""
    digest = hashlib.sha1(path).hexdigest().encode("ascii")
    parts = _escape_reserved(_lower_escape(path[5:]).split(b"/"), dotencode)
    basename = parts[-1]
    extension = posixpath.splitext(basename)[1]
    dirs = []
    used = 0
    for part in parts[:-1]:
        short = part[:HASHED_DIR_PREFIX]
        if short[-1:] in (b".", b" "):
            short = short[:-1] + b"_"
        grown = len(short) if not dirs else used + 1 + len(short)
        if dirs and grown > HASHED_DIRS_MAX:
            break
        dirs.append(short)
        used = grown
    prefix = b"dh/" + b"".join(d + b"/" for d in dirs)
    room = MAX_STORE_PATH - len(prefix + digest + extension)
    filler = basename[:room] if room > 0 else b""
    return prefix + filler + digest + extension


def encode_fncache(path: bytes, dotencode: bool = True) -> bytes:
    """The encoding of a fncache store: reversible escapes, reserved names, hashing."""
    dir_encoded = encode_dir(path)
    parts = _escape_reserved(_escape_name(dir_encoded).split(b"/"), dotencode)
    encoded = b"/".join(parts)
    if len(encoded) > MAX_STORE_PATH:
        return _hashed(dir_encoded, dotencode)
    return encoded


# ---- store layouts ---------------------------------------------------------

class Store:
    """The store of a repository: where its revlogs are and which files it tracks.

    `root` is the directory holding ``00changelog.i`` (``.hg/store`` or
    ``.hg``); `encode` maps a store path (``data/a/B.txt.i``) to its name on
    disk, relative to root.
    """

    def __init__(self, root: str, layout: str, encode: Callable[[bytes], bytes]):
        self.root = root
        self.layout = layout
        self.encode = encode

    def __repr__(self) -> str:
        return "<Store %s at %s>" % (self.layout, self.root)

    def path(self, store_path: bytes) -> str:
        """The file system path of a store file (e.g. b"data/README.i")."""
        return os.path.join(self.root, os.fsdecode(self.encode(store_path)))

    def tracked_files(self, warn: Optional[Callable[[str], None]] = None) -> List[bytes]:
        """Every tracked path that has a filelog, sorted.

        warn: told about each store file skipped because its name is no
        store encoding (a stray file; Mercurial ignores it too).
        """
        names = self._filelog_index_paths(warn or _ignore)
        found = [name[5:-2] for name in names if name.startswith(b"data/") and name.endswith(b".i")]
        return sorted(set(found))

    def _filelog_index_paths(self, warn: Callable[[str], None]) -> List[bytes]:
        """Store paths (data/...) of the filelogs, as the layout records them."""
        return [decode_dir(p) for p in _walk_revlogs(self.root, "data")]


class EncodedStore(Store):
    """A ``store`` without fncache: names are reversibly encoded, so a walk finds them."""

    def _filelog_index_paths(self, warn: Callable[[str], None]) -> List[bytes]:
        decoded = []
        for name in _walk_revlogs(self.root, "data"):
            try:
                decoded.append(decode_filename(name))
            except errors.CorruptedIndex as exc:
                warn("%s: skipped" % exc)
        return decoded


class FncacheStore(Store):
    """A store whose ``fncache`` file lists its data files."""

    def _filelog_index_paths(self, warn: Callable[[str], None]) -> List[bytes]:
        return read_fncache(os.path.join(self.root, FNCACHE))


class FileIndexStore(Store):
    """A store whose file index (``fileindex`` docket and its files) lists tracked files."""

    def tracked_files(self, warn: Optional[Callable[[str], None]] = None) -> List[bytes]:
        """Every tracked path the file index lists, sorted (warn: unused, it has no names to skip)."""
        return sorted(set(read_fileindex(self.root)))


def _ignore(_message: str) -> None:
    pass


def _walk_revlogs(root: str, top: str) -> List[bytes]:
    """Store-relative paths (with "/") of the .i files below root/top."""
    found = []
    base = os.path.join(root, top)
    for directory, _dirs, files in os.walk(base):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        for name in files:
            if name.endswith(".i"):
                found.append(os.fsencode(relative + "/" + name))
    return found


class FncacheUnreadable(errors.CorruptedIndex, OSError):
    """The fncache is no regular file, or too large to read.

    Also an OSError: to ``hg verify`` an fncache it cannot read (a
    directory, say) is a warning, not a corrupted store.
    """


def read_fncache(path: str) -> List[bytes]:
    """The entries of a fncache file (decoded store paths); [] if it is missing."""
    try:
        data = fileio.read_regular(path, FncacheUnreadable, fileio.PATH_LIST_MAX_SIZE)
    except FileNotFoundError:
        return []
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise errors.CorruptedIndex("fncache does not end with a newline: %s" % path)
    entries = decode_dir(data).split(b"\n")[:-1]
    for number, entry in enumerate(entries, 1):
        if not entry:
            raise errors.CorruptedIndex("empty entry in fncache, line %d: %s" % (number, path))
    return entries


# ---- the file index (fileindex-v1) ------------------------------------------

FILEINDEX_MARKER = b"fileindex-v1"
# marker, used sizes of the list, meta and tree files, their three ids, then
# the tree root, unused tree bytes and flags; a garbage list follows
FILEINDEX_DOCKET = struct.Struct(">%dsIII8s8s8sIII" % len(FILEINDEX_MARKER))
# per token: offset and length of its path in the list file, dirname length
FILEINDEX_META = struct.Struct(">IHH")
FILEINDEX_UNSET_ID = b"0" * 8


def read_fileindex(root: str) -> List[bytes]:
    """The tracked paths of a fileindex-v1 store, in token order."""
    try:
        docket = fileio.read_regular(os.path.join(root, "fileindex"), errors.CorruptedIndex,
                                     fileio.METADATA_MAX_SIZE)
    except FileNotFoundError:
        return []
    if len(docket) < FILEINDEX_DOCKET.size:
        raise errors.CorruptedIndex("file index docket is truncated")
    (marker, list_size, meta_size, _tree_size, list_id, meta_id, _tree_id,
     _root, _unused, _flags) = FILEINDEX_DOCKET.unpack_from(docket)
    if marker != FILEINDEX_MARKER:
        raise errors.CorruptedIndex("file index docket has an unknown marker %r" % marker)
    paths = _fileindex_part(root, b"fileindex-list.", list_id, list_size)
    meta = _fileindex_part(root, b"fileindex-meta.", meta_id, meta_size)
    found = []
    entry = FILEINDEX_META.size
    for pos in range(entry, len(meta) - entry + 1, entry):  # token 0 is the root
        offset, length, _dirname = FILEINDEX_META.unpack_from(meta, pos)
        if offset + length > len(paths):
            raise errors.CorruptedIndex("file index entry %d points past its list file" % (pos // entry))
        found.append(bytes(paths[offset:offset + length]))
    return found


def _fileindex_part(root: str, prefix: bytes, file_id: bytes, size: int) -> bytes:
    if file_id == FILEINDEX_UNSET_ID:
        return b""
    if not fileio.is_file_id(file_id):
        raise errors.CorruptedIndex("the file index names a file by an invalid id %r" % file_id)
    path = os.path.join(root, os.fsdecode(prefix + file_id))
    if size > fileio.PATH_LIST_MAX_SIZE:
        raise errors.CorruptedIndex("the file index says %s has %d bytes, more than the %d such a file may have"
                                    % (path, size, fileio.PATH_LIST_MAX_SIZE))
    try:
        with fileio.open_regular(path, errors.CorruptedIndex) as fp:
            data = fileio.pread_bounded(fp.fileno(), 0, size)
    except FileNotFoundError:
        raise errors.CorruptedIndex("the file index names %s, which is missing" % path) from None
    if len(data) < size:
        raise errors.CorruptedIndex("%s has %d bytes, the file index says %d" % (path, len(data), size))
    return data


def for_requirements(hg_dir: str, store_dir: str, requirements: Collection[str]) -> Store:
    """The store layout the requirements (already checked) select."""
    if "store" not in requirements:
        return Store(hg_dir, "basic", encode_dir)
    if "fncache" in requirements:
        dotencode = "dotencode" in requirements
        return FncacheStore(store_dir, "fncache" + ("+dotencode" if dotencode else ""),
                            lambda path: encode_fncache(path, dotencode))
    if "fileindex-v1" in requirements:
        return FileIndexStore(store_dir, "fileindex-v1", encode_fncache)
    return EncodedStore(store_dir, "encoded", encode_filename)


def filelog_path(path: bytes, suffix: bytes = b".i") -> bytes:
    """The store path of a tracked file's filelog file (not yet encoded)."""
    return b"data/" + path + suffix


def check_tracked_path(path: bytes) -> Optional[str]:
    """Why path cannot be a tracked file's path, or None if it can."""
    if not path:
        return "empty path"
    if b"\n" in path or b"\r" in path or b"\0" in path:
        return "path contains a newline or NUL byte"
    if any(part in (b"", b".", b"..") for part in path.split(b"/")):
        return "path is not relative to the repository root, or not normalized"
    return None
