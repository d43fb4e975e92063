"""A deterministic history to write, shared by the fault tests and their child writer.

Run as a script it is the child: `python writehistory.py PATH FORMAT BACKEND SEED COUNT`
creates the revlog at PATH and appends COUNT revisions of history(SEED) in
transactions of batch_sizes(SEED) revisions, printing `committed N` (the
number of revisions committed so far) after each commit, until it is killed.
"""
import random
import sys
from typing import Iterator, List, Tuple

FORMATS = {
    # name -> revlog.Format arguments
    "inline-sparse-zlib": dict(version=1, inline=True, generaldelta=True, sparse=True,
                               delta_info=False, compression="zlib"),
    "split-nogd-zstd": dict(version=1, inline=False, generaldelta=False, sparse=False,
                            delta_info=False, compression="zstd"),
    "v0": dict(version=0, inline=False, generaldelta=False, sparse=False,
               delta_info=False, compression="zlib"),
}


def history(seed: int, count: int) -> List[Tuple[bytes, int, int]]:
    """count revisions as (text, p1 rev, p2 rev): a text of lines edited a little
    each time (with incompressible new lines, so an inline revlog passes 128 KiB
    after about a hundred revisions), a merge every seventh revision."""
    rng = random.Random(seed)
    lines = [b"line %d %032x\n" % (i, rng.getrandbits(128)) for i in range(200)]
    revs = []
    for rev in range(count):
        for _ in range(rng.randint(5, 40)):
            at = rng.randrange(len(lines) + 1)
            if rng.random() < 0.3 and lines:
                del lines[min(at, len(lines) - 1)]
            else:
                lines.insert(at, b"%d: %060x\n" % (rev, rng.getrandbits(240)))
        p1 = rev - 1
        p2 = rev - 5 if rev % 7 == 6 and rev >= 5 else -1
        revs.append((b"".join(lines), p1, p2))
    return revs


def batch_sizes(seed: int) -> Iterator[int]:
    """How many revisions each transaction of the child writes."""
    rng = random.Random(seed ^ 0x5EED)
    while True:
        yield rng.randint(1, 4)


def main(path: str, format_name: str, backend: str, seed: int, count: int) -> None:
    import revlog
    from revlog import constants as C

    rl = revlog.create(path, format=revlog.Format(**FORMATS[format_name]), backend=backend)
    nodes = {C.NULL_REV: C.NULL_NODE}
    revs = history(seed, count)
    done = 0
    sizes = batch_sizes(seed)
    while done < count:
        batch = min(next(sizes), count - done)
        with rl.transaction():
            for rev in range(done, done + batch):
                text, p1, p2 = revs[rev]
                nodes[rev] = rl.add_revision(text, nodes[p1], nodes[p2], linkrev=rev)
        done += batch
        sys.stdout.write("committed %d\n" % done)
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
