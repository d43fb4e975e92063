"""`revlog cat`, `log` and `info` against Mercurial; errors, help and entry points.

`cat` equals `hg cat` for every file at several revisions of every test
repository; `log` equals `hg log -T` for the same template; errors are one
line and a non-zero exit; every command has --help.
"""
import os
import subprocess
import sys

import pytest

from hgcli import EXTRA_NAMES, every_repo, extra_repos, hg_oracle, run_at, run_revlog  # noqa: F401 (fixtures)
from revlog import policy
from revlog import repo as repomod
from revlog.logtemplate import DEFAULT_TEMPLATE

ALL_KEYWORDS = (
    "{rev}|{node}|{author}|{user}|{desc}|{date}|{branch}|{files}|{extras}|{manifest}|"
    "{p1rev} {p2rev} {p1node} {p2node}|{node|short}|{date|isodate}|{date|isodatesec}|"
    "{date|rfc822date}|{date|shortdate}|{date|hgdate}|{date|date}|{author|user}|"
    "{author|emailuser}|{author|email}|{author|person}|{desc|firstline}|{desc|strip}|"
    "{desc|lower}|{desc|upper}|{files|count}|{desc|count}\\t\\{x\\}}\\n"
)
LOG_OPTIONS = [[], ["-r", "0:3"], ["-r", "5:2"], ["-r", "tip", "-r", "0", "-r", "tip"], ["-l", "3"],
               ["-r", "-2"], ["-r", ":2"], ["-r", "3:"], ["-r", "2:2", "-l", "1"]]


