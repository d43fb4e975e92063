"""Delta choice for new revisions: against which stored revision to store a delta.

The rules are Mercurial 7.2.4's, so that a revlog written here keeps the
chains Mercurial would keep for the same history:

- without generaldelta the only candidate is the previous revision (the
  entry's base field then names the chain's full text);
- with generaldelta the parents are tried first (both at once, the smaller
  delta wins), then the previous revision;
- sparse-revlog tries the parents, then intermediate snapshots: snapshots
  of the parents' chains and their sibling snapshots (deepest level first),
  then the full snapshots since the parents' chain base, refined down
  (towards the full text) and up (towards newer children) while that helps;
  a snapshot of depth d must not exceed textlen >> d nor its base's chunk;
- a delta is kept only if it is smaller than the text, its chain's stored
  chunks stay within LIMIT_DELTA2TEXT times the text, the chain stays
  within max_chain_len, and (without sparse-revlog) the chain's span on
  disk within four times the text; otherwise the text is stored whole;
- changelogs store no deltas at all;
- with delta-info flags, deltas against a parent are folded down the chain
  while the result stays within FOLD_TOLERANCE of the original, and entries
  record whether they are snapshots and how their delta compares with
  deltas against the parents.

DeltaComputer.choose() answers for one revision; what it reads from the
revlog goes through a DeltaSource (revlog.writer provides one).
"""
import bisect
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from revlog import constants as C
from revlog import deltafold, errors, status

# a chain may store at most this many times the text (compressed chunks)
LIMIT_DELTA2TEXT = 2
# a base candidate this many times smaller than the text is not tried
LIMIT_BASE2TEXT = 500
# hg 7.2.4's max chain length with sparse-revlog (none otherwise)
SPARSE_MAX_CHAIN_LEN = 1000
# candidates tried at once; the rest of a group only if the batch improved
CANDIDATE_GROUP_SIZE = 20
# a delta no larger than this times the smaller parent delta is "good"
GOOD_DELTA_FACTOR = 1.05
# how much larger a folded delta may be than the one it replaces
FOLD_TOLERANCE = 1.05
# expected best compression ratio, to discard hopeless snapshots early
MANIFEST_MAX_COMPRESSION = 3
FILELOG_MAX_COMPRESSION = 10

KINDS = ("changelog", "manifest", "filelog", "other")

# search stages
_CACHED, _PARENTS, _SNAPSHOT, _PREV = "cached", "parents", "snapshot", "prev"


@dataclass(frozen=True)
class DeltaConfig:
    """How deltas are chosen for one revlog (see config_for())."""

    general_delta: bool
    sparse: bool
    delta_info: bool = False
    store_deltas: bool = True
    max_chain_len: Optional[int] = None
    upper_bound_comp: Optional[int] = None
    group_size: int = CANDIDATE_GROUP_SIZE
    fold_tolerance: Optional[float] = FOLD_TOLERANCE
    store_quality: bool = True


def default_max_chain_len(sparse: bool) -> Optional[int]:
    """hg 7.2.4's default chain length limit for a format."""
    return SPARSE_MAX_CHAIN_LEN if sparse else None


def config_for(general_delta: bool, sparse: bool, delta_info: bool, kind: str,
               max_chain_len: Optional[int]) -> DeltaConfig:
    """The delta rules hg 7.2.4 applies to a revlog of this format and kind."""
    sparse = sparse and general_delta
    upper = {"manifest": MANIFEST_MAX_COMPRESSION, "filelog": FILELOG_MAX_COMPRESSION}.get(kind)
    return DeltaConfig(general_delta=general_delta, sparse=sparse, delta_info=delta_info,
                       store_deltas=kind != "changelog", max_chain_len=max_chain_len,
                       upper_bound_comp=upper)


