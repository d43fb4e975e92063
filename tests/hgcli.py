"""Repositories and Mercurial's answers for the repository and command-line tests.

- `extra_repos` (session): the repositories of tests/hgextra.py (awkward
  file names in every store layout, shares), built once by real Mercurial and
  cached under pytest's cache directory like the tests/hgfixtures.py ones.
- `every_repo` (session): {name: TestRepo} for the hgfixtures repositories
  and the extra ones: a path and what Mercurial says it tracks.
- `hg_oracle` (session): `hg_oracle.run([(repo name, [arg, ...]), ...])` runs
  the hg command lines (in the repository, as with --cwd) in one
  subprocess of the interpreter that has Mercurial 7.2.4 and gives
  [(status, stdout, stderr)]; answers are cached on disk, keyed by the
  sources the repositories are built from and the requests (answers of
  older sources are deleted), and hg runs on copies of the repositories
  (it may write caches into them).
- `run_at([(directory, [arg bytes, ...]), ...])`: the same for any
  directory (a corrupted copy), not cached.
- `run_revlog(args, cwd=..., backend=...)`: our command, in-process.

Works the same from PyPy: Mercurial always runs under hg_python().
"""
import hashlib
import io
import os
import pathlib
import pickle
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

import hgextra
import hgrecord
from hgfixtures import _lock, hg_env, hg_python
from revlog import cli

EXTRA_NAMES = tuple(hgextra.REPOS)
HERE = pathlib.Path(__file__).resolve().parent
_SOURCES = (HERE / "hgextra.py", HERE / "hgrecord.py")
_CACHE_NAME = "revlog-hgcli"

Answer = Tuple[int, bytes, bytes]


def _source_key() -> str:
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class TestRepo:
    """A repository the tests compare against Mercurial."""

    __test__ = False   # not a test class, despite its name

    name: str
    path: str
    tracked: List[bytes]        # the filelogs Mercurial's store lists
    requirements: List[str]
    share: Optional[str] = None     # a share: the repository whose store it uses
    recorded: dict = field(default_factory=dict)    # hgextra's record, for the extra ones


# ---- the extra repositories -------------------------------------------------------