def _cat_revisions(repo, opened):
    count = len(opened.changelog)
    if count <= 12:
        return list(range(count))
    return [0, 21, count // 2, count - 3, count - 1]


@pytest.mark.parametrize("name", sorted(set(EXTRA_NAMES) | {"zlib", "zstd", "nogd", "maxchain4", "v0",
                                                            "deltainfo", "changelogv2", "revlogv2"}))
def test_cat_equals_hg_cat(every_repo, hg_oracle, backend, name):
    repo = every_repo[name]
    opened = repomod.open(repo.path)
    ours, theirs = [], []
    for rev in _cat_revisions(repo, opened):
        for path in opened.manifest_at(rev):
            ours.append(["cat", "-R", repo.path, "-r", "%d" % rev, os.fsdecode(path)])
            theirs.append((name, ["cat", "-r", "%d" % rev, b"path:" + path]))
    assert len(ours) > 40
    failures = []
    for args, (status, out, err) in zip(ours, hg_oracle.run(theirs)):
        mine = run_revlog(args, backend=backend)
        if status != 0:   # a censored revision: both refuse
            if mine[0] == 0 or b"censored" not in mine[2]:
                failures.append((args, err, mine))
        elif mine != (0, out, b""):
            failures.append((args, mine[2]))
    assert not failures, failures[:3]


@pytest.mark.parametrize("name", ["zlib", "v0", "changelogv2", "revlogv2", "names", "names-basic"])
def test_log_equals_hg_log(every_repo, hg_oracle, backend, name):
    repo = every_repo[name]
    requests, ours = [], []
    for template in (DEFAULT_TEMPLATE, ALL_KEYWORDS):
        for options in LOG_OPTIONS:
            requests.append((name, ["log", "-T", template] + options))
            ours.append(["log", "-R", repo.path, "-T", template] + options)
    requests.append((name, ["log", "-T", DEFAULT_TEMPLATE]))
    ours.append(["log", "-R", repo.path])
    for args, (status, out, err) in zip(ours, hg_oracle.run(requests)):
        assert status == 0, err
        assert run_revlog(args, backend=backend) == (0, out, b""), args


def test_info(every_repo, backend):
    for repo in every_repo.values():
        status, out, err = run_revlog(["info", repo.path], backend=backend)
        assert status == 0 and err == b""
        lines = dict(line.split(None, 1) for line in out.decode().splitlines() if not line.startswith("total"))
        opened = repomod.open(repo.path)
        tip = len(opened.changelog) - 1
        assert lines["requirements"] == " ".join(repo.requirements)
        assert lines["changesets"] == "%d, tip %d:%s" % (tip + 1, tip, opened.changelog.node(tip)[:6].hex())
        assert lines["files"] == "%d tracked" % len(repo.tracked)
        assert lines["heads"].startswith("%d: " % len(opened.heads()))
        assert "revisions, index" in lines["changelog"] and "revisions, index" in lines["manifest"]
        filelog_revisions = sum(len(opened.file(path)) for path in repo.tracked)
        assert lines["filelogs"].startswith("%d revisions" % filelog_revisions)


# ---- errors and help ------------------------------------------------------------------


def _errors(repo, tmp):
    return [
        (["log", "-R", tmp], 1, "no repository found"),
        (["cat", "-R", repo, "-r", "999", "README"], 1, "unknown revision '999'"),
        (["cat", "-R", repo, "-r", "a", "README"], 1, "ambiguous revision prefix 'a'"),
        (["cat", "-R", repo, "-r", "0", "no/such/file"], 1, "no such file in revision 0: no/such/file"),
        (["cat", "-R", repo, "-r", "6", "src/lib/util.h"], 1, "censored"),
        (["log", "-R", repo, "-r", "."], 1, "working directory"),
        (["log", "-R", repo, "-T", "{nokeyword}"], 1, "unknown keyword 'nokeyword'"),
        (["log", "-R", repo, "-T", "{rev|nofilter}"], 1, "unknown filter 'nofilter'"),
        (["log", "-R", repo, "-T", "{rev"], 1, "cannot parse template"),
        (["log", "-R", repo, "-l", "x"], 2, "log: argument -l/--limit: invalid int value"),
        (["log", "-R", repo, "-l", "0"], 1, "limit must be positive"),
        (["debugindex", "-R", repo], 2, "debugindex: give -c, -m or a FILE"),
        (["debugindex", "-R", repo, "-c", "-m"], 2, "only one of -c and -m"),
        (["debugindex", "-R", repo, "-c", "README"], 2, "cannot be given with -c or -m"),
        (["debugindex", "-R", repo, "no/such/file"], 1, "neither a tracked file"),
        (["debugdata", "-R", repo, "README"], 2, "give a REV"),
        (["debugdata", "-R", repo, "-c", "0", "1"], 2, "give only a REV"),
        (["debugdata", "-R", repo, "-c", "999"], 1, "no revision matches '999'"),
        (["debugdeltachain", "-R", repo, "-c", "-r", "zz"], 1, "no revision matches 'zz'"),
        (["nosuchcommand"], 2, "invalid choice: 'nosuchcommand'"),
        (["info", tmp], 1, "no repository found"),
    ]


def test_errors_are_one_line_and_a_status(hg_repos, tmp_path, backend):
    repo = hg_repos["zlib"].path
    for args, expected_status, message in _errors(repo, str(tmp_path)):
        status, out, err = run_revlog(args, backend=backend)
        assert status == expected_status, (args, err)
        assert out == b"" and err.count(b"\n") == 1 and err.startswith(b"revlog: "), (args, err)
        assert message.encode() in err, (args, err)


def test_no_repository_here(tmp_path):
    status, _out, err = run_revlog(["log"], cwd=str(tmp_path))
    assert status == 1 and b"give one with -R" in err


def test_repository_found_from_a_subdirectory(hg_repos):
    repo = hg_repos["zlib"].path
    here = os.path.join(repo, ".hg", "store", "data")
    assert run_revlog(["log", "-l", "1"], cwd=here) == run_revlog(["log", "-R", repo, "-l", "1"])
    assert run_revlog(["info"], cwd=here) == run_revlog(["info", repo])
    assert run_revlog(["debugindex", "README"], cwd=here)[1].startswith(b"   rev linkrev")


def test_unsupported_repository_is_one_line(hg_copy):
    path = hg_copy("zlib")
    with open(os.path.join(path, ".hg", "store", "requires"), "a") as fp:
        fp.write("treemanifest\n")
    status, _out, err = run_revlog(["log", "-R", path])
    assert status == 1 and err.endswith(b"requires features revlog does not support: treemanifest\n")


COMMANDS = ["info", "log", "cat", "verify", "debugindex", "debugdata", "debugdeltachain", "debugrevlog"]


def test_help_for_every_command():
    status, out, err = run_revlog(["--help"])
    assert status == 0 and err == b""
    for command in COMMANDS:
        assert command.encode() in out
        status, text, err = run_revlog([command, "--help"])
        assert status == 0 and err == b"" and text.startswith(b"usage: revlog %s" % command.encode())
    status, out, _err = run_revlog([])
    assert status == 0 and out.startswith(b"usage: revlog")


def test_version_names_the_backend():
    status, out, _err = run_revlog(["--version"])
    assert status == 0 and out.startswith(b"revlog ") and out.endswith(b"(backend: %s)\n" % policy.backend.encode())


# ---- as a program -----------------------------------------------------------------------


def _program(args, env=None, script=False):
    if script:
        command = [os.path.join(os.path.dirname(sys.executable), "revlog")]
    else:
        command = [sys.executable, "-m", "revlog"]
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(command + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
                          timeout=120)


@pytest.mark.parametrize("script", [False, True], ids=["python -m revlog", "revlog script"])
def test_runs_as_a_program(hg_repos, script):
    if script and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "revlog")):
        pytest.fail("the revlog script is not installed beside %s (pip install -e .)" % sys.executable)
    repo = hg_repos["zlib"].path
    done = _program(["log", "-R", repo, "-l", "2"], script=script)
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout == run_revlog(["log", "-R", repo, "-l", "2"])[1]
    done = _program(["cat", "-R", repo, "-r", "999", "README"], script=script)
    assert done.returncode == 1 and done.stderr == b"revlog: unknown revision '999'\n"


