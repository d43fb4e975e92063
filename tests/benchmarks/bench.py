#!/usr/bin/env python3
"""Benchmark: revlog's C and pure backends against Mercurial's C and pure code.

On one revlog, in one process and one run, each operation is timed for every
implementation that is available here:

  ours-c     revlog.policy.load("c")
  ours-pure  revlog.policy.load("pure")
  hg-c       Mercurial 7.2.4's C extension (mercurial.cext.parsers, its revlog
             API with the C module policy)
  hg-pure    Mercurial 7.2.4's pure-Python modules (mercurial.pure.parsers; its
             revlog API in a subprocess with HGMODULEPOLICY=py)

Each number is the best of --repeat runs (fewer when --max-time is used up);
the output says how each number was obtained.  An implementation that is
missing is reported as unavailable with the reason: no number is invented.

Operations live in a registry (OPERATIONS below): one Operation per
operation, one function per implementation family.  To add one, e.g.:

    heads = operation("heads", "headrevs on a fresh index")

    @heads.implementation(*ALL_IMPLS)
    def _(ctx, impl):
        parse = impl.parse_index2
        def setup():
            return parse(ctx.index_data, ctx.inline, ctx.generaldelta, False)[0]
        def run(index):
            return len(index.headrevs())
        return Timed(run, setup)

The DAG operations (OP_GROUPS["dag"]) are real ones, Mercurial's columns
running its revlog methods and their pure fallbacks.

See tests/benchmarks/README.md for the command lines.
"""
import argparse
import atexit
import collections
import cProfile
import gc
import hashlib
import importlib
import io
import json
import os
import platform
import pstats
import random
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import types
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

HG_VERSION = "7.2.4"
OURS_C, OURS_PURE, HG_C, HG_PURE = "ours-c", "ours-pure", "hg-c", "hg-pure"
ALL_IMPLS = (OURS_C, OURS_PURE, HG_C, HG_PURE)
# (numerator, denominator) pairs of the ratio table
RATIOS = ((OURS_C, HG_C), (OURS_PURE, HG_C), (HG_PURE, HG_C), (OURS_PURE, HG_PURE), (OURS_C, OURS_PURE))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# importing our package and Mercurial

def import_revlog() -> types.ModuleType:
    """Our package; if importing it under the default policy fails (the C
    backend being mid-rewrite), retry with REVLOG_MODULE_POLICY=pure: the C
    backend is still tried later through policy.load("c")."""
    try:
        return importlib.import_module("revlog")
    except Exception as exc:  # AttributeError/ImportError from a half-built C backend
        if os.environ.get("REVLOG_MODULE_POLICY") == "pure":
            raise
        log("bench: `import revlog` failed (%s: %s); retrying with REVLOG_MODULE_POLICY=pure"
            % (type(exc).__name__, exc))
        for name in [m for m in sys.modules if m == "revlog" or m.startswith("revlog.")]:
            del sys.modules[name]
        os.environ["REVLOG_MODULE_POLICY"] = "pure"
        return importlib.import_module("revlog")


def _copy_pure_mercurial() -> Optional[str]:
    """On PyPy: make Mercurial's pure modules importable from REVLOG_HG_SITE
    (a CPython site-packages holding Mercurial), as tests/hgoracle.py does."""
    site = os.environ.get("REVLOG_HG_SITE")
    if not site:
        return None
    target = tempfile.mkdtemp(prefix="revlog-bench-hg-pure-")
    atexit.register(shutil.rmtree, target, True)
    ignore = shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    for package in ("mercurial", "hgdemandimport"):
        shutil.copytree(os.path.join(site, package), os.path.join(target, package), ignore=ignore)
    os.environ["HGMODULEPOLICY"] = "py"
    os.environ.setdefault("HGZSTDPOLICY", "system")
    sys.path.insert(0, target)
    return target


_mercurial_cache: Dict[str, object] = {}


def import_mercurial():
    """(mercurial package, None) or (None, why it is unavailable)."""
    if "result" in _mercurial_cache:
        return _mercurial_cache["result"]
    if sys.implementation.name != "cpython":
        _copy_pure_mercurial()
    try:
        hg = importlib.import_module("mercurial")
        version = importlib.import_module("mercurial.__version__").version
        if isinstance(version, bytes):
            version = version.decode()
    except ImportError as exc:
        result = (None, "Mercurial is not importable (%s)" % exc)
    else:
        if version != HG_VERSION:
            result = (None, "Mercurial %s found, the benchmark compares with %s" % (version, HG_VERSION))
        else:
            result = (hg, None)
    _mercurial_cache["result"] = result
    return result


# ---------------------------------------------------------------------------
# implementations

class Impl:
    """One implementation: what it is, and why not when it is unavailable."""

    def __init__(self, name: str, parse_index2=None, why_not: Optional[str] = None, **extra):
        self.name = name
        self.parse_index2 = parse_index2
        self.why_not = why_not
        self.__dict__.update(extra)


def load_impl(name: str) -> Impl:
    if name in (OURS_C, OURS_PURE):
        revlog = import_revlog()
        which = "c" if name == OURS_C else "pure"
        try:
            backend = revlog.policy.load(which)
        except ImportError as exc:
            return Impl(name, why_not="backend unavailable: %s" % exc)
        parse = getattr(backend, "parse_index2", None)
        if parse is None:
            return Impl(name, why_not="%s has no parse_index2 (not written yet)" % backend.__name__)
        return Impl(name, parse, backend=backend, backend_name=which, revlog=revlog)
    hg, why = import_mercurial()
    if hg is None:
        return Impl(name, why_not=why)
    if name == HG_C:
        try:
            parsers = importlib.import_module("mercurial.cext.parsers")
        except ImportError as exc:
            return Impl(name, why_not="mercurial.cext.parsers is not importable (%s)" % exc)
        return Impl(name, parsers.parse_index2)
    if name == HG_PURE:
        parsers = importlib.import_module("mercurial.pure.parsers")
        return Impl(name, parsers.parse_index2)
    raise ValueError("unknown implementation %r" % name)


# ---------------------------------------------------------------------------
# the revlog under test

