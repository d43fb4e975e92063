"""The ``revlog`` command (also ``python -m revlog``): read a repository without Mercurial.

    revlog info [REPO]                          revisions, heads, formats, sizes
    revlog log [-R REPO] [-r REV]... [-l N] [-T TEMPLATE]
    revlog cat [-R REPO] [-r REV] FILE...       file content at a revision
    revlog verify [-R REPO]                     check every revlog and revision
    revlog debugindex|debugdata|debugdeltachain|debugrevlog ...   as ``hg debug...``

The repository is REPO / ``-R REPO``, or the one holding the current
directory.  Revisions (REV) are numbers (negative count from the tip), unique
hex node prefixes, ``tip`` or ``null``; FILE is a path from the repository
root.  Errors are one line on stderr and a non-zero exit status (1; 2 for
bad usage); ``verify`` exits 1 when it finds a problem.  The backend follows
REVLOG_MODULE_POLICY.
"""
import argparse
import functools
import os
import sys
from typing import BinaryIO, Callable, Iterable, List, Optional, Sequence

import revlog
from revlog import errors, policy
from revlog import repo as repomod
from revlog.cli_debug import debug_data, debug_delta_chain, debug_index, debug_revlog, debug_revlog_dump
from revlog.cli_debug import lookup as revlog_lookup
from revlog.cli_info import write_info
from revlog.constants import NULL_REV
from revlog.logtemplate import DEFAULT_TEMPLATE, TemplateError, compile_template, keywords, render
from revlog.progress import ProgressBar
from revlog.revlog import Revlog
from revlog.verify import verify

PROG = "revlog"


class UsageError(Exception):
    """Bad command line: exit status 2."""


class CommandError(Exception):
    """A command cannot do what it was asked: one line, exit status 1."""


class HelpRequested(Exception):
    """--help: the text to print (main writes it to its stdout)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but help and usage errors go back to main as exceptions.

    So they reach the streams main was given, and a usage error is one line.
    """

    def error(self, message):
        command = self.prog[len(PROG):].strip()
        raise UsageError("%s%s (see %s --help)" % (command + ": " if command else "", message, self.prog))

    def print_help(self, file=None):
        raise HelpRequested(self.format_help())


class Context:
    """What a command needs: its arguments, where to write, how to find the repository."""

    def __init__(self, args: argparse.Namespace, stdout: BinaryIO, stderr: BinaryIO, cwd: str,
                 backend=None):
        self.args = args
        self.backend = backend
        self.stdout = stdout
        self.stderr = stderr
        self.cwd = cwd
        self.sparse_read = False   # debug commands: whether the revlog is read in slices

    def write(self, data: bytes) -> None:
        self.stdout.write(data)

    def repo_path(self) -> Optional[str]:
        """The repository named by -R/REPO, or the one holding the current directory, or None."""
        given = getattr(self.args, "repository", None)
        if given:
            return os.path.join(self.cwd, given)
        return repomod.find_root(self.cwd)

    def repo(self) -> repomod.Repository:
        """The repository (CommandError if there is none)."""
        path = self.repo_path()
        if path is None:
            raise CommandError("no repository found in %s (.hg not found); give one with -R" % self.cwd)
        return repomod.open(path, backend=self.backend)


# ---- info / log / cat / verify ---------------------------------------------------


def cmd_info(ctx: Context) -> int:
    """Revisions, heads, formats, compression and sizes of a repository."""
    if ctx.args.repo:
        ctx.args.repository = ctx.args.repo
    with ctx.repo() as repo:
        write_info(repo, ctx.write)
    return 0


def _log_revisions(repo: repomod.Repository, specs: Sequence[str]) -> List[int]:
    """The revisions -r options name, in order, each once; all (newest first) if none."""
    if not specs:
        return list(range(len(repo.changelog) - 1, -1, -1))
    chosen: List[int] = []
    for spec in specs:
        if ":" in spec:
            first, _sep, last = spec.partition(":")
            start = repo.lookup(first) if first else 0
            end = repo.lookup(last) if last else len(repo.changelog) - 1
            step = 1 if start <= end else -1
            chosen.extend(range(start, end + step, step))
        else:
            chosen.append(repo.lookup(spec))
    revs: List[int] = []
    seen = {NULL_REV}   # the null revision is no changeset to show
    for rev in chosen:
        if rev not in seen:
            seen.add(rev)
            revs.append(rev)
    return revs