def _build_extra(directory: pathlib.Path) -> None:
    done = subprocess.run([hg_python(), str(HERE / "hgextra.py"), "build", str(directory)], env=hg_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if done.returncode != 0:
        pytest.fail("building the extra repositories failed:\n%s" % done.stdout.decode(errors="replace"),
                    pytrace=False)


def _extra_complete(directory: pathlib.Path) -> bool:
    return all((directory / (name + ".pickle")).is_file() for name in EXTRA_NAMES)


@pytest.fixture(scope="session")
def extra_repos(request, tmp_path_factory) -> Dict[str, TestRepo]:
    """The tests/hgextra.py repositories by name, built once (cached)."""
    cache = getattr(request.config, "cache", None)
    if cache is None or os.environ.get("REVLOG_HG_FIXTURES_CACHE") == "0":
        directory = tmp_path_factory.mktemp("hgextra") / "out"
        _build_extra(directory)
    else:
        root = pathlib.Path(str(cache.mkdir("revlog-hgextra")))
        directory = root / _source_key()
        with _lock(root / "lock"):
            if not _extra_complete(directory):
                # built in place: an absolute share records its source's path
                for old in root.iterdir():
                    if old.is_dir():
                        shutil.rmtree(str(old), ignore_errors=True)
                _build_extra(directory)
    found = {}
    for name, spec in hgextra.REPOS.items():
        with open(str(directory / (name + ".pickle")), "rb") as fp:
            recorded = pickle.load(fp)
        found[name] = TestRepo(name, str(directory / name), recorded["tracked"], recorded["requirements"],
                               share=spec.get("share"), recorded=recorded)
    return found


@pytest.fixture(scope="session")
def every_repo(hg_repos, extra_repos) -> Dict[str, TestRepo]:
    """The hgfixtures repositories and the extra ones, by name."""
    found = {}
    for name, repo in hg_repos.items():
        found[name] = TestRepo(name, repo.path, [rl["target"] for rl in repo.filelogs],
                               list(repo.info["requirements"]))
    found.update(extra_repos)
    return found


# ---- Mercurial's answers ----------------------------------------------------------


class HgOracle:
    """Runs hg command lines in batches (one subprocess each), answers cached on disk."""

    def __init__(self, repos: Dict[str, TestRepo], cache_dir: Optional[pathlib.Path], scratch: pathlib.Path):
        self.repos = repos
        self.cache_dir = cache_dir
        self.scratch = scratch
        self._copies: Dict[str, str] = {}

    def _copy(self, name: str) -> str:
        """A copy of the repository for hg (shares keep pointing to their source)."""
        if name not in self._copies:
            source = self.repos[name].share
            if source is not None:
                self._copy(source)   # a relative share finds it beside itself
            target = self.scratch / name
            shutil.copytree(self.repos[name].path, str(target), symlinks=True)
            self._copies[name] = str(target)
        return self._copies[name]

    def run(self, requests: Sequence[Tuple[str, Sequence]]) -> List[Answer]:
        """hg's (status, stdout, stderr) for each (repository name, args) request."""
        requests = [(name, [a if isinstance(a, bytes) else os.fsencode(a) for a in args])
                    for name, args in requests]
        # repr, not pickle: the same on CPython and PyPy (pickle's memo follows object identity)
        key = "%s-%s" % (_source_key(), hashlib.sha256(repr(requests).encode()).hexdigest()[:32])
        cached = self.cache_dir / (key + ".pickle") if self.cache_dir is not None else None
        if cached is not None and cached.is_file():
            with open(str(cached), "rb") as fp:
                return pickle.load(fp)
        answers = run_at([(self._copy(name), args) for name, args in requests])
        if cached is not None:
            scratch = cached.with_suffix(".tmp%d" % os.getpid())
            with open(str(scratch), "wb") as fp:
                pickle.dump(answers, fp, protocol=4)
            os.replace(str(scratch), str(cached))
        return answers


@pytest.fixture(scope="session")
def hg_oracle(request, every_repo, tmp_path_factory) -> HgOracle:
    """Mercurial's answers to command lines on every_repo (see HgOracle)."""
    cache = getattr(request.config, "cache", None)
    cache_dir = pathlib.Path(str(cache.mkdir(_CACHE_NAME))) if cache is not None else None
    if cache_dir is not None:
        current = _source_key() + "-"
        for old in cache_dir.iterdir():
            if not old.name.startswith(current):
                try:
                    old.unlink()
                except OSError:   # another session's, in use or gone
                    pass
    return HgOracle(every_repo, cache_dir, tmp_path_factory.mktemp("hg-copies"))


def run_at(requests: Sequence[Tuple[str, Sequence[bytes]]]) -> List[Answer]:
    """hg's (status, stdout, stderr) for each (directory, args): one subprocess, no cache."""
    done = subprocess.run([hg_python(), str(HERE / "hgextra.py"), "batch"], env=hg_env(),
                          input=pickle.dumps(list(requests), protocol=hgrecord.PICKLE_PROTOCOL),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1800)
    if done.returncode != 0:
        pytest.fail("running hg commands failed:\n%s" % done.stderr.decode(errors="replace"), pytrace=False)
    return pickle.loads(done.stdout)


# ---- our command ------------------------------------------------------------------


def run_revlog(args: Sequence[str], cwd: Optional[str] = None, backend=None) -> Answer:
    """Our command in-process: (status, stdout, stderr)."""
    out, err = io.BytesIO(), io.BytesIO()
    status = cli.main(list(args), stdout=out, stderr=err, cwd=cwd, backend=backend)
    return status, out.getvalue(), err.getvalue()
