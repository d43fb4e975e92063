"""Checking a repository: every revlog, every revision's hash, links and parents.

`verify(repo)` walks the changelog, the manifest and every filelog the
changesets or manifests name, as ``hg verify`` does, and reads every
revision (so its hash is checked):

- each revlog opens, and a split revlog's data file is as long as its index says;
- each revision reads and hashes to its node; its parents are earlier
  revisions of the same revlog; no node appears twice;
- a changeset parses and its manifest exists; a manifest revision is
  named by the changesets its linkrev points to; a file revision's linkrev
  is a changeset that touches the file, and some manifest names it;
- a copy's source revision exists;
- files named by changesets and by manifests agree; the store lists every
  filelog and only filelogs that exist (warnings).

Censored file revisions cannot be checked; they are counted, not errors.
Problems are collected (with the changeset they first point to), never raised.
"""
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Collection, Dict, List, Optional, Set

from revlog import errors
from revlog.changelog import parse_changeset
from revlog.constants import NULL_NODE, NULL_REV
from revlog.filelog import copy_source, split_metadata
from revlog.manifest import new_entries
from revlog.revlog import Revlog

if TYPE_CHECKING:
    from revlog.repo import Repository

Progress = Callable[[str, int, int], None]   # (stage, done, total)


@dataclass(frozen=True)
class Problem:
    """One thing verify found: where, which changeset it points to (if known), what."""

    where: str                  # "changelog", "manifest" or a tracked path
    changeset: Optional[int]    # the changelog revision involved, if known
    message: str
    warning: bool = False

    def __str__(self) -> str:
        rev = "?" if self.changeset is None else "%d" % self.changeset
        return "%s@%s: %s" % (self.where, rev, self.message)


@dataclass
class Result:
    """What verify checked and found."""

    changesets: int = 0
    manifests: int = 0
    files: int = 0
    file_revisions: int = 0
    censored: int = 0
    problems: List[Problem] = field(default_factory=list)

    @property
    def errors(self) -> List[Problem]:
        """The problems that are errors (not warnings)."""
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> List[Problem]:
        """The problems that are only warnings."""
        return [p for p in self.problems if p.warning]

    @property
    def first_damaged(self) -> Optional[int]:
        """The lowest changeset an error points to, if any does."""
        revs = [p.changeset for p in self.errors if p.changeset is not None]
        return min(revs) if revs else None


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


