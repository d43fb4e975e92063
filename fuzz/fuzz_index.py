"""Differential fuzzing of the index: parse_index2 and every index method,
the C backend against the pure one.

    python fuzz/fuzz_index.py fuzz/out/corpus/index fuzz/regressions/index

Input format: fuzz/inputs.py (decode_index_input).  The index data is
parsed by both backends with the input's format and flags; when both parse
it, the same calls (arguments from the input's argument bytes, some out of
range on purpose) run on each: entries, node lookups, partialmatch and
shortest, delta chains, snapshots, slicing, heads, common ancestors,
reachable roots, phases, lazy ancestors, descendants, bitmaps, then an
append, a truncation and cleared caches.  Every outcome (result, or
exception type and message) must be the same.
"""
import os
import sys
from typing import Callable, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from differential import C, PURE, main, outcome, same  # noqa: E402
from inputs import ArgReader, decode_index_input  # noqa: E402

MAX_WALKED = 48  # per-revision calls cover at most this many revisions
MAX_PICKED = 8
PHASES = (1, 2, 32, 96)
HEX = "0123456789abcdef"


class Pair:
    """The C and the pure index, called alike."""

    def __init__(self, c_index, pure_index):
        self.c = c_index
        self.pure = pure_index

    def call(self, what: str, method: str, *args, convert: Callable = None):
        """index.method(*args) on both; the common outcome (converted)."""
        def run(index):
            result = getattr(index, method)(*args)
            return convert(result) if convert else result
        return same("%s%r" % (what, args), outcome(run, self.c), outcome(run, self.pure))

    def value(self, what: str, method: str, *args, convert: Callable = None):
        """The common result of call(), or None if both raised."""
        result = self.call(what, method, *args, convert=convert)
        return result[1] if result[0] == "ok" else None


def pick_revs(args: ArgReader, length: int) -> List[int]:
    """Up to MAX_PICKED revisions, or now and then 64 to 127 of them (common
    ancestors then take several passes in C); as index_fuzzer.c picks them."""
    first = args.byte()
    count = first % (MAX_PICKED + 1) if first < 0xF8 else 64 + args.byte() % 64
    return [args.rev(length) for _ in range(count)]


def entries_and_lookups(pair: Pair, args: ArgReader) -> None:
    length = len(pair.c)
    same("len", ("ok", length), ("ok", len(pair.pure)))
    same("entry_size", ("ok", pair.c.entry_size), ("ok", pair.pure.entry_size))
    for rev in range(-2, min(length, MAX_WALKED) + 1):
        entry = pair.value("index[rev]", "__getitem__", rev)
        pair.call("entry_binary", "entry_binary", rev)
        pair.call("rev in", "__contains__", rev)
        if entry is None:
            continue
        node = entry[7]
        pair.call("get_rev", "get_rev", node)
        pair.call("rev", "rev", node)
        pair.call("index[node]", "__getitem__", node)
        pair.call("has_node", "has_node", node)
        pair.call("shortest", "shortest", node)
        text = node.hex()
        size = 1 + args.byte() % 40
        pair.call("partialmatch", "partialmatch", text[:size])
        pair.call("partialmatch", "partialmatch", text[:size].upper().encode())
    junk = bytes(args.byte() for _ in range(20))
    pair.call("get_rev", "get_rev", junk)
    pair.call("shortest", "shortest", junk)
    pair.call("partialmatch", "partialmatch", "".join(HEX[args.byte() % 16] for _ in range(3)))
    pair.call("partialmatch", "partialmatch", junk[:1 + args.byte() % 20])
    if pair.c.entry_size == 64:  # v1: v2 headers live in a docket (RuntimeError)
        pair.call("pack_header", "pack_header", args.u16() << 16 | 1)


def chains_and_snapshots(pair: Pair, args: ArgReader) -> None:
    length = len(pair.c)
    for rev in range(-2, min(length, MAX_WALKED) + 1):
        pair.call("issnapshot", "issnapshot", rev)
        stop = args.rev(length)
        chain = pair.value("deltachain", "deltachain", rev, None if stop == -2 else stop)
        if chain is None:
            continue
        revs = chain[0]
        pair.call("chunk_spans", "chunk_spans", revs)
        density = args.byte() / 200.0
        gap = args.u16() - 256
        pair.call("slicechunktodensity", "slicechunktodensity", revs, density, gap,
                  convert=lambda slices: [list(s) for s in slices])
    pair.call("slicechunktodensity", "slicechunktodensity", pick_revs(args, length),
              args.byte() / 100.0, args.byte())

    def snapshots(index, start, end):
        cache = {}
        index.findsnapshots(cache, start, end)
        return {base: sorted(revs) for base, revs in cache.items()}

    start, end = args.rev(length), args.rev(length)
    same("findsnapshots", outcome(snapshots, pair.c, start, end),
         outcome(snapshots, pair.pure, start, end))


