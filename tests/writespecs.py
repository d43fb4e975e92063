"""Histories to write and helpers the write-path tests share.

A history is a list of (text, p1 rev, p2 rev) (-1: no parent); written with
write_history() it gives a node per revision, which check_history() reads
back.  FORMATS are the formats the writer supports, by name.
"""
import hashlib
import os
import random
from typing import Dict, List, Optional, Sequence, Tuple

import revlog
from revlog import constants as C

History = List[Tuple[bytes, int, int]]

FORMATS = {
    "v1-inline-sparse-zlib": revlog.Format(1, True, True, True, False, "zlib"),
    "v1-split-sparse-zstd": revlog.Format(1, False, True, True, False, "zstd"),
    "v1-inline-gd-none": revlog.Format(1, True, True, False, False, "none"),
    "v1-split-nogd-zlib": revlog.Format(1, False, False, False, False, "zlib"),
    "v1-inline-nogd-zstd": revlog.Format(1, True, False, False, False, "zstd"),
    "v1-split-deltainfo-zlib": revlog.Format(1, False, True, True, True, "zlib", filelog_meta=True),
    "v0-zlib": revlog.Format(0, False, False, False, False, "zlib"),
}


def node_of(text: bytes, p1: bytes, p2: bytes) -> bytes:
    """Mercurial's node, computed independently of revlog's code."""
    a, b = sorted((p1, p2))
    return hashlib.sha1(a + b + text).digest()


def nodes_of(history: History) -> List[bytes]:
    """The node of every revision of history."""
    nodes: List[bytes] = []
    for text, p1, p2 in history:
        nodes.append(node_of(text, nodes[p1] if p1 >= 0 else C.NULL_NODE,
                             nodes[p2] if p2 >= 0 else C.NULL_NODE))
    return nodes


def edited(rng: random.Random, lines: List[bytes], rev: int, edits: int) -> List[bytes]:
    lines = list(lines)
    for _ in range(edits):
        at = rng.randrange(len(lines) + 1)
        if rng.random() < 0.35 and lines:
            del lines[min(at, len(lines) - 1)]
        else:
            lines.insert(at, b"%d: %040x\n" % (rev, rng.getrandbits(160)))
    return lines


def linear(seed: int, count: int, lines: int = 150, merge_every: int = 7) -> History:
    """Small edits on one line of development, a merge now and then."""
    rng = random.Random(seed)
    text = [b"line %d %032x\n" % (i, rng.getrandbits(128)) for i in range(lines)]
    history = []
    for rev in range(count):
        text = edited(rng, text, rev, rng.randint(1, 12))
        p2 = rev - 5 if merge_every and rev % merge_every == merge_every - 1 and rev >= 5 else -1
        history.append((b"".join(text), rev - 1, p2))
    return history


def bulky(seed: int, count: int) -> History:
    """Linear, each revision adding about 3 KB of incompressible lines: an
    inline revlog passes the 128 KiB split limit after about 40 revisions."""
    rng = random.Random(seed)
    text: List[bytes] = []
    history = []
    for rev in range(count):
        text = edited(rng, text, rev, 1) + [b"%x\n" % rng.getrandbits(24000)]
        history.append((b"".join(text), rev - 1, -1))
    return history


def branchy(seed: int, count: int, lines: int = 200, window: int = 30) -> History:
    """Parents drawn among recent revisions, merges, a few new roots: snapshots get used."""
    rng = random.Random(seed)
    texts: List[List[bytes]] = []
    history = []
    base = [b"line %d %032x\n" % (i, rng.getrandbits(128)) for i in range(lines)]
    for rev in range(count):
        if rev == 0 or rng.random() < 0.02:
            p1 = p2 = -1
            start = base
        else:
            p1 = rng.randrange(max(0, rev - window), rev)
            p2 = rng.randrange(max(0, rev - window), rev) if rng.random() < 0.15 else -1
            if p2 == p1:
                p2 = -1
            start = texts[p1]
        text = edited(rng, start, rev, rng.randint(1, 15))
        texts.append(text)
        history.append((b"".join(text), p1, p2))
    return history


def write_history(path: str, fmt: revlog.Format, backend, history: History,
                  batches: Optional[Sequence[int]] = None, **options) -> revlog.Revlog:
    """A new revlog at path holding history, written in transactions of `batches`
    revisions each (None: one transaction; 0 in batches: one revision outside any)."""
    rl = revlog.create(path, format=fmt, backend=backend, **options)
    nodes: Dict[int, bytes] = {-1: C.NULL_NODE}
    batches = list(batches) if batches is not None else [len(history)]
    rev = 0
    while rev < len(history):
        size = batches.pop(0) if batches else len(history) - rev
        if size == 0:
            text, p1, p2 = history[rev]
            nodes[rev] = rl.add_revision(text, nodes[p1], nodes[p2], rev)
            rev += 1
            continue
        with rl.transaction():
            for rev in range(rev, min(rev + size, len(history))):
                text, p1, p2 = history[rev]
                nodes[rev] = rl.add_revision(text, nodes[p1], nodes[p2], rev)
            rev += 1
    return rl


def check_history(rl: revlog.Revlog, history: History) -> None:
    """rl holds exactly history: texts, parents, linkrevs, by node."""
    nodes = nodes_of(history)
    assert len(rl) == len(history)
    for rev, ((text, p1, p2), node) in enumerate(zip(history, nodes)):
        assert rl.node(rev) == node
        assert rl.rev(node) == rev
        assert rl.revision(node) == text
        assert rl.parentrevs(rev) == (p1, p2)
        assert rl.linkrev(rev) == rev


def file_bytes(directory: str) -> Dict[str, bytes]:
    """Every file of a directory, by name."""
    found = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            found[name] = f.read()
    return found
