"""The Mercurial fixtures hold what the other tests rely on, so coverage cannot quietly shrink."""
import hashlib
import os

import pytest

import hgfixtures
from hgfixtures import raised

CENSORED = 1 << 15  # REVIDX_ISCENSORED
HASMETA, IS_SNAPSHOT = 1 << 11, 1 << 10  # delta-info revlogs only
FLAG_INLINE, FLAG_GENERALDELTA, FLAG_DELTA_INFO = 1 << 16, 1 << 17, 1 << 19
NULLREV = -1

# name -> (version of changelog, manifest, filelogs), generaldelta, sparse, compression
FORMATS = {
    "zlib": ((1, 1, 1), True, True, "zlib"),
    "zstd": ((1, 1, 1), True, True, "zstd"),
    "nogd": ((1, 1, 1), False, False, "zlib"),
    "maxchain4": ((1, 1, 1), True, True, "zlib"),
    "v0": ((0, 0, 0), False, False, "zlib"),
    "deltainfo": ((1, 1, 1), True, True, "zlib"),
    "changelogv2": ((0xD34D, 1, 1), True, True, "zlib"),
    "revlogv2": ((0xDEAD, 0xDEAD, 0xDEAD), True, True, "zstd"),
}
COMPRESSION_HEADERS = {"zlib": b"x", "zstd": b"("}


def all_revs(repo):
    for rl in repo.revlogs:
        for info in rl["revs"]:
            yield rl, info


def chunk_type(rl, info):
    """The chunk's first byte: b"x"/b"(" compressed, b"u"/b"\\0" plain, b"" empty.

    None for v2 chunks compressed with the docket's default engine (no header byte).
    """
    mode = rl["entries"][info["rev"]][10]
    if mode == 1:  # v2 COMP_MODE_DEFAULT: compressed with the docket's engine, no header byte
        return None
    return info["chunk"][:1]


def test_repository_set_is_complete(hg_repos):
    assert sorted(hg_repos) == sorted(FORMATS) == sorted(hgfixtures.REPO_NAMES)


def test_every_revlog_file_is_recorded(hg_repo):
    store = os.path.join(hg_repo.path, ".hg", "store")
    on_disk = set()
    for root, _dirs, files in os.walk(store):
        for name in files:
            if name.endswith(".i"):
                path = os.path.relpath(os.path.join(root, name), hg_repo.path)
                on_disk.add(path.replace(os.sep, "/"))
    recorded = [rl["path"] for rl in hg_repo.revlogs]
    assert len(recorded) == len(set(recorded))
    assert set(recorded) == on_disk
    assert [rl["kind"] for rl in hg_repo.revlogs[:2]] == ["changelog", "manifest"]
    for rl in hg_repo.revlogs:
        for key in ("path", "index_path", "data_path", "sidedata_path", "docket_path"):
            if rl[key] is not None:
                assert os.path.isfile(os.path.join(hg_repo.path, rl[key])), (key, rl[key])


def test_format_is_what_the_name_says(hg_repo):
    versions, generaldelta, sparse, compression = FORMATS[hg_repo.name]
    kinds = {"changelog": versions[0], "manifest": versions[1], "filelog": versions[2]}
    assert hg_repo.info["changelog_compression"] == compression
    for rl in hg_repo.revlogs:
        assert rl["version"] == kinds[rl["kind"]], rl["path"]
        assert rl["compression"] == compression
        assert rl["header"] == rl["version"] | rl["format_flags"]
        if rl["version"] in (0, 1):
            assert int.from_bytes(rl["header_bytes"], "big") == rl["header"]
            assert rl["inline"] == bool(rl["format_flags"] & FLAG_INLINE)
            assert rl["entry_size"] == (76 if rl["version"] == 0 else 64)
        else:
            assert rl["entry_size"] == 96 and not rl["inline"] and rl["docket_path"] == rl["path"]
        if rl["kind"] != "changelog" and rl["version"] == 1:
            assert rl["generaldelta"] == generaldelta, rl["path"]
            assert rl["sparse"] == sparse
        assert rl["delta_info"] == (hg_repo.name == "deltainfo" and rl["kind"] != "changelog")