class Context:
    """The revlog under test, read once: what every operation starts from."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        with io.open(self.path, "rb") as f:
            self.index_data = f.read()
        if len(self.index_data) < 4:
            raise SystemExit("bench: %s is not a revlog index (too short)" % path)
        (header,) = struct.unpack(">I", self.index_data[:4])
        self.version = header & 0xFFFF
        self.inline = bool(header & (1 << 16))
        self.generaldelta = bool(header & (1 << 17))
        if self.version != 1:
            raise SystemExit("bench: %s: revlog version %d; the benchmark reads v1 indexes" % (path, self.version))
        data_path = self.path[:-2] + ".d"
        self.data_size = 0 if self.inline else os.path.getsize(data_path)
        self.sha1 = hashlib.sha1(self.index_data).hexdigest()
        pure = load_impl(OURS_PURE)
        index, _ = pure.parse_index2(self.index_data, self.inline, self.generaldelta, False)
        self.revs = len(index)
        self.nodes = [index[r][7] for r in range(self.revs)]
        # lookups visit every node once, in a fixed shuffled order
        self.shuffled_nodes = list(self.nodes)
        random.Random(0).shuffle(self.shuffled_nodes)

    def describe(self) -> str:
        return ("%s\n  %d revisions, v%d, %s, %s, index %s, data %s, index sha1 %s"
                % (self.path, self.revs, self.version, "inline" if self.inline else "split",
                   "generaldelta" if self.generaldelta else "no generaldelta",
                   _size(len(self.index_data)), _size(self.data_size), self.sha1[:12]))


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0
    return str(n)


# ---------------------------------------------------------------------------
# operations registry

class Timed:
    """What an implementation function returns: `run(state)` is timed;
    `setup()` (untimed, before each run) makes its state.  `run` returns a
    small summary that must agree between implementations, or, with
    `summarize`, a result that summarize(result) (untimed) turns into one.
    `unchecked` (a reason) keeps the summary out of the cross-check: the
    implementation answers another question by design."""

    def __init__(self, run: Callable, setup: Optional[Callable] = None, how: str = "in-process",
                 summarize: Optional[Callable] = None, unchecked: Optional[str] = None,
                 size: Optional[Callable] = None):
        self.run = run
        self.setup = setup
        self.how = how
        self.summarize = summarize
        self.unchecked = unchecked
        self.size = size  # () -> bytes written by the last run (write operations)


class Unavailable(Exception):
    """Raised by an implementation function: no number for this one."""


class Operation:
    def __init__(self, name: str, title: str, doc: str):
        self.name = name
        self.title = title
        self.doc = doc
        self.functions: Dict[str, Callable] = {}
        # impl -> environment of the subprocess that must run it (e.g. HGMODULEPOLICY=py)
        self.isolated: Dict[str, Dict[str, str]] = {}

    def implementation(self, *impls: str, subprocess_env: Optional[Dict[str, str]] = None):
        def register(function):
            for impl in impls:
                self.functions[impl] = function
                if subprocess_env is not None:
                    self.isolated[impl] = subprocess_env
            return function
        return register


OPERATIONS: "collections.OrderedDict[str, Operation]" = collections.OrderedDict()


def operation(name: str, title: str, doc: str = "") -> Operation:
    op = Operation(name, title, doc)
    OPERATIONS[name] = op
    return op


def _consume(iterator) -> None:
    collections.deque(iterator, maxlen=0)


# 1. parse + every entry ------------------------------------------------------

parse = operation("parse", "parse + every entry",
                  "parse_index2 on the .i bytes, then index[r] for every rev")


@parse.implementation(*ALL_IMPLS)
def _parse(ctx: Context, impl: Impl) -> Timed:
    parse_index2, data, inline, gd = impl.parse_index2, ctx.index_data, ctx.inline, ctx.generaldelta

    def run(_):
        index, _cache = parse_index2(data, inline, gd, False)
        _consume(map(index.__getitem__, range(len(index))))
        return [len(index), index[len(index) - 1][7].hex()]

    return Timed(run)


# 2. lookup every node --------------------------------------------------------

lookup = operation("lookup", "lookup every node",
                   "index.rev(node) for every node (fixed shuffled order) on a fresh index: "
                   "the node tree/dict is built inside the timing; the parse is not timed")


@lookup.implementation(*ALL_IMPLS)
def _lookup(ctx: Context, impl: Impl) -> Timed:
    parse_index2, data, inline, gd = impl.parse_index2, ctx.index_data, ctx.inline, ctx.generaldelta
    nodes = ctx.shuffled_nodes

    def setup():
        return parse_index2(data, inline, gd, False)[0]

    def run(index):
        return sum(map(index.rev, nodes))

    return Timed(run, setup)


# 3. deltachain of every rev --------------------------------------------------

deltachain = operation("deltachain", "deltachain of every rev",
                       "index.deltachain(rev, None) for every rev (hg-pure: Mercurial's own "
                       "pure-Python fallback, revlog._InnerRevlog._deltachain)")


def _sum_chains(deltachain_fn, revs: int) -> int:
    total = 0
    for rev in range(revs):
        total += len(deltachain_fn(rev, None)[0])
    return total


@deltachain.implementation(OURS_C, OURS_PURE, HG_C)
def _deltachain(ctx: Context, impl: Impl) -> Timed:
    parse_index2, data, inline, gd = impl.parse_index2, ctx.index_data, ctx.inline, ctx.generaldelta
    revs = ctx.revs

    def setup():
        return parse_index2(data, inline, gd, False)[0]

    def run(index):
        return _sum_chains(index.deltachain, revs)

    return Timed(run, setup)


@deltachain.implementation(HG_PURE)
def _deltachain_hg_pure(ctx: Context, impl: Impl) -> Timed:
    # Mercurial's pure index has no deltachain(); its revlog then walks the
    # chain in Python (_InnerRevlog._deltachain, after the AttributeError of
    # self.index.deltachain).  Call that very method on a minimal inner
    # revlog holding the pure index.
    from mercurial import revlog as hgrevlog

    parse_index2, data, inline, gd = impl.parse_index2, ctx.index_data, ctx.inline, ctx.generaldelta
    revs = ctx.revs
    method = hgrevlog._InnerRevlog._deltachain

    def setup():
        index = parse_index2(data, inline, gd, False)[0]
        if hasattr(index, "deltachain"):
            raise Unavailable("Mercurial's pure index has deltachain() now; update the benchmark")
        inner = types.SimpleNamespace(index=index, delta_config=types.SimpleNamespace(general_delta=gd))
        return inner

    def run(inner):
        return _sum_chains(lambda rev, stop: method(inner, rev, stop), revs)

    return Timed(run, setup, how="in-process, mercurial.revlog._InnerRevlog._deltachain on the pure index")


# 4. every revision read and verified -----------------------------------------

revisions = operation("revisions", "every revision read+verified",
                      "open the revlog, then revision(r) for every r in order (hash checked); "
                      "fresh revlog object each run, its opening is timed")


@revisions.implementation(OURS_C, OURS_PURE)
def _revisions_ours(ctx: Context, impl: Impl) -> Timed:
    open_revlog, path, backend = impl.revlog.open, ctx.path, impl.backend_name

    def run(_):
        rl = open_revlog(path, backend=backend)
        revision = rl.revision
        total = 0
        for rev in range(len(rl)):
            total += len(revision(rev))
        return total

    return Timed(run, how="in-process, revlog.open(path, backend=%r)" % backend)


def _hg_opener(ctx: Context):
    """(vfs, radix, how): a Mercurial opener for the revlog's directory,
    configured as the repository's store when the revlog is in one."""
    from mercurial import hg, ui as uimod, vfs as vfsmod

    directory, name = os.path.split(ctx.path)
    opener = vfsmod.vfs(directory.encode(), audit=False)
    how = "plain vfs, default revlog config"
    parent = directory
    while True:
        if os.path.basename(parent) == "store" and os.path.basename(os.path.dirname(parent)) == ".hg":
            root = os.path.dirname(os.path.dirname(parent))
            repo = hg.repository(uimod.ui(), root.encode())
            opener.options = dict(repo.svfs.options)
            how = "its repository's store options"
            break
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    return opener, name[:-2].encode(), how


def _hg_kind(radix: bytes):
    from mercurial.revlogutils import constants as rc

    if radix == b"00changelog":
        return rc.KIND_CHANGELOG
    if radix == b"00manifest":
        return rc.KIND_MANIFESTLOG
    return rc.KIND_OTHER


