"""Build Mercurial fixture repositories and record Mercurial's answers about them.

A standalone script for a CPython interpreter that imports Mercurial 7.2.4; the
test suite runs it once per session as a subprocess (tests/hgfixtures.py), so
the same fixtures serve CPython and PyPy runs.  It never imports `revlog`, and
imports Mercurial only when it runs (hgfixtures reads REPOS on any interpreter).

    python tests/hgrecord.py OUTDIR [--only NAME,...] [--jobs N]

writes, for every repository NAME, the repository OUTDIR/NAME/ (built by real
Mercurial commands, run in-process through its dispatcher) and
OUTDIR/NAME.pickle (pickle protocol 4, builtin types only): what Mercurial's
Python API says about every revlog in it.  Revision texts are numbers into the
list in OUTDIR/texts.pickle (the same history is in every repository);
OUTDIR/index.pickle lists the repositories.  The layout of the recorded data is
documented in tests/hgfixtures.py, which also resolves the texts.
"""
import argparse
import base64
import io
import os
import pickle
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor

# The environment of every hg command (Mercurial reads it at import and at
# every command): no user configuration, fixed identity and encoding.
HG_ENV = {
    "HGPLAIN": "1",
    "HGRCPATH": os.devnull,
    "HGUSER": "Fixture Builder <fixtures@example.invalid>",
    "HGENCODING": "utf-8",
    "HGENCODINGMODE": "strict",
    "TZ": "UTC",
}

# Mercurial's modules, bound by load_mercurial(): this module imports without
# Mercurial, so that the test suite can read REPOS on any interpreter.
error = hg = main_script = hgnode = uimod = dispatch = None
HG_VERSION = None


def load_mercurial():
    """Set the hg environment (C modules, not HGMODULEPOLICY=py) and import Mercurial."""
    global error, hg, main_script, hgnode, uimod, dispatch, HG_VERSION
    if HG_VERSION is not None:
        return
    os.environ.update(HG_ENV)
    os.environ.pop("HGMODULEPOLICY", None)
    from mercurial import dispatch, error, hg, main_script, node as hgnode, ui as uimod
    from mercurial.__version__ import version as HG_VERSION


REQUIRED_HG_VERSION = "7.2.4"
PICKLE_PROTOCOL = 4
FORMAT_VERSION = 1  # bump when the recorded layout changes
UNSTABLE = "enable-unstable-format-and-corrupt-my-data"
TOMBSTONE = b"censored by the revlog test fixtures"

# name -> how the repository is made.  "init": --config pairs for `hg init`;
# "hgrc": written to .hg/hgrc right after init, so every later command (and
# anyone opening the repository) uses it; "requires": replaces .hg/requires
# right after init; "censor": whether `hg censor` runs on it.
REPOS = {
    "zlib": {
        "description": "default format (generaldelta, sparse-revlog), zlib",
        "init": {"format.revlog-compression": "zlib"},
    },
    "zstd": {
        "description": "default format (generaldelta, sparse-revlog), zstd",
        "init": {"format.revlog-compression": "zstd"},
    },
    "nogd": {
        "description": "no generaldelta, no sparse-revlog, zlib",
        "init": {
            "format.revlog-compression": "zlib",
            "format.generaldelta": "no",
            "format.usegeneraldelta": "no",
            "format.sparse-revlog": "no",
        },
    },
    "maxchain4": {
        "description": "generaldelta, sparse-revlog, zlib, format.maxchainlen=4",
        "init": {"format.revlog-compression": "zlib"},
        "hgrc": {"format.maxchainlen": "4"},
    },
    "v0": {
        "description": "revlog v0 (no revlogv1 requirement), zlib",
        "init": {"format.revlog-compression": "zlib", "format.use-share-safe": "no"},
        "requires": ["dotencode", "fncache", "store"],
        "censor": False,
        "notes": [
            "hg 7.2.4 has no config to create a v0 repository (format.revlogv1 is gone; "
            "creation always adds the revlogv1 requirement), but it still writes v0 revlogs "
            "into a store whose requirements lack revlogv1: the builder rewrites .hg/requires "
            "right after `hg init`, before the first commit",
            "not censored: hg censor refuses v0 revlogs",
        ],
    },
    "deltainfo": {
        "description": "generaldelta, sparse-revlog, delta-info flags, zlib",
        "init": {"format.revlog-compression": "zlib", "format.use-delta-info-flags": "yes"},
    },
    "changelogv2": {
        "description": "changelog-v2 (docket), other revlogs v1, zlib",
        "init": {"format.revlog-compression": "zlib", "format.exp-use-changelog-v2": UNSTABLE},
    },
    "revlogv2": {
        "description": "revlog-v2 everywhere (dockets, fileindex store), zstd",
        "init": {
            "format.revlog-compression": "zstd",
            "experimental.revlogv2": UNSTABLE,
            "storage.fileindex.slow-path": "allow",
        },
        "hgrc": {"storage.fileindex.slow-path": "allow"},
        "notes": [
            "revlog-v2 implies the fileindex store, which 7.2.4 reads in pure Python only "
            "with storage.fileindex.slow-path=allow (set in the repository's .hg/hgrc)",
        ],
    },
}


