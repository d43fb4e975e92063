"""tests/data/sample: the README's first command, and what Mercurial says about the sample.

The sample is small, is what tests/data/make_sample.py builds (byte for
byte), verifies in Mercurial and in revlog, and revlog reads it as hg does.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

from hgcli import run_at, run_revlog
from hgfixtures import hg_env, hg_python
from revlog import repo as repomod

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "tests", "data", "sample")
MAKER = os.path.join(ROOT, "tests", "data", "make_sample.py")


def _files(root: str) -> dict:
    found = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as fp:
                found[os.path.relpath(path, root)] = fp.read()
    return found


def test_readme_first_command_installs_and_describes_the_sample():
    with open(os.path.join(ROOT, "README.md")) as fp:
        readme = fp.read()
    commands = re.findall(r"^    (\S.*)$", readme, re.M)
    first = commands[0]
    assert "pip install" in first and first.endswith("&& revlog info tests/data/sample")
    assert "    python -m pytest" in readme.splitlines()
    status, out, err = run_revlog(["info", "tests/data/sample"], cwd=ROOT)
    assert status == 0 and err == b""
    shown = commands[1:1 + len(out.splitlines())]
    for line, expected in zip(out.decode().splitlines(), shown):
        if line.startswith(("repository", "store")):
            assert line.endswith("tests/data/sample" + ("" if line.startswith("repo") else "/.hg/store"))
        else:
            assert line == expected


def test_sample_is_small_and_reproducible(tmp_path):
    files = _files(SAMPLE)
    assert sum(map(len, files.values())) < 100 * 1024
    assert ".hg/store/00changelog.i" in files and not any(name.startswith(".hg/cache") for name in files)
    target = str(tmp_path / "sample")
    done = subprocess.run([hg_python(), MAKER, target], env=hg_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0, done.stdout
    assert _files(target) == files


def test_sample_reads_as_hg_reads_it(tmp_path, backend):
    copy = str(tmp_path / "sample")
    shutil.copytree(SAMPLE, copy)   # hg may write caches: not into the tree
    requests = [["verify"], ["log", "-T", "{rev}:{node|short} {date|isodate} {author|user}: {desc|firstline}\\n"],
                ["cat", "-r", "2", "path:src/main-copy.c"], ["debugrename", "-r", "2", "path:GNUmakefile"],
                ["debugindex", "-m"]]
    answers = run_at([(copy, [a.encode() for a in args]) for args in requests])
    assert all(status == 0 for status, _out, _err in answers)
    assert run_revlog(["verify", "-R", SAMPLE], backend=backend)[1].endswith(
        b"checked 7 changesets with 10 changes to 7 files\n")
    assert run_revlog(["log", "-R", SAMPLE], backend=backend)[1] == answers[1][1]
    assert run_revlog(["cat", "-R", SAMPLE, "-r", "2", "src/main-copy.c"], backend=backend)[1] == answers[2][1]
    assert run_revlog(["debugindex", "-R", SAMPLE, "-m"], backend=backend)[1] == answers[4][1]
    repo = repomod.open(SAMPLE, backend=backend)
    renamed = repo.file_copy(b"GNUmakefile", repo.manifest_at(2).node(b"GNUmakefile"))
    assert answers[3][1] == b"GNUmakefile renamed from Makefile:%s\n" % renamed[1].hex().encode()
    assert repo.changeset(3).branch == b"stable" and repo.heads() == [6]


@pytest.mark.parametrize("command", [["log", "-l", "2"], ["verify"]])
def test_python_dash_m_on_the_sample(command):
    done = subprocess.run([sys.executable, "-m", "revlog"] + command + ["-R", SAMPLE],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout == run_revlog(command + ["-R", SAMPLE])[1]