@revisions.implementation(HG_C)
@revisions.implementation(HG_PURE, subprocess_env={"HGMODULEPOLICY": "py"})
def _revisions_hg(ctx: Context, impl: Impl) -> Timed:
    from mercurial import mdiff, policy as hgpolicy, revlog as hgrevlog

    # check that Mercurial really runs the code this column is named after
    used = "%s, %s" % (hgrevlog.parsers.__name__, mdiff.mpatch.__name__)
    wanted = "mercurial.cext." if impl.name == HG_C else "mercurial.pure."
    if not (hgrevlog.parsers.__name__.startswith(wanted) and mdiff.mpatch.__name__.startswith(wanted)):
        raise Unavailable("Mercurial's revlog uses %s here (module policy %s), not %s*"
                          % (used, hgpolicy.policy.decode(), wanted))
    opener, radix, options = _hg_opener(ctx)
    kind = _hg_kind(radix)

    def run(_):
        rl = hgrevlog.revlog(opener, target=(kind, b"bench"), radix=radix,
                             mmaplargeindex=True, writable=False)
        revision = rl.revision
        total = 0
        with rl.reading():
            for rev in range(len(rl)):
                total += len(revision(rev))
        return total

    return Timed(run, how="mercurial.revlog.revlog (%s; mmaplargeindex; inside rl.reading()), modules %s"
                 % (options, used))



# 5. append every revision to a new revlog -----------------------------------

append = operation("append", "append every revision to a new revlog",
                   "every revision of the revlog under test (its texts, parents and linkrevs, "
                   "read once, untimed) added one by one to a new empty revlog of the same format "
                   "in one transaction; timed: creating it, every add, committing")


def _append_inputs(ctx: Context) -> list:
    """(text, p1 node, p2 node, linkrev) of every revision, read once with our reader."""
    if getattr(ctx, "append_inputs", None) is None:
        revlog = import_revlog()
        rl = revlog.open(ctx.path)
        node = rl.node
        ctx.append_inputs = [(rl.revision(rev), node(rl.parentrevs(rev)[0]), node(rl.parentrevs(rev)[1]),
                              rl.linkrev(rev)) for rev in range(len(rl))]
        ctx.append_format = rl.format
        rl.close()
    return ctx.append_inputs


def _files_size(directory: str) -> int:
    return sum(os.path.getsize(os.path.join(directory, name)) for name in os.listdir(directory))


class _Scratch:
    """A fresh empty directory per run (the previous one removed), removed at exit."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="revlog-bench-append-")
        atexit.register(shutil.rmtree, self.root, True)
        self.count = 0
        self.current = None

    def fresh(self) -> str:
        if self.current:
            shutil.rmtree(self.current, ignore_errors=True)
        self.count += 1
        self.current = os.path.join(self.root, str(self.count))
        os.mkdir(self.current)
        return self.current


@append.implementation(OURS_C, OURS_PURE)
def _append_ours(ctx: Context, impl: Impl) -> Timed:
    inputs = _append_inputs(ctx)
    create, fmt, backend = impl.revlog.create, ctx.append_format, impl.backend
    scratch = _Scratch()
    name = os.path.basename(ctx.path)

    def run(directory):
        rl = create(os.path.join(directory, name), format=fmt, backend=backend)
        add = rl.add_revision
        with rl.transaction():
            for text, p1, p2, link in inputs:
                add(text, p1, p2, link)
        tip = rl.node(len(rl) - 1).hex()
        rl.close()
        return [len(inputs), tip]

    return Timed(run, scratch.fresh, size=lambda: _files_size(scratch.current),
                 how="in-process, revlog.create(format=%s), add_revision in one transaction (fsync at commit)"
                 % (fmt,))


@append.implementation(HG_C)
def _append_hg(ctx: Context, impl: Impl) -> Timed:
    from mercurial import changelog as hgchangelog, revlog as hgrevlog, transaction as hgtransaction, vfs as vfsmod
    from mercurial.revlogutils import constants as rc

    inputs = _append_inputs(ctx)
    source_opener, radix, options = _hg_opener(ctx)
    kind = _hg_kind(radix)
    scratch = _Scratch()

    def run(directory):
        opener = vfsmod.vfs(directory.encode(), audit=False)
        opener.options = dict(getattr(source_opener, "options", {}))
        tr = hgtransaction.transaction(lambda msg: None, opener, {b"": opener}, b"journal")
        if kind == rc.KIND_CHANGELOG:  # its own rules: no generaldelta, no delta chains
            rl = hgchangelog.changelog(opener)
        else:
            rl = hgrevlog.revlog(opener, target=(kind, b"bench"), radix=radix)
        add = rl.addrevision
        for text, p1, p2, link in inputs:
            add(text, tr, link, p1, p2)
        tr.close()
        tip = rl.node(len(rl) - 1).hex()
        return [len(inputs), tip]

    return Timed(run, scratch.fresh, size=lambda: _files_size(scratch.current),
                 how="addrevision of mercurial.changelog.changelog (a changelog) or mercurial.revlog.revlog, "
                 "in one mercurial.transaction (%s), modules %s"
                 % (options, hgrevlog.parsers.__name__))


# ---------------------------------------------------------------------------
# DAG operations
#
# Every run starts from a fresh index (parsed in the untimed setup): the
# graph is read inside the timing, and headrevs caches nothing across runs.
# Ours call the index methods.  Mercurial's columns run what Mercurial runs
# for the same question: its revlog methods (mercurial.revlog.revlog opened
# on the file in the setup, as the `revisions` operation does) on its C index
# (hg-c, in this process) or its pure index (hg-pure, in a subprocess with
# HGMODULEPOLICY=py); where its index lacks a method, revlog falls back to
# mercurial.ancestor / mercurial.dagop / mercurial.phases over
# revlog.parentrevs, which is then what is timed.
#
# Answers are compared as summaries computed outside the timing: the length
# and a SHA-1 of the revisions (in the order returned where every
# implementation returns a list in the same order, sorted otherwise).

def _digest(revs) -> list:
    """[count, sha1 prefix] of a sequence of revisions, in the given order."""
    revs = list(revs)
    return [len(revs), hashlib.sha1(",".join(map(str, revs)).encode()).hexdigest()[:12]]


def _sorted_digest(revs) -> list:
    return _digest(sorted(revs))


class DagInputs:
    """The questions asked of a revlog of n revisions: fixed pseudo-random
    choices (the same in every process, every interpreter)."""

    def __init__(self, n: int):
        rng = random.Random(20251121)
        self.tip = tip = n - 1
        # 2: a deterministic 10% of the revisions, anywhere (a filter as
        # Mercurial's C index reads it: a filtered rev with an unfiltered
        # child counts as unfiltered)
        self.filtered = frozenset(rng.sample(range(n), n // 10))
        # 2b: the top 10% of the revisions: closed under descendants, as
        # repoview's filters are (every implementation agrees on those)
        self.hidden = frozenset(range(n - n // 10, n))
        # 4: two revisions far apart, and 50 revisions
        self.gca_two = [tip, n // 3]
        self.gca_fifty = sorted(rng.sample(range(n), 50))
        # 5: three heads, 300 roots, minroot = the lowest root (as revset's
        # `roots::heads` asks it)
        self.rr_heads = [tip, (3 * n) // 4, (2 * n) // 3]
        self.rr_roots = sorted(rng.sample(range(n // 4, n), 300))
        self.rr_minroot = self.rr_roots[0]
        # 6: Mercurial's phaseroots shape: {phase: set of root revs} for every
        # phase (public's empty); 320 roots
        self.phase_roots = {0: set(),
                            1: set(rng.sample(range(n // 2, n), 200)),
                            2: set(rng.sample(range((3 * n) // 4, n), 100)),
                            32: set(rng.sample(range((9 * n) // 10, n), 20)),
                            96: set()}
        # 7: ancestors of three revisions, descendants of three others
        self.bitmap_heads = [(3 * n) // 10, (6 * n) // 10, (9 * n) // 10]
        self.bitmap_roots = [n // 5, n // 2, (4 * n) // 5]

    def describe(self) -> str:
        roots = ", ".join("%d: %d" % (p, len(r)) for p, r in sorted(self.phase_roots.items()))
        return ("tip %d; 10%% filter: %d revs (seeded); hidden: revs >= %d; gca of %s and of 50 revs "
                "(%d..%d); reachableroots2(%d, heads %s, %d roots, True); phase roots {%s}; "
                "ancestors of %s, descendants of %s"
                % (self.tip, len(self.filtered), min(self.hidden) if self.hidden else -1,
                   self.gca_two, self.gca_fifty[0], self.gca_fifty[-1], self.rr_minroot,
                   self.rr_heads, len(self.rr_roots), roots, self.bitmap_heads, self.bitmap_roots))


def dag_inputs(ctx: Context) -> DagInputs:
    if not hasattr(ctx, "_dag_inputs"):
        ctx._dag_inputs = DagInputs(ctx.revs)
    return ctx._dag_inputs


def _ours_setup(ctx: Context, impl: Impl, *methods: str) -> Callable:
    """setup() of ours: a fresh index.  Unavailable when the backend's index
    lacks one of methods (the C DAG methods being written)."""
    parse_index2, data, inline, gd = impl.parse_index2, ctx.index_data, ctx.inline, ctx.generaldelta
    probe = parse_index2(data, inline, gd, False)[0]
    missing = [m for m in methods if not callable(getattr(probe, m, None))]
    if missing:
        raise Unavailable("the %s backend's index (%s) has no %s yet"
                          % (impl.backend_name, type(probe).__module__, ", ".join(missing)))

    def setup():
        return parse_index2(data, inline, gd, False)[0]

    return setup


class HgRevlog:
    """Mercurial's revlog on the file under test, under this process's module
    policy (checked to be the column's: C for hg-c, pure for hg-pure)."""

    def __init__(self, ctx: Context, impl: Impl):
        from mercurial import policy as hgpolicy, revlog as hgrevlog

        wanted = "mercurial.cext." if impl.name == HG_C else "mercurial.pure."
        if not hgrevlog.parsers.__name__.startswith(wanted):
            raise Unavailable("Mercurial's revlog uses %s here (module policy %s), not %s*"
                              % (hgrevlog.parsers.__name__, hgpolicy.policy.decode(), wanted))
        if hgrevlog.rustancestor is not None:
            raise Unavailable("Mercurial has its Rust ancestor module here: the benchmark "
                              "compares with its C and pure code")
        self.module = hgrevlog
        self.opener, self.radix, self.options = _hg_opener(ctx)
        self.kind = _hg_kind(self.radix)
        self.index_module = hgrevlog.parsers.__name__

    def open(self):
        # the index read into bytes (no mmap), as ours are given: a fresh
        # mapping would add its page faults to the first walk's time
        return self.module.revlog(self.opener, target=(self.kind, b"bench"), radix=self.radix,
                                  mmaplargeindex=False, writable=False)

    def how(self, what: str) -> str:
        return "mercurial.revlog.revlog (%s, index %s read into bytes) opened in the setup; timed: %s" % (
            self.options, self.index_module, what)


def _hg_has(rl, method: str) -> bool:
    return callable(getattr(rl.index, method, None))


HG_ISOLATED = {"HGMODULEPOLICY": "py"}


# headrevs ------------------------------------------------------------------

headrevs_op = operation("headrevs", "headrevs (fresh index)",
                            "index.headrevs() on a fresh index (parsed outside the timing)")


@headrevs_op.implementation(OURS_C, OURS_PURE)
def _headrevs_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "headrevs")
    return Timed(lambda index: index.headrevs(), setup, how="in-process, index.headrevs()",
                 summarize=_digest)


