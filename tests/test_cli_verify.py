"""`revlog verify` passes where `hg verify` does, and fails, naming the revision, where it fails.

Every test repository verifies with the same counts as Mercurial's; copies
corrupted in one way each (a flipped byte in a chunk of each kind of
revlog, a wrong linkrev or parent, a missing or truncated file, a stale
fncache) fail with the damaged revision named, as hg verify fails on them.
"""
import io
import os
import shutil
import sys

import pytest

from hgcli import every_repo, extra_repos, hg_oracle, run_at, run_revlog  # noqa: F401 (fixtures)
from revlog import cli
from revlog import repo as repomod
from revlog.progress import ProgressBar
from revlog.verify import verify

ENTRY = 64   # a v1 index entry
LINK, P1 = 20, 24   # offsets in an entry


def test_every_repository_verifies_as_hg(every_repo, hg_repos, hg_oracle, backend):
    names = sorted(every_repo)
    answers = hg_oracle.run([(name, ["verify", "--config", "censor.policy=ignore"]) for name in names])
    for name, (status, out, err) in zip(names, answers):
        assert status == 0, err
        checked = [line for line in out.splitlines() if line.startswith(b"checked ")]
        mine = run_revlog(["verify", "-R", every_repo[name].path], backend=backend)
        assert mine[0] == 0 and mine[2] == b"", (name, mine[2])
        lines = mine[1].splitlines()
        assert lines[:3] == [b"checking changesets", b"checking manifests", b"checking files"]
        assert checked == [lines[3]], name
        censored = len(hg_repos[name].info["censored"]) if name in hg_repos else 0
        assert lines[4:] == ([b"%d censored file revisions (their content was removed)" % censored]
                             if censored else []), name
    assert run_revlog(["verify", "-q", "-R", every_repo["zlib"].path]) == (0, b"", b"")


# ---- corrupted copies --------------------------------------------------------------


def _patch(path: str, offset: int, data: bytes) -> None:
    with open(path, "r+b") as fp:
        fp.seek(offset)
        fp.write(data)


def _flip(path: str, offset: int) -> None:
    with open(path, "r+b") as fp:
        fp.seek(offset)
        byte = fp.read(1)
        fp.seek(offset)
        fp.write(bytes([byte[0] ^ 0x5A]))


def _chunk_middle(rl, rev: int) -> int:
    """Where the middle of rev's chunk is in its file."""
    inline_entries = (rev + 1) * ENTRY if rl.inline else 0
    return rl.start(rev) + inline_entries + rl.length(rev) // 2


def _entry(rl, rev: int) -> int:
    return rev * ENTRY + (rl.start(rev) if rl.inline else 0)


def _filelog(repo_path: str, name: bytes):
    opened = repomod.open(repo_path)
    return opened.file(name)


def flip_split_filelog(path):
    rl = _filelog(path, b"big/large.txt")
    rev = len(rl) - 1
    _flip(rl.data_path, _chunk_middle(rl, rev))
    return ["big/large.txt@%d: large.txt.i: revision %d:" % (rl.linkrev(rev), rev)], rl.linkrev(rev)


def flip_inline_filelog(path):
    rl = _filelog(path, b"log.txt")
    _flip(rl.index_path, _chunk_middle(rl, 3))
    return ["log.txt@%d: log.txt.i: revision 3:" % rl.linkrev(3)], rl.linkrev(3)


def flip_changelog(path):
    rl = repomod.open(path).changelog
    _flip(rl.data_path, _chunk_middle(rl, 5))
    return ["changelog@5: 00changelog.i: revision 5:"], 5


def flip_manifest(path):
    rl = repomod.open(path).manifest
    _flip(rl.data_path, _chunk_middle(rl, 7))
    return ["manifest@%d: 00manifest.i: revision 7:" % rl.linkrev(7)], rl.linkrev(7)