class DeltaChoice:
    """How one revision is stored: base field, chunk, and what the search learnt."""

    __slots__ = ("base", "header", "payload", "length", "raw_size", "distance", "chainbase",
                 "chainlen", "chain_size", "snapshot_depth", "quality")

    def __init__(self, base: int, header: bytes, payload, raw_size: int, distance: int, chainbase: int,
                 chainlen: int, chain_size: int, snapshot_depth: Optional[int]) -> None:
        self.base = base                      # the entry's base field
        self.header = header                  # chunk = header + payload
        self.payload = payload
        self.length = len(header) + len(payload)
        self.raw_size = raw_size              # bytes of the uncompressed delta (or text)
        self.distance = distance              # bytes from the chain base to this chunk's end
        self.chainbase = chainbase
        self.chainlen = chainlen
        self.chain_size = chain_size          # stored bytes of the whole chain
        self.snapshot_depth = snapshot_depth  # None: not a snapshot; 0: full text
        self.quality: Optional[int] = None    # delta-info quality flags, if known

    def entry_flags(self, config: DeltaConfig) -> int:
        """The delta-info flags of the entry (0 without delta-info)."""
        if not config.delta_info:
            return 0
        flags = C.REVIDX_DELTA_IS_SNAPSHOT if self.snapshot_depth is not None else 0
        if self.quality is not None and config.store_quality:
            flags |= self.quality
        return flags


class NewRevision:
    """The revision being added, and what the search notes about it."""

    __slots__ = ("text", "textlen", "p1", "p2", "flags", "cached", "track_parents",
                 "p1_delta_size", "p2_delta_size")

    def __init__(self, text: bytes, p1: int, p2: int, flags: int,
                 cached: Optional[Tuple[int, bytes]] = None) -> None:
        self.text = text
        self.textlen = len(text)
        self.p1 = p1
        self.p2 = p2
        self.flags = flags
        self.cached = cached                  # (base rev, delta) received with it
        self.track_parents = False            # whether p*_delta_size get recorded
        self.p1_delta_size: Optional[int] = None
        self.p2_delta_size: Optional[int] = None


def checked_base(name: str, rev: int, entry: tuple) -> int:
    """The delta base field of rev's index entry, checked to lie in [-1, rev].

    The backends' deltachain() makes the same check: a walk down delta
    bases that refuses anything else only ever goes to lower revisions, so
    it ends.  CorruptedIndex names the revlog and the revision otherwise.
    """
    base = entry[C.ENTRY_BASE]
    if base < C.NULL_REV or base > rev:
        raise errors.CorruptedIndex("%s: %s" % (name, status.index_error(status.INDEX_BAD_BASE, rev, base)))
    return base


class DeltaSource:
    """What the delta search reads from a revlog (revlog.Revlog provides it)."""

    index: object
    name: str   # the revlog's, for error messages

    def data_end(self) -> int:
        """Offset just past the last chunk (without inline entries)."""
        raise NotImplementedError

    def chainbase(self, rev: int) -> int:
        """The full text at the bottom of rev's chain."""
        raise NotImplementedError

    def chaininfo(self, rev: int) -> Tuple[int, int]:
        """(deltas in rev's chain, stored bytes of the chain with its base)."""
        raise NotImplementedError

    def rawtext(self, rev: int) -> bytes:
        """The stored text of rev (not checked against its node)."""
        raise NotImplementedError

    def raw_chunk(self, rev: int) -> bytes:
        """rev's decompressed chunk."""
        raise NotImplementedError


class SnapshotMap:
    """Snapshots of one revlog by delta base (-1: full texts), as revisions are added.

    Mercurial's delta search reads snapshots from a cache it fills from some
    floor revision up; `children(base, floor)` answers what such a cache
    filled from `floor` holds, without rescanning the revlog each time.
    """

    def __init__(self, index) -> None:
        self._index = index
        self._by_base: Dict[int, List[int]] = {}
        self._low = None   # revisions [low, high) are in the map
        self._high = 0

    def cover(self, floor: int, end: int) -> None:
        """Make sure revisions [floor, end) are in the map."""
        if self._low is None:
            self._low = self._high = max(floor, 0)
        if floor < self._low:
            found: Dict[int, Set[int]] = {}
            self._index.findsnapshots(found, floor, self._low - 1)
            for base, revs in found.items():
                self._by_base[base] = sorted(revs) + self._by_base.get(base, [])
            self._low = floor
        if self._high < end:
            found = {}
            self._index.findsnapshots(found, self._high, end - 1)
            for base, revs in found.items():
                self._by_base.setdefault(base, []).extend(sorted(revs))
            self._high = end

    def added(self, rev: int) -> None:
        """rev was just appended: record it if it is a snapshot."""
        if self._low is None or rev != self._high:
            return
        self._high = rev + 1
        index = self._index
        if index.issnapshot(rev):
            base = index[rev][C.ENTRY_BASE]
            self._by_base.setdefault(-1 if base == rev else base, []).append(rev)

    def children(self, base: int, floor: int) -> List[int]:
        """Snapshots stored against base, from revision floor on (ascending)."""
        revs = self._by_base.get(base, ())
        return list(revs[bisect.bisect_left(revs, floor):])