@headrevs_op.implementation(HG_C)
@headrevs_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _headrevs_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    return Timed(lambda rl: rl.headrevs(), hg.open, summarize=_digest,
                 how=hg.how("revlog.headrevs() = index.headrevs(None, None)"))


headrevs_filtered = operation(
    "headrevs-filtered", "headrevs, 10% filtered",
    "index.headrevs(filtered) on a fresh index, filtered a seeded frozenset of 10% of the revs "
    "anywhere (hg: what repoview's filteredchangelog.headrevs calls)")


@headrevs_filtered.implementation(OURS_C, OURS_PURE)
def _headrevs_filtered_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "headrevs")
    filtered = dag_inputs(ctx).filtered
    return Timed(lambda index: index.headrevs(filtered), setup, summarize=_digest,
                 how="in-process, index.headrevs(filtered)")


@headrevs_filtered.implementation(HG_C)
@headrevs_filtered.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _headrevs_filtered_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    filtered = dag_inputs(ctx).filtered
    unchecked = None
    if impl.name == HG_PURE:
        unchecked = ("Mercurial's pure index skips the filtered revisions, so the parents of a "
                     "filtered revision become heads; its C index (and ours) count a filtered "
                     "revision with an unfiltered child as unfiltered.  They agree only on filters "
                     "closed under descendants: see headrevs-hidden")
    return Timed(lambda rl: rl.index.headrevs(filtered, None), hg.open, summarize=_digest,
                 unchecked=unchecked,
                 how=hg.how("rl.index.headrevs(filtered, None), as repoview's "
                            "filteredchangelog.headrevs()"))


headrevs_hidden = operation(
    "headrevs-hidden", "headrevs, top 10% hidden",
    "index.headrevs(hidden) on a fresh index, hidden the frozenset of the top 10% of the revs "
    "(closed under descendants, like repoview's filters)")


@headrevs_hidden.implementation(OURS_C, OURS_PURE)
def _headrevs_hidden_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "headrevs")
    hidden = dag_inputs(ctx).hidden
    return Timed(lambda index: index.headrevs(hidden), setup, summarize=_digest,
                 how="in-process, index.headrevs(hidden)")


@headrevs_hidden.implementation(HG_C)
@headrevs_hidden.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _headrevs_hidden_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    hidden = dag_inputs(ctx).hidden
    return Timed(lambda rl: rl.index.headrevs(hidden, None), hg.open, summarize=_digest,
                 how=hg.how("rl.index.headrevs(hidden, None), as repoview's "
                            "filteredchangelog.headrevs()"))


# ancestors of tip ------------------------------------------------------------

ancestors_op = operation(
    "ancestors", "ancestors of tip, iterated",
    "every ancestor of tip (tip excluded, stoprev 0), newest first, into a list")


@ancestors_op.implementation(OURS_C, OURS_PURE)
def _ancestors_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "lazyancestors")
    tip = dag_inputs(ctx).tip
    return Timed(lambda index: list(index.lazyancestors([tip], 0, False)), setup, summarize=_digest,
                 how="in-process, list(index.lazyancestors([tip], 0, False))")


@ancestors_op.implementation(HG_C)
@ancestors_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _ancestors_hg(ctx: Context, impl: Impl) -> Timed:
    # Mercurial's C index has no lazy ancestors: without its Rust modules,
    # revlog.ancestors is mercurial.ancestor.lazyancestors over
    # revlog.parentrevs (index[rev][5:7] per call)
    hg = HgRevlog(ctx, impl)
    tip = dag_inputs(ctx).tip
    return Timed(lambda rl: list(rl.ancestors([tip], stoprev=0, inclusive=False)), hg.open,
                 summarize=_digest,
                 how=hg.how("list(rl.ancestors([tip])) = mercurial.ancestor.lazyancestors("
                            "rl._uncheckedparentrevs, [tip], 0, False)"))


# common ancestors heads ------------------------------------------------------