def cmd_log(ctx: Context) -> int:
    """One line per changeset (newest first), or what a template says."""
    try:
        template = compile_template(ctx.args.template or DEFAULT_TEMPLATE)
    except TemplateError as exc:
        raise CommandError("bad template: %s" % exc) from None
    with ctx.repo() as repo:
        revs = _log_revisions(repo, ctx.args.rev)
        if ctx.args.limit is not None:
            if ctx.args.limit <= 0:
                raise CommandError("limit must be positive")
            revs = revs[:ctx.args.limit]
        changelog, manifest = repo.changelog, repo.manifest
        for rev in revs:
            changeset = repo.changeset(rev)
            ctx.write(render(template, keywords(changeset, changelog.node, manifest.rev)))
    return 0


def cmd_cat(ctx: Context) -> int:
    """The content of files at a revision (metadata stripped), one after the other."""
    with ctx.repo() as repo:
        rev = repo.lookup(ctx.args.rev)
        manifest = repo.manifest_at(rev)
        for name in ctx.args.files:
            path = os.fsencode(name)
            entry = manifest.get(path)
            if entry is None:
                raise CommandError("no such file in revision %d: %s" % (rev, name))
            ctx.write(repo.file_text(path, entry[0]))
    return 0


def cmd_verify(ctx: Context) -> int:
    """Check every revlog and revision; exit status 1 if anything is wrong."""
    quiet = ctx.args.quiet
    bar = ProgressBar(ctx.stderr)

    def report(problem) -> None:
        bar.finish()
        ctx.stderr.write((" %s\n" % problem).encode("utf-8", "backslashreplace"))

    def progress(stage: str, done: int, total: int) -> None:
        if done == 0 and not quiet:
            bar.finish()
            ctx.write(b"checking %s\n" % stage.encode("ascii"))
            ctx.stdout.flush()
        bar(stage, done, total)

    with ctx.repo() as repo:
        result = verify(repo, progress=progress, report=report)
    bar.finish()
    if not quiet:
        ctx.write(b"checked %d changesets with %d changes to %d files\n"
                  % (result.changesets, result.file_revisions, result.files))
        if result.censored:
            ctx.write(b"%d censored file revisions (their content was removed)\n" % result.censored)
    if result.warnings:
        ctx.stderr.write(b"%d warnings encountered!\n" % len(result.warnings))
    if not result.errors:
        return 0
    ctx.stderr.write(b"%d integrity errors encountered!\n" % len(result.errors))
    if result.first_damaged is not None:
        ctx.stderr.write(b"(first damaged changeset appears to be %d)\n" % result.first_damaged)
    return 1


# ---- debug commands ------------------------------------------------------------


def _debug_revlog(ctx: Context, target: Optional[str]) -> Revlog:
    """The revlog of a debug command: -c, -m, a tracked file, or a revlog file path."""
    args = ctx.args
    if args.changelog and args.manifest:
        raise UsageError("%s: give only one of -c and -m" % args.command)
    if args.changelog or args.manifest:
        if target is not None:
            raise UsageError("%s: a FILE cannot be given with -c or -m" % args.command)
        repo = ctx.repo()
        ctx.sparse_read = "sparserevlog" in repo.requirements
        return repo.changelog if args.changelog else repo.manifest
    if target is None:
        raise UsageError("%s: give -c, -m or a FILE" % args.command)
    path = os.path.join(ctx.cwd, target)
    root = ctx.repo_path()
    if root is not None:
        try:
            repo = repomod.open(root, backend=ctx.backend)
        except repomod.RepositoryError:
            if not (path.endswith(".i") and os.path.isfile(path)):
                raise
            repo = None   # a revlog file inside a repository revlog cannot read as a whole
        filelog = _tracked_filelog(repo, target) if repo is not None else None
        if filelog is not None:
            ctx.sparse_read = "sparserevlog" in repo.requirements
            return filelog
    if not os.path.isfile(path) or not path.endswith(".i"):
        raise CommandError("%s is neither a tracked file with history nor a revlog index file (.i)" % target)
    # a revlog outside a repository is read with Mercurial's default options
    ctx.sparse_read = False
    return revlog.open(path, backend=ctx.backend, sparse=False)


