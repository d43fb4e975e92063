"""Store path encoding and the store's list of files equal Mercurial's.

The encoders are compared with Mercurial 7.2.4's own on generated paths
(its C pathencode where it is built, and its pure Python one); the stores of
real repositories in every layout are compared with what Mercurial recorded.
"""
import importlib
import os
import shutil
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import hgoracle
from hgcli import every_repo, extra_repos  # noqa: F401 (fixtures)
from revlog import errors, store
from revlog import repo as repomod

# bytes the encodings treat specially, and names Windows reserves
SPECIAL = b"AZaz_~.: \\*?\"<>|\x01\x1f\x7e\x7f\x80\xe9\xff09-"
RESERVED = [b"aux", b"con", b"prn", b"nul", b"com1", b"com9", b"lpt1", b"lpt9", b"com0", b"lpt",
            b"AUX", b"aux.txt", b"con.d", b"foo.", b"foo ", b".foo", b" foo", b"x.i", b"x.d", b"x.hg",
            b"x.i.hg", b"data", b"dh"]

component = st.one_of(
    st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b
                                              and b"\n" not in b and b"\r" not in b),
    st.lists(st.sampled_from([bytes([c]) for c in SPECIAL]), min_size=1, max_size=12).map(b"".join),
    st.sampled_from(RESERVED),
    st.integers(1, 130).map(lambda n: b"Ab_"[n % 3:n % 3 + 1] * n),
)
store_path = st.builds(
    lambda parts, suffix: b"data/" + b"/".join(parts) + suffix,
    st.lists(component, min_size=1, max_size=8), st.sampled_from([b".i", b".d", b""]))


@pytest.fixture(scope="module")
def hgstore():
    hgoracle.mercurial()
    return importlib.import_module("mercurial.store")


def _hg_encoders(hgstore):
    """Mercurial's encoders: (dotencode as hg uses it, pure dotencode, pure hybrid)."""
    return hgstore._pathencode, (lambda p: hgstore._hybridencode(p, True)), hgstore._plainhybridencode


EDGE_CASES = [
    b"data/" + b"a" * 200 + b".i",
    b"data/" + b"/".join([b"abcdefg."] * 12) + b"/x.i",
    b"data/" + b"/".join([b"abcdefg "] * 12) + b"/x.i",
    b"data/aux/con/prn/nul/com1/lpt9/" + b"z" * 100 + b".d",
    b"data/.hg/x.i/y.d/" + b"Q" * 70,
    b"data/" + b"~" * 50 + b"/" + b"\xff" * 20,
    b"data/" + b"x" * 110 + b"/.i",
]


@settings(max_examples=400)
@given(store_path)
def test_fncache_encoding_equals_mercurial(hgstore, path):
    dotencode, pure_dotencode, hybrid = _hg_encoders(hgstore)
    assert store.encode_fncache(path, True) == dotencode(path) == pure_dotencode(path)
    assert store.encode_fncache(path, False) == hybrid(path)


def test_fncache_encoding_edge_cases(hgstore):
    dotencode, pure_dotencode, hybrid = _hg_encoders(hgstore)
    for path in EDGE_CASES:
        assert store.encode_fncache(path, True) == dotencode(path) == pure_dotencode(path), path
        assert store.encode_fncache(path, False) == hybrid(path), path


@given(store_path)
@example(b"data/x.i/y.d/z.hg/w")
@example(b"data/x.i.hg/y.hg.hg/z")
def test_reversible_encoding_equals_mercurial(hgstore, path):
    encoded = store.encode_filename(path)
    assert encoded == hgstore.encodefilename(path)
    assert store.encode_dir(path) == hgstore.encodedir(path)
    assert store.decode_filename(encoded) == path == hgstore.decodefilename(encoded)
    assert store.decode_dir(store.encode_dir(path)) == path == hgstore.decodedir(hgstore.encodedir(path))


@pytest.mark.parametrize("bad", [b"_A", b"~zz", b"~4", b"A", b"_"])
def test_undecodable_names_raise(bad):
    with pytest.raises(errors.CorruptedIndex, match="undecodable"):
        store.decode_filename(b"data/" + bad)


