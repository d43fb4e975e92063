"""What the cffi harnesses share: run a call on both backends, compare the
outcomes, replay corpus files, and hand a check to atheris.

A harness module defines check(data: bytes) -> None, raising AssertionError
(a Divergence) when the backends disagree; any exception outside EXPECTED
escapes it and is a finding too.
"""
import os
import sys
from typing import Callable, Iterable, List, Tuple

from revlog import errors, policy

C = policy.load("c")
PURE = policy.load("pure")

# What a call may raise on bad input or bad arguments (the index protocol
# raises the builtins for arguments, revlog.errors for content).
EXPECTED = (errors.RevlogError, IndexError, ValueError, TypeError, OverflowError, LookupError)


class Divergence(AssertionError):
    """The two backends answered one call differently."""


def outcome(func: Callable, *args) -> Tuple:
    """("ok", result) or ("raises", exception type name, message)."""
    try:
        return ("ok", func(*args))
    except EXPECTED as exc:
        return ("raises", type(exc).__name__, str(exc))


def same(what: str, c_outcome: Tuple, pure_outcome: Tuple) -> Tuple:
    """The common outcome; Divergence if they differ."""
    if c_outcome != pure_outcome:
        raise Divergence("%s: c %r != pure %r" % (what, c_outcome, pure_outcome))
    return c_outcome


def both(what: str, c_call: Callable, pure_call: Callable, *args) -> Tuple:
    """Run c_call(*args) and pure_call(*args); their common outcome."""
    return same(what, outcome(c_call, *args), outcome(pure_call, *args))


def input_files(paths: Iterable[str]) -> List[str]:
    """The files named, and those under the directories named, sorted."""
    files = []
    for path in paths:
        if os.path.isfile(path):
            files.append(path)
        else:
            files += sorted(os.path.join(root, name)
                            for root, _, names in os.walk(path) for name in names)
    return files


def replay(check: Callable[[bytes], None], paths: Iterable[str]) -> int:
    """Run every file under paths through check(); return how many ran."""
    count = 0
    for name in input_files(paths):
        with open(name, "rb") as f:
            data = f.read()
        try:
            check(data)
        except BaseException:
            sys.stderr.write("finding while replaying %s\n" % name)
            raise
        count += 1
    return count


def main(check: Callable[[bytes], None]) -> None:
    """Fuzz check() with atheris (libFuzzer's command line), or replay the
    paths given when atheris is not installed or REVLOG_FUZZ_REPLAY=1.

    Coverage comes from the C module; REVLOG_FUZZ_PYTHON_COVERAGE=1 adds
    the Python code's (slower: every loaded function is instrumented).
    """
    try:
        if os.environ.get("REVLOG_FUZZ_REPLAY") == "1":
            raise ImportError("replay requested")
        import atheris
    except ImportError:
        paths = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
        print("replayed %d inputs" % replay(check, paths))
        return
    atheris.Setup(sys.argv, check)
    if os.environ.get("REVLOG_FUZZ_PYTHON_COVERAGE") == "1":
        atheris.instrument_all()
    atheris.Fuzz()