def test_recorded_revisions_are_consistent(hg_repo):
    """Index, nodes, parents and texts agree (so the text sharing maps rightly)."""
    for rl in hg_repo.revlogs:
        assert rl["len"] == len(rl["revs"]) == len(rl["entries"])
        if rl["entry_binary"] is not None:
            assert len(rl["entry_binary"]) == rl["len"]
        for info in rl["revs"]:
            entry = rl["entries"][info["rev"]]
            assert entry[7] == info["node"]
            assert (entry[5], entry[6]) == info["parentrevs"]
            assert entry[1] == info["length"] == len(info["chunk"])
            assert entry[0] & 0xFFFF == info["flags"]
            if info["flags"] & CENSORED:
                assert raised(info["revision"]) == "CensoredNodeError"
                continue
            text = info["rawdata"]
            assert isinstance(text, bytes) and len(text) == info["rawsize"]
            p1, p2 = sorted(info["parents"])
            assert hashlib.sha1(p1 + p2 + text).digest() == info["node"], (rl["path"], info["rev"])
            if rl["kind"] == "filelog":
                meta = text.startswith(b"\x01\n")
                assert info["read"] == (text[text.index(b"\x01\n", 2) + 2:] if meta else text)


def test_same_history_everywhere(hg_repos):
    """Every format stores the same changesets and manifests."""
    reference = hg_repos["zlib"]
    for repo in hg_repos.values():
        for kind in ("changelog", "manifest"):
            ours, theirs = getattr(repo, kind), getattr(reference, kind)
            assert [r["node"] for r in ours["revs"]] == [r["node"] for r in theirs["revs"]]
            assert [r["rawdata"] for r in ours["revs"]] == [r["rawdata"] for r in theirs["revs"]]


def test_inline_and_split_revlogs(hg_repos):
    repo = hg_repos["zlib"]
    inline = [rl for rl in repo.revlogs if rl["inline"]]
    split = [rl for rl in repo.revlogs if not rl["inline"]]
    assert len(inline) > 50
    assert {rl["kind"] for rl in split} == {"changelog", "manifest", "filelog"}
    big = repo.filelog("big/large.txt")
    assert not big["inline"] and big["data_path"].endswith(".d")
    assert max(r["rawsize"] for r in big["revs"]) > 128 * 1024 and big["len"] >= 10
    assert os.path.getsize(os.path.join(repo.path, big["data_path"])) > 128 * 1024
    assert repo.manifest["data_path"] == ".hg/store/00manifest.d"


def test_compression_headers(hg_repos):
    for name in ("zlib", "zstd"):
        kinds = {chunk_type(rl, info) for rl, info in all_revs(hg_repos[name])}
        assert COMPRESSION_HEADERS[name] in kinds
        assert {b"u", b"\0", b""} <= kinds, kinds  # stored plain, and empty
        other = COMPRESSION_HEADERS["zstd" if name == "zlib" else "zlib"]
        assert other not in kinds
    v2 = hg_repos["revlogv2"]
    modes = {rl["entries"][info["rev"]][10] for rl, info in all_revs(v2)}
    assert {0, 1} <= modes  # plain and docket-default compression


def test_censored_revisions(hg_repos):
    for repo in hg_repos.values():
        if repo.name == "v0":  # hg censor refuses v0 revlogs
            assert repo.info["censored"] == []
            continue
        assert len(repo.info["censored"]) == 2
        for censored in repo.info["censored"]:
            rl = repo.filelog(censored["target"])
            info = rl["revs"][censored["rev"]]
            assert info["node"] == censored["node"] and info["flags"] & CENSORED
            assert repo.info["tombstone"] in info["chunk"]
            for field in ("rawdata", "revision", "read"):
                assert raised(info[field]) == "CensoredNodeError"
            assert censored["rev"] < rl["len"] - 1  # not the file's last revision


def test_merges(hg_repos):
    for repo in hg_repos.values():
        merges = [r for r in repo.changelog["revs"] if r["parentrevs"][1] != NULLREV]
        assert len(merges) == 3
        main = repo.filelog("src/main.c")
        assert any(r["parentrevs"][1] != NULLREV for r in main["revs"])
        assert len(repo.changelog["headrevs"]) == 2  # default and the closed feature head


def test_snapshots_and_chains(hg_repos):
    def depths(repo):
        return {r["snapshotdepth"] for _rl, r in all_revs(repo) if r["snapshotdepth"] is not None}

    def chains(repo):
        return [r["chainlen"] for _rl, r in all_revs(repo)]

    assert max(depths(hg_repos["zlib"])) >= 2
    assert max(depths(hg_repos["maxchain4"])) >= 4
    assert depths(hg_repos["nogd"]) == {0}  # without sparse-revlog, only full snapshots
    for name in ("zlib", "zstd", "nogd", "v0"):
        assert max(chains(hg_repos[name])) >= 50, name
    assert max(chains(hg_repos["maxchain4"])) == 4
    # generaldelta chains skip revisions; non-generaldelta chains never do
    gd = hg_repos["zlib"].filelog("snap/churn.txt")
    assert any(r["deltaparent"] not in (NULLREV, r["rev"] - 1) for r in gd["revs"])
    for rl in hg_repos["nogd"].filelogs:
        assert all(r["deltaparent"] in (NULLREV, r["rev"] - 1) for r in rl["revs"])
        assert all(r["deltachain"][0] == list(range(r["chainbase"], r["rev"] + 1))
                   for r in rl["revs"] if r["length"])


