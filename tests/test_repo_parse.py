"""Changeset, manifest and file-revision texts are parsed as Mercurial parses them.

Differential tests against Mercurial 7.2.4's own parsers on generated texts,
hand-made malformed texts, and the manifests of real repositories (the
entries a stored delta adds are exactly what changed).
"""
import importlib
import struct
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hgoracle
from revlog import errors
from revlog import repo as repomod
from revlog.changelog import parse_changeset, parse_extras
from revlog.filelog import copy_source, split_metadata
from revlog.manifest import Manifest, delta_text, new_entries, parse_manifest, read_manifest

NODE = b"\x12" * 20


@pytest.fixture(scope="module")
def hg():
    hgoracle.mercurial()
    return {name: importlib.import_module("mercurial." + name) for name in ("changelog", "manifest", "encoding")}


# ---- changesets -----------------------------------------------------------------

# Mercurial converts user names and descriptions to its local encoding: keep them UTF-8
line_text = st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")).filter(
    lambda b: b"\n" not in b and b"\r" not in b)
utf8_text = st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass"))
extra_key = st.binary(min_size=1, max_size=10).filter(lambda b: b":" not in b and b"\0" not in b
                                                      and b"\\" not in b)
extras = st.dictionaries(extra_key, st.binary(max_size=20), max_size=4)
files = st.lists(st.binary(min_size=1, max_size=20).filter(lambda b: b"\n" not in b and b"\0" not in b),
                 max_size=5)


def changeset_text(hg, manifest, user, date, extra, touched, description):
    """A changelog entry laid out as Mercurial writes one (its extras encoder)."""
    head = b"%d %d" % date
    if extra:
        head += b" " + hg["changelog"].encodeextra(extra)
    return b"\n".join([manifest.hex().encode(), user, head] + touched + [b"", description])


class _NullChangelog:
    nullid = b"\0" * 20


@given(st.binary(min_size=20, max_size=20), line_text, st.tuples(st.integers(0, 2 ** 32), st.integers(-50400, 50400)),
       extras, files, utf8_text)
def test_changesets_parse_as_mercurial(hg, manifest, user, date, extra, touched, description):
    text = changeset_text(hg, manifest, user, date, extra, touched, description)
    ours = parse_changeset(text, 3, NODE, (2, -1))
    theirs = hg["changelog"].changelogrevision(_NullChangelog(), text, b"", False)
    assert ours.manifest == theirs.manifest
    local = hg["encoding"].fromlocal
    assert ours.user == local(theirs.user)
    assert ours.date == theirs.date and isinstance(ours.date[0], int)
    assert ours.extras == theirs.extra
    assert list(ours.files) == theirs.files
    assert ours.description == local(theirs.description)
    assert (ours.rev, ours.node, ours.parents) == (3, NODE, (2, -1))


def test_extras_escapes():
    # a NUL followed by digits is still a NUL; an escaped backslash before 0 is not
    assert parse_extras(b"a:x\\012\0b:y\\\\0z\0c:\\\\\\0") == {
        b"branch": b"default", b"a": b"x\x0012", b"b": b"y\\0z", b"c": b"\\\x00"}
    assert parse_extras(b"branch:stable\0close:1")[b"branch"] == b"stable"
    assert parse_extras(b"k:v:w")[b"k"] == b"v:w"


def test_changeset_odd_fields():
    text = b"%s\nuser\n1500000000.5 nonsense\n\n" % NODE.hex().encode()
    parsed = parse_changeset(text)
    assert parsed.date == (1500000000.5, 0) and parsed.files == () and parsed.description == b""
    assert parse_changeset(b"").manifest == b"\0" * 20
    closed = parse_changeset(b"%s\nu\n0 0 branch:x\0close:1\na\nb\n\nmessage\n" % NODE.hex().encode())
    assert closed.branch == b"x" and closed.closes_branch and closed.files == (b"a", b"b")
    assert closed.description == b"message\n"


