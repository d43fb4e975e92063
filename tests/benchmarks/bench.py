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
operation, one function per implementation family.  To add one, e.g. a DAG
walk:

    headrevs = operation("headrevs", "headrevs on a fresh index")

    @headrevs.implementation(*ALL_IMPLS)
    def _(ctx, impl):
        parse = impl.parse_index2
        def setup():
            return parse(ctx.index_data, ctx.inline, ctx.generaldelta, False)[0]
        def run(index):
            return len(index.headrevs())
        return Timed(run, setup)

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
    small summary that must agree between implementations."""

    def __init__(self, run: Callable, setup: Optional[Callable] = None, how: str = "in-process"):
        self.run = run
        self.setup = setup
        self.how = how


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
        del state
        times.append(elapsed)
        spent += elapsed
        if spent >= max_time:
            break
    return {"best": min(times), "times": times, "how": timed.how, "summary": summary}


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
    seen = {name: json.dumps(r["summary"]) for name, r in results.items() if "best" in r}
    if len(set(seen.values())) > 1:
        for name, r in results.items():
            if "best" in r:
                r["mismatch"] = True
        log("bench: WARNING: %s: implementations disagree on the result: %s" % (op_name, seen))


def profile(ctx: Context, ops: List[str], impls: List[str], top: int) -> None:
    """One run of each operation per implementation under cProfile (in-process only)."""
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
                state = timed.setup() if timed.setup else None
            except Unavailable as exc:
                print("== %s / %s: unavailable: %s" % (op_name, name, exc))
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            timed.run(state)
            profiler.disable()
            print("== %s / %s: top %d by internal time" % (op_name, name, top))
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
            print(out.getvalue())


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
    rows = []
    for op in results:
        row = [OPERATIONS[op].title if op in OPERATIONS else op]
        for impl in impls:
            r = results[op].get(impl, {})
            cell = _fmt(r.get("best")) if "best" in r else "n/a"
            if r.get("mismatch"):
                cell += "!"
            row.append(cell)
        rows.append(row)
    out.append("")
    out.append("absolute times (best run; n/a = unavailable, ! = result differs between implementations)")
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
            else:
                out.append("  %s / %s: unavailable: %s" % (op, impl, r.get("unavailable")))
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

def _choices(value: Optional[str], allowed, what: str) -> List[str]:
    if not value:
        return list(allowed)
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    for v in chosen:
        if v not in allowed:
            raise SystemExit("bench: unknown %s %r; choose from %s" % (what, v, ", ".join(allowed)))
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
    parser.add_argument("--ops", help="comma-separated operations: %s" % ", ".join(OPERATIONS))
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

    ops = _choices(args.ops, OPERATIONS, "operation")
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
