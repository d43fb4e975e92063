"""Every revlog of every fixture repository, read by us, equals what Mercurial
7.2.4 recorded about it: entries, lookups, chains and every revision."""
import os
import shutil

import pytest

import revlog
from revlog import constants as C
from revlog import errors

from hgfixtures import raised

# Mercurial exception names and the revlog.errors classes that stand for them
EXCEPTIONS = {
    "CensoredNodeError": errors.CensoredRevision,
    "ValueError": ValueError,
    "RuntimeError": RuntimeError,
}


def expect(recorded, call):
    """Compare a call with a recorded answer, which may be a raised exception."""
    name = raised(recorded)
    if name is None:
        assert call() == recorded
        return
    with pytest.raises(EXCEPTIONS[name]) as info:
        call()
    if name == "ValueError":
        assert str(info.value) == recorded["message"]


def open_recorded(repo, rec, backend, **options):
    """Open a recorded revlog, telling where its files are (store paths may be hashed)."""
    if rec["data_path"]:
        options["data_path"] = repo.abspath(rec, "data_path")
    if rec["docket_path"]:
        options["docket_index_path"] = repo.abspath(rec, "index_path")
    return revlog.open(repo.abspath(rec), backend=backend, sparse=rec["sparse"], **options)


def comparable_entry(entry, version):
    """v0 entries have no raw size: Mercurial says None, we say -1 (unknown)."""
    if version == C.REVLOGV0:
        return entry[:2] + (None,) + entry[3:]
    return entry


def test_format_and_entries(hg_repo, backend):
    for rec in hg_repo.revlogs:
        rl = open_recorded(hg_repo, rec, backend)
        assert len(rl) == rec["len"], rec["path"]
        fmt = rl.format
        assert (fmt.version, fmt.inline, fmt.delta_info) == (rec["version"], rec["inline"], rec["delta_info"])
        assert fmt.generaldelta == rec["generaldelta"]
        engines = {rev["chunk"][:1] for rev in rec["revs"]} & {b"x", b"("}
        if rec["docket_path"] is None:
            assert fmt.compression == ({b"x": "zlib", b"(": "zstd"}[min(engines)] if engines else "none")
        else:
            assert fmt.compression == rec["compression"]
        index = rl.index
        assert comparable_entry(index[-1], rec["version"]) == rec["null_entry"]
        for rev, entry in enumerate(rec["entries"]):
            assert comparable_entry(index[rev], rec["version"]) == entry, (rec["path"], rev)
        if rec["version"] != C.REVLOGV0:
            assert [index.entry_binary(rev) for rev in range(len(rl))] == rec["entry_binary"]
            expect(rec["pack_header"], lambda: index.pack_header(rec["header"]))


def test_every_revision(hg_repo, backend):
    for rec in hg_repo.revlogs:
        rl = open_recorded(hg_repo, rec, backend)
        for r in rec["revs"]:
            rev = r["rev"]
            where = (rec["path"], rev)
            assert rl.node(rev) == r["node"], where
            assert rl.rev(r["node"]) == rev
            assert rl.parentrevs(rev) == r["parentrevs"]
            assert rl.parents(r["node"]) == r["parents"]
            assert rl.linkrev(rev) == r["linkrev"]
            assert rl.flags(rev) == r["flags"]
            assert (rl.start(rev), rl.length(rev)) == (r["start"], r["length"])
            assert rl.deltaparent(rev) == r["deltaparent"], where
            assert (rl.chainbase(rev), rl.chainlen(rev)) == (r["chainbase"], r["chainlen"]), where
            assert rl.issnapshot(rev) == r["issnapshot"], where
            assert bytes(rl._raw_chunk(rev)) == r["chunk"], where
            expect(r["rawdata"], lambda: rl.rawdata(rev))
            expect(r["revision"], lambda: rl.revision(rev))
            if raised(r["rawsize"]) is None:
                assert rl.rawsize(rev) == r["rawsize"]


def test_revisions_in_any_order(hg_repo, backend):
    """Backwards and strided reads exercise chains without the revision cache."""
    for rec in hg_repo.revlogs[:2] + [max(hg_repo.revlogs, key=lambda r: r["len"])]:
        rl = open_recorded(hg_repo, rec, backend, use_mmap=False)
        for step in (-1, 7):
            revs = rec["revs"][::step]
            for r in revs:
                expect(r["revision"], lambda: rl.revision(r["node"]))