@pytest.mark.parametrize("name", policy.BACKENDS)
def test_program_honours_the_module_policy(name):
    done = _program(["--version"], env={"REVLOG_MODULE_POLICY": name})
    if done.returncode and name == "c" and os.environ.get("REVLOG_REQUIRE_C") != "1":
        pytest.skip("C backend unavailable")
    assert done.returncode == 0 and done.stdout.endswith(b"(backend: %s)\n" % name.encode())


def test_closed_pipe_is_quiet(hg_repos):
    """`revlog log | head -1`: no traceback when the reader goes away."""
    reader = subprocess.Popen([sys.executable, "-m", "revlog", "log", "-R", hg_repos["zlib"].path,
                               "-T", "{rev} {files}\\n" * 20], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.read(10)
    reader.stdout.close()
    err = reader.stderr.read()
    reader.wait(timeout=120)
    assert err == b"" and reader.returncode in (0, 1)


def test_an_empty_repository(tmp_path, backend):
    path = str(tmp_path / "empty")
    (status, _out, err), = run_at([(str(tmp_path), [b"init", path.encode()])])
    assert status == 0, err
    status, out, err = run_revlog(["info", path], backend=backend)
    assert status == 0 and b"changesets    0 (empty repository)\nheads         0\n" in out
    assert run_revlog(["log", "-R", path], backend=backend) == (0, b"", b"")
    status, out, _err = run_revlog(["verify", "-R", path], backend=backend)
    assert status == 0 and out.endswith(b"checked 0 changesets with 0 changes to 0 files\n")
    assert run_revlog(["debugindex", "-R", path, "-m"], backend=backend)[1] == \
        b"   rev linkrev       nodeid    p1-nodeid    p2-nodeid\n"
    for args in (["cat", "-R", path, "README"], ["debugdata", "-R", path, "-c", "0"],
                 ["debugrevlog", "-R", path, "-c"]):
        status, out, err = run_revlog(args, backend=backend)
        assert status == 1 and out == b"" and err.count(b"\n") == 1, args
