"""Differential fuzzing of mpatch: the C backend against the pure one.

With atheris installed (and the C module built with sanitizers, see
fuzz/README.md) this is a coverage-guided fuzzer:

    python fuzz/fuzz_mpatch.py fuzz/corpus/mpatch fuzz/regressions/mpatch

Without atheris it replays the files and directories it is given, so the
regression corpus also runs on machines without a fuzzer.  Any difference
between the backends (result, exception type or message), and any other
exception than revlog.errors.RevlogError, is a finding.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from inputs import decode_mpatch_input  # noqa: E402

from revlog import errors, policy  # noqa: E402

C = policy.load("c")
PURE = policy.load("pure")


def _outcome(func, *args):
    try:
        return ("ok", func(*args))
    except errors.RevlogError as exc:
        return ("error", type(exc).__name__, str(exc))


def check(data: bytes) -> None:
    """Run one input through both backends; raise AssertionError on a divergence."""
    text, deltas = decode_mpatch_input(data)
    c_result = _outcome(C.patches, text, deltas)
    pure_result = _outcome(PURE.patches, text, deltas)
    assert c_result == pure_result, (c_result, pure_result)
    if deltas:
        c_size = _outcome(C.patchedsize, len(text), deltas[0])
        pure_size = _outcome(PURE.patchedsize, len(text), deltas[0])
        assert c_size == pure_size, (c_size, pure_size)


def replay(paths) -> int:
    """Run every file under `paths` through check(); return how many ran."""
    count = 0
    for path in paths:
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(root, name) for root, _, names in os.walk(path) for name in names
        )
        for name in files:
            with open(name, "rb") as f:
                check(f.read())
            count += 1
    return count


def main() -> None:
    try:
        import atheris
    except ImportError:
        print("atheris not installed: replayed %d inputs" % replay(sys.argv[1:]))
        return
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