def _gca_operation(name: str, title: str, which: str) -> Operation:
    op = operation(name, title, "index.commonancestorsheads(*revs), revs: DagInputs.%s" % which)

    @op.implementation(OURS_C, OURS_PURE)
    def _ours(ctx: Context, impl: Impl) -> Timed:
        setup = _ours_setup(ctx, impl, "commonancestorsheads")
        revs = getattr(dag_inputs(ctx), which)
        return Timed(lambda index: index.commonancestorsheads(*revs), setup, summarize=_sorted_digest,
                     how="in-process, index.commonancestorsheads(*%d revs)" % len(revs))

    @op.implementation(HG_C)
    @op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
    def _hg(ctx: Context, impl: Impl) -> Timed:
        # revlog._commonancestorsheads: the index's, else (no method, or
        # OverflowError past 24 revs in the C index) mercurial.ancestor's
        hg = HgRevlog(ctx, impl)
        revs = getattr(dag_inputs(ctx), which)
        rl = hg.open()
        if not _hg_has(rl, "commonancestorsheads"):
            what = ("the pure index has no commonancestorsheads (AttributeError), so "
                    "mercurial.ancestor.commonancestorsheads(rl.parentrevs, *revs)")
        else:
            try:
                rl.index.commonancestorsheads(*revs)
            except OverflowError as exc:
                what = ("the C index raises OverflowError (%s) for %d revs, so revlog falls back to "
                        "mercurial.ancestor.commonancestorsheads(rl.parentrevs, *revs); the timing "
                        "includes the failed C call" % (exc, len(revs)))
            else:
                what = "index.commonancestorsheads(*revs)"
        return Timed(lambda rl: rl._commonancestorsheads(*revs), hg.open, summarize=_sorted_digest,
                     how=hg.how("rl._commonancestorsheads(*%d revs): %s" % (len(revs), what)))

    return op


gca_two = _gca_operation("gca-2", "commonancestorsheads, 2 revs", "gca_two")
gca_fifty = _gca_operation("gca-50", "commonancestorsheads, 50 revs", "gca_fifty")


# reachableroots2 -------------------------------------------------------------

reachable_op = operation(
    "reachableroots", "reachableroots2, 300 roots",
    "index.reachableroots2(minroot, 3 heads, 300 roots, True) on a fresh index")


@reachable_op.implementation(OURS_C, OURS_PURE)
def _reachable_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "reachableroots2")
    inputs = dag_inputs(ctx)
    minroot, heads, roots = inputs.rr_minroot, inputs.rr_heads, inputs.rr_roots
    return Timed(lambda index: index.reachableroots2(minroot, list(heads), list(roots), True), setup,
                 summarize=_sorted_digest,
                 how="in-process, index.reachableroots2(minroot, heads, roots, True)")


@reachable_op.implementation(HG_C)
@reachable_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _reachable_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    inputs = dag_inputs(ctx)
    minroot, heads, roots = inputs.rr_minroot, inputs.rr_heads, inputs.rr_roots
    if _hg_has(hg.open(), "reachableroots2"):
        what = "index.reachableroots2(minroot, heads, roots, True)"
    else:
        what = ("the pure index has no reachableroots2, so "
                "mercurial.dagop._reachablerootspure(rl.parentrevs, minroot, roots, heads, True)")
    return Timed(lambda rl: rl.reachableroots(minroot, list(heads), list(roots), includepath=True),
                 hg.open, summarize=_sorted_digest,
                 how=hg.how("rl.reachableroots(minroot, heads, roots, includepath=True): " + what))


# phases ------------------------------------------------------------------------

phases_op = operation(
    "phases", "computephasesmapsets, 320 roots",
    "index.computephasesmapsets({phase: set of root revs}) on a fresh index (hg: phasecache's "
    "_ensure_phase_sets from scratch)")


def _phases_summary(result) -> list:
    length, sets = result
    return [length] + [[phase] + _sorted_digest(sets.get(phase, ())) for phase in (1, 2, 32, 96)]


@phases_op.implementation(OURS_C, OURS_PURE)
def _phases_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "computephasesmapsets")
    roots = dag_inputs(ctx).phase_roots
    return Timed(lambda index: index.computephasesmapsets(roots), setup, summarize=_phases_summary,
                 how="in-process, index.computephasesmapsets(roots)")


@phases_op.implementation(HG_C)
@phases_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _phases_hg(ctx: Context, impl: Impl) -> Timed:
    # phasecache._ensure_phase_sets, loading from scratch: the native
    # changelog.computephases (index.computephasesmapsets), and on
    # AttributeError phasecache._computephaserevspure (rl.descendants of each
    # phase's roots, i.e. mercurial.dagop.descendantrevs over rl.parentrevs)
    from mercurial import phases as hgphases

    hg = HgRevlog(ctx, impl)
    roots = dag_inputs(ctx).phase_roots
    cache_class = hgphases.phasecache

    def run(rl):
        repo = types.SimpleNamespace(changelog=rl)
        repo.unfiltered = lambda: repo
        cache = types.SimpleNamespace(_phaseroots=roots)
        try:
            return cache_class._getphaserevsnative(cache, repo)
        except AttributeError:
            cache_class._computephaserevspure(cache, repo)
            return cache._loadedrevslen, cache._phasesets

    if _hg_has(hg.open(), "computephasesmapsets"):
        what = "phasecache._getphaserevsnative = rl.computephases(roots) = index.computephasesmapsets(roots)"
    else:
        what = ("the pure index has no computephasesmapsets (AttributeError), so "
                "phasecache._computephaserevspure: set(rl.descendants(roots)) per phase, "
                "i.e. mercurial.dagop.descendantrevs over rl.parentrevs")
    return Timed(run, hg.open, summarize=_phases_summary, how=hg.how(what))


# bitmaps / sets ----------------------------------------------------------------

def _setops_summary(result) -> list:
    ancestors, descendants, both, either, only, lengths = result
    listed = [sorted(x) if isinstance(x, (set, frozenset)) else x.tolist()
              for x in (ancestors, descendants, both, either, only)]
    return [list(lengths)] + [_digest(revs) for revs in listed]


def _bitmap_setops(a, d):
    both, either, only = a & d, a | d, a - d
    return a, d, both, either, only, (len(a), len(d), len(both), len(either), len(only))


def _ours_bitmaps(index, heads, roots):
    return index.ancestors_bitmap(heads), index.descendants_bitmap(roots)


def _hg_sets(rl, heads, roots):
    """The ancestors of heads and descendants of roots (both inclusive) as
    Python sets, as Mercurial computes them: revlog.ancestors (lazyancestors
    over revlog.parentrevs) and revlog.descendants (dagop.descendantrevs)."""
    ancestors = set(rl.ancestors(heads, inclusive=True))
    descendants = set(rl.descendants(roots))
    descendants.update(roots)
    return ancestors, descendants


HG_SETS_HOW = ("A = set(rl.ancestors(heads, inclusive=True)) (mercurial.ancestor.lazyancestors over "
               "rl.parentrevs); D = set(rl.descendants(roots)) | set(roots) "
               "(mercurial.dagop.descendantrevs)")

bitmaps_op = operation(
    "bitmaps", "ancestors & descendants, set ops",
    "A = ancestors of 3 revs, D = descendants of 3 revs (both inclusive), then A & D, A | D, "
    "A - D and the length of each (ours: Bitmaps; hg: Python sets)")


@bitmaps_op.implementation(OURS_C, OURS_PURE)
def _bitmaps_ours(ctx: Context, impl: Impl) -> Timed:
    setup = _ours_setup(ctx, impl, "ancestors_bitmap", "descendants_bitmap")
    inputs = dag_inputs(ctx)
    heads, roots = inputs.bitmap_heads, inputs.bitmap_roots
    return Timed(lambda index: _bitmap_setops(*_ours_bitmaps(index, heads, roots)), setup,
                 summarize=_setops_summary,
                 how="in-process, A = index.ancestors_bitmap(heads), D = index.descendants_bitmap(roots); "
                     "A & D, A | D, A - D, len of each")


