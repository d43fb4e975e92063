"""Differential fuzzing of textdiff (bdiff): the C backend against the pure one.

    python fuzz/fuzz_bdiff.py fuzz/out/corpus/bdiff fuzz/regressions/bdiff

Input format: fuzz/inputs.py (decode_bdiff_input), two texts a and b.
Both backends must compute the same delta byte for byte, and that delta
must turn a into b through either backend's patches(); a text diffed with
itself gives an empty delta.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from differential import C, PURE, Divergence, both, main  # noqa: E402
from inputs import decode_bdiff_input  # noqa: E402


def check(data: bytes) -> None:
    """Run one input through both backends; AssertionError on a divergence."""
    a, b = decode_bdiff_input(data)
    delta = both("textdiff", C.textdiff, PURE.textdiff, a, b)
    if delta[0] != "ok":
        raise Divergence("textdiff raised on both backends: %r" % (delta,))
    rebuilt = both("patches", C.patches, PURE.patches, a, [delta[1]])
    if rebuilt != ("ok", b):
        raise Divergence("patches(a, [textdiff(a, b)]) != b: %r" % (rebuilt,))
    if both("textdiff", C.textdiff, PURE.textdiff, b, b) != ("ok", b""):
        raise Divergence("textdiff(b, b) is not empty")


if __name__ == "__main__":
    main(check)