@pytest.mark.parametrize("text, reason", [
    (b"abc", "header lines"),
    (b"%s\nuser\n0 0\nfile\n" % NODE.hex().encode(), "blank line"),
    (b"nothex\nuser\n0 0\n\n", "manifest node"),
    (b"%s\nuser\nnow\n\n" % NODE.hex().encode(), "date"),
    (b"%s\nuser\nx 0\n\n" % NODE.hex().encode(), "malformed date"),
    (b"%s\nuser\n0 0 nocolon\n\n" % NODE.hex().encode(), "extra"),
    (b"%s\nuser\n0 0 k:\\x4\n\n" % NODE.hex().encode(), "malformed extra"),
])
def test_malformed_changesets(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_changeset(text)


def test_malformed_changeset_in_a_changelog_names_it(backend, tmp_path):
    """Through the repository API: a CorruptedData naming the changelog and revision."""
    from revlog.changelog import read_changeset

    class FakeChangelog:
        name = "00changelog.i"

        def revision(self, rev):
            return b"garbage"

        def node(self, rev):
            return NODE

        def parentrevs(self, rev):
            return (-1, -1)

    with pytest.raises(errors.CorruptedData, match="00changelog.i: revision 7: malformed changeset"):
        read_changeset(FakeChangelog(), 7)


# ---- manifests ------------------------------------------------------------------

paths = st.lists(st.binary(min_size=1, max_size=25).filter(lambda b: b"\n" not in b and b"\0" not in b),
                 max_size=40, unique=True).map(sorted)
entry = st.tuples(st.binary(min_size=20, max_size=20), st.sampled_from([b"", b"x", b"l"]))


def manifest_text(entries) -> bytes:
    return b"".join(b"%s\0%s%s\n" % (path, node.hex().encode(), flag) for path, (node, flag) in entries)


def _hg_manifests(hg, text):
    """Mercurial's parsers of manifest texts: its pure one, and its C one where built."""
    found = [hg["manifest"]._LazyManifest(20, text)]
    if sys.implementation.name == "cpython":
        found.append(importlib.import_module("mercurial.cext.parsers").lazymanifest(20, text))
    return [[(p, n, f) for p, n, f in lazy.iterentries()] for lazy in found]


@given(paths.flatmap(lambda ps: st.lists(entry, min_size=len(ps), max_size=len(ps)).map(
    lambda es: list(zip(ps, es)))))
def test_manifests_parse_as_mercurial(hg, entries):
    text = manifest_text(entries)
    expected = [(p, n, f) for p, (n, f) in entries]
    for theirs in _hg_manifests(hg, text):
        assert theirs == expected
    assert [(p, n, f) for p, (n, f) in parse_manifest(text).items()] == expected
    lazy = Manifest(text)
    for path, value in entries:   # single lookups, before any full parse
        assert lazy[path] == value and path in lazy
    assert b"missing\0" not in lazy and lazy.get(b"no such path") is None
    assert list(lazy) == [p for p, _ in entries] and len(lazy) == len(entries)


@pytest.mark.parametrize("text, reason", [
    (b"a\0" + b"0" * 40, "newline"),
    (b"b\0" + b"0" * 40 + b"\na\0" + b"0" * 40 + b"\n", "line 2 is out of order"),
    (b"a\0" + b"0" * 40 + b"\na\0" + b"1" * 40 + b"\n", "line 2 is out of order or repeats"),
    (b"a\0" + b"g" * 40 + b"\n", "line 1 has a malformed node"),
    (b"a\0" + b"0" * 40 + b"q\n", "line 1 is malformed"),
    (b"a" + b"0" * 40 + b"\n", "line 1 is malformed"),
    (b"\0" + b"0" * 40 + b"\n", "line 1 is malformed"),
    (b"a\0" + b"0" * 39 + b"\n", "line 1 is malformed"),
])
def test_malformed_manifests(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_manifest(text)
    with pytest.raises(errors.CorruptedData, match="somewhere: .*" + reason.split(" ")[0]):
        list(Manifest(text, "somewhere"))


def test_lazy_lookups_find_a_bad_line_only_when_reading_it():
    text = b"a\0" + b"0" * 40 + b"\nb\0" + b"z" * 40 + b"\n"
    lazy = Manifest(text, "mf")
    assert lazy[b"a"] == (b"\0" * 20, b"")
    with pytest.raises(errors.CorruptedData, match="mf: line 2 has a malformed node"):
        lazy[b"b"]


def _delta(*hunks) -> bytes:
    return b"".join(struct.pack(">lll", start, end, len(data)) + data for start, end, data in hunks)


def test_delta_text():
    assert delta_text(_delta((0, 5, b"ab"), (9, 9, b""), (10, 12, b"cde"))) == b"abcde"
    assert delta_text(b"") == b""
    for bad in (_delta((0, 1, b"abc"))[:-1], b"\0" * 11, struct.pack(">lll", 0, 0, -1)):
        with pytest.raises(ValueError):
            delta_text(bad)


def test_new_entries_are_what_changed(hg_repos, backend):
    """On real manifests: the entries a delta adds are exactly those that differ
    from its delta parent (plus, rarely, unchanged lines a hunk re-inserts)."""
    compared = 0
    for name in ("zlib", "nogd", "v0", "revlogv2"):
        with repomod.open(hg_repos[name].path, backend=backend) as repo:
            log = repo.manifest
            for rev in range(len(log)):
                mine = read_manifest(log, rev)
                base = log.deltaparent(rev)
                before = read_manifest(log, base) if base != -1 else {}
                added = new_entries(log, rev)
                assert all(mine[path] == value for path, value in added.items()), (name, rev)
                changed = {path for path in mine if before.get(path) != mine[path]}
                assert changed <= set(added), (name, rev)
                compared += len(changed)
    assert compared > 1000


# ---- file revisions ---------------------------------------------------------------


def test_file_metadata():
    assert split_metadata(b"plain") == (None, b"plain")
    meta, text = split_metadata(b"\x01\ncopy: a/b\ncopyrev: %s\n\x01\ncontent" % NODE.hex().encode())
    assert text == b"content" and copy_source(meta) == (b"a/b", NODE)
    assert split_metadata(b"\x01\n\x01\n\x01\nmarker") == ({}, b"\x01\nmarker")
    assert copy_source({b"copy": b"a"}) is None and copy_source(None) is None
    with pytest.raises(ValueError, match="not closed"):
        split_metadata(b"\x01\ncopy: a\n")
    with pytest.raises(ValueError, match="malformed metadata line"):
        split_metadata(b"\x01\nno separator\n\x01\n")
    with pytest.raises(ValueError, match="copyrev"):
        copy_source({b"copy": b"a", b"copyrev": b"xyz"})
