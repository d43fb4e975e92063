"""A Mercurial repository, read without Mercurial: ``revlog.repo.open(path)``.

    repo = revlog.repo.open("path/to/repo")
    repo.changelog, repo.manifest, repo.file(b"src/main.c")    # Revlog objects
    cs = repo.changeset(5)            # Changeset: manifest, user, date, extras, files, ...
    mf = repo.manifest_at(5)          # Manifest: {path: (filelog node, flag)}
    repo.file_text(b"src/main.c", mf.node(b"src/main.c"))      # content, metadata stripped
    repo.tracked_files()              # every path with a filelog (fncache, file index, walk)
    repo.lookup("tip")                # a revision symbol -> changelog revision

Opening reads ``.hg/requires`` (and ``.hg/store/requires`` for share-safe
repositories, through ``.hg/sharedpath`` for shares) and refuses any
requirement this module does not know.  Nothing here ever writes to the
repository: files are opened for reading only.
"""
import os
from collections import OrderedDict
from typing import Callable, FrozenSet, List, Optional, Tuple, Union

from revlog import errors, fileio, store
from revlog.changelog import Changeset, parse_changeset, read_changeset
from revlog.constants import CHANGELOGV2, INDEX_HEADER, NULL_NODE, NULL_REV, REVLOGV2
from revlog.filelog import copy_source, split_metadata, strip_metadata
from revlog.manifest import Manifest, read_manifest
from revlog.revlog import Docket, Revlog
from revlog.revlog import open as open_revlog
from revlog.symbols import hex_prefix, revision_number

# Requirements this package reads correctly.  Working-copy and cache
# requirements (dirstate, persistent nodemap, phases, bookmarks, sparse
# checkouts) do not change how the store is read.
SUPPORTED_REQUIREMENTS = frozenset([
    "revlogv1", "store", "fncache", "dotencode", "fileindex-v1",
    "generaldelta", "sparserevlog", "delta-info-revlog", "revlog-compression-zstd",
    "exp-changelog-v2", "exp-revlogv2.2",
    "share-safe", "shared", "relshared",
    "persistent-nodemap", "dirstate-v2", "dirstate-tracked-key-v1",
    "bookmarksinstore", "internal-phase-2", "exp-archived-phase", "exp-sparse",
])

CHANGELOG = b"00changelog.i"
FILELOG_CACHE_COUNT = 8   # filelogs kept open for file_revision (reading a file's history in turn)
MANIFEST = b"00manifest.i"

RevOrNode = Union[int, bytes]


class RepositoryError(errors.RevlogError):
    """The directory is not a repository this package can read."""


def _read_requirements(directory: str, required: bool) -> FrozenSet[str]:
    path = os.path.join(directory, "requires")
    try:
        data = fileio.read_regular(path, RepositoryError, fileio.METADATA_MAX_SIZE)
    except FileNotFoundError:
        if required:
            raise RepositoryError("%s is missing (share-safe repositories need it)" % path) from None
        return frozenset()
    found = set()
    for line in data.splitlines():
        try:
            name = line.decode("ascii")
        except UnicodeDecodeError:
            name = ""
        if not name[:1].isalnum():
            raise RepositoryError("%s is corrupt: bad line %r" % (path, line[:80]))
        found.add(name)
    return frozenset(found)


def _shared_hg_dir(hg_dir: str, requirements: FrozenSet[str]) -> str:
    """The .hg directory whose store a share uses (hg_dir itself if not a share)."""
    if "shared" not in requirements and "relshared" not in requirements:
        return hg_dir
    path = os.path.join(hg_dir, "sharedpath")
    try:
        target = os.fsdecode(fileio.read_regular(path, RepositoryError, fileio.METADATA_MAX_SIZE).rstrip(b"\n"))
    except FileNotFoundError:
        raise RepositoryError("%s is a share but has no .hg/sharedpath" % hg_dir) from None
    if "relshared" in requirements:
        target = os.path.normpath(os.path.join(hg_dir, target))
    if not os.path.isdir(target):
        raise RepositoryError("the share source %s does not exist" % target)
    return target


