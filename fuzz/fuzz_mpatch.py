"""Differential fuzzing of mpatch: the C backend against the pure one.

    python fuzz/fuzz_mpatch.py fuzz/out/corpus/mpatch fuzz/regressions/mpatch

With atheris installed (and the C module built with sanitizers, see
fuzz/README.md) this is a coverage-guided fuzzer; without it, it replays
the files and directories it is given.  Any difference between the backends
(result, exception type or message), and any exception other than the
expected ones (differential.EXPECTED), is a finding.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from differential import C, PURE, both, main  # noqa: E402
from inputs import decode_mpatch_input  # noqa: E402


def check(data: bytes) -> None:
    """Run one input through both backends; AssertionError on a divergence."""
    text, deltas = decode_mpatch_input(data)
    both("patches", C.patches, PURE.patches, text, deltas)
    if deltas:
        both("patchedsize", C.patchedsize, PURE.patchedsize, len(text), deltas[0])


if __name__ == "__main__":
    main(check)
