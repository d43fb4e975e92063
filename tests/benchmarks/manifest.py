#!/usr/bin/env python3
"""Benchmark: parsing manifests, ours against Mercurial's parsers.

    python tests/benchmarks/manifest.py [--files 100000] [--repo PATH]

On a synthetic manifest of --files paths (sorted, a tenth executable), best
of --repeat runs, in one process:

  parse+walk  every entry as (path, node, flag): ours `parse_manifest`
              (a dict) and `Manifest` iterated; Mercurial's C `lazymanifest`
              and its pure `_LazyManifest`, `iterentries()`
  lookup      one path in a fresh object: ours `Manifest(text)[path]` (a
              search of the text), Mercurial's `manifestdict(20, text)[path]`
  delta       the entries a 40-line delta adds: ours `delta_text` +
              `parse_manifest`, against parsing the whole new text

With --repo (a repository with a big manifest, e.g. the one
tests/benchmarks/bench.py --build makes in DIR/manifest-sparse), it also
walks every manifest revision as verify does: the full text of each parsed,
against `new_entries` (only the lines each stored delta adds), and times
`revlog.verify.verify` on the whole repository.  Mercurial's columns need it
importable (CPython with the test extra); otherwise they say n/a.
"""
import argparse
import hashlib
import importlib
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from revlog import repo as repomod  # noqa: E402
from revlog.manifest import Manifest, delta_text, new_entries, parse_manifest, read_manifest  # noqa: E402
from revlog.verify import verify  # noqa: E402


def best(function, repeat):
    """(best seconds, result) of repeat runs."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def synthetic(count: int):
    """A sorted manifest text of count paths, and its lines."""
    lines = []
    for i in range(count):
        path = b"dir%03d/sub%02d/file-%06d.txt" % (i % 997, i % 37, i)
        flag = b"x" if i % 10 == 0 else b""
        lines.append(path + b"\0" + hashlib.sha1(path).hexdigest().encode() + flag + b"\n")
    lines.sort()
    return b"".join(lines), lines


def forty_line_delta(lines):
    """A delta replacing 40 lines spread over the text (as hg writes: whole lines)."""
    step = max(len(lines) // 40, 1)
    hunks = []
    offset = 0
    positions = []
    for line in lines:
        positions.append(offset)
        offset += len(line)
    for index in range(0, len(lines), step)[:40]:
        path = lines[index].split(b"\0")[0]
        new = path + b"\0" + hashlib.sha1(path + b"v2").hexdigest().encode() + b"\n"
        start = positions[index]
        hunks.append(struct.pack(">lll", start, start + len(lines[index]), len(new)) + new)
    return b"".join(hunks)


def mercurial():
    try:
        return importlib.import_module("mercurial.manifest")
    except ImportError as exc:
        return exc


def row(name, seconds, base=None):
    if seconds is None:
        return "%-46s %10s" % (name, "n/a")
    ratio = "" if base is None else "  %6.2fx ours" % (seconds / base)
    return "%-46s %8.2f ms%s" % (name, seconds * 1000, ratio)


def synthetic_report(count: int, repeat: int) -> None:
    text, lines = synthetic(count)
    probe = lines[len(lines) // 2].split(b"\0")[0]
    hg = mercurial()
    print("synthetic manifest: %d files, %d bytes" % (count, len(text)))
    ours_dict, parsed = best(lambda: parse_manifest(text), repeat)
    ours_walk, _ = best(lambda: [(p, n, f) for p, (n, f) in Manifest(text).items()], repeat)
    print(row("parse+walk ours parse_manifest (dict)", ours_dict))
    print(row("parse+walk ours Manifest items()", ours_walk, ours_dict))
    if isinstance(hg, Exception):
        print(row("parse+walk Mercurial (%s)" % hg, None))
    else:
        try:
            cext = importlib.import_module("mercurial.cext.parsers")
            hg_c, theirs = best(lambda: list(cext.lazymanifest(20, text).iterentries()), repeat)
            assert [(p, n, f) for p, (n, f) in parsed.items()] == theirs
            print(row("parse+walk Mercurial C lazymanifest", hg_c, ours_dict))
        except ImportError as exc:
            print(row("parse+walk Mercurial C (%s)" % exc, None))
        hg_pure, _ = best(lambda: list(hg._LazyManifest(20, text).iterentries()), max(1, repeat // 2))
        print(row("parse+walk Mercurial pure _LazyManifest", hg_pure, ours_dict))
    ours_lookup, found = best(lambda: Manifest(text)[probe], repeat)
    assert found == parsed[probe]
    print(row("lookup ours Manifest(text)[path]", ours_lookup))
    if not isinstance(hg, Exception):
        hg_lookup, node = best(lambda: hg.manifestdict(20, text)[probe], repeat)
        assert node == found[0]
        print(row("lookup Mercurial manifestdict(text)[path]", hg_lookup, ours_lookup))
    delta = forty_line_delta(lines)
    ours_delta, added = best(lambda: parse_manifest(delta_text(delta)), repeat)
    assert len(added) == 40
    print(row("delta: 40 new entries from the delta", ours_delta))
    print(row("delta: the whole new text parsed instead", ours_dict, ours_delta))


def repo_report(path: str, repeat: int) -> None:
    repo = repomod.open(path)
    log = repo.manifest
    count = len(log)
    sizes = len(log.revision(count - 1))
    print("\nrepository %s: %d manifest revisions, the last %d bytes (%d files)"
          % (path, count, sizes, len(read_manifest(log, count - 1))))

    def full():
        return sum(len(parse_manifest(log.revision(rev))) for rev in range(count))

    def deltas():
        total = 0
        for rev in range(count):
            log.revision(rev)   # verify checks every hash anyway
            total += len(new_entries(log, rev))
        return total

    walk_full, entries = best(full, max(1, repeat // 2))
    walk_delta, added = best(deltas, max(1, repeat // 2))
    print(row("walk: read + parse every full manifest", walk_full, walk_delta))
    print(row("walk: read + new entries of every delta", walk_delta))
    print("      (%d entries parsed in full, %d from deltas)" % (entries, added))
    start = time.perf_counter()
    result = verify(repo)
    print(row("verify the whole repository (%d changesets, %d file revisions, %d problems)"
              % (result.changesets, result.file_revisions, len(result.problems)), time.perf_counter() - start))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repo", help="a repository whose manifest revisions to walk")
    args = parser.parse_args(argv)
    print("%s %s, backend %s" % (sys.implementation.name, sys.version.split()[0],
                                 importlib.import_module("revlog.policy").backend))
    synthetic_report(args.files, args.repeat)
    if args.repo:
        repo_report(args.repo, args.repeat)


if __name__ == "__main__":
    main()
