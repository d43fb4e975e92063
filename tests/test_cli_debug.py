"""`revlog debug...` prints byte for byte what `hg debug...` 7.2.4 prints for the same revlog.

Every revlog of every test repository (the hgfixtures ones and the
awkward-name ones in every store layout), through -c, -m and tracked
file names, on both backends; revlog files given by path too.  Damaged
delta bases are one error line.
"""
import os
import struct
import subprocess
import sys

import pytest

import hgfixtures
import revlogbuild
from hgcli import EXTRA_NAMES, every_repo, extra_repos, hg_oracle, run_revlog  # noqa: F401 (fixtures)
from revlog import errors
from revlog import repo as repomod
from revlog.cli_debug import debug_revlog, debug_revlog_dump
from revlog.revlog import Revlog

COMPARED = tuple(hgfixtures.REPO_NAMES) + tuple(n for n in EXTRA_NAMES if "share" not in n)

# on every revlog
VARIANTS = [
    ["debugindex"], ["debugindex", "-v"], ["debugindex", "--debug"],
    ["debugdeltachain"], ["debugdeltachain", "--all-info"], ["debugdeltachain", "--size-info"],
    ["debugdeltachain", "--dist-info", "--sparse-info"], ["debugdeltachain", "--all-info", "--no-dist-info"],
    ["debugrevlog"], ["debugrevlog", "-d"],
]


def _arg(target: bytes) -> str:
    return target.decode() if target in (b"-c", b"-m") else os.fsdecode(target)