class DeltaComputer:
    """Chooses how to store revisions appended to one revlog.

    One computer may serve a whole group of revisions (add_group): like
    Mercurial's, its view of snapshots then reaches back to the lowest
    floor any revision of the group asked for.
    """

    def __init__(self, source: DeltaSource, config: DeltaConfig, snapshots: SnapshotMap,
                 textdiff: Callable[[bytes, bytes], bytes], compress) -> None:
        self.source = source
        self.config = config
        self.snapshots = snapshots
        self.textdiff = textdiff
        self.compress = compress
        self.floor: Optional[int] = None

    def note_floor(self, floor: int, end: int) -> int:
        """The snapshot floor of this computer's cache after asking for `floor`."""
        self.floor = floor if self.floor is None else min(self.floor, floor)
        self.snapshots.cover(self.floor, end)
        return self.floor

    def choose(self, rev: NewRevision) -> DeltaChoice:
        """The way to store rev as the next revision of the revlog."""
        config = self.config
        target = len(self.source.index)
        if not rev.textlen or rev.flags & C.REVIDX_RAWTEXT_CHANGING_FLAGS:
            choice = self.full(rev, target)
            if not rev.textlen:
                choice.quality = C.REVIDX_DELTA_QUALITY | C.REVIDX_DELTA_GOOD
            return choice
        if not (target and config.store_deltas):
            choice = None
        else:
            choice = _Search(self, rev, target).run()
        if choice is None:
            choice = self.full(rev, target)
        if choice.quality is None and rev.track_parents:
            choice.quality = _quality(choice, rev)
        return choice

    def full(self, rev: NewRevision, target: int) -> DeltaChoice:
        """rev stored as a full text."""
        header, payload = self.compress(rev.text)
        size = len(header) + len(payload)
        return DeltaChoice(target, header, payload, rev.textlen, size, target, 1, size, 0)


def _quality(choice: DeltaChoice, rev: NewRevision) -> Optional[int]:
    """Delta-info quality flags: is the delta as small as the parents' best?"""
    sizes = [size for size in (rev.p1_delta_size, rev.p2_delta_size) if size is not None]
    flags = C.REVIDX_DELTA_QUALITY
    if not sizes:
        return flags
    threshold = int(min(sizes) * GOOD_DELTA_FACTOR)
    if choice.raw_size <= threshold:
        flags |= C.REVIDX_DELTA_GOOD
    if rev.p1_delta_size is not None and rev.p1_delta_size <= threshold:
        flags |= C.REVIDX_DELTA_P1_SMALL
    if rev.p2_delta_size is not None and rev.p2_delta_size <= threshold:
        flags |= C.REVIDX_DELTA_P2_SMALL
    return flags


def revs_between(start: int, stop: int, length: int) -> range:
    """Revisions from start to stop inclusive, in either direction, below length."""
    step = -1 if start > stop else 1
    stop += step
    return range(start, min(stop, length), step)