def wrong_linkrev(path):
    rl = _filelog(path, b"big/large.txt")
    rev = len(rl) - 1
    assert b"big/large.txt" not in repomod.open(path).changeset(1).files
    _patch(rl.index_path, _entry(rl, rev) + LINK, (1).to_bytes(4, "big"))
    return ["big/large.txt@?: revision %d points to unexpected changeset 1 (expected" % rev], None


def parent_out_of_range(path):
    rl = _filelog(path, b"README")
    _patch(rl.index_path, _entry(rl, 2) + P1, (5000).to_bytes(4, "big"))
    return ["README@%d: checking parents of revision 2:" % rl.linkrev(2)], rl.linkrev(2)


def missing_filelog(path):
    rl = _filelog(path, b"aux.txt")
    os.unlink(rl.index_path)
    return ["aux.txt@0: empty or missing filelog"], 0


def truncated_data(path):
    rl = _filelog(path, b"big/large.txt")
    size = os.path.getsize(rl.data_path)
    with open(rl.data_path, "r+b") as fp:
        fp.truncate(size - 100)
    return ["big/large.txt@?: data file %s has %d bytes, the index needs %d"
            % (rl.data_path, size - 100, size)], rl.linkrev(len(rl) - 1)


CORRUPTIONS = [flip_split_filelog, flip_inline_filelog, flip_changelog, flip_manifest, wrong_linkrev,
               parent_out_of_range, missing_filelog, truncated_data]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=[c.__name__ for c in CORRUPTIONS])
def test_corruption_is_found_and_named(hg_copy, backend, corrupt):
    path = hg_copy("zlib")
    expected, first = corrupt(path)
    status, out, err = run_revlog(["verify", "-R", path], backend=backend)
    assert status == 1
    problems = err.decode().splitlines()
    for text in expected:
        assert any(line.startswith(" " + text) for line in problems), (text, problems[:8])
    assert problems[-1 if first is None else -2].endswith(" integrity errors encountered!")
    if first is not None:
        assert problems[-1] == "(first damaged changeset appears to be %d)" % first
    assert out.endswith(b"\n") and b"checked 100 changesets" in out
    (hg_status, _out, _err), = run_at([(path, [b"verify", b"--config", b"censor.policy=ignore"])])
    assert hg_status == 1