@bitmaps_op.implementation(HG_C)
@bitmaps_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _bitmaps_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    inputs = dag_inputs(ctx)
    heads, roots = inputs.bitmap_heads, inputs.bitmap_roots
    return Timed(lambda rl: _bitmap_setops(*_hg_sets(rl, heads, roots)), hg.open,
                 summarize=_setops_summary, how=hg.how(HG_SETS_HOW + "; A & D, A | D, A - D, len of each"))


setops_op = operation(
    "setops", "set ops only (&, |, -, len)",
    "A & D, A | D, A - D and their lengths, A and D of `bitmaps` made in the setup")


@setops_op.implementation(OURS_C, OURS_PURE)
def _setops_ours(ctx: Context, impl: Impl) -> Timed:
    fresh = _ours_setup(ctx, impl, "ancestors_bitmap", "descendants_bitmap")
    inputs = dag_inputs(ctx)
    heads, roots = inputs.bitmap_heads, inputs.bitmap_roots
    return Timed(lambda ad: _bitmap_setops(*ad), lambda: _ours_bitmaps(fresh(), heads, roots),
                 summarize=_setops_summary, how="in-process, Bitmap &, |, -, len")


@setops_op.implementation(HG_C)
@setops_op.implementation(HG_PURE, subprocess_env=HG_ISOLATED)
def _setops_hg(ctx: Context, impl: Impl) -> Timed:
    hg = HgRevlog(ctx, impl)
    inputs = dag_inputs(ctx)
    heads, roots = inputs.bitmap_heads, inputs.bitmap_roots
    return Timed(lambda ad: _bitmap_setops(*ad), lambda: _hg_sets(hg.open(), heads, roots),
                 summarize=_setops_summary,
                 how="set &, |, -, len on Python sets made in the setup: " + HG_SETS_HOW)


OP_GROUPS = {
    "read": ["parse", "lookup", "deltachain", "revisions"],
    "write": ["append"],
    "dag": ["headrevs", "headrevs-filtered", "headrevs-hidden", "ancestors", "gca-2", "gca-50",
            "reachableroots", "phases", "bitmaps", "setops"],
}


# ---------------------------------------------------------------------------
# running

def time_one(op: Operation, impl: Impl, ctx: Context, repeat: int, max_time: float) -> dict:
    """Time one operation for one implementation, in this process."""
    if impl.why_not:
        return {"unavailable": impl.why_not}
    function = op.functions.get(impl.name)
    if function is None:
        return {"unavailable": "not implemented for %s" % impl.name}
    try:
        timed = function(ctx, impl)
    except Unavailable as exc:
        return {"unavailable": str(exc)}
    times = []
    summary = None
    spent = 0.0
    for _ in range(repeat):
        try:
            state = timed.setup() if timed.setup else None
        except Unavailable as exc:
            return {"unavailable": str(exc)}
        except Exception as exc:
            return {"unavailable": "setup failed: %s: %s" % (type(exc).__name__, exc)}
        gc.collect()
        start = time.perf_counter()
        try:
            summary = timed.run(state)
        except Unavailable as exc:
            return {"unavailable": str(exc)}
        except Exception as exc:
            return {"unavailable": "failed: %s: %s" % (type(exc).__name__, exc)}
        elapsed = time.perf_counter() - start
        if timed.summarize is not None:
            summary = timed.summarize(summary)
        del state
        times.append(elapsed)
        spent += elapsed
        if spent >= max_time:
            break
    result = {"best": min(times), "times": times, "how": timed.how, "summary": summary}
    if timed.size is not None:
        result["size"] = timed.size()
    if timed.unchecked:
        result["unchecked"] = timed.unchecked
    return result


def run_isolated(op: Operation, impl_name: str, ctx: Context, args) -> dict:
    """Run one measurement in a subprocess (its own module policy) that times
    inside itself and answers with JSON on stdout."""
    env = dict(os.environ)
    env.update(op.isolated[impl_name])
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--revlog", ctx.path,
               "--ops", op.name, "--impl", impl_name, "--repeat", str(args.repeat),
               "--max-time", str(args.max_time)]
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"unavailable": "worker failed (exit %d): %s" % (proc.returncode, " | ".join(tail))}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "how" in result:
        setting = " ".join("%s=%s" % item for item in sorted(op.isolated[impl_name].items()))
        result["how"] = "subprocess with %s, timed inside it; %s" % (setting, result["how"])
    return result


def measure(ctx: Context, ops: List[str], impls: List[str], args) -> dict:
    loaded = {name: load_impl(name) for name in impls}
    results: Dict[str, Dict[str, dict]] = collections.OrderedDict()
    for op_name in ops:
        op = OPERATIONS[op_name]
        results[op_name] = collections.OrderedDict()
        for name in impls:
            impl = loaded[name]
            if impl.why_not is None and name in op.isolated and not args.worker:
                result = run_isolated(op, name, ctx, args)
            else:
                result = time_one(op, impl, ctx, args.repeat, args.max_time)
            results[op_name][name] = result
            if not args.worker:
                if "best" in result:
                    log("  %-11s %-8s %s (%d run%s)" % (op_name, name, _fmt(result["best"]),
                                                       len(result["times"]), "" if len(result["times"]) == 1 else "s"))
                else:
                    log("  %-11s %-8s unavailable: %s" % (op_name, name, result["unavailable"]))
        _check_summaries(op_name, results[op_name])
    return results


def _check_summaries(op_name: str, results: Dict[str, dict]) -> None:
    seen = {name: json.dumps(r["summary"]) for name, r in results.items()
            if "best" in r and not r.get("unchecked")}
    if len(set(seen.values())) > 1:
        for name, r in results.items():
            if name in seen:
                r["mismatch"] = True
        log("bench: WARNING: %s: implementations disagree on the result: %s" % (op_name, seen))


def profile(ctx: Context, ops: List[str], impls: List[str], top: int) -> None:
    """One run of each operation per implementation under cProfile (in-process
    only), after one unprofiled run."""
    for op_name in ops:
        op = OPERATIONS[op_name]
        for name in impls:
            impl = load_impl(name)
            if impl.why_not or name not in op.functions:
                print("== %s / %s: unavailable: %s" % (op_name, name, impl.why_not or "not implemented"))
                continue
            if name in op.isolated:
                print("== %s / %s: measured in a subprocess; profile it with "
                      "%s python bench.py --profile ... there" % (
                          op_name, name, " ".join("%s=%s" % kv for kv in op.isolated[name].items())))
                continue
            try:
                timed = op.functions[name](ctx, impl)
                # one unprofiled run first (imports, first-use allocations)
                timed.run(timed.setup() if timed.setup else None)
                state = timed.setup() if timed.setup else None
            except Unavailable as exc:
                print("== %s / %s: unavailable: %s" % (op_name, name, exc))
                continue
            gc.collect()
            profiler = cProfile.Profile()
            profiler.enable()
            timed.run(state)
            profiler.disable()
            print("== %s / %s: top %d by internal time" % (op_name, name, top))
            print(_profile_table(pstats.Stats(profiler), top))
            print()