def test_delta_info_flags(hg_repos):
    repo = hg_repos["deltainfo"]
    for rl in repo.revlogs[1:]:
        assert rl["format_flags"] & FLAG_DELTA_INFO
        assert rl["hasmeta_flag"] == (rl["kind"] == "filelog")
        for r in rl["revs"]:
            assert bool(r["flags"] & IS_SNAPSHOT) == r["issnapshot"], (rl["path"], r["rev"])
            if rl["kind"] == "filelog" and not r["flags"] & CENSORED:
                assert bool(r["flags"] & HASMETA) == r["rawdata"].startswith(b"\x01\n")
    flags = {r["flags"] for rl in repo.revlogs[1:] for r in rl["revs"]}
    assert len(flags) > 5 and any(f & HASMETA for f in flags)
    assert not any(r["flags"] & 0x7FC0 for _rl, r in all_revs(hg_repos["zlib"]))


def test_metadata_copies_and_empty_texts(hg_repos):
    repo = hg_repos["zlib"]
    copied = {rl["target"] for rl in repo.filelogs for r in rl["revs"] if r["renamed"]}
    for target in ("src/lib/util2.c", "docs/intro.txt", "empty-copy.txt", "meta/marker-copy.txt"):
        assert target.encode() in copied
    empty_copy = repo.filelog("empty-copy.txt")["revs"][0]
    assert empty_copy["read"] == b""
    assert empty_copy["rawdata"].startswith(b"\x01\ncopy: empty.txt\n")
    assert empty_copy["renamed"][0] == b"empty.txt"
    marker = repo.filelog("meta/marker.txt")["revs"][0]  # escaped by an empty metadata block
    assert marker["rawdata"].startswith(b"\x01\n\x01\n\x01\n")
    assert marker["read"].startswith(b"\x01\n")
    assert repo.filelog("empty.txt")["revs"][0]["rawsize"] == 0
    readme = repo.filelog("README")["revs"]
    assert any(r["rawsize"] == 0 and r["length"] == 0 for r in readme[1:])
    assert repo.manifest["revs"][repo.info["marks"]["emptied"]]["rawdata"] == b""


def test_store_path_encoding(hg_repos):
    paths = {rl["path"] for rl in hg_repos["zlib"].filelogs}
    for expected in (".hg/store/data/_r_e_a_d_m_e.i", ".hg/store/data/~2ehidden/~2edotfile.i",
                     ".hg/store/data/dir.i.hg/file.d.i", ".hg/store/data/au~78.txt.i",
                     ".hg/store/data/with space/file name.txt.i"):
        assert expected in paths
    assert any(p.startswith(".hg/store/dh/") for p in paths)


def test_lookup_answers(hg_repos):
    for repo in hg_repos.values():
        rl = repo.changelog
        for table in ("partialmatch", "rl_partialmatch"):
            answers = rl[table]
            if answers is None:
                assert repo.name == "v0" and table == "partialmatch"
                continue
            values = list(answers.values())
            assert "ambiguous" in values and None in values
            nodes = {r["node"] for r in rl["revs"]}
            assert sum(v in nodes for v in values if isinstance(v, bytes)) > 40
        if repo.name != "v0":
            assert all(1 <= r["shortest"] <= 40 for r in rl["revs"])
            assert raised(rl["partialmatch"][b""]) == "ValueError"


def test_copies_are_independent(hg_repos, hg_copy, tmp_path):
    repo = hg_repos["zlib"]
    for dest in (hg_copy("zlib"), hg_copy("zlib"), repo.copy(tmp_path / "copy")):
        with open(os.path.join(dest, repo.manifest["path"]), "r+b") as fp:
            fp.write(b"\xff")
    with open(repo.abspath(repo.manifest), "rb") as fp:
        assert fp.read(1) != b"\xff"


def test_hg_runs_on_the_fixtures(hg_repos):
    """hg_command() runs Mercurial 7.2.4 (from PyPy too) and agrees with the recording."""
    repo = hg_repos["zlib"]
    out = hgfixtures.run_hg("-R", repo.path, "log", "-r", "tip", "-T", "{rev} {node}")
    tip = repo.changelog["revs"][-1]
    assert out.decode() == "%d %s" % (tip["rev"], tip["node"].hex())
    version = hgfixtures.run_hg("--version", "-q").decode()
    assert hgfixtures.HG_VERSION in version