def test_stale_fncache_is_a_warning(hg_copy, backend):
    path = hg_copy("zlib")
    fncache = os.path.join(path, ".hg", "store", "fncache")
    lines = open(fncache, "rb").read().splitlines(True)
    kept = [line for line in lines if line != b"data/aux.txt.i\n"]
    assert len(kept) == len(lines) - 1
    with open(fncache, "wb") as fp:
        fp.writelines(kept + [b"data/never-tracked.txt.i\n"])
    status, _out, err = run_revlog(["verify", "-R", path], backend=backend)
    assert status == 0
    assert err.decode().splitlines() == [
        " aux.txt@?: its filelog is not listed by the store (fncache)",
        " never-tracked.txt@?: the store lists a filelog no changeset or manifest names",
        "2 warnings encountered!"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_a_stray_store_file_is_a_warning(extra_repos, tmp_path, backend):
    path = str(tmp_path / "copy")
    shutil.copytree(extra_repos["names-encoded"].path, path, symlinks=True)
    with open(os.path.join(path, ".hg", "store", "data", "Stray.i"), "wb") as fp:
        fp.write(b"\0" * 64)
    status, _out, err = run_revlog(["verify", "-R", path], backend=backend)
    assert status == 0 and err.decode().splitlines() == [
        " store@?: undecodable store file name b'data/Stray.i': skipped", "1 warnings encountered!"]
    status, out, err = run_revlog(["info", path], backend=backend)
    assert status == 0 and err == b"" and b"\nfiles         %d tracked\n" % len(extra_repos["names-encoded"].tracked) in out
    (hg_status, _out, _err), = run_at([(path, [b"verify"])])
    assert hg_status == 0


def test_an_unreadable_fncache(hg_copy, backend):
    path = hg_copy("zlib")
    fncache = os.path.join(path, ".hg", "store", "fncache")
    os.unlink(fncache)
    os.mkdir(fncache)
    status, out, err = run_revlog(["verify", "-R", path], backend=backend)
    assert status == 0 and b"checked 100 changesets" in out
    assert err.decode().splitlines() == [
        " store@?: cannot list the tracked files: %s is not a regular file (a directory)" % fncache,
        "1 warnings encountered!"]
    status, out, err = run_revlog(["info", path], backend=backend)
    assert status == 0 and err == b""
    assert ("\nfiles         unreadable (%s is not a regular file (a directory))\n" % fncache).encode() in out
    (hg_status, _out, _err), = run_at([(path, [b"verify", b"--config", b"censor.policy=ignore"])])
    assert hg_status == 0


def test_an_empty_changelog_as_hg(hg_copy, backend):
    path = hg_copy("zlib")
    store = os.path.join(path, ".hg", "store")
    open(os.path.join(store, "00changelog.i"), "wb").close()
    if os.path.exists(os.path.join(store, "00changelog.d")):
        os.unlink(os.path.join(store, "00changelog.d"))
    status, out, err = run_revlog(["verify", "-R", path], backend=backend)
    (hg_status, _hg_out, hg_err), = run_at([(path, [b"verify", b"--config", b"censor.policy=ignore"])])
    assert status == hg_status == 1
    assert err.splitlines()[0] == b" changelog@0: empty or missing changelog"
    assert b"nonexistent changeset" not in err and b"but not in changeset" not in err
    assert err.splitlines()[-2:] == hg_err.splitlines()[-2:] == [
        b"%d integrity errors encountered!" % (1 + len(repomod.open(path).manifest)),
        b"(first damaged changeset appears to be 0)"]


def test_verify_as_a_library(hg_copy):
    path = hg_copy("zstd")
    flip_changelog(path)
    seen = []
    stages = set()
    result = verify(repomod.open(path), progress=lambda s, d, t: stages.add(s), report=seen.append)
    assert seen == result.problems and result.first_damaged == 5
    assert stages == {"changesets", "manifests", "files"}
    assert str(result.errors[0]).startswith("changelog@5: 00changelog.i: revision 5: ")
    # what changeset 5 would have vouched for now looks wrong too, as in hg verify
    assert any(p.where == "manifest" for p in result.errors)


# ---- the progress bar --------------------------------------------------------------


class _Terminal(io.BytesIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_terminals_only():
    ticks = iter(range(100))
    screen = _Terminal()
    bar = ProgressBar(screen, delay=2, interval=1, clock=lambda: next(ticks))
    for done in range(6):
        bar("files", done, 5)
    bar.finish()
    drawn = screen.getvalue()
    assert drawn.startswith(b"\rfiles [=====>   ") and b"] 1/5" in drawn and b"] 4/5" in drawn
    assert b"] 0/5" not in drawn   # the clock said 1: within the first 2 seconds
    assert drawn.endswith(b"\r" + b" " * len(b"files [" + b"=" * 30 + b"] 5/5") + b"\r")
    plain = io.BytesIO()
    quiet = ProgressBar(plain, delay=0)
    quiet("files", 1, 2)
    quiet.finish()
    assert plain.getvalue() == b""


def test_verify_shows_progress_on_a_terminal(hg_repos, monkeypatch):
    monkeypatch.setattr(cli, "ProgressBar", lambda stream: ProgressBar(stream, delay=0, interval=0))
    screen = _Terminal()
    out = io.BytesIO()
    assert cli.main(["verify", "-R", hg_repos["nogd"].path], stdout=out, stderr=screen) == 0
    drawn = screen.getvalue()
    for stage in (b"changesets", b"manifests", b"files"):
        assert b"\r%s [" % stage in drawn
    assert drawn.endswith(b"\r") and b"\n" not in drawn
    assert b"checked 100 changesets" in out.getvalue()
