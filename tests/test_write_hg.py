"""Mercurial accepts what we write: every revlog of every fixture repository
is written again through our writer (same parents, linkrevs and flags; our
own delta choices and compression), put in place of the original in a copy
of the repository, and Mercurial 7.2.4 must verify it, print the same
`hg log -p`, and find files within 10% of the sizes it wrote itself."""
import os
import shutil
import subprocess

import pytest

import revlog
from revlog import constants as C
from revlog import errors

from hgfixtures import REPO_NAMES, hg_command, hg_env, run_hg
from test_read_repos import open_recorded

# Options Mercurial's repositories were made with that the writer must be told.
WRITER_OPTIONS = {"maxchain4": {"max_chain_len": 4}}
# Every command sees the censored revisions of the fixtures without failing.
HG_CONFIG = ("--config", "censor.policy=ignore")
SIZE_TOLERANCE = 0.10


def writable(rec: dict) -> bool:
    """Whether our writer writes this revlog's format (v0 and v1; not the v2 dockets)."""
    return rec["version"] in (C.REVLOGV0, C.REVLOGV1)


def stored_text(rl, rev: int) -> bytes:
    """The stored text of rev, censored tombstones included (rawdata refuses those)."""
    if rl.flags(rev) & C.REVIDX_ISCENSORED:
        return rl._rawtext(rev, rl.index[rev])
    return rl.rawdata(rev)


def rewrite(original, path: str, backend, **options):
    """A new revlog at path holding original's revisions, added one by one."""
    new = revlog.create(path, format=original.format, backend=backend, **options)
    with new.transaction():
        for rev in original:
            flags = original.flags(rev) & ~C.REVIDX_DELTA_INFO_FLAGS
            p1, p2 = original.parentrevs(rev)
            node = original.node(rev)
            added = new.add_revision(
                stored_text(original, rev), original.node(p1), original.node(p2),
                original.linkrev(rev), flags=flags,
                node=node if flags & C.REVIDX_RAWTEXT_CHANGING_FLAGS else None)
            assert added == node, (path, rev)
    return new


def hg_verify(repo_path: str) -> None:
    """`hg verify` passes on the repository (its output in the failure message)."""
    done = subprocess.run(hg_command("-R", repo_path, *HG_CONFIG, "verify"), env=hg_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode == 0, done.stdout.decode(errors="replace")


def store_size(repo_path: str, recs) -> int:
    """Bytes in the index and data files of the given revlogs."""
    total = 0
    for rec in recs:
        for key in ("path", "data_path"):
            if rec[key]:
                total += os.path.getsize(os.path.join(repo_path, *rec[key].split("/")))
    return total


@pytest.mark.parametrize("name", REPO_NAMES)
def test_mercurial_accepts_rewritten_repository(name, hg_repos, hg_copy, backend, tmp_path):
    repo = hg_repos[name]
    target = hg_copy(name)
    options = WRITER_OPTIONS.get(name, {})
    rewritten = [rec for rec in repo.revlogs if writable(rec)]
    if not rewritten:
        pytest.skip("%s has only revlog-v2 files, which the writer refuses "
                    "(test_v2_formats_are_refused checks that)" % name)
    for i, rec in enumerate(rewritten):
        original = open_recorded(repo, rec, backend)
        scratch = str(tmp_path / ("rl%d" % i) / "x.i")
        os.makedirs(os.path.dirname(scratch))
        new = rewrite(original, scratch, backend, kind=rec["kind"], **options)
        assert len(new) == len(original)
        new.close()
        # Mercurial splits inline revlogs at the same size: the store keeps its layout
        assert os.path.exists(scratch[:-2] + ".d") == bool(rec["data_path"]), rec["path"]
        shutil.copyfile(scratch, os.path.join(target, *rec["path"].split("/")))
        if rec["data_path"]:
            shutil.copyfile(scratch[:-2] + ".d", os.path.join(target, *rec["data_path"].split("/")))

    # nothing of ours is left in the store but the revlogs themselves
    leftovers = [f for _, _, files in os.walk(os.path.join(target, ".hg", "store"))
                 for f in files if f.endswith((".journal", ".lock", ".a"))]
    assert leftovers == []

    hg_verify(target)
    log = ("log", "-p", "--git", "-r", "all()")
    assert run_hg("-R", target, *HG_CONFIG, *log) == run_hg("-R", repo.path, *HG_CONFIG, *log)

    ours, theirs = store_size(target, rewritten), store_size(repo.path, rewritten)
    assert abs(ours / theirs - 1) <= SIZE_TOLERANCE, (ours, theirs)
    manifest = [rec for rec in rewritten if rec["kind"] == "manifest"]
    if manifest:
        ours, theirs = store_size(target, manifest), store_size(repo.path, manifest)
        assert abs(ours / theirs - 1) <= SIZE_TOLERANCE, ("manifest", ours, theirs)


def test_v2_formats_are_refused(hg_repos, backend, tmp_path):
    """The v2 docket formats are read but not written: create says so clearly."""
    found = 0
    for repo in hg_repos.values():
        for rec in repo.revlogs:
            if writable(rec):
                continue
            found += 1
            original = open_recorded(repo, rec, backend)
            path = str(tmp_path / ("v2-%d.i" % found))
            with pytest.raises(errors.RevlogError, match="not supported|cannot write"):
                revlog.create(path, format=original.format, backend=backend)
            assert not os.path.exists(path)
    assert found  # the fixtures do have v2 revlogs
