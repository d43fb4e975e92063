"""Repositories built by real Mercurial 7.2.4, and Mercurial's answers about them.

`tests/hgrecord.py` runs once per session as ONE subprocess of a CPython
interpreter that has Mercurial (so PyPy runs get the same fixtures): it builds
every repository in `hgrecord.REPOS` from the same deterministic history and
records, through Mercurial's Python API (C index), everything below about
every revlog in them.

Finding that interpreter (`hg_python()`): `REVLOG_HG_PYTHON`; else this
interpreter if it imports Mercurial 7.2.4; else the CPython beside the
site-packages named by `REVLOG_HG_SITE`; else the interpreter of the `hg`
script on PATH.  None found: skip, or fail with `REVLOG_REQUIRE_HG=1`.
The build is cached under pytest's cache directory, keyed by the source of
hgrecord.py and checked against a fingerprint of the stores;
`REVLOG_HG_FIXTURES_CACHE=0` builds into a temporary directory instead.

Fixtures: `hg_repos` (session) -> {name: HgRepo}; `hg_repo` -> one HgRepo,
parametrized over REPO_NAMES; `hg_copy(name)` -> path of a fresh copy of a
repository in tmp_path.  Treat `HgRepo.path` as read-only: copy it
(`hg_copy`, `HgRepo.copy(dest)`, `copy_repo`) before changing anything.
Running hg: `hg_command(*args)` / `run_hg(*args)` with `hg_env()`.

Facts of 7.2.4 the data reflects: changelogs are never inline (split from the
first commit) and never generaldelta; the v0 index is a pure-Python one with
no deltachain/partialmatch/shortest/headrevs methods (those fields are None
or computed by the revlog); censored revisions are filelog revisions 2 of
src/lib/util.h and 1 of src/lib/util2.c (none in v0).

One recorded revlog (a dict; bytes stay bytes, paths are str with "/"):
    kind            "changelog" | "manifest" | "filelog"
    target          tracked path (bytes) for a filelog, b"" otherwise
    path            the revlog's .i file, relative to the repo root, as on disk
                    (store-encoded; for v2 formats: the docket)
    index_path      file holding the index entries (.i, or the v2 *.idx)
    data_path       file holding the chunks (.d, v2 *.dat); None when inline
    sidedata_path   v2 *.sda file, else None
    docket_path     v2 docket (== path), else None
    header_bytes    first 4 bytes of `path`
    version, format_flags, header    int: header == version | format_flags
                    (version 0, 1, 0xDEAD revlog-v2, 0xD34D changelog-v2)
    inline, generaldelta, sparse, delta_info, hasmeta_flag    bool
    compression     "zlib" | "zstd": the engine of the revlog's repository
    index_type      "module.Class" of Mercurial's index (v0: a pure one)
    entry_size      index entry size in bytes (64, 76 or 96)
    len             number of revisions
    entries         [index[rev] for every rev]: 13-tuples, exactly as hg's index
                    gives them (v0: raw_len, entry[2], is None)
    null_entry      index[-1]
    entry_binary    [index.entry_binary(rev)] (None if the index lacks it)
    pack_header     index.pack_header(header) (or a raised value, see below)
    headrevs        index.headrevs()
    findsnapshots   {base: sorted revs} from index.findsnapshots({}, 0, len-1), or None
    revs            [one dict per rev, below]
    partialmatch    {hex prefix (bytes): answer} from index.partialmatch(prefix):
                    node (bytes) | None | "ambiguous" | a raised value; the prefixes
                    are a deterministic sample: b"", every hex digit, b"0".."0000",
                    prefixes of sampled nodes at lengths 1-8, 12, 20, 39, 40, near
                    misses, upper case, non-hex, 41 chars; None if the index lacks it
    rl_partialmatch the same prefixes through revlog._partialmatch (which also
                    handles the working-directory id and ambiguity with nullid)
    dag             None, or {"commonancestorsheads": {(revs...): sorted list},
                    "ancestors": {(revs...): sorted list},
                    "headrevs_stop": {stop_rev: index.headrevs(None, stop_rev)}}
One revision (revs[rev]):
    rev, node, parents (p1 node, p2 node), parentrevs (p1, p2), linkrev, flags,
    rawsize, size, start, length, deltaparent, chainbase, chainlen
    issnapshot       revlog.issnapshot(rev) (bool)
    index_issnapshot index.issnapshot(rev), None if the index lacks it
    snapshotdepth    revlog.snapshotdepth(rev) for snapshots, else None
    deltachain       (revs, stopped) = revlog._deltachain(rev, None) (the C index's
                     deltachain where it exists)
    deltachain_stop  (stoprev, (revs, stopped)) for a stoprev in the middle of the
                     chain, or None for chains shorter than 2
    chunk            the stored chunk bytes (compression header included)
    rawdata          revlog.rawdata(rev)
    revision         revlog.revision(rev)
    shortest         index.shortest(node) (int; None if the index lacks it)
    shortest_hex     revlog.shortest(node) (hex bytes)
    read, renamed    filelogs only: filelog.read(node) (metadata stripped) and
                     filelog.renamed(node) as (path, node) or None
Any value that raised in Mercurial is recorded as {"raises": "ClassName",
"message": str} (censored revisions: revision/read raise "CensoredNodeError");
`raised(value)` gives the class name or None.

HgRepo.info: format_version, name, description, hg_version, init_config and
hgrc ({"section.name": value}), requirements (sorted str), changelog_compression,
notes (str list),
marks ({"main": {n: changeset rev of main-line commit n}, "fork", "merges",
"closed", "emptied", "last"}), censored ([{"target", "linkrev", "rev", "node"}]),
tombstone, heads (changelog head revs), build_seconds, record_seconds.
"""
import functools
import hashlib
import json
import os
import pathlib
import pickle
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Optional