class _Verifier:
    def __init__(self, repo, progress: Progress, report: Callable[[Problem], None]):
        self.repo = repo
        self.progress = progress
        self.report = report
        self.result = Result()
        # as hg: with no changesets, linkrevs and changeset lists cannot be checked
        self.have_changelog = len(repo.changelog) > 0
        self.have_manifest = len(repo.manifest) > 0

    def error(self, where: str, changeset: Optional[int], message: str) -> None:
        self._add(Problem(where, changeset, message))

    def warn(self, where: str, message: str) -> None:
        self._add(Problem(where, None, message, warning=True))

    def _add(self, problem: Problem) -> None:
        self.result.problems.append(problem)
        self.report(problem)

    # ---- shared checks --------------------------------------------------------

    def check_sizes(self, rl: Revlog, where: str) -> None:
        if rl.inline or rl.docket is not None or not len(rl):
            return
        expected = rl.end(len(rl) - 1)
        try:
            actual = os.path.getsize(rl.data_path)
        except OSError:
            actual = 0
        if actual != expected:
            self.error(where, None, "data file %s has %d bytes, the index needs %d"
                       % (rl.data_path, actual, expected))

    def check_entry(self, rl: Revlog, rev: int, where: str, seen: Dict[bytes, int],
                    linkrevs: Collection[int]) -> Optional[int]:
        """Links, parents and uniqueness of one entry; its trustworthy linkrev or None."""
        node = rl.node(rev)
        link = rl.linkrev(rev)
        changesets = len(self.repo.changelog)
        trusted: Optional[int] = link
        if link < 0 or (self.have_changelog and link >= changesets):
            self.error(where, None, "revision %d points to nonexistent changeset %d" % (rev, link))
            trusted = None
        elif self.have_changelog and link not in linkrevs:
            expected = " (expected %s)" % " ".join("%d" % r for r in sorted(linkrevs)) if linkrevs else ""
            self.error(where, None, "revision %d points to unexpected changeset %d%s" % (rev, link, expected))
            trusted = None
        try:
            parents = rl.parentrevs(rev)
        except errors.RevlogError as exc:
            self.error(where, trusted, "checking parents of revision %d: %s" % (rev, exc))
        else:
            for number, parent in enumerate(parents, 1):
                if parent != NULL_REV and rl.node(parent) not in seen:
                    self.error(where, trusted, "unknown parent %d of revision %d" % (number, rev))
        if node in seen:
            self.error(where, trusted, "duplicate revision %d (%d)" % (rev, seen[node]))
        seen[node] = rev
        return trusted

    def read(self, rl: Revlog, rev: int, where: str, changeset: Optional[int]) -> Optional[bytes]:
        """The checked text of rev, or None (reported) if it cannot be read."""
        try:
            return rl.revision(rev)
        except errors.CensoredRevision:
            self.result.censored += 1
        except errors.RevlogError as exc:
            self.error(where, changeset, str(exc))
        return None

    # ---- the walk -------------------------------------------------------------

    def run(self) -> Result:
        manifest_links, file_links = self.changelog()
        file_nodes = self.manifests(manifest_links)
        self.crosscheck(file_links, file_nodes)
        self.filelogs(file_links, file_nodes)
        return self.result

    def changelog(self):
        """Check the changelog; ({manifest node: [changesets]}, {path: [changesets]})."""
        rl = self.repo.changelog
        self.check_sizes(rl, "changelog")
        manifest_links: Dict[bytes, List[int]] = {}
        file_links: Dict[bytes, List[int]] = {}
        seen: Dict[bytes, int] = {}
        total = len(rl)
        for rev in range(total):
            self.progress("changesets", rev, total)
            self.check_entry(rl, rev, "changelog", seen, [rev])
            text = self.read(rl, rev, "changelog", rev)
            if text is None:
                continue
            try:
                changeset = parse_changeset(text, rev)
            except ValueError as exc:
                self.error("changelog", rev, "revision %d: malformed changeset: %s" % (rev, exc))
                continue
            if changeset.manifest != NULL_NODE:
                manifest_links.setdefault(changeset.manifest, []).append(rev)
            for path in changeset.files:
                file_links.setdefault(path, []).append(rev)
        self.progress("changesets", total, total)
        if not total and self.have_manifest:
            self.error("changelog", 0, "empty or missing changelog")
        self.result.changesets = total
        return manifest_links, file_links

    def manifests(self, manifest_links: Dict[bytes, List[int]]) -> Dict[bytes, Dict[bytes, Optional[int]]]:
        """Check the manifest revlog; {path: {file node: changeset}} of every entry."""
        rl = self.repo.manifest
        self.check_sizes(rl, "manifest")
        file_nodes: Dict[bytes, Dict[bytes, Optional[int]]] = {}
        seen: Dict[bytes, int] = {}
        total = len(rl)
        for rev in range(total):
            self.progress("manifests", rev, total)
            node = rl.node(rev)
            link = self.check_entry(rl, rev, "manifest", seen, manifest_links.get(node, []))
            if manifest_links.pop(node, None) is None:
                self.error("manifest", link, "revision %d (%s) is not in any changeset" % (rev, node[:6].hex()))
            if self.read(rl, rev, "manifest", link) is None:
                continue
            try:
                entries = new_entries(rl, rev)
            except errors.RevlogError as exc:
                self.error("manifest", link, str(exc))
                continue
            for path, (file_node, _flag) in entries.items():
                file_nodes.setdefault(path, {}).setdefault(file_node, link)
        self.progress("manifests", total, total)
        if not total and manifest_links:
            self.error("manifest", 0, "empty or missing manifest")
            manifest_links.clear()   # not one error per changeset
        for node, changesets in sorted(manifest_links.items(), key=lambda item: item[1]):
            for changeset in changesets:
                self.error("manifest", changeset, "changeset refers to unknown revision %s" % node[:6].hex())
        self.result.manifests = total
        return file_nodes

    def crosscheck(self, file_links: Dict[bytes, List[int]], file_nodes) -> None:
        if self.have_manifest:
            for path in sorted(set(file_links) - set(file_nodes)):
                self.error(_show(path), file_links[path][0], "in changeset but not in manifest")
        if not self.have_changelog:
            return
        for path in sorted(set(file_nodes) - set(file_links)):
            links = [link for link in file_nodes[path].values() if link is not None]
            self.error(_show(path), min(links) if links else None, "in manifest but not in changeset")

    def filelogs(self, file_links: Dict[bytes, List[int]], file_nodes) -> None:
        paths = sorted(set(file_links) | set(file_nodes))
        try:
            listed: Set[bytes] = set(self.repo.tracked_files(lambda problem: self.warn("store", problem)))
        except OSError as exc:   # hg verify: a warning, the filelogs are still checked
            self.warn("store", "cannot list the tracked files: %s" % exc)
            listed = set(paths)
        except errors.RevlogError as exc:
            self.error("store", None, str(exc))
            listed = set(paths)
        for done, path in enumerate(paths):
            self.progress("files", done, len(paths))
            if path not in listed:
                self.warn(_show(path), "its filelog is not listed by the store (fncache)")
            listed.discard(path)
            self.filelog(path, file_links.get(path, []), file_nodes.get(path))
        self.progress("files", len(paths), len(paths))
        for path in sorted(listed):
            self.warn(_show(path), "the store lists a filelog no changeset or manifest names")
        self.result.files = len(paths)

    def filelog(self, path: bytes, links: List[int], nodes: Optional[Dict[bytes, Optional[int]]]) -> None:
        """Check one filelog; links: the changesets touching path, nodes: what manifests name."""
        where = _show(path)
        first = links[0] if links else None
        try:
            rl = self.repo.file(path)
        except (errors.RevlogError, ValueError) as exc:
            self.error(where, first, "cannot open its filelog: %s" % exc)
            return
        if not len(rl):
            self.error(where, first, "empty or missing filelog")
            return
        self.check_sizes(rl, where)
        link_set = set(links)
        unseen = dict(nodes or {})
        seen: Dict[bytes, int] = {}
        for rev in range(len(rl)):
            self.result.file_revisions += 1
            node = rl.node(rev)
            link = self.check_entry(rl, rev, where, seen, link_set)
            if nodes is not None and self.have_manifest:   # else crosscheck reported the file already
                if node not in nodes:
                    self.error(where, link, "revision %d (%s) is in no manifest" % (rev, node[:6].hex()))
                unseen.pop(node, None)
            text = self.read(rl, rev, where, link)
            if text is not None:
                self.check_copy(rl, rev, text, where, link)
        for node, link in sorted(unseen.items(), key=lambda item: (item[1] is None, item[1] or 0)):
            self.error(where, link, "manifest refers to unknown revision %s" % node[:6].hex())
        rl.close()

    def check_copy(self, rl: Revlog, rev: int, text: bytes, where: str, link: Optional[int]) -> None:
        try:
            meta, _content = split_metadata(text)
            source = copy_source(meta) if rl.parentrevs(rev)[0] == NULL_REV else None
        except (ValueError, errors.RevlogError) as exc:
            self.error(where, link, "revision %d: malformed metadata: %s" % (rev, exc))
            return
        if source is None:
            return
        source_path, source_node = source
        try:
            source_log = self.repo.file(source_path)
            if not len(source_log):
                self.error(where, link, "copy source %s of revision %d has no filelog" % (_show(source_path), rev))
            elif source_node != NULL_NODE and source_log.index.get_rev(source_node) is None:
                self.error(where, link, "copy source %s:%s of revision %d does not exist"
                           % (_show(source_path), source_node[:6].hex(), rev))
        except (errors.RevlogError, ValueError) as exc:
            self.error(where, link, "checking the copy source of revision %d: %s" % (rev, exc))


def _show(path: bytes) -> str:
    return path.decode("utf-8", "backslashreplace")


def verify(repo: "Repository", progress: Optional[Progress] = None,
           report: Optional[Callable[[Problem], None]] = None) -> Result:
    """Check every revlog of repo; the Result lists what is wrong.

    progress(stage, done, total) is called as the walk goes ("changesets",
    "manifests", "files"); report(problem) as soon as a problem is found.
    """
    return _Verifier(repo, progress or _no_progress, report or (lambda problem: None)).run()