def _profile_table(stats: "pstats.Stats", top: int) -> str:
    """The top entries by internal time, times as _fmt prints them (pstats
    rounds to milliseconds: too coarse for the sub-millisecond DAG calls).
    Time inside a C function (a cffi `lib.*` call, a Mercurial C method) is
    the internal time of its built-in entry; for where it goes inside, use
    perf (tests/benchmarks/README.md)."""
    rows = []
    total = 0.0
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        total += tottime
        where = function if filename == "~" else "%s:%d(%s)" % (_short_path(filename), line, function)
        rows.append((tottime, calls, cumtime, where))
    rows.sort(key=lambda row: -row[0])
    table = [[where, str(calls), _fmt(tottime), _fmt(cumtime)] for tottime, calls, cumtime, where in rows[:top]]
    return "total %s\n%s" % (_fmt(total), _table(["function", "calls", "internal", "cumulative"], table))


def _short_path(filename: str) -> str:
    for prefix in (ROOT + os.sep, os.path.dirname(os.path.dirname(os.__file__)) + os.sep):
        if filename.startswith(prefix):
            return filename[len(prefix):]
    marker = os.sep + "site-packages" + os.sep
    if marker in filename:
        return filename.split(marker, 1)[1]
    return filename


# ---------------------------------------------------------------------------
# output

def _fmt(seconds: Optional[float]) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return "%.1f us" % (seconds * 1e6)
    if seconds < 1:
        return "%.1f ms" % (seconds * 1e3)
    return "%.2f s" % seconds


def _best(results: dict, op: str, impl: str) -> Optional[float]:
    return results.get(op, {}).get(impl, {}).get("best")


def _table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2f" % (a / b)


def report(record: dict) -> str:
    out = []
    results, impls = record["results"], record["impls"]
    out.append("revlog: %s" % record["revlog"]["description"])
    out.append("python: %s; mercurial: %s; runs: best of %d (fewer once one took --max-time %gs)"
               % (record["python"], record["mercurial"], record["repeat"], record["max_time"]))
    if record.get("dag_inputs"):
        out.append("DAG questions: %s" % record["dag_inputs"])
    rows = []
    for op in results:
        row = [OPERATIONS[op].title if op in OPERATIONS else op]
        for impl in impls:
            r = results[op].get(impl, {})
            cell = _fmt(r.get("best")) if "best" in r else "n/a"
            if r.get("mismatch"):
                cell += "!"
            if r.get("unchecked"):
                cell += "*"
            row.append(cell)
        rows.append(row)
    out.append("")
    out.append("absolute times (best run; n/a = unavailable, ! = result differs between implementations,"
               " * = not cross-checked, see below)")
    out.append(_table(["operation"] + impls, rows))
    sized = [op for op in results if any("size" in r for r in results[op].values())]
    if sized:
        out.append("")
        out.append("bytes written (and ratio to hg-c)")
        rows = []
        for op in sized:
            base = results[op].get(HG_C, {}).get("size")
            cells = []
            for impl in impls:
                size = results[op].get(impl, {}).get("size")
                cells.append("n/a" if size is None else "%d (%s)" % (size, _ratio(size, base)))
            rows.append([OPERATIONS[op].title] + cells)
        out.append(_table(["operation"] + impls, rows))
    measured = _measured(record, impls)
    pairs = [(a, b) for a, b in RATIOS if a in measured and b in measured]
    if pairs:
        out.append("")
        out.append("ratios of times (numerator / denominator: < 1.00 means the numerator is faster)")
        rows = [[OPERATIONS[op].title if op in OPERATIONS else op]
                + [_ratio(_best(results, op, a), _best(results, op, b)) for a, b in pairs]
                for op in results]
        out.append(_table(["operation"] + ["%s/%s" % pair for pair in pairs], rows))
    out.append("")
    out.append("how each number was obtained:")
    for op in results:
        for impl in impls:
            r = results[op].get(impl, {})
            if "best" in r:
                runs = ", ".join(_fmt(t) for t in r["times"])
                out.append("  %s / %s: %s; runs: %s" % (op, impl, r["how"], runs))
                if r.get("unchecked"):
                    out.append("    * not cross-checked: %s; its answer: %s"
                               % (r["unchecked"], json.dumps(r["summary"])))
            else:
                out.append("  %s / %s: unavailable: %s" % (op, impl, r.get("unavailable")))
    out.append("")
    out.append("cross-check (the summaries the implementations answered):")
    for op in results:
        answers = collections.OrderedDict()
        for impl in impls:
            r = results[op].get(impl, {})
            if "best" in r and not r.get("unchecked"):
                answers.setdefault(json.dumps(r["summary"]), []).append(impl)
        if not answers:
            out.append("  %s: nothing to compare" % op)
        for summary, names in answers.items():
            verdict = "agree" if len(answers) == 1 else "DISAGREE"
            out.append("  %s: %s %s: %s" % (op, ", ".join(names), verdict if len(names) > 1 or len(answers) > 1
                                             else "(alone)", summary))
    return "\n".join(out)


def _measured(record: dict, impls) -> List[str]:
    """The implementations of impls with at least one number in record."""
    return [impl for impl in impls
            if any("best" in record["results"][op].get(impl, {}) for op in record["results"])]


def report_compare(here: dict, there: dict) -> str:
    """Ratios of this run's numbers (ours) against another interpreter's
    (Mercurial's, e.g. hg-c on CPython when this run is PyPy), same revlog."""
    out = ["", "compared with the run recorded in %s: %s, Mercurial %s"
           % (there.get("file", "?"), there["python"], there["mercurial"])]
    if here["revlog"]["sha1"] != there["revlog"]["sha1"]:
        out.append("WARNING: the other run measured a different revlog (%s, index sha1 %s)"
                   % (there["revlog"]["path"], there["revlog"]["sha1"][:12]))
    if here.get("dag_inputs") and there.get("dag_inputs") and here["dag_inputs"] != there["dag_inputs"]:
        out.append("WARNING: the other run asked other DAG questions: %s" % there["dag_inputs"])
    mine = _measured(here, [OURS_C, OURS_PURE]) or _measured(here, here["impls"])
    theirs = _measured(there, [HG_C, HG_PURE]) or _measured(there, there["impls"])
    ops = [op for op in here["results"] if op in there["results"]]
    title = lambda op: OPERATIONS[op].title if op in OPERATIONS else op  # noqa: E731
    out.append("the other run's times:")
    out.append(_table(["operation"] + theirs,
                      [[title(op)] + [_fmt(_best(there["results"], op, b)) for b in theirs] for op in ops]))
    out.append("")
    out.append("ratios: time here / time in the other run (< 1.00: faster here)")
    header = ["operation"] + ["%s/%s(other)" % (a, b) for a in mine for b in theirs]
    rows = [[title(op)] + [_ratio(_best(here["results"], op, a), _best(there["results"], op, b))
                           for a in mine for b in theirs] for op in ops]
    out.append(_table(header, rows))
    # the answers of both runs, cross-checked too
    differ = []
    for op in ops:
        answers = {json.dumps(r["summary"]) for run in (here, there) for r in run["results"][op].values()
                   if "best" in r and not r.get("unchecked")}
        if len(answers) > 1:
            differ.append(op)
    out.append("")
    if differ:
        out.append("WARNING: the two runs' answers differ on: %s" % ", ".join(differ))
    else:
        out.append("answers: the same in both runs, for every operation")
    return "\n".join(out)


def _python_description() -> str:
    return "%s %s" % (platform.python_implementation(), platform.python_version())


def _mercurial_description() -> str:
    hg, why = import_mercurial()
    if hg is None:
        return "unavailable (%s)" % why
    from mercurial import policy as hgpolicy

    return "%s (module policy %s, in this process)" % (HG_VERSION, hgpolicy.policy.decode())


# ---------------------------------------------------------------------------
# building the standard inputs with real Mercurial