import pytest

import hgrecord
from hgoracle import HG_VERSION, _unavailable

assert HG_VERSION == hgrecord.REQUIRED_HG_VERSION
REPO_NAMES = tuple(hgrecord.REPOS)
RECORDER = pathlib.Path(hgrecord.__file__).resolve()
_CACHE_NAME = "revlog-hgfixtures"


# ---------------------------------------------------------------------------
# The interpreter with Mercurial


def hg_env() -> Dict[str, str]:
    """The environment for hg commands: plain, no user config, C modules."""
    env = dict(os.environ)
    env.update(hgrecord.HG_ENV)
    env.pop("HGMODULEPOLICY", None)
    return env


def _hg_version_of(python: str) -> Optional[str]:
    try:
        out = subprocess.run(
            [python, "-c", "import mercurial.__version__ as v; print(v.version)"],
            env=hg_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode().strip() if out.returncode == 0 else None


def _candidates():
    """(python, where it came from), best first."""
    explicit = os.environ.get("REVLOG_HG_PYTHON")
    if explicit:
        yield explicit, "REVLOG_HG_PYTHON"
        return
    if sys.implementation.name == "cpython":
        yield sys.executable, "this interpreter"
    site = os.environ.get("REVLOG_HG_SITE")
    if site:  # <venv>/lib/pythonX.Y/site-packages -> <venv>/bin/python
        venv = pathlib.Path(site).resolve().parents[2]
        for name in ("python3", "python"):
            yield str(venv / "bin" / name), "REVLOG_HG_SITE"
    script = shutil.which("hg")
    if script:
        with open(script, "rb") as fp:
            first = fp.readline().decode(errors="replace")
        if first.startswith("#!"):
            parts = first[2:].split()
            if parts and "python" in os.path.basename(parts[-1]):
                yield (parts[-1] if parts[0].endswith("env") else parts[0]), "hg on PATH"


@functools.lru_cache(maxsize=None)
def _find_hg_python():
    tried = []
    for python, origin in _candidates():
        version = _hg_version_of(python)
        if version == HG_VERSION:
            return python, None
        tried.append("%s (%s): %s" % (python, origin, "Mercurial %s" % version if version
                                       else "cannot import mercurial"))
    return None, "; ".join(tried) or "no candidate interpreter (set REVLOG_HG_PYTHON)"


def hg_python() -> str:
    """A CPython that imports Mercurial 7.2.4, or skip/fail (REVLOG_REQUIRE_HG=1)."""
    python, why = _find_hg_python()
    if python is None:
        _unavailable(why)
    return python


@functools.lru_cache(maxsize=None)
def _hg_prefix(python: str) -> tuple:
    ok = subprocess.run([python, "-m", "mercurial", "--version", "-q"], env=hg_env(),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if ok.returncode == 0:
        return (python, "-m", "mercurial")
    script = pathlib.Path(python).parent / "hg"
    if script.exists():
        return (python, str(script))
    pytest.fail("cannot run hg with %s: neither -m mercurial nor %s works" % (python, script))


def hg_command(*args: str) -> List[str]:
    """argv running hg (7.2.4, under hg_python()) with args; run it with env=hg_env()."""
    return list(_hg_prefix(hg_python())) + list(args)


def run_hg(*args: str, cwd: Optional[str] = None, check: bool = True) -> bytes:
    """Run hg with args; its stdout (raises CalledProcessError on failure if check)."""
    done = subprocess.run(hg_command(*args), cwd=cwd, env=hg_env(), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return done.stdout


# ---------------------------------------------------------------------------
# Recorded data


def raised(value: Any) -> Optional[str]:
    """The exception class name if a recorded value stands for an exception, else None."""
    if isinstance(value, dict) and "raises" in value:
        return value["raises"]
    return None


class HgRepo:
    """One fixture repository: where it is and what Mercurial recorded about it."""

    def __init__(self, directory: pathlib.Path, info: dict):
        self.name = info["name"]
        self.path = str(directory / self.name)
        self.info = info
        self._directory = directory
        self._revlogs = None

    def __repr__(self):
        return "<HgRepo %s at %s>" % (self.name, self.path)

    @property
    def revlogs(self) -> List[dict]:
        """Every recorded revlog: changelog, manifest, then filelogs by tracked path."""
        if self._revlogs is None:
            with open(self._directory / (self.name + ".pickle"), "rb") as fp:
                recorded = pickle.load(fp)
            texts = _texts(str(self._directory))
            for rl in recorded["revlogs"]:
                for rev in rl["revs"]:
                    for field in hgrecord.TEXT_FIELDS:
                        if isinstance(rev.get(field), int):
                            rev[field] = texts[rev[field]]
            self._revlogs = recorded["revlogs"]
        return self._revlogs

    @property
    def changelog(self) -> dict:
        return self.revlogs[0]

    @property
    def manifest(self) -> dict:
        return self.revlogs[1]

    @property
    def filelogs(self) -> List[dict]:
        return self.revlogs[2:]

    def filelog(self, target) -> dict:
        """The recorded filelog of a tracked path (str or bytes)."""
        if isinstance(target, str):
            target = target.encode()
        for rl in self.filelogs:
            if rl["target"] == target:
                return rl
        raise KeyError(target)

    def abspath(self, rl: dict, key: str = "path") -> str:
        """Absolute path of a recorded revlog's file (key: "path", "index_path", "data_path"...)."""
        return os.path.join(self.path, *rl[key].split("/"))

    def copy(self, dest) -> str:
        """Copy the repository to dest (which must not exist); return its path."""
        return copy_repo(self, dest)


@functools.lru_cache(maxsize=None)
def _texts(directory: str) -> list:
    with open(os.path.join(directory, "texts.pickle"), "rb") as fp:
        return pickle.load(fp)


def copy_repo(repo: HgRepo, dest) -> str:
    """Copy a fixture repository to dest (must not exist), for tests that change it."""
    shutil.copytree(repo.path, str(dest), symlinks=True)
    return str(dest)


# ---------------------------------------------------------------------------
# Building


def _recorder_key() -> str:
    return hashlib.sha256(RECORDER.read_bytes()).hexdigest()[:16]


def _fingerprint(directory: pathlib.Path) -> dict:
    """sha1 of every store file, requires and hgrc of every repository."""
    found = {}
    for name in REPO_NAMES:
        hgdir = directory / name / ".hg"
        paths = [hgdir / "requires", hgdir / "hgrc"]
        paths += sorted(p for p in (hgdir / "store").rglob("*") if p.is_file() and p.name != "lock")
        for path in paths:
            if path.exists():
                digest = hashlib.sha1(path.read_bytes()).hexdigest()
                found[str(path.relative_to(directory))] = digest
    return found


def _valid(directory: pathlib.Path) -> bool:
    try:
        with open(directory / "fingerprint.json") as fp:
            expected = json.load(fp)
        with open(directory / "index.pickle", "rb") as fp:
            index = pickle.load(fp)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        return False
    return (index.get("format_version") == hgrecord.FORMAT_VERSION
            and [info["name"] for info in index["repos"]] == list(REPO_NAMES)
            and _fingerprint(directory) == expected)


def build(directory, python: Optional[str] = None) -> None:
    """Build and record every fixture repository into directory (must not exist)."""
    python = python or hg_python()
    directory = pathlib.Path(directory)
    done = subprocess.run([python, str(RECORDER), str(directory)], env=hg_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
    if done.returncode != 0:
        pytest.fail("building the Mercurial fixtures failed (%s %s):\n%s" % (
            python, RECORDER, done.stdout.decode(errors="replace")), pytrace=False)
    with open(directory / "fingerprint.json", "w") as fp:
        json.dump(_fingerprint(directory), fp, indent=0, sort_keys=True)


def _build_cached(cache_root: pathlib.Path) -> pathlib.Path:
    """The cached build for this hgrecord.py, built (under a lock) when missing or stale."""
    cache_root.mkdir(parents=True, exist_ok=True)
    target = cache_root / _recorder_key()
    with FileLock(cache_root / "lock"):
        if _valid(target):
            return target
        python = hg_python()
        for old in cache_root.iterdir():  # stale builds, this key's included
            if old.is_dir():
                shutil.rmtree(str(old), ignore_errors=True)
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="build-", dir=str(cache_root)))
        build(scratch / "out", python)
        os.replace(str(scratch / "out"), str(target))
        shutil.rmtree(str(scratch), ignore_errors=True)
    return target


class FileLock:
    """An exclusive advisory lock on a file (parallel pytest processes build once)."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def __enter__(self):
        self.fp = open(str(self.path), "a")
        try:
            import fcntl
        except ImportError:  # no fcntl: no lock
            return self
        fcntl.flock(self.fp.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.fp.close()  # releases the lock


def load(directory) -> Dict[str, HgRepo]:
    """The fixture repositories of a built directory, by name."""
    directory = pathlib.Path(directory)
    with open(directory / "index.pickle", "rb") as fp:
        index = pickle.load(fp)
    return {info["name"]: HgRepo(directory, info) for info in index["repos"]}


@pytest.fixture(scope="session")
def hg_repos(request, tmp_path_factory) -> Dict[str, HgRepo]:
    """Every fixture repository by name (see REPO_NAMES), built once per session."""
    cache = getattr(request.config, "cache", None)
    if cache is None or os.environ.get("REVLOG_HG_FIXTURES_CACHE") == "0":
        directory = tmp_path_factory.mktemp("hgfixtures") / "out"
        build(directory)
    else:
        directory = _build_cached(pathlib.Path(str(cache.mkdir(_CACHE_NAME))))
    return load(directory)


@pytest.fixture(params=REPO_NAMES)
def hg_repo(request, hg_repos) -> HgRepo:
    """Each fixture repository in turn."""
    return hg_repos[request.param]


@pytest.fixture
def hg_copy(hg_repos, tmp_path):
    """A function: repository name -> path of a new copy of it under tmp_path."""
    made = []

    def copy(name: str) -> str:
        made.append(name)
        return copy_repo(hg_repos[name], tmp_path / ("%s-%d" % (name, len(made))))

    return copy