class _Search:
    """One revision's delta search (the state Mercurial keeps per search)."""

    def __init__(self, computer: DeltaComputer, rev: NewRevision, target: int) -> None:
        self.computer = computer
        self.config = computer.config
        self.source = computer.source
        self.index = computer.source.index
        self.rev = rev
        self.target = target
        self.tested: Set[int] = {C.NULL_REV}
        self.built: Dict[Tuple[int, bool, bool], Optional[DeltaChoice]] = {}
        self.data_end = computer.source.data_end()

    # ---- driving the search ---------------------------------------------------

    def run(self) -> Optional[DeltaChoice]:
        """The best acceptable delta, or None (store the full text)."""
        best = None
        groups = self._groups()
        try:
            item = next(groups)
            while True:
                stage, as_snapshot, revs = item
                for base in revs:
                    candidate = self._candidate(base, as_snapshot, stage)
                    if candidate is None or (best is not None and best.length <= candidate.length):
                        continue
                    if self._is_good(candidate):
                        best = candidate
                item = groups.send(best)
        except StopIteration:
            pass
        return best

    def _groups(self) -> Iterator[Tuple[str, bool, Sequence[int]]]:
        """Candidate batches (stage, as_snapshot, revs); receives the best so far."""
        config = self.config
        if not config.general_delta:
            self.tested.add(self.target - 1)
            yield _PREV, False, (self.target - 1,)
            return
        best = None
        cached = self._cached_base()
        if cached is not None:
            base, as_snapshot = cached
            self.tested.add(base)
            best = yield _CACHED, as_snapshot, (base,)
            if best is not None:
                return
        size = config.group_size
        raw = self._sparse_groups() if config.sparse else self._general_groups()
        try:
            stage, tentative = next(raw)
            while True:
                group = self._prefilter(tentative)
                as_snapshot = stage == _SNAPSHOT
                pos = 0
                while pos < len(group):
                    batch = group[pos:pos + size] if size > 0 else group[pos:]
                    pos += len(batch)
                    self.tested.update(batch)
                    before = best
                    best = yield stage, as_snapshot, batch
                    if best is before:
                        break
                stage, tentative = raw.send(best)
        except StopIteration:
            return

    def _parents(self) -> List[int]:
        return [p for p in (self.rev.p1, self.rev.p2) if p != C.NULL_REV]

    def _general_groups(self):
        parents = self._parents()
        if parents:
            best = yield _PARENTS, parents
            if best is not None:
                return
        yield _PREV, (self.target - 1,)

    def _sparse_groups(self):
        if self.config.delta_info:
            self.rev.track_parents = True
        parents = self._parents()
        if parents:
            best = yield _PARENTS, parents
            if best is not None:
                return
        yield from self._snapshot_groups(parents)

    def _snapshot_groups(self, parents: List[int]):
        best = None
        for revs in self._snapshot_bases(parents):
            best = yield _SNAPSHOT, revs
            if best is not None:
                break
        if best is None or best.snapshot_depth is None:
            return
        deltaparent = self._deltaparent
        previous = None
        while best is not previous:  # refine down, towards the full text
            previous = best
            base = deltaparent(best.base)
            if base == C.NULL_REV:
                break
            best = yield _SNAPSHOT, (base,)
        previous = None
        while best is not previous:  # refine up, towards newer snapshots
            previous = best
            best = yield _SNAPSHOT, tuple(self.computer.snapshots.children(best.base, self.floor))

    def _snapshot_bases(self, parents: List[int]) -> Iterator[Tuple[int, ...]]:
        """Intermediate snapshot candidates, most promising levels first."""
        if not parents:
            return
        index = self.index
        issnapshot = index.issnapshot
        chains = [index.deltachain(p, None)[0] for p in parents]
        by_depth: Dict[int, Set[int]] = {}
        for chain in chains:
            for depth, rev in enumerate(chain):
                if not issnapshot(rev):
                    break
                by_depth.setdefault(depth, set()).add(rev)
        if not by_depth:   # only a damaged index's flags say a chain's full text is none
            raise errors.CorruptedIndex("%s: revision %d is stored as a full text but not flagged as a snapshot"
                                        % (self.source.name, chains[0][0]))
        snapfloor = min(by_depth[0]) + 1
        self.floor = self.computer.note_floor(snapfloor, self.target)
        in_chains = set()
        for chain in chains:
            in_chains.update(chain)
        other = None
        for rev in revs_between(self.target - 1, snapfloor, self.target):
            if rev not in in_chains:
                other = rev
                break
        if other is not None:
            # an unrelated recent chain's snapshots, no deeper than ours
            deepest = max(by_depth)
            for depth, rev in enumerate(index.deltachain(other, None)[0]):
                if rev < snapfloor:
                    continue
                if deepest < depth or not issnapshot(rev):
                    break
                by_depth.setdefault(depth, set()).add(rev)
        children = self.computer.snapshots.children
        low = None
        for depth in sorted(by_depth, reverse=True):
            snaps = by_depth[depth]
            siblings = set()
            for snap in snaps:
                siblings.update(children(snap, self.floor))
            if low is not None:
                siblings = {rev for rev in siblings if low < rev}
            yield tuple(sorted(siblings))
            yield tuple(sorted(snaps))
            low = min(snaps)
        yield tuple(rev for rev in children(C.NULL_REV, self.floor) if snapfloor <= rev)

    # ---- candidates -----------------------------------------------------------

    def _deltaparent(self, rev: int) -> int:
        """The revision rev is a delta against (-1: none); always below rev."""
        base = checked_base(self.source.name, rev, self.index[rev])
        if base == rev:
            return C.NULL_REV
        return base if self.config.general_delta else rev - 1

    def _cached_base(self) -> Optional[Tuple[int, bool]]:
        """The received delta's base, tried first when acceptable: (base, as_snapshot)."""
        cached = self.rev.cached
        if cached is None:
            return None
        base = cached[0]
        if not self._acceptable(base):
            return None
        if not self.config.sparse:
            return base, False
        if base in self._parents_and_empty_ancestors():
            return base, False
        if self.index.issnapshot(base):
            return base, True
        # a delta against neither a parent nor a snapshot: suspicious, and
        # (as in Mercurial) its base is not tried again later either
        self.tested.add(base)
        return None

    def _parents_and_empty_ancestors(self) -> Set[int]:
        """The parents, and below each the revisions its empty deltas stand for."""
        found = set()
        for parent in self._parents():
            found.add(parent)
            rev = parent
            while self.index[rev][C.ENTRY_COMP_LEN] == 0:
                below = self._deltaparent(rev)
                if below == C.NULL_REV:
                    break
                rev = below
                found.add(rev)
        return found

    def _prefilter(self, tentative: Sequence[int]) -> List[int]:
        """The candidates worth a delta; empty deltas stand for their base."""
        tested = self.tested
        index = self.index
        group = []
        for rev in tentative:
            while not (rev == C.NULL_REV or rev in tested or index[rev][C.ENTRY_COMP_LEN]):
                tested.add(rev)
                rev = self._deltaparent(rev)
            if self._acceptable(rev):
                group.append(rev)
            else:
                tested.add(rev)
        return group

    def _acceptable(self, rev: int) -> bool:
        """Whether a delta against rev could possibly be kept."""
        if rev == C.NULL_REV or rev in self.tested or rev >= self.target:
            return False
        entry = self.index[rev]
        if entry[C.ENTRY_OFFSET_FLAGS] & C.REVIDX_RAWTEXT_CHANGING_FLAGS:
            return False
        config = self.config
        textlen = self.rev.textlen
        limit = textlen * LIMIT_DELTA2TEXT
        if limit < entry[C.ENTRY_COMP_LEN]:
            return False
        chainlen, chain_size = self.source.chaininfo(rev)
        if config.max_chain_len and chainlen >= config.max_chain_len:
            return False
        if limit < chain_size:
            return False
        if not config.sparse:
            return True
        rawsize = self._rawsize(rev, entry)
        if rawsize < textlen // LIMIT_BASE2TEXT:
            return False
        upper = config.upper_bound_comp
        if upper is not None and rev not in (self.rev.p1, self.rev.p2) and self.index.issnapshot(rev):
            depth = len(self.index.deltachain(rev, None)[0]) - 1
            lowest = max(textlen - rawsize, 0) // upper
            if (textlen >> depth) < lowest or entry[C.ENTRY_COMP_LEN] < lowest:
                return False
        return True

    def _rawsize(self, rev: int, entry: tuple) -> int:
        size = entry[C.ENTRY_RAW_LEN]
        return size if size >= 0 else len(self.source.rawtext(rev))

    def _candidate(self, base: int, as_snapshot: bool, stage: str) -> Optional[DeltaChoice]:
        # a received delta is stored as it came; only deltas against the
        # parents get folded
        fold = (stage == _PARENTS and self.config.sparse and self.config.delta_info
                and self.config.fold_tolerance is not None)
        key = (base, as_snapshot, fold)
        if key not in self.built:
            self.built[key] = self._build(base, as_snapshot, fold)
        return self.built[key]

    def _build(self, base: int, as_snapshot: bool, fold: bool) -> Optional[DeltaChoice]:
        """The delta of the new revision against base, or None when hopeless."""
        config = self.config
        rev = self.rev
        source = self.source
        chainbase = source.chainbase(base)
        deltabase = base if config.general_delta else chainbase
        depth = None
        if config.sparse and as_snapshot and deltabase not in (rev.p1, rev.p2):
            if not self.index.issnapshot(deltabase):
                return None
            depth = len(self.index.deltachain(deltabase, None)[0])
        delta = self._received_delta(base)
        if delta is None:
            delta = self._diff(base)
        upper = config.upper_bound_comp
        if upper is not None and depth:
            lowest = len(delta) // upper
            if (rev.textlen >> depth) < lowest or self.index[base][C.ENTRY_COMP_LEN] < lowest:
                return None
        if fold:
            if deltabase == rev.p1:
                rev.p1_delta_size = len(delta)
            elif deltabase == rev.p2:
                rev.p2_delta_size = len(delta)
            folded = deltafold.best_base(delta, self._fold_steps(deltabase),
                                         int(len(delta) * config.fold_tolerance))
            if folded == C.NULL_REV:
                return self.computer.full(rev, self.target)
            if folded is not None:
                delta = self._diff(folded)
                base = deltabase = folded
                if depth is not None:
                    depth = len(self.index.deltachain(base, None)[0])
        header, payload = self.computer.compress(delta)
        length = len(header) + len(payload)
        chainlen, chain_size = source.chaininfo(base)
        start = self.index[chainbase][C.ENTRY_OFFSET_FLAGS] >> 16
        return DeltaChoice(deltabase, header, payload, len(delta), length + self.data_end - start,
                           chainbase, chainlen + 1, chain_size + length, depth)

    def _received_delta(self, base: int) -> Optional[bytes]:
        """The delta received with the revision, if it is against base."""
        cached = self.rev.cached
        if cached is None:
            return None
        current = cached[0]
        index = self.index
        while current != C.NULL_REV and current != base and index[current][C.ENTRY_COMP_LEN] == 0:
            current = self._deltaparent(current)
        return cached[1] if current == base else None

    def _diff(self, base: int) -> bytes:
        entry = self.index[base]
        if entry[C.ENTRY_OFFSET_FLAGS] & C.REVIDX_ISCENSORED:
            # a censored base: replace its whole (unreadable) content
            return deltafold.replacement_header(self._rawsize(base, entry), self.rev.textlen) + self.rev.text
        return self.computer.textdiff(self.source.rawtext(base), self.rev.text)

    def _fold_steps(self, base: int) -> Iterator[Tuple[int, List[deltafold.Hunk]]]:
        """(lower base, delta from it to the current one) down base's chain."""
        source = self.source
        while base != C.NULL_REV:
            below = self._deltaparent(base)
            if below == C.NULL_REV:
                yield below, deltafold.whole_text(self._rawsize(base, self.index[base]))
            else:
                yield below, deltafold.parse(source.raw_chunk(base))
            base = below

    def _is_good(self, candidate: DeltaChoice) -> bool:
        config = self.config
        textlen = self.rev.textlen
        if textlen < candidate.length:
            return False
        if not config.sparse and 4 * textlen < candidate.distance:
            return False
        if textlen * LIMIT_DELTA2TEXT < candidate.chain_size:
            return False
        if config.max_chain_len and config.max_chain_len < candidate.chainlen:
            return False
        depth = candidate.snapshot_depth
        if config.sparse and depth:
            if (textlen >> depth) < candidate.length:
                return False
            if self.index[candidate.base][C.ENTRY_COMP_LEN] < candidate.length:
                return False
        return True