def _tracked_filelog(repo: repomod.Repository, target: str) -> Optional[Revlog]:
    """The filelog of a tracked path, if it has revisions."""
    try:
        filelog = repo.file(os.fsencode(target))
    except ValueError:
        return None
    return filelog if len(filelog) else None


def cmd_debugindex(ctx: Context) -> int:
    """Dump the index of a revlog, as ``hg debugindex``."""
    rl = _debug_revlog(ctx, ctx.args.file)
    debug_index(rl, ctx.write, verbose=ctx.args.verbose or ctx.args.debug, full_nodes=ctx.args.debug)
    return 0


def cmd_debugdata(ctx: Context) -> int:
    """Dump the raw stored text of one revision, as ``hg debugdata``."""
    args = ctx.args
    if args.changelog or args.manifest:
        if args.rev is not None:
            raise UsageError("debugdata: give only a REV with -c or -m")
        target, symbol = None, args.file
    else:
        target, symbol = args.file, args.rev
        if symbol is None:
            raise UsageError("debugdata: give a REV")
    rl = _debug_revlog(ctx, target)
    debug_data(rl, symbol, ctx.write)
    return 0


def cmd_debugdeltachain(ctx: Context) -> int:
    """Dump the delta chain of every revision, as ``hg debugdeltachain``."""
    args = ctx.args
    rl = _debug_revlog(ctx, args.file)
    revs = [revlog_lookup(rl, symbol) for symbol in args.rev] or None

    def wanted(value: Optional[bool]) -> bool:
        return args.all_info if value is None else value

    debug_delta_chain(rl, ctx.write, revs, size_info=wanted(args.size_info),
                      dist_info=wanted(args.dist_info), sparse_info=wanted(args.sparse_info),
                      sparse_read=ctx.sparse_read)
    return 0


def cmd_debugrevlog(ctx: Context) -> int:
    """Show format and delta statistics of a revlog, as ``hg debugrevlog``."""
    rl = _debug_revlog(ctx, ctx.args.file)
    (debug_revlog_dump if ctx.args.dump else debug_revlog)(rl, ctx.write)
    return 0


# ---- the parser ----------------------------------------------------------------


def _add_repository(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-R", "--repository", metavar="REPO",
                        help="the repository (default: the one holding the current directory)")


def _add_revlog_choice(parser: argparse.ArgumentParser) -> None:
    _add_repository(parser)
    parser.add_argument("-c", "--changelog", action="store_true", help="the changelog")
    parser.add_argument("-m", "--manifest", action="store_true", help="the manifest")