def lazy_outcomes(lazy, probes: List[int]):
    """What a lazyancestors object answers: membership first (the walk
    advances), then bool and a full iteration."""
    return [outcome(lazy.__contains__, probe) for probe in probes] + [
        outcome(bool, lazy), outcome(list, lazy)]


def graph(pair: Pair, args: ArgReader) -> None:
    length = len(pair.c)
    filtered = set(pick_revs(args, length))
    pair.call("headrevs", "headrevs")
    pair.call("headrevs", "headrevs", filtered, args.rev(length))
    pair.call("head_node_ids", "head_node_ids")
    pair.call("headrevsdiff", "headrevsdiff", args.rev(length), args.rev(length))
    revs = pick_revs(args, length)
    pair.call("commonancestorsheads", "commonancestorsheads", *revs)
    pair.call("ancestors", "ancestors", *revs)
    roots = pick_revs(args, length)
    pair.call("reachableroots2", "reachableroots2", args.rev(length), revs, roots,
              bool(args.byte() & 1))
    phase_roots = {}
    for root in roots:
        phase_roots.setdefault(PHASES[args.byte() % 4], set()).add(root)
    pair.call("computephasesmapsets", "computephasesmapsets", phase_roots)
    inclusive = bool(args.byte() & 1)
    pair.call("descendants", "descendants", revs, inclusive)
    pair.call("isancestor", "isancestor", args.rev(length), args.rev(length))
    pair.call("ancestors_bitmap", "ancestors_bitmap", revs, inclusive,
              convert=lambda bitmap: bitmap.tolist())
    pair.call("descendants_bitmap", "descendants_bitmap", revs, inclusive,
              convert=lambda bitmap: bitmap.tolist())
    stoprev = args.rev(length)
    probes = [args.rev(length) for _ in range(3)]
    pair.call("lazyancestors", "lazyancestors", revs, stoprev, inclusive,
              convert=lambda lazy: lazy_outcomes(lazy, probes))


def mutations(pair: Pair, args: ArgReader) -> None:
    """Append an entry made of argument bytes, truncate (a lazyancestors made
    before must then refuse to answer), clear the caches."""
    length = len(pair.c)
    entry = (args.u16() << 16, args.u16() - 2, args.u16(), args.rev(length + 1),
             args.u16(), args.rev(length + 1), args.rev(length + 1),
             bytes(args.byte() for _ in range(20)), 0, 0, 0, 0, -1)
    if args.byte() & 1:  # v2 fields, which v1 refuses
        entry = entry[:8] + (args.u16(), args.u16(), args.byte() & 3, args.byte() & 3,
                             args.u16())
    pair.call("append", "append", entry)
    if args.byte() & 1:
        pair.call("clearcaches", "clearcaches")
    entries_and_lookups(pair, args)
    graph(pair, args)
    length = len(pair.c)
    lazies = [outcome(index.lazyancestors, [length - 1], 0, True) for index in (pair.c, pair.pure)]
    same("lazyancestors", *(lazy[:1] if lazy[0] == "ok" else lazy for lazy in lazies))
    start = args.rev(length)
    pair.call("del index[start:]", "__delitem__", slice(start, None))
    pair.call("del index[start:-1]", "__delitem__", slice(start, -1))
    if lazies[0][0] == "ok":
        same("lazyancestors after truncation",
             *(("ok", lazy_outcomes(lazy[1], [0, length - 1])) for lazy in lazies))
    chains_and_snapshots(pair, args)
    graph(pair, args)


def check(data: bytes) -> None:
    """Run one input through both backends; AssertionError on a divergence."""
    spec = decode_index_input(data)
    c_parsed = outcome(C.parse_index2, spec.data, spec.inline, spec.generaldelta,
                       spec.delta_info, spec.format)
    pure_parsed = outcome(PURE.parse_index2, spec.data, spec.inline, spec.generaldelta,
                          spec.delta_info, spec.format)
    if c_parsed[0] != "ok" or pure_parsed[0] != "ok":
        same("parse_index2", c_parsed, pure_parsed)
        return
    pair = Pair(c_parsed[1][0], pure_parsed[1][0])
    same("parse_index2 cache", ("ok", c_parsed[1][1] is None), ("ok", pure_parsed[1][1] is None))
    args = ArgReader(spec.args)
    entries_and_lookups(pair, args)
    chains_and_snapshots(pair, args)
    graph(pair, args)
    mutations(pair, args)


if __name__ == "__main__":
    main(check)