STANDARD_INPUTS = collections.OrderedDict([
    ("changelog-100k", {
        "what": "100k-revision changelog (hg debugbuilddag)",
        "revlog": os.path.join(".hg", "store", "00changelog.i"),
        "commands": [["debugbuilddag", "+50000:a *a/3 +20000:b /b +30000"]],
    }),
    ("manifest-sparse", {
        "what": "manifest with long sparse chains (3000 files, 5001 commits, hgbuild_ext.py)",
        "revlog": os.path.join(".hg", "store", "00manifest.i"),
        "commands": [["--config", "extensions.revlogbench={ext}", "revlogbench-manifest", "--files", "3000", "--commits", "5000", "--seed", "1"]],
    }),
])
BUILT_MARKER = "revlog-bench-built.json"


def hg_command(args) -> List[str]:
    """How to run hg: --hg, else REVLOG_HG_PYTHON (`python -m mercurial`),
    else `hg` on PATH, else the hg beside this interpreter."""
    if args.hg:
        return shlex.split(args.hg)
    python = os.environ.get("REVLOG_HG_PYTHON")
    if python:
        return [python, "-m", "mercurial"]
    found = shutil.which("hg")
    if found:
        return [found]
    beside = os.path.join(os.path.dirname(sys.executable), "hg")
    if os.path.exists(beside):
        return [beside]
    raise SystemExit("bench: no hg found: pass --hg 'CMD' or set REVLOG_HG_PYTHON")


def _hg_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"HGRCPATH": "", "HGPLAIN": "1", "HGENCODING": "utf-8",
                "HGUSER": "revlog bench <bench@example.invalid>"})
    for name in ("HGMODULEPOLICY",):
        env.pop(name, None)
    return env


def build_inputs(directory: str, args) -> List[str]:
    """Build (or reuse) the standard inputs in directory; return their .i paths."""
    hg = hg_command(args)
    extension = os.path.join(HERE, "hgbuild_ext.py")
    with io.open(extension, "rb") as f:
        ext_sha1 = hashlib.sha1(f.read()).hexdigest()
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, spec in STANDARD_INPUTS.items():
        repo = os.path.join(directory, name)
        marker = os.path.join(repo, BUILT_MARKER)
        # what identifies a build: the commands, and the extension's contents
        uses_ext = any("{ext}" in arg for command in spec["commands"] for arg in command)
        wanted = {"commands": spec["commands"], "extension_sha1": ext_sha1 if uses_ext else None}
        if os.path.exists(marker):
            with io.open(marker) as f:
                built = json.load(f)
            if all(built.get(key) == value for key, value in wanted.items()):
                log("bench: reusing %s (built in %.1f s by %s)" % (repo, built["seconds"], built["hg"]))
                paths.append(os.path.join(repo, spec["revlog"]))
                continue
        if os.path.exists(repo):
            shutil.rmtree(repo)
        log("bench: building %s: %s" % (repo, spec["what"]))
        start = time.perf_counter()
        env = _hg_env()
        subprocess.run(hg + ["init", repo], env=env, check=True)
        for command in spec["commands"]:
            command = [arg.replace("{ext}", extension) for arg in command]
            subprocess.run(hg + ["-R", repo] + command, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        version = subprocess.run(hg + ["version", "-q"], env=env, check=True, stdout=subprocess.PIPE,
                                 universal_newlines=True).stdout.strip()
        wanted.update({"seconds": seconds, "hg": " ".join(hg), "hg_version": version})
        with io.open(marker, "w") as f:
            json.dump(wanted, f, indent=1)
        log("bench: built %s in %.1f s" % (repo, seconds))
        paths.append(os.path.join(repo, spec["revlog"]))
    return paths


# ---------------------------------------------------------------------------
# main

def _choices(value: Optional[str], allowed, what: str, groups=None) -> List[str]:
    if not value:
        return list(allowed)
    groups = groups or {}
    chosen: List[str] = []
    for v in (v.strip() for v in value.split(",")):
        if not v:
            continue
        names = groups.get(v, [v])
        for name in names:
            if name not in allowed:
                raise SystemExit("bench: unknown %s %r; choose from %s" % (
                    what, name, ", ".join(list(groups) + list(allowed))))
            if name not in chosen:
                chosen.append(name)
    return chosen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--revlog", action="append", default=[], metavar="PATH.i",
                        help="revlog index to benchmark (repeatable)")
    parser.add_argument("--build", metavar="DIR",
                        help="build (or reuse) the standard inputs in DIR and benchmark them")
    parser.add_argument("--build-only", action="store_true", help="with --build: build, do not benchmark")
    parser.add_argument("--hg", help="hg command for --build (default: REVLOG_HG_PYTHON -m mercurial, "
                                     "else hg on PATH)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best counts")
    parser.add_argument("--max-time", type=float, default=30.0, metavar="SECONDS",
                        help="stop repeating a measurement once its runs took this long (default 30)")
    parser.add_argument("--ops", help="comma-separated operations: %s; or the groups %s"
                        % (", ".join(OPERATIONS), ", ".join("%s (%s)" % (g, ",".join(names))
                                                             for g, names in OP_GROUPS.items())))
    parser.add_argument("--impl", help="comma-separated implementations: %s" % ", ".join(ALL_IMPLS))
    parser.add_argument("--json", metavar="OUT", help="save the results as JSON")
    parser.add_argument("--compare", metavar="FILE.json",
                        help="also print ratios against results recorded by another run "
                             "(e.g. hg-c on CPython when this is PyPy)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, profile one run of each op/impl with cProfile")
    parser.add_argument("--top", type=int, default=25, help="with --profile: entries to print")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    ops = _choices(args.ops, OPERATIONS, "operation", OP_GROUPS)
    impls = _choices(args.impl, ALL_IMPLS, "implementation")
    paths = list(args.revlog)
    if args.build:
        paths += build_inputs(args.build, args)
        if args.build_only:
            return 0
    if not paths:
        parser.error("give --revlog PATH.i and/or --build DIR")

    if args.worker:
        ctx = Context(paths[0])
        result = measure(ctx, ops, impls, args)
        print(json.dumps(result[ops[0]][impls[0]]))
        return 0

    compare = None
    if args.compare:
        with io.open(args.compare) as f:
            compare = json.load(f)
        compare["file"] = args.compare

    records = []
    for path in paths:
        ctx = Context(path)
        if args.profile:
            print("revlog: %s" % ctx.describe())
            profile(ctx, ops, impls, args.top)
            continue
        log("bench: %s" % ctx.describe())
        results = measure(ctx, ops, impls, args)
        record = {
            "revlog": {"path": ctx.path, "sha1": ctx.sha1, "revisions": ctx.revs,
                       "description": ctx.describe()},
            "python": _python_description(),
            "mercurial": _mercurial_description(),
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "argv": sys.argv,
            "repeat": args.repeat,
            "max_time": args.max_time,
            "impls": impls,
            "results": results,
        }
        if any(op in OP_GROUPS["dag"] for op in ops):
            record["dag_inputs"] = dag_inputs(ctx).describe()
        records.append(record)
        print(report(record))
        if compare is not None:
            matches = [r for r in compare["records"] if r["revlog"]["sha1"] == ctx.sha1]
            if not matches:
                print("\n(--compare: %s has no results for this revlog)" % args.compare)
            else:
                other = dict(matches[0], file=args.compare)
                print(report_compare(record, other))
        print()
        sys.stdout.flush()
    if args.json and records:
        with io.open(args.json, "w") as f:
            json.dump({"records": records}, f, indent=1)
        log("bench: results saved to %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
