"""`revlog info`: what a repository holds and how it is stored, in a few lines."""
import os
from collections import Counter
from typing import Callable, Dict, Tuple

from revlog import constants as C
from revlog import errors
from revlog.revlog import Revlog

Write = Callable[[bytes], None]

VERSION_NAMES = {C.REVLOGV0: "v0", C.REVLOGV1: "v1", C.REVLOGV2: "revlog-v2", C.CHANGELOGV2: "changelog-v2"}


def human_size(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return "%d bytes" % size if unit == "bytes" else "%.1f %s" % (value, unit)
        value /= 1024
    return "%d bytes" % size   # not reached


def file_sizes(rl: Revlog) -> Tuple[int, int]:
    """(index bytes, data bytes) a revlog uses: its .i (or docket's index) and its data."""
    if rl.docket is not None:
        return rl.docket.index_end, rl.docket.data_end
    index = os.path.getsize(rl.index_path) if os.path.exists(rl.index_path) else 0
    if rl.inline or not os.path.exists(rl.data_path):
        return index, 0
    return index, os.path.getsize(rl.data_path)


def describe_format(rl: Revlog) -> str:
    """'v1 split generaldelta sparse zlib' and the like."""
    fmt = rl.format
    words = [VERSION_NAMES.get(fmt.version, "version %d" % fmt.version),
             "inline" if fmt.inline else "split"]
    words += [name for name, present in (("generaldelta", fmt.generaldelta), ("sparse", fmt.sparse),
                                         ("delta-info", fmt.delta_info)) if present]
    return " ".join(words + ["uncompressed" if fmt.compression == "none" else fmt.compression])


def _revlog_line(label: str, rl: Revlog) -> str:
    index, data = file_sizes(rl)
    return "%-13s %s: %d revisions, index %s, data %s" % (
        label, describe_format(rl), len(rl), human_size(index), human_size(data))


def _line(write: Write, label: str, text: str) -> None:
    write(("%-13s %s\n" % (label, text)).encode("utf-8", "backslashreplace"))


def write_info(repo, write: Write) -> None:
    """Write the summary of repo: revisions, heads, formats, compression, sizes."""
    changelog, manifest = repo.changelog, repo.manifest
    _line(write, "repository", repo.root)
    _line(write, "requirements", " ".join(sorted(repo.requirements)) or "(none)")
    _line(write, "store", "%s, %s" % (repo.store.layout, repo.store.root))
    count = len(changelog)
    if count:
        tip = count - 1
        _line(write, "changesets", "%d, tip %d:%s" % (count, tip, changelog.node(tip)[:6].hex()))
    else:
        _line(write, "changesets", "0 (empty repository)")
    heads = []
    for rev in repo.heads():
        changeset = repo.changeset(rev)
        notes = changeset.branch.decode("utf-8", "backslashreplace") + (", closed" if changeset.closes_branch else "")
        heads.append("%d:%s (%s)" % (rev, changeset.node[:6].hex(), notes))
    _line(write, "heads", "%d: %s" % (len(heads), ", ".join(heads)) if heads else "0")
    total_index = total_data = 0
    for label, rl in (("changelog", changelog), ("manifest", manifest)):
        write((_revlog_line(label, rl) + "\n").encode("utf-8"))
        index, data = file_sizes(rl)
        total_index, total_data = total_index + index, total_data + data
    files = repo.tracked_files()
    _line(write, "files", "%d tracked" % len(files))
    revisions, index, data, kinds = _filelog_totals(repo, files)
    total_index, total_data = total_index + index, total_data + data
    described = "; ".join("%d %s" % (n, kind) for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    _line(write, "filelogs", "%d revisions, index %s, data %s (%s)" % (
        revisions, human_size(index), human_size(data), described or "none"))
    _line(write, "total size", "%s (index %s, data %s)" % (
        human_size(total_index + total_data), human_size(total_index), human_size(total_data)))


def _filelog_totals(repo, files) -> Tuple[int, int, int, Dict[str, int]]:
    """(revisions, index bytes, data bytes, {format description: filelogs}) of every filelog."""
    revisions = index_total = data_total = 0
    kinds: Counter = Counter()
    for path in files:
        try:
            rl = repo.file(path)
        except (errors.RevlogError, ValueError) as exc:
            kinds["unreadable (%s)" % type(exc).__name__] += 1
            continue
        revisions += len(rl)
        index, data = file_sizes(rl)
        index_total, data_total = index_total + index, data_total + data
        kinds[describe_format(rl)] += 1
        rl.close()
    return revisions, index_total, data_total, dict(kinds)