# ---------------------------------------------------------------------------
# Running Mercurial


class Workdir:
    """A working copy driven by real Mercurial commands run in this process."""

    def __init__(self, path):
        self.path = path
        self.changesets = 0

    def hg(self, *args):
        """Run one hg command in the working copy; its stdout, or raise on failure."""
        return run_hg(["--cwd", self.path] + list(args))

    def file(self, rel):
        return os.path.join(self.path, *rel.split("/"))

    def write(self, rel, data):
        full = self.file(rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fp:
            fp.write(data)

    def read(self, rel):
        with open(self.file(rel), "rb") as fp:
            return fp.read()

    def date(self):
        """A fixed, distinct date (and a varying time zone) for the next changeset."""
        self.changesets += 1
        n = self.changesets
        return "%d %d" % (1500000000 + 3600 * n, (-3600, 0, 19800)[n % 3])

    def commit(self, message, *extra):
        """Commit everything; the new changeset's revision (the tip)."""
        self.hg("commit", "-A", "-q", "-m", message, "-d", self.date(), *extra)
        return self.changesets - 1


def run_hg(args):
    """Run an hg command line in-process, like the `hg` script does; raise on failure."""
    out, err = io.BytesIO(), io.BytesIO()
    request = main_script.request(
        [a.encode("utf-8") for a in args], fin=io.BytesIO(), fout=out, ferr=err
    )
    status = dispatch.dispatch(request)
    if status:
        raise RuntimeError("hg %s failed (%s): %s%s" % (
            " ".join(args), status, out.getvalue().decode(errors="replace"),
            err.getvalue().decode(errors="replace")))
    return out.getvalue().decode("utf-8")


def config_args(pairs):
    args = []
    for key, value in sorted(pairs.items()):
        args += ["--config", "%s=%s" % (key, value)]
    return args


def write_hgrc(path, pairs):
    sections = {}
    for key, value in sorted(pairs.items()):
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append("%s = %s\n" % (name, value))
    with open(os.path.join(path, ".hg", "hgrc"), "w") as fp:
        for section, lines in sorted(sections.items()):
            fp.write("[%s]\n" % section)
            fp.writelines(lines)


# ---------------------------------------------------------------------------
# The history (the same for every repository)

WORDS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
    "pi rho sigma tau upsilon phi chi psi omega revlog index chunk delta snapshot "
    "parent node manifest changelog filelog merge branch copy rename censor"
).split()
GEN_FILES = ["gen/module%02d/component-%03d.txt" % (i // 10, i) for i in range(100)]
MAIN_GEN, SIDE_GEN = GEN_FILES[:80], GEN_FILES[80:]
# More than 120 characters: the store hashes it (dh/...).
LONG_PATH = "deep/%s/leaf-file.txt" % "/".join(
    "averyveryverylongdirectoryname%02d" % i for i in range(4))


class Text:
    """Deterministic text generators sharing one random stream."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def line(self):
        words = (self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 11)))
        return (" ".join(words) + "\n").encode()

    def lines(self, n):
        return b"".join(self.line() for _ in range(n))

    def noise(self, n):
        """n lines of base64 noise (compresses poorly: keeps a revlog big)."""
        return b"".join(
            base64.b64encode(self.rng.getrandbits(57 * 8).to_bytes(57, "little")) + b"\n"
            for _ in range(n)
        )

    def edit(self, data, count, lo=0, hi=None, noise=False):
        """Replace `count` random lines of data within [lo, hi)."""
        lines = data.splitlines(True)
        hi = len(lines) if hi is None else min(hi, len(lines))
        for _ in range(count):
            i = self.rng.randrange(lo, hi)
            lines[i] = self.noise(1) if noise else self.line()
        return b"".join(lines)


def initial_tree(t):
    tree = {
        "README": t.lines(20),
        "Makefile": t.lines(10),
        "src/main.c": t.lines(60),
        "src/lib/util.c": t.lines(40),
        "src/lib/util.h": t.lines(30),
        "docs/guide/intro.txt": t.lines(30),
        "docs/guide/deep/nested/dir/leaf.txt": t.lines(5),
        "empty.txt": b"",
        "Upper/CamelCase.TXT": t.lines(3),
        "with space/file name.txt": t.lines(3),
        ".hidden/.dotfile": t.lines(2),
        "dir.i/file.d": t.lines(2),
        "data.hg/x.txt": t.lines(2),
        "aux.txt": t.lines(2),
        LONG_PATH: t.lines(2),
        # Starts with the metadata marker: the filelog must escape it.
        "meta/marker.txt": b"\x01\nstarts with the filelog metadata marker\n" + t.lines(3),
        "bin/blob.bin": bytes(t.rng.getrandbits(8) if i % 7 else 0 for i in range(3000)),
        "log.txt": b"commit 0\n",
        "snap/churn.txt": t.lines(240),
        "big/large.txt": t.noise(1100),
    }
    for path in GEN_FILES:
        tree[path] = t.lines(4)
    return tree


def main_commit(w, t, n, marks):
    """One changeset on the default branch: the n-th of the main line."""
    w.write("log.txt", w.read("log.txt") + b"commit %d: " % n + t.line())
    for path in t.rng.sample(MAIN_GEN, 40):
        w.write(path, t.edit(w.read(path), 1))
    # Lines 0-47 change at every commit, 48-95 at every fifth, the rest never:
    # long chains end often and intermediate snapshots pay off.
    churn = t.edit(w.read("snap/churn.txt"), 40, hi=48)
    if n % 5 == 0:
        churn = t.edit(churn, 30, lo=48, hi=96)
    w.write("snap/churn.txt", churn)
    if n % 6 == 0:
        big = t.edit(w.read("big/large.txt"), 3, noise=True)
        w.write("big/large.txt", big + t.noise(110))
    if n % 3 == 0 and n <= 15:
        w.write("src/lib/util.h", t.edit(w.read("src/lib/util.h"), 4))
    if n % 4 == 0:
        w.write("src/main.c", t.edit(w.read("src/main.c"), 2, lo=50))
    if n % 5 == 0:
        w.write("README", t.edit(w.read("README"), 2))
    if n == 12:  # a removed file, later revived
        os.unlink(w.file("Makefile"))
    if n == 14:
        w.write("Makefile", t.lines(8))
    if n == 20:  # copies and renames: filelog metadata
        w.hg("copy", "src/lib/util.c", "src/lib/util2.c")
        w.hg("rename", "docs/guide/intro.txt", "docs/intro.txt")
        w.hg("copy", "empty.txt", "empty-copy.txt")
    if n in (21, 23):
        w.write("src/lib/util2.c", t.edit(w.read("src/lib/util2.c"), 3))
    if n == 25:  # copy and change in one changeset
        w.hg("copy", "meta/marker.txt", "meta/marker-copy.txt")
        w.write("meta/marker-copy.txt", w.read("meta/marker-copy.txt") + t.line())
    if n == 27:
        w.write("Upper/CamelCase.TXT", t.edit(w.read("Upper/CamelCase.TXT"), 1))
        w.write("with space/file name.txt", t.line())
        w.write(LONG_PATH, t.lines(3))
    if n == 30:  # an empty revision in the middle of a file's history
        w.write("README", b"")
    if n == 31:
        w.write("README", t.lines(12))
    marks[n] = w.commit("main %d: %s" % (n, t.line().decode().strip()))


def side_commit(w, t, n):
    """One changeset on the feature branch: touches what the main line leaves alone."""
    name = "side.txt"
    old = w.read(name) if os.path.exists(w.file(name)) else b""
    w.write(name, old + b"side %d: " % n + t.line())
    for path in t.rng.sample(SIDE_GEN, 6):
        w.write(path, t.edit(w.read(path), 1))
    w.write("src/main.c", t.edit(w.read("src/main.c"), 2, hi=10))
    w.commit("feature %d" % n)


def merge(w, other, message):
    w.hg("merge", "-q", "--tool", ":merge", other)
    return w.commit(message)


def build_history(w):
    """Make the fixture history in the working copy w; return notable revisions."""
    t = Text(7204)
    for path, data in sorted(initial_tree(t).items()):
        w.write(path, data)
    marks = {0: w.commit("initial import")}
    side = 0

    def sides(count):
        nonlocal side
        for _ in range(count):
            side += 1
            side_commit(w, t, side)

    n = 0

    def mains(upto):
        nonlocal n
        while n < upto:
            n += 1
            main_commit(w, t, n, marks)
            if n == 10:
                w.hg("tag", "-d", w.date(), "-m", "tag v1.0", "v1.0")

    mains(30)
    fork = w.changesets - 1
    mains(40)
    w.hg("update", "-q", str(fork))
    w.hg("branch", "-q", "feature")
    sides(4)
    w.hg("update", "-q", "default")
    merges = [merge(w, "feature", "merge feature into default")]
    mains(50)
    w.hg("update", "-q", "feature")
    sides(2)
    merges.append(merge(w, "default", "merge default into feature"))
    w.hg("update", "-q", "default")
    mains(60)
    merges.append(merge(w, "feature", "merge feature into default again"))
    mains(75)
    w.hg("update", "-q", "feature")
    side += 1
    w.write("side.txt", w.read("side.txt") + b"closing\n")
    closed = w.commit("close feature", "--close-branch")
    w.hg("update", "-q", "default")
    mains(85)
    w.hg("tag", "-d", w.date(), "-m", "tag v2.0", "v2.0")
    # An empty manifest, then one file again.
    w.hg("remove", "-q", ".")
    emptied = w.commit("remove everything")
    w.write("README", t.lines(3))
    last = w.commit("start over")
    return {"main": marks, "fork": fork, "merges": merges, "closed": closed,
            "emptied": emptied, "last": last}


# Censored file revisions: (tracked path, main-line commit number that made it).
# Neither is in a head; both are delta bases of later revisions.  (Censoring
# a revision that carries copy metadata makes `hg verify` fail, so none does.)
CENSOR = [("src/lib/util.h", 6), ("src/lib/util2.c", 21)]


def build_repo(name, root):
    """Create repository `name` under root; return facts for the recording."""
    spec = REPOS[name]
    path = os.path.join(root, name)
    run_hg(["init"] + config_args(spec.get("init", {})) + [path])
    hgrc = dict(spec.get("hgrc", {}))
    hgrc["extensions.censor"] = ""
    write_hgrc(path, hgrc)
    if "requires" in spec:
        with open(os.path.join(path, ".hg", "requires"), "w") as fp:
            fp.write("".join(r + "\n" for r in spec["requires"]))
    w = Workdir(path)
    marks = build_history(w)
    assert w.hg("log", "-r", "tip", "-T", "{rev}") == str(marks["last"])
    censored = []
    if spec.get("censor", True):
        for target, n in CENSOR:
            w.hg("censor", "-q", "-r", str(marks["main"][n]), "-t", TOMBSTONE.decode(), target)
            censored.append((target, marks["main"][n]))
    run_hg(["-R", path, "--config", "censor.policy=ignore", "verify", "-q"])
    return {"marks": marks, "censored": censored}


# ---------------------------------------------------------------------------
# Recording


def attempt(fn, *args):
    """fn(*args), or {"raises": exception class name, "message": str} if it raises."""
    try:
        return fn(*args)
    except Exception as exc:  # recorded, not hidden: callers compare these
        return {"raises": type(exc).__name__, "message": str(exc)}


def as_bytes(value):
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


def repo_relpath(repo, storepath):
    """On-disk (encoded) path of a store file relative to the repository root, or None."""
    if storepath is None:
        return None
    full = os.fsdecode(repo.svfs.join(storepath))
    if not os.path.exists(full):
        return None
    return os.path.relpath(full, os.fsdecode(repo.root)).replace(os.sep, "/")


def prefixes_for(nodes, sample):
    """A deterministic sample of hex prefixes: short, ambiguous, unknown, full, invalid.

    Prefixes of about `sample` nodes (spread over the revlog) are included.
    """
    found = {b"", b"g", b"0g", b"zz", b"0" * 40, b"0" * 41, b"f" * 40, b"A"}
    found.update(b"%x" % i for i in range(16))
    found.update(b"0" * k for k in range(2, 5))
    step = max(1, len(nodes) // sample)
    for node in nodes[::step] + nodes[-1:]:
        hexnode = hgnode.hex(node)
        for k in (1, 2, 3, 4, 5, 6, 7, 8, 12, 20, 39, 40):
            found.add(hexnode[:k])
        for k in (3, 6, 40):  # a near miss, usually unknown
            last = hexnode[k - 1:k]
            found.add(hexnode[:k - 1] + (b"0" if last != b"0" else b"1"))
        found.add(hexnode.upper()[:6])
    return sorted(found)


def partialmatch_answer(fn, prefix):
    try:
        return fn(prefix)
    except error.AmbiguousPrefixLookupError:
        return "ambiguous"
    except error.RevlogError as exc:
        if type(exc) is error.RevlogError:  # the index's "ambiguous" signal
            return "ambiguous"
        return {"raises": type(exc).__name__, "message": str(exc)}
    except Exception as exc:
        return {"raises": type(exc).__name__, "message": str(exc)}


def record_revlog(repo, kind, target, rl, flog=None):
    """Everything Mercurial says about one revlog (see tests/hgfixtures.py)."""
    index = rl.index
    n = len(rl)
    docket = getattr(rl, "_docket_file", None)
    entry_point = docket if docket is not None else rl._indexfile
    with repo.svfs(entry_point) as fp:
        header_bytes = fp.read(4)
    header = rl._format_version | rl._format_flags
    data = {
        "kind": kind,
        "target": target,
        "path": repo_relpath(repo, entry_point),
        "index_path": repo_relpath(repo, rl._indexfile),
        "data_path": None if rl._inline else repo_relpath(repo, rl._datafile),
        "sidedata_path": repo_relpath(repo, getattr(rl, "_sidedatafile", None)),
        "docket_path": repo_relpath(repo, docket),
        "header_bytes": header_bytes,
        "version": rl._format_version,
        "format_flags": rl._format_flags,
        "header": header,
        "inline": bool(rl._inline),
        "generaldelta": bool(rl.delta_config.general_delta),
        "sparse": bool(rl.delta_config.sparse_revlog),
        "delta_info": bool(rl.delta_config.delta_info),
        "hasmeta_flag": bool(rl.feature_config.hasmeta_flag),
        "compression": rl.feature_config.compression_engine.decode(),
        "index_type": "%s.%s" % (type(index).__module__, type(index).__name__),
        "entry_size": getattr(index, "entry_size", None),
        "len": n,
        "entries": [tuple(index[r]) for r in range(n)],
        "null_entry": tuple(index[-1]),
        "entry_binary": [attempt(lambda r: bytes(index.entry_binary(r)), r) for r in range(n)]
        if hasattr(index, "entry_binary") else None,
        "pack_header": attempt(lambda: bytes(index.pack_header(header)))
        if hasattr(index, "pack_header") else None,
        "headrevs": list(index.headrevs()) if hasattr(index, "headrevs") else list(rl.headrevs()),
        "findsnapshots": None,
    }
    if hasattr(index, "findsnapshots") and n:
        cache = {}
        index.findsnapshots(cache, 0, n - 1)
        data["findsnapshots"] = {base: sorted(revs) for base, revs in sorted(cache.items())}

    revs = []
    for r in range(n):
        node = rl.node(r)
        chain = rl._deltachain(r, None)
        chain = (list(chain[0]), bool(chain[1]))
        stop = None
        if len(chain[0]) >= 2:
            stoprev = chain[0][len(chain[0]) // 2]
            got = rl._deltachain(r, stoprev)
            stop = (stoprev, (list(got[0]), bool(got[1])))
        rawdata = as_bytes(attempt(rl.rawdata, r))
        revision = as_bytes(attempt(rl.revision, r))
        if revision == rawdata:
            revision = rawdata  # one object: pickled once
        info = {
            "rev": r,
            "node": node,
            "parents": tuple(rl.parents(node)),
            "parentrevs": tuple(rl.parentrevs(r)),
            "linkrev": rl.linkrev(r),
            "flags": rl.flags(r),
            "rawsize": rl.rawsize(r),
            "size": attempt(rl.size, r),
            "start": rl.start(r),
            "length": rl.length(r),
            "deltaparent": rl.deltaparent(r),
            "chainbase": rl.chainbase(r),
            "chainlen": rl.chainlen(r),
            "issnapshot": bool(rl.issnapshot(r)),
            "index_issnapshot": bool(index.issnapshot(r)) if hasattr(index, "issnapshot") else None,
            "snapshotdepth": rl.snapshotdepth(r) if rl.issnapshot(r) else None,
            "deltachain": chain,
            "deltachain_stop": stop,
            "chunk": bytes(rl._inner.get_segment_for_revs(r, r)[1]),
            "rawdata": rawdata,
            "revision": revision,
            "shortest": attempt(index.shortest, node) if hasattr(index, "shortest") else None,
            "shortest_hex": attempt(rl.shortest, node),
        }
        if flog is not None:
            read = as_bytes(attempt(flog.read, node))
            info["read"] = revision if read == revision else read
            renamed = attempt(flog.renamed, node)
            info["renamed"] = tuple(renamed) if isinstance(renamed, tuple) else (renamed or None)
        revs.append(info)
    data["revs"] = revs

    nodes = [info["node"] for info in revs]
    prefixes = prefixes_for(nodes, 6 if kind == "filelog" else 48)
    data["partialmatch"] = (
        {p: partialmatch_answer(index.partialmatch, p) for p in prefixes}
        if hasattr(index, "partialmatch") else None
    )
    data["rl_partialmatch"] = {p: partialmatch_answer(rl._partialmatch, p) for p in prefixes}
    data["dag"] = record_dag(index, n)
    return data


def record_dag(index, n):
    """A few DAG answers from the index on a deterministic sample of revisions."""
    if not n or not hasattr(index, "commonancestorsheads"):
        return None
    rng = random.Random(n)
    sample = sorted({rng.randrange(n) for _ in range(24)} | {0, n - 1})
    pairs = [(a, b) for a in sample for b in sample if a < b][:60]
    triples = [tuple(sorted(rng.sample(range(n), 3))) for _ in range(8)] if n >= 3 else []
    stops = sorted({0, 1, n // 3, n // 2, n - 1, n})
    return {
        "commonancestorsheads": {
            revs: sorted(index.commonancestorsheads(*revs)) for revs in pairs + triples
        },
        "ancestors": {revs: sorted(index.ancestors(*revs)) for revs in pairs + triples},
        "headrevs_stop": {stop: list(index.headrevs(None, stop)) for stop in stops},
    }


def record_repo(name, path, facts):
    """Open repository `path` with Mercurial's API and record every revlog in it."""
    ui = uimod.ui.load()
    repo = hg.repository(ui, path.encode()).unfiltered()
    revlogs = [record_revlog(repo, "changelog", b"", repo.changelog)]
    manifest = repo.manifestlog.getstorage(b"")
    revlogs.append(record_revlog(repo, "manifest", b"", manifest._revlog))
    targets = sorted(e.target_id for e in repo.store.data_entries() if e.is_filelog)
    for target in targets:
        flog = repo.file(target)
        revlogs.append(record_revlog(repo, "filelog", target, flog._revlog, flog))
    requirements = sorted(r.decode() for r in repo.requirements)
    censored = []
    for target, changeset in facts["censored"]:
        fnode = repo[changeset].filenode(target.encode())
        censored.append({"target": target.encode(), "linkrev": changeset,
                         "rev": repo.file(target.encode()).rev(fnode), "node": fnode})
    spec = REPOS[name]
    info = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "description": spec["description"],
        "hg_version": HG_VERSION,
        "init_config": dict(spec.get("init", {})),
        "hgrc": dict(spec.get("hgrc", {}), **{"extensions.censor": ""}),
        "requirements": requirements,
        "changelog_compression": repo.changelog.feature_config.compression_engine.decode(),
        "notes": list(spec.get("notes", [])),
        "marks": facts["marks"],
        "censored": censored,
        "tombstone": TOMBSTONE if censored else None,
        "heads": sorted(repo.changelog.headrevs()),
    }
    return {"info": info, "revlogs": revlogs}


def build_and_record(name, outdir):
    """Build one repository and return its recording."""
    load_mercurial()
    start = time.time()
    facts = build_repo(name, outdir)
    built = time.time()
    recorded = record_repo(name, os.path.join(outdir, name), facts)
    recorded["info"]["build_seconds"] = round(built - start, 2)
    recorded["info"]["record_seconds"] = round(time.time() - built, 2)
    return recorded


TEXT_FIELDS = ("rawdata", "revision", "read")


def share_texts(recorded, texts, numbers):
    """Replace the revision texts of a recording by numbers into the shared `texts` list.

    Every repository has the same history, so most texts are the same
    everywhere: they are stored once, in texts.pickle.
    """
    for rl in recorded["revlogs"]:
        for info in rl["revs"]:
            for field in TEXT_FIELDS:
                value = info.get(field)
                if isinstance(value, bytes):
                    if value not in numbers:
                        numbers[value] = len(texts)
                        texts.append(value)
                    info[field] = numbers[value]


def write_pickle(path, value):
    with open(path + ".tmp", "wb") as fp:
        pickle.dump(value, fp, protocol=PICKLE_PROTOCOL)
    os.replace(path + ".tmp", path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--only", help="comma-separated repository names (default: all)")
    parser.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    load_mercurial()
    if HG_VERSION != REQUIRED_HG_VERSION:
        sys.exit("hgrecord: Mercurial %s required, found %s" % (REQUIRED_HG_VERSION, HG_VERSION))
    names = args.only.split(",") if args.only else list(REPOS)
    unknown = sorted(set(names) - set(REPOS))
    if unknown:
        sys.exit("hgrecord: unknown repositories: %s" % ", ".join(unknown))
    os.makedirs(args.outdir, exist_ok=True)
    start = time.time()
    if args.jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            recordings = pool.map(build_and_record, names, [args.outdir] * len(names))
            recordings = list(recordings)
    else:
        recordings = [build_and_record(name, args.outdir) for name in names]
    texts, numbers = [], {}
    infos = []
    for recorded in recordings:
        share_texts(recorded, texts, numbers)
        write_pickle(os.path.join(args.outdir, recorded["info"]["name"] + ".pickle"), recorded)
        infos.append(recorded["info"])
    write_pickle(os.path.join(args.outdir, "texts.pickle"), texts)
    index = {"format_version": FORMAT_VERSION, "hg_version": HG_VERSION, "repos": infos,
             "seconds": round(time.time() - start, 2)}
    write_pickle(os.path.join(args.outdir, "index.pickle"), index)
    for info in infos:
        print("%-12s built %5.1fs recorded %5.1fs" % (
            info["name"], info["build_seconds"], info["record_seconds"]))
    print("total %.1fs" % index["seconds"])


if __name__ == "__main__":
    main()
