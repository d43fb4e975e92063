"""`revlog debug...` prints byte for byte what `hg debug...` 7.2.4 prints for the same revlog.

Every revlog of every test repository (the hgfixtures ones and the
awkward-name ones in every store layout), through -c, -m and tracked
file names, on both backends; revlog files given by path too.
"""
import os

import pytest

import hgfixtures
from hgcli import EXTRA_NAMES, every_repo, extra_repos, hg_oracle, run_revlog  # noqa: F401 (fixtures)
from revlog import repo as repomod

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
