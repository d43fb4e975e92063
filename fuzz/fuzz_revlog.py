"""Differential fuzzing of a whole revlog read end to end: revlog.open()
on the C backend against the pure one.

    python fuzz/fuzz_revlog.py fuzz/out/corpus/revlog fuzz/regressions/revlog

Input format: fuzz/inputs.py (decode_revlog_input): an index file and a
data file, written as x.i and x.d in a scratch directory (under /dev/shm
when it exists) and opened as users open them.  Both backends must answer
the same for the format, every entry, node lookup, delta chain and
snapshot, and the rawdata and revision of every revision (at most
MAX_WALKED of them): the same bytes, or the same exception and message.
"""
import atexit
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import revlog  # noqa: E402
from differential import C, PURE, main, outcome, same  # noqa: E402
from inputs import decode_revlog_input  # noqa: E402

MAX_WALKED = 64
SCRATCH = tempfile.mkdtemp(prefix="revlog-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
atexit.register(shutil.rmtree, SCRATCH, True)
INDEX = os.path.join(SCRATCH, "x.i")
DATA = os.path.join(SCRATCH, "x.d")


def answers(rl, rev: int):
    """What the revlog says about rev, each an outcome."""
    return [outcome(method, rev) for method in (
        rl.node, rl.parentrevs, rl.linkrev, rl.flags, rl.start, rl.length, rl.rawsize,
        rl.deltaparent, rl.chainbase, rl.chainlen, rl.issnapshot, rl.rawdata, rl.revision)]


def check(data: bytes) -> None:
    """Run one input through both backends; AssertionError on a divergence."""
    use_mmap, index, content = decode_revlog_input(data)
    with open(INDEX, "wb") as f:
        f.write(index)
    with open(DATA, "wb") as f:
        f.write(content)
    opened = [outcome(lambda b: revlog.open(INDEX, b, use_mmap=use_mmap), backend)
              for backend in (C, PURE)]
    try:
        same("open", *(o[:1] if o[0] == "ok" else o for o in opened))
        if opened[0][0] != "ok":
            return
        c_rl, pure_rl = opened[0][1], opened[1][1]
        same("len", ("ok", len(c_rl)), ("ok", len(pure_rl)))
        same("format", outcome(lambda: c_rl.format), outcome(lambda: pure_rl.format))
        for rev in range(-1, min(len(c_rl), MAX_WALKED)):
            same("revision %d" % rev, ("ok", answers(c_rl, rev)), ("ok", answers(pure_rl, rev)))
            node = outcome(c_rl.node, rev)
            if node[0] == "ok":
                same("rev(node %d)" % rev, outcome(c_rl.rev, node[1]), outcome(pure_rl.rev, node[1]))
    finally:
        for result in opened:
            if result[0] == "ok":
                result[1].close()


if __name__ == "__main__":
    main(check)
