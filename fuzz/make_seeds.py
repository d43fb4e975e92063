"""Write seed corpora for every fuzz target from revlogs real Mercurial writes.

    python fuzz/make_seeds.py [--repos NAME,...] [OUTDIR]   (default: fuzz/out/seeds)

Needs a CPython with Mercurial 7.2.4 (the test environment).  It builds a
few repositories with the test suite's history (tests/hgrecord.py: zlib,
zstd, no generaldelta, delta-info, changelog-v2, revlog-v2) and one of
criss-cross merges (common ancestors with several heads, 25 of them at
the widest: what index.ancestors picks among), then writes, in the input
format of each target (fuzz/inputs.py):

    OUTDIR/index/   every index file (.i, and the .idx of docket revlogs),
                    with the flags its revlog uses and a few argument sets
    OUTDIR/revlog/  index + data of every v0/v1 revlog (inline or split)
    OUTDIR/mpatch/  texts and the chains of deltas Mercurial computes
    OUTDIR/bdiff/   pairs of consecutive revision texts

Nothing here is committed: corpora go under fuzz/out/ (ignored by git).
"""
import argparse
import hashlib
import os
import random
import shutil
import struct
import sys
import tempfile
from typing import Dict, Iterator, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import hgrecord  # noqa: E402
from inputs import (encode_bdiff_input, encode_index_input,  # noqa: E402
                    encode_mpatch_input, encode_revlog_input, index_config)

REPOS = ("zlib", "zstd", "nogd", "deltainfo", "changelogv2", "revlogv2", "crisscross")
MAX_SEED = 64 * 1024  # libFuzzer's -max_len for these targets
MAX_TEXT = 8 * 1024
V1_FLAGS = {"inline": 1 << 16, "generaldelta": 1 << 17, "delta_info": 1 << 18}
REVLOGV1, REVLOGV2, CHANGELOGV2 = 1, 0xDEAD, 0xD34D


def store_files(repo: str) -> Iterator[str]:
    """Every file of the repository's store."""
    for root, _, names in os.walk(os.path.join(repo, ".hg", "store")):
        for name in sorted(names):
            yield os.path.join(root, name)


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def argument_sets(rng: random.Random) -> List[bytes]:
    """No arguments (a counter stands in), then a few random ones."""
    return [b""] + [bytes(rng.getrandbits(8) for _ in range(rng.choice((8, 32, 200))))
                    for _ in range(2)]


def index_seeds(repo: str, rng: random.Random) -> Iterator[bytes]:
    """Index inputs: v1 indexes with their own flags, v2 .idx files."""
    for path in store_files(repo):
        data = read(path)
        if path.endswith(".i") and len(data) >= 4:
            (header,) = struct.unpack(">I", data[:4])
            version = header & 0xFFFF
            if version == REVLOGV1:
                config = index_config(REVLOGV1, bool(header & V1_FLAGS["inline"]),
                                      bool(header & V1_FLAGS["generaldelta"]),
                                      bool(header & V1_FLAGS["delta_info"]))
            else:
                continue  # a docket: its index is the .idx file
        elif path.endswith(".idx"):
            fmt = CHANGELOGV2 if "00changelog" in os.path.basename(path) else REVLOGV2
            config = index_config(fmt, False, True, False)
        else:
            continue
        for args in argument_sets(rng):
            seed = encode_index_input(config, args, data)
            if len(seed) <= MAX_SEED:
                yield seed


def revlog_seeds(repo: str) -> Iterator[bytes]:
    """Revlog inputs: an index and its data file (empty when inline)."""
    for path in store_files(repo):
        if not path.endswith(".i"):
            continue
        index = read(path)
        if len(index) >= 4 and struct.unpack(">I", index[:4])[0] & 0xFFFF not in (0, REVLOGV1):
            continue
        data_path = path[:-2] + ".d"
        data = read(data_path) if os.path.exists(data_path) else b""
        for use_mmap in (True, False):
            seed = encode_revlog_input(use_mmap, index, data)
            if len(seed) <= MAX_SEED:
                yield seed