def _switch(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    """--NAME / --no-NAME, None when neither is given."""
    dest = name.replace("-", "_")
    parser.add_argument("--" + name, dest=dest, action="store_true", default=None, help=help_text)
    parser.add_argument("--no-" + name, dest=dest, action="store_false", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the revlog command."""
    parser = _Parser(prog=PROG, description="Read Mercurial repositories and revlogs without Mercurial.")
    parser.add_argument("--version", action="store_true", help="print the version and the backend, then exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, function: Callable[[Context], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=function.__doc__.replace("``", ""))
        sub.set_defaults(function=function)
        return sub

    sub = command("info", cmd_info, "revisions, heads, formats, compression and sizes")
    _add_repository(sub)
    sub.add_argument("repo", nargs="?", metavar="REPO", help="the repository (the same as -R REPO)")

    sub = command("log", cmd_log, "one line per changeset, newest first")
    _add_repository(sub)
    sub.add_argument("-r", "--rev", action="append", default=[], metavar="REV",
                     help="a revision or a range A:B (repeatable; default: all, newest first)")
    sub.add_argument("-l", "--limit", type=int, metavar="N", help="show at most N changesets")
    sub.add_argument("-T", "--template", metavar="TEMPLATE",
                     help="what to print per changeset, as hg log -T (default %r)" % DEFAULT_TEMPLATE)

    sub = command("cat", cmd_cat, "the content of files at a revision")
    _add_repository(sub)
    sub.add_argument("-r", "--rev", default="tip", metavar="REV", help="the revision (default: tip)")
    sub.add_argument("files", nargs="+", metavar="FILE", help="path from the repository root")

    sub = command("verify", cmd_verify, "check every revlog, revision, link and parent")
    _add_repository(sub)
    sub.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    sub = command("debugindex", cmd_debugindex, "dump a revlog's index (as hg debugindex)")
    _add_revlog_choice(sub)
    sub.add_argument("file", nargs="?", metavar="FILE", help="a tracked file, or a revlog's .i file")
    sub.add_argument("-v", "--verbose", action="store_true", help="every column")
    sub.add_argument("--debug", action="store_true", help="every column, full nodes")

    sub = command("debugdata", cmd_debugdata, "dump a revision's raw data (as hg debugdata)")
    _add_revlog_choice(sub)
    sub.add_argument("file", metavar="FILE", help="a tracked file or a revlog's .i file (with -c/-m: the REV)")
    sub.add_argument("rev", nargs="?", metavar="REV", help="revision number or node prefix")

    sub = command("debugdeltachain", cmd_debugdeltachain, "dump delta chains (as hg debugdeltachain)")
    _add_revlog_choice(sub)
    sub.add_argument("file", nargs="?", metavar="FILE", help="a tracked file, or a revlog's .i file")
    sub.add_argument("-r", "--rev", action="append", default=[], metavar="REV",
                     help="only these revisions (repeatable)")
    sub.add_argument("--all-info", action="store_true", help="every column unless switched off")
    _switch(sub, "size-info", "columns about delta sizes")
    _switch(sub, "dist-info", "columns about distances to the chain base")
    _switch(sub, "sparse-info", "columns about sparse reads (repositories with sparse-revlog)")

    sub = command("debugrevlog", cmd_debugrevlog, "revlog statistics (as hg debugrevlog)")
    _add_revlog_choice(sub)
    sub.add_argument("file", nargs="?", metavar="FILE", help="a tracked file, or a revlog's .i file")
    sub.add_argument("-d", "--dump", action="store_true", help="dump index data")
    return parser


# ---- running ---------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _parser() -> argparse.ArgumentParser:
    """The parser, built once (parsing does not change it)."""
    return build_parser()


def _binary(stream, fallback) -> BinaryIO:
    if stream is not None:
        return stream
    return getattr(fallback, "buffer", fallback)


def main(argv: Optional[Iterable[str]] = None, stdout: Optional[BinaryIO] = None,
         stderr: Optional[BinaryIO] = None, cwd: Optional[str] = None, backend=None) -> int:
    """Run one revlog command; its exit status.

    The defaults are the process's: sys.argv, sys.stdout/stderr (binary
    streams are written), the current directory and the backend the module
    policy chose ("c", "pure" or a backend namespace to override it).
    """
    out = _binary(stdout, sys.stdout)
    err = _binary(stderr, sys.stderr)
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.version:
            name = policy.backend if backend is None else getattr(backend, "NAME", backend)
            out.write(b"revlog %s (backend: %s)\n" % (_version().encode(), name.encode()))
            return 0
        if args.command is None:
            out.write(parser.format_help().encode("utf-8"))
            return 0
        ctx = Context(args, out, err, cwd or os.getcwd(), backend)
        status = args.function(ctx)
        out.flush()
        return status
    except HelpRequested as exc:
        out.write(str(exc).encode("utf-8"))
        return 0
    except UsageError as exc:
        return _fail(err, str(exc), 2)
    except BrokenPipeError:
        _quiet_broken_pipe(out)
        return 1
    except KeyboardInterrupt:
        return _fail(err, "interrupted", 130)
    except (CommandError, errors.RevlogError, TemplateError, ValueError, LookupError, OSError) as exc:
        return _fail(err, _message(exc), 1)


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return "%s: %s" % (exc.strerror or type(exc).__name__, exc.filename)
    text = str(exc)
    if isinstance(exc, KeyError) and exc.args:
        text = "not found: %r" % (exc.args[0],)
    return text or type(exc).__name__


def _fail(err: BinaryIO, message: str, status: int) -> int:
    line = message.splitlines()[0] if message else "error"
    try:
        err.write(("%s: %s\n" % (PROG, line)).encode("utf-8", "backslashreplace"))
        err.flush()
    except (BrokenPipeError, ValueError):
        pass
    return status


def _quiet_broken_pipe(out: BinaryIO) -> None:
    """Output went to a closed pipe (e.g. ``| head``): drop the rest silently."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("revlog")
    except Exception:   # not installed as a distribution (e.g. run from a tree)
        return "unknown"