def requests_for(repo, length_of):
    """(args, ...) to compare on repo: variants by target, and debugdata of a few revisions."""
    targets = [b"-c", b"-m"] + list(repo.tracked)
    found = []
    for target in targets:
        arg = _arg(target)
        found += [variant + [arg] for variant in VARIANTS]
        count = length_of(target)
        for rev in sorted({0, count // 2, count - 1}):
            found.append(["debugdata", arg, "%d" % rev])
        found.append(["debugdeltachain", arg, "-r", "0", "-r", "%d" % (count - 1), "-r", "0"])
    return found


def _length_of(repo):
    opened = repomod.open(repo.path)

    def length(target: bytes) -> int:
        if target == b"-c":
            return len(opened.changelog)
        if target == b"-m":
            return len(opened.manifest)
        return len(opened.file(target))
    return length


def compare(repo, hg_oracle, requests, backend, cwd=None, hg_requests=None):
    answers = hg_oracle.run([(repo.name, args) for args in (hg_requests or requests)])
    failures = []
    for args, (status, out, err) in zip(requests, answers):
        ours = run_revlog(args, cwd=cwd or repo.path, backend=backend)
        if status:
            if not ours[0]:
                failures.append((args, "hg failed (%r) but we did not" % err[:200]))
        elif ours[0] or ours[1] != out:
            failures.append((args, ours[2][:300] or "output differs"))
    assert not failures, "%d of %d differ, first: %r" % (len(failures), len(requests), failures[:3])


@pytest.mark.parametrize("name", COMPARED)
def test_debug_commands_equal_hg(every_repo, hg_oracle, backend, name):
    repo = every_repo[name]
    requests = requests_for(repo, _length_of(repo))
    compare(repo, hg_oracle, requests, backend)


@pytest.mark.parametrize("name", COMPARED)
def test_debug_commands_on_revlog_paths(every_repo, hg_oracle, backend, name):
    """A revlog given as a file: debugrevlog and debugdeltachain as hg on the path
    (its default options); debugindex and debugdata as hg on the same revlog."""
    repo = every_repo[name]
    opened = repomod.open(repo.path)
    store = os.path.relpath(opened.store.root, repo.path)
    paths = [(None, "00changelog.i"), (None, "00manifest.i")]
    for target in repo.tracked:
        encoded = os.path.relpath(opened.store.path(b"data/" + target + b".i"), opened.store.root)
        if not encoded.startswith("dh" + os.sep) and len(paths) < 8:   # hashed: its .d is elsewhere
            paths.append((target, encoded))
    ours, theirs = [], []
    for target, relative in paths:
        path = os.path.join(store, relative)
        same = {None: "-c" if relative.startswith("00changelog") else "-m"}.get(target) or os.fsdecode(target)
        for variant in (["debugrevlog"], ["debugdeltachain", "--all-info"]):
            ours.append(variant + [path])
            theirs.append(variant + [path])
        for variant in (["debugindex", "-v"], ["debugdata", "%s" % 0]):
            ours.append(variant[:1] + [path] + variant[1:])
            theirs.append(variant[:1] + [same] + variant[1:])
    compare(repo, hg_oracle, ours, backend, hg_requests=theirs)


def test_revlog_path_in_a_repository_revlog_cannot_open(hg_copy, hg_repos):
    """Requirements refuse the repository, not a revlog file given by its path."""
    path = hg_copy("zlib")
    with open(os.path.join(path, ".hg", "store", "requires"), "a") as fp:
        fp.write("frobnicate\n")
    index = os.path.join(".hg", "store", "00manifest.i")
    expected = run_revlog(["debugindex", index], cwd=hg_repos["zlib"].path)
    assert expected[0] == 0 and len(expected[1].splitlines()) == 101
    assert run_revlog(["debugindex", index], cwd=path) == expected
    status, _out, err = run_revlog(["debugindex", "README"], cwd=path)
    assert status == 1 and b"does not support: frobnicate" in err


def test_a_damaged_filelog_is_reported_not_hidden(hg_copy, backend):
    path = hg_copy("zlib")
    opened = repomod.open(path)
    tracked = b".hgtags"
    with open(opened.store.path(b"data/" + tracked + b".i"), "wb") as fp:
        fp.write(b"\x00\x01\x00\x01" + b"garbage" * 20)
    for command in (["debugindex"], ["debugdeltachain"], ["debugrevlog"], ["debugdata", "0"]):
        args = command[:1] + ["-R", path, os.fsdecode(tracked)] + command[1:]
        status, out, err = run_revlog(args, backend=backend)
        assert status == 1 and out == b"" and err.count(b"\n") == 1, (args, err)
        assert b"neither a tracked file" not in err and b"hgtags.i: inline index data is truncated" in err, err


class _ChainWalkCounter:
    """A revlog that counts chain walks (chainbase, chainlen): each costs a walk of the chain."""

    def __init__(self, rl):
        self._rl = rl
        self.walks = 0

    def __getattr__(self, name):
        if name in ("chainbase", "chainlen"):
            self.walks += 1
        return getattr(self._rl, name)

    def __len__(self):
        return len(self._rl)


def test_debugrevlog_dump_carries_chains_forward(hg_repos, backend):
    """debugrevlog -d is linear: chain bases and lengths come from the delta parent's."""
    manifest = repomod.open(hg_repos["zlib"].path, backend=backend).manifest
    counter = _ChainWalkCounter(manifest)
    lines = []
    debug_revlog_dump(counter, lines.append)
    assert counter.walks == 0 and len(lines) == len(manifest) + 1
    for rev, line in enumerate(lines[1:]):
        fields = line.split()
        assert int(fields[6]) == manifest.start(manifest.chainbase(rev)), rev
        assert int(fields[-1]) == manifest.chainlen(rev), rev


def test_debug_commands_close_what_they_open(hg_repos, monkeypatch):
    closed = []
    for cls in (repomod.Repository, Revlog):
        original = cls.close
        monkeypatch.setattr(cls, "close", lambda self, original=original: closed.append(self) or original(self))
    repo = hg_repos["zlib"].path
    for args, expected in ((["debugindex", "-R", repo, "-c"], "Repository"),
                           (["debugindex", "-R", repo, ".hgtags"], "hgtags.i"),
                           (["debugindex", os.path.join(repo, ".hg", "store", "00manifest.i")], "00manifest.i")):
        del closed[:]
        assert run_revlog(args)[0] == 0, args
        names = [type(thing).__name__ if isinstance(thing, repomod.Repository) else thing.name for thing in closed]
        assert any(name.endswith(expected) for name in names), (args, names)


# ---- damaged delta bases: one error line, never a hang -------------------------------------

# rev: (delta base, chunk length or None to keep it) in a generaldelta revlog of 6 full
# texts; what the error says; the revision `debugdeltachain -r` shows
DAMAGE = {
    "empty-deltas-in-a-cycle": ({3: (4, 0), 4: (3, 0), 5: (0, None)}, "revision 3 has delta base 4", 5),
    "negative-base": ({2: (-3, None)}, "revision 2 has delta base -3", 2),
}


def damaged_revlog(directory, damage) -> str:
    """t.i and t.d with damage (see DAMAGE) done to their entries; the index's path."""
    revs = [revlogbuild.Rev(b"text %d\n" % rev * 30, p1=rev - 1) for rev in range(6)]
    index, data, _ = revlogbuild.build(revs, version=1)
    index = bytearray(index)
    struct.pack_into(">I", index, 0, 1 | revlogbuild.FLAG_GENERALDELTA)
    entry = revlogbuild.V1_ENTRY.size
    for rev, (base, length) in damage.items():
        struct.pack_into(">i", index, rev * entry + 16, base)
        if length is not None:
            struct.pack_into(">i", index, rev * entry + 8, length)
    with open(os.path.join(directory, "t.d"), "wb") as f:
        f.write(data)
    with open(os.path.join(directory, "t.i"), "wb") as f:
        f.write(bytes(index))
    return os.path.join(directory, "t.i")


@pytest.mark.parametrize("command", ["debugdeltachain -r", "debugdeltachain", "debugrevlog", "debugrevlog -d"])
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_debug_commands_refuse_damaged_delta_bases(backend, tmp_path, command, damage):
    # audit finding 4: debugdeltachain -r 5 followed the empty deltas 3 -> 4 -> 3 -> ... forever
    bases, says, shown = DAMAGE[damage]
    name, *options = command.split()
    if options == ["-r"]:
        options.append(str(shown))
    args = [name, damaged_revlog(str(tmp_path), bases)] + options
    env = dict(os.environ, REVLOG_MODULE_POLICY=backend.NAME)
    done = subprocess.run([sys.executable, "-m", "revlog"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=60)
    assert done.returncode == 1
    assert done.stderr == b"revlog: t.i: delta base out of range: %s\n" % says.encode()


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_debug_revlog_called_directly_refuses_damaged_delta_bases(backend, tmp_path, damage):
    # a negative base escaped as IndexError (and indexed the chain lengths from the end)
    bases, says, _ = DAMAGE[damage]
    rl = Revlog(damaged_revlog(str(tmp_path), bases), backend=backend)
    for report in (debug_revlog, debug_revlog_dump):
        with pytest.raises(errors.CorruptedIndex) as caught:
            report(rl, [].append)
        assert str(caught.value) == "t.i: delta base out of range: " + says