def test_tracked_paths_must_stay_in_the_store():
    for bad in (b"", b"/etc/passwd", b"../x", b"a/../../b", b"a//b", b"./a", b"a\0b", b"a\nb"):
        assert store.check_tracked_path(bad) is not None, bad
    for good in (b"a", b".hgtags", b"a/b.i/c", b" x ", b"..x/y.."):
        assert store.check_tracked_path(good) is None, good


# ---- real stores ----------------------------------------------------------------


def test_every_layout_is_covered(every_repo):
    layouts = {repomod.open(repo.path).store.layout for repo in every_repo.values()}
    assert layouts == {"fncache+dotencode", "fncache", "encoded", "basic", "fileindex-v1"}


def test_tracked_files_equal_mercurials(every_repo, backend):
    for repo in every_repo.values():
        with repomod.open(repo.path, backend=backend) as opened:
            assert opened.tracked_files() == sorted(repo.tracked), repo.name


def test_filelog_paths_equal_mercurials(hg_repos, extra_repos):
    """Where every filelog's .i and .d are: as Mercurial's store vfs joins them."""
    for name, repo in extra_repos.items():
        opened = repomod.open(repo.path)
        for target in repo.tracked:
            for suffix in (b".i", b".d"):
                path = opened.store.path(b"data/" + target + suffix)
                relative = os.path.relpath(path, opened.store.root).replace(os.sep, "/")
                assert os.fsencode(relative) == repo.recorded["encoded"][target + suffix], (name, target)
    hashed = 0
    for name, repo in hg_repos.items():
        opened = repomod.open(repo.path)
        for rec in repo.filelogs:
            path = os.path.relpath(opened.store.path(b"data/" + rec["target"] + b".i"), repo.path)
            assert path.replace(os.sep, "/") == rec["path"], (name, rec["target"])
            if rec["data_path"] and not rec["docket_path"]:
                data = os.path.relpath(opened.store.path(b"data/" + rec["target"] + b".d"), repo.path)
                assert data.replace(os.sep, "/") == rec["data_path"]
            hashed += rec["path"].startswith(".hg/store/dh/")
    assert hashed, "no fixture filelog has a hashed path"


def test_fncache_problems_are_errors(tmp_path):
    path = tmp_path / "fncache"
    assert store.read_fncache(str(path)) == []
    path.write_bytes(b"data/a.i\ndata/b.i")
    with pytest.raises(errors.CorruptedIndex, match="newline"):
        store.read_fncache(str(path))
    path.write_bytes(b"data/a.i\n\ndata/b.i\n")
    with pytest.raises(errors.CorruptedIndex, match="line 2"):
        store.read_fncache(str(path))
    path.write_bytes(b"data/a.i.hg/b.i\ndata/c.d\n")
    assert store.read_fncache(str(path)) == [b"data/a.i/b.i", b"data/c.d"]


def test_fileindex_problems_are_errors(hg_copy):
    root = os.path.join(hg_copy("revlogv2"), ".hg", "store")
    assert len(store.read_fileindex(root)) > 100
    docket = os.path.join(root, "fileindex")
    data = open(docket, "rb").read()
    for bad, message in ((data[:10], "truncated"), (b"x" + data[1:], "marker")):
        with open(docket, "wb") as fp:
            fp.write(bad)
        with pytest.raises(errors.CorruptedIndex, match=message):
            store.read_fileindex(root)
    with open(docket, "wb") as fp:
        fp.write(data)
    listing = [name for name in os.listdir(root) if name.startswith("fileindex-list.")]
    for name in listing:
        with open(os.path.join(root, name), "r+b") as fp:
            fp.truncate(10)
    with pytest.raises(errors.CorruptedIndex, match="bytes"):
        store.read_fileindex(root)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_undecodable_store_names_are_errors(extra_repos, tmp_path):
    """A store without fncache is listed by walking it: a name no encoder makes is an error."""
    path = str(tmp_path / "copy")
    shutil.copytree(extra_repos["names-encoded"].path, path, symlinks=True)
    with open(os.path.join(path, ".hg", "store", "data", "BAD.i"), "wb"):
        pass
    with pytest.raises(errors.CorruptedIndex, match="undecodable"):
        repomod.open(path).tracked_files()