def test_index_chains_and_lookups(hg_repo, backend):
    for rec in hg_repo.revlogs:
        index = open_recorded(hg_repo, rec, backend).index
        for r in rec["revs"]:
            rev = r["rev"]
            assert index.deltachain(rev, None) == r["deltachain"], (rec["path"], rev)
            if r["deltachain_stop"] is not None:
                stoprev, result = r["deltachain_stop"]
                assert index.deltachain(rev, stoprev) == result
            if r["index_issnapshot"] is not None:
                assert index.issnapshot(rev) == r["index_issnapshot"]
            if r["shortest"] is not None:
                assert index.shortest(r["node"]) == r["shortest"]
            assert index.get_rev(r["node"]) == rev and r["node"] in index
        assert index.get_rev(b"\x42" * 20) is None
        for prefix, answer in (rec["partialmatch"] or {}).items():
            if answer == "ambiguous":
                with pytest.raises(errors.AmbiguousPrefix):
                    index.partialmatch(prefix)
            else:
                expect(answer, lambda: index.partialmatch(prefix))


def test_censored_revisions(hg_repos, backend):
    repo = hg_repos["zlib"]
    assert repo.info["censored"]
    for censored in repo.info["censored"]:
        rec = repo.filelog(censored["target"])
        rl = open_recorded(repo, rec, backend)
        assert rl.flags(censored["rev"]) & C.REVIDX_ISCENSORED
        with pytest.raises(errors.CensoredRevision):
            rl.revision(censored["node"])
        # the revisions after it still read
        for r in rec["revs"][censored["rev"] + 1:]:
            assert rl.revision(r["rev"]) == r["revision"]


# ---- corrupted copies of real revlogs -----------------------------------

def largest_split_revlog(repo):
    return max((rec for rec in repo.revlogs if not rec["inline"] and rec["docket_path"] is None),
               key=lambda rec: rec["len"])


def copy_revlog(repo, rec, tmp_path):
    """Copy one revlog's files into tmp_path; return the new index path."""
    for key in ("path", "data_path"):
        if rec[key]:
            shutil.copy(repo.abspath(rec, key), str(tmp_path))
    return os.path.join(str(tmp_path), os.path.basename(rec["path"]))


def read_all(path, backend):
    rl = revlog.open(path, backend=backend)
    for rev in range(len(rl)):
        try:
            rl.revision(rev)
        except errors.CensoredRevision:
            pass


@pytest.mark.parametrize("repo_name", ["zlib", "zstd"])
def test_corrupted_copies_raise_revlog_errors(hg_repos, backend, tmp_path, repo_name):
    repo = hg_repos[repo_name]
    rec = largest_split_revlog(repo)
    path = copy_revlog(repo, rec, tmp_path)
    data_path = path[:-2] + ".d"
    data = open(data_path, "rb").read()
    index = open(path, "rb").read()

    # a data file cut short
    with open(data_path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(errors.CorruptedData):
        read_all(path, backend)

    # flipped bytes in every chunk's middle: decompression or hash failures
    flipped = bytearray(data)
    for r in rec["revs"]:
        if r["length"] > 4:
            flipped[r["start"] + r["length"] // 2] ^= 0x55
    with open(data_path, "wb") as f:
        f.write(bytes(flipped))
    with pytest.raises(errors.CorruptedData):
        read_all(path, backend)

    # an offset pointing past the end of the data
    with open(data_path, "wb") as f:
        f.write(data)
    bad = bytearray(index)
    last = (len(rec["revs"]) - 1) * rec["entry_size"]
    bad[last:last + 6] = (len(data) + 100).to_bytes(6, "big")
    with open(path, "wb") as f:
        f.write(bytes(bad))
    with pytest.raises(errors.CorruptedData, match="runs past the end"):
        revlog.open(path, backend=backend).revision(len(rec["revs"]) - 1)

    # an index cut inside an entry
    with open(path, "wb") as f:
        f.write(index[:-10])
    with pytest.raises(errors.CorruptedIndex, match="not a multiple of the entry size"):
        revlog.open(path, backend=backend)


def test_corrupted_inline_revlog(hg_repos, backend, tmp_path):
    repo = hg_repos["zlib"]
    rec = max((rec for rec in repo.revlogs if rec["inline"]), key=lambda rec: rec["len"])
    path = copy_revlog(repo, rec, tmp_path)
    index = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(index[:-3])
    with pytest.raises(errors.CorruptedIndex, match="inline index data is truncated"):
        revlog.open(path, backend=backend)