class Repository:
    """A repository opened for reading; see the module docstring."""

    def __init__(self, root: str, backend=None):
        self.root = os.path.abspath(root)
        self.hg_dir = os.path.join(self.root, ".hg")
        self.backend = backend
        if not os.path.isdir(self.hg_dir):
            raise RepositoryError("no repository found at %s (no .hg directory)" % root)
        requirements = _read_requirements(self.hg_dir, required=False)
        self.store_base = _shared_hg_dir(self.hg_dir, requirements)
        store_dir = os.path.join(self.store_base, "store")
        if "share-safe" in requirements:
            requirements |= _read_requirements(store_dir, required=True)
        unknown = sorted(requirements - SUPPORTED_REQUIREMENTS)
        if unknown:
            raise RepositoryError("repository %s requires features revlog does not support: %s"
                                  % (self.root, ", ".join(unknown)))
        self.requirements = requirements
        self.store = store.for_requirements(self.store_base, store_dir, requirements)
        self._changelog: Optional[Revlog] = None
        self._manifest: Optional[Revlog] = None
        self._filelogs: "OrderedDict[bytes, Revlog]" = OrderedDict()   # file_revision's, recent last

    def __repr__(self) -> str:
        return "<Repository %s>" % self.root

    def __enter__(self) -> "Repository":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the revlogs opened so far (their files close when unused)."""
        for rl in [self._changelog, self._manifest] + list(self._filelogs.values()):
            if rl is not None:
                rl.close()
        self._changelog = self._manifest = None
        self._filelogs.clear()

    # ---- revlogs -----------------------------------------------------------

    def open_revlog(self, store_path: bytes) -> Revlog:
        """Open the revlog whose index is store_path (e.g. b"data/a.txt.i"), encoded as the store says.

        A missing index is an empty revlog.
        """
        index_path = self.store.path(store_path)
        radix = store_path[:-2]
        # kind: how hg would write to it (a hashed filelog's name does not say)
        kind = {CHANGELOG: "changelog", MANIFEST: "manifest"}.get(store_path, "filelog")
        options = {"data_path": self.store.path(radix + b".d"), "kind": kind}
        if "sparserevlog" not in self.requirements:
            options["sparse"] = False
        docket = self._docket(index_path)
        if docket is not None:
            options["docket_index_path"] = self.store.path(b"%s-%s.idx" % (radix, docket.index_uuid))
            options["data_path"] = self.store.path(b"%s-%s.dat" % (radix, docket.data_uuid))
        return open_revlog(index_path, backend=self.backend, **options)

    def _docket(self, index_path: str) -> Optional[Docket]:
        """The docket if index_path is a v2 revlog's (its files are named by uuid)."""
        if "exp-revlogv2.2" not in self.requirements and "exp-changelog-v2" not in self.requirements:
            return None
        try:
            with fileio.open_regular(index_path, errors.CorruptedIndex) as f:
                header = fileio.pread_bounded(f.fileno(), 0, INDEX_HEADER.size)
                if len(header) < INDEX_HEADER.size:
                    return None
                if INDEX_HEADER.unpack(header)[0] & 0xFFFF not in (REVLOGV2, CHANGELOGV2):
                    return None  # a v1 index (exp-changelog-v2 only), which may be large
                data = fileio.read_open(f, index_path, errors.CorruptedIndex, fileio.METADATA_MAX_SIZE)
        except FileNotFoundError:
            return None
        return Docket.parse(data, os.path.basename(index_path))

    @property
    def changelog(self) -> Revlog:
        """The changelog: one revision per changeset."""
        if self._changelog is None:
            self._changelog = self.open_revlog(CHANGELOG)
        return self._changelog

    @property
    def manifest(self) -> Revlog:
        """The manifest revlog: one revision per distinct manifest."""
        if self._manifest is None:
            self._manifest = self.open_revlog(MANIFEST)
        return self._manifest

    def file(self, path: bytes) -> Revlog:
        """The filelog of a tracked path (an empty Revlog if it has none).

        ValueError for a path that cannot be tracked (empty, absolute, with
        ``..`` or NUL): it must not name a file outside the store.
        """
        problem = store.check_tracked_path(path)
        if problem is not None:
            raise ValueError("invalid tracked path %r: %s" % (path, problem))
        return self.open_revlog(store.filelog_path(path))

    def tracked_files(self, warn: Optional[Callable[[str], None]] = None) -> List[bytes]:
        """Every path with a filelog, sorted (from fncache, the file index, or the store).

        warn: told about each stray store file skipped (a name no encoding makes).
        """
        return self.store.tracked_files(warn)

    # ---- parsed views -----------------------------------------------------

    def _rev(self, rev_or_node: RevOrNode) -> int:
        changelog = self.changelog
        if isinstance(rev_or_node, int):
            if not NULL_REV <= rev_or_node < len(changelog):
                raise errors.RevisionNotFound("no changeset %d (the repository has %d)"
                                              % (rev_or_node, len(changelog)))
            return rev_or_node
        return changelog.rev(rev_or_node)

    def changeset(self, rev_or_node: RevOrNode) -> Changeset:
        """The changeset at a changelog revision or node, parsed (rev -1: the null changeset)."""
        rev = self._rev(rev_or_node)
        if rev == NULL_REV:
            return parse_changeset(b"")
        return read_changeset(self.changelog, rev)

    def manifest_at(self, rev_or_node: RevOrNode) -> Manifest:
        """The manifest of a changeset (revision or node): path -> (filelog node, flag)."""
        node = self.changeset(rev_or_node).manifest
        if node == NULL_NODE:
            return Manifest(b"", "empty manifest")
        return read_manifest(self.manifest, self.manifest.rev(node))

    def file_revision(self, path: bytes, filenode: bytes) -> Tuple[bytes, Optional[Tuple[bytes, bytes]]]:
        """(content, copy source) of a file revision; copy source is (path, node) or None.

        A revision records a copy only with a null first parent, as in Mercurial.
        """
        filelog = self._cached_file(path)
        text = filelog.revision(filenode)
        try:
            meta, content = split_metadata(text)
            source = copy_source(meta) if filelog.parents(filenode)[0] == NULL_NODE else None
        except ValueError as exc:
            raise _bad_file_revision(filelog, filenode, exc) from None
        return content, source

    def file_text(self, path: bytes, filenode: bytes) -> bytes:
        """The content of a file revision (a metadata block stripped unread, as Mercurial)."""
        filelog = self._cached_file(path)
        try:
            return strip_metadata(filelog.revision(filenode))
        except ValueError as exc:
            raise _bad_file_revision(filelog, filenode, exc) from None

    def _cached_file(self, path: bytes) -> Revlog:
        """file(path), kept open among the few most recently read."""
        filelog = self._filelogs.pop(path, None)
        if filelog is None:
            filelog = self.file(path)
        self._filelogs[path] = filelog
        if len(self._filelogs) > FILELOG_CACHE_COUNT:
            self._filelogs.popitem(last=False)[1].close()
        return filelog

    def file_copy(self, path: bytes, filenode: bytes) -> Optional[Tuple[bytes, bytes]]:
        """(source path, source node) if this file revision is a copy or rename, else None."""
        return self.file_revision(path, filenode)[1]

    # ---- revisions by name ------------------------------------------------

    def heads(self) -> List[int]:
        """The changelog revisions without children, ascending."""
        return sorted(rev for rev in self.changelog.index.headrevs() if rev != NULL_REV)

    def lookup(self, symbol: str) -> int:
        """The changelog revision a symbol names.

        ``tip``, ``null``; an integer (negative counts from the end: -1 is
        the tip); otherwise a unique prefix of a node in hex.  ``.`` (the
        working directory's parent) is refused: this package reads the
        store, not the working copy.
        """
        changelog = self.changelog
        count = len(changelog)
        if symbol == "tip":
            return count - 1
        if symbol == "null":
            return NULL_REV
        if symbol == ".":
            raise errors.RevisionNotFound("'.' names the working directory's parent, which revlog "
                                          "does not read; give a revision number or node")
        number = revision_number(symbol, count)
        if number is not None:
            return number
        return self._lookup_prefix(symbol)

    def _lookup_prefix(self, symbol: str) -> int:
        prefix = hex_prefix(symbol)
        if prefix is None:
            raise errors.RevisionNotFound("unknown revision %r" % symbol)
        ambiguous = errors.AmbiguousPrefix("ambiguous revision prefix %r" % symbol)
        try:
            node = self.changelog.index.partialmatch(prefix)
        except errors.AmbiguousPrefix:
            raise ambiguous from None
        names_null = NULL_NODE.hex().encode("ascii").startswith(prefix)
        if node is None:
            if names_null:
                return NULL_REV
            raise errors.RevisionNotFound("unknown revision %r" % symbol)
        if names_null and node != NULL_NODE:
            raise ambiguous
        return self.changelog.rev(node)


def _bad_file_revision(filelog: Revlog, filenode: bytes, problem: ValueError) -> errors.CorruptedData:
    return errors.CorruptedData("%s: revision %d: %s" % (filelog.name, filelog.rev(filenode), problem))


def open(path: str, backend=None) -> Repository:
    """Open the repository whose root (the directory holding .hg) is path.

    backend: None (the policy's choice), "c", "pure" or a backend
    namespace, for every revlog of the repository.  RepositoryError if path
    is not a repository or needs features this package does not support.
    """
    path = os.fspath(path)
    if os.path.basename(os.path.normpath(path)) == ".hg":
        path = os.path.dirname(os.path.normpath(path)) or "."
    return Repository(path, backend=backend)


def find_root(start: str) -> Optional[str]:
    """The nearest directory at or above start that holds a .hg directory, or None."""
    current = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(current, ".hg")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