def revision_texts(repo: str) -> List[List[bytes]]:
    """Histories of texts (changelog, manifest, a few files) read through
    Mercurial's own API."""
    from mercurial import hg, ui as uimod

    ui = uimod.ui.load()
    r = hg.repository(ui, repo.encode())
    logs = [r.changelog, r.manifestlog.getstorage(b"")]
    logs += [r.file(name) for name in (b"snap/churn.txt", b"log.txt", b"src/main.c",
                                       b"side.txt", b"bin/blob.bin")]
    histories = []
    for log in logs:
        texts = []
        for rev in range(len(log)):
            try:
                text = log.rawdata(rev)
            except Exception:  # a censored revision
                continue
            if len(text) <= MAX_TEXT:
                texts.append(text)
        histories.append(texts)
    return histories


def delta_seeds(histories: List[List[bytes]], rng: random.Random) -> Iterator[Tuple[str, bytes]]:
    """mpatch chains (a text and Mercurial's deltas to the next ones) and
    bdiff pairs."""
    from mercurial import mdiff

    for texts in histories:
        for i in range(0, max(len(texts) - 1, 0), 3):
            chain = texts[i:i + 1 + rng.randint(1, 4)]
            deltas = [mdiff.textdiff(a, b) for a, b in zip(chain, chain[1:])]
            seed = encode_mpatch_input(chain[0], deltas)
            if len(seed) <= MAX_SEED:
                yield "mpatch", seed
            yield "bdiff", encode_bdiff_input(chain[0], chain[-1])


def build_crisscross(root: str, widths=(2, 3, 25)) -> str:
    """A repository whose changelog has, for each width w, two merge chains
    over the same w branches: their tips have w common ancestors heads."""
    path = os.path.join(root, "crisscross")
    hgrecord.run_hg(["init", path])
    w = hgrecord.Workdir(path)
    for width in widths:
        w.write("base", b"base for %d\n" % width)
        fork = w.commit("fork for %d" % width)
        branches = []
        for i in range(width):
            w.hg("update", "-q", "-C", str(fork))
            w.write("b%d-%d" % (width, i), b"branch %d\n" % i)
            branches.append(w.commit("branch %d of %d" % (i, width)))
        for side in range(2):
            w.hg("update", "-q", "-C", str(branches[0]))
            for other in branches[1:]:
                w.hg("merge", "-q", "--tool", ":local", str(other))
                w.commit("merge %d into side %d" % (other, side))
            w.write("side%d-%d" % (side, width), b"side\n")
            w.commit("tip of side %d" % side)
    return path


def write_seed(outdir: str, target: str, seed: bytes, counts: Dict[str, int]) -> None:
    folder = os.path.join(outdir, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(seed).hexdigest()), "wb") as f:
        f.write(seed)
    counts[target] = counts.get(target, 0) + 1


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", default=",".join(REPOS),
                        help="repositories to build (default: %(default)s)")
    parser.add_argument("outdir", nargs="?", default=os.path.join(HERE, "out", "seeds"))
    options = parser.parse_args(argv[1:])
    outdir = os.path.abspath(options.outdir)
    hgrecord.load_mercurial()
    rng = random.Random(6)
    counts: Dict[str, int] = {}
    root = tempfile.mkdtemp(prefix="revlog-seeds-")
    try:
        for name in options.repos.split(","):
            if name == "crisscross":
                repo = build_crisscross(root)
            else:
                hgrecord.build_repo(name, root)
                repo = os.path.join(root, name)
            for seed in index_seeds(repo, rng):
                write_seed(outdir, "index", seed, counts)
            for seed in revlog_seeds(repo):
                write_seed(outdir, "revlog", seed, counts)
            if name in ("zlib", "nogd"):
                for target, seed in delta_seeds(revision_texts(repo), rng):
                    write_seed(outdir, target, seed, counts)
            print("%s: done" % name, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for target, count in sorted(counts.items()):
        print("%s/%s: %d seeds" % (outdir, target, count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
