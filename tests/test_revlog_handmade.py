"""Revlog reading on hand-built files: v0 (which Mercurial 7.2.4 no longer
writes, so it is built here and read by both Mercurial and us), and exact
corruptions of small known revlogs."""
import os
import struct

import pytest

import revlog
from revlog import constants as C
from revlog import errors

import hgoracle
import revlogbuild as rb

LAYOUTS = {
    "v0": dict(version=0),
    "v1-split": dict(version=1),
    "v1-inline": dict(version=1, inline=True),
    "v1-uncompressed": dict(version=1, compress=False),
}


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request):
    return request.param


def written(tmp_path, layout, revs=None):
    revs = revs if revs is not None else rb.sample_revs()
    path, nodes = rb.write(str(tmp_path), "sample", revs, **LAYOUTS[layout])
    return path, nodes, revs


def test_reads_every_revision(backend, tmp_path, layout):
    path, nodes, revs = written(tmp_path, layout)
    for use_mmap in (True, False):
        rl = revlog.open(path, backend=backend, use_mmap=use_mmap)
        assert len(rl) == len(revs)
        assert rl.format.version == LAYOUTS[layout]["version"]
        assert rl.format.inline == LAYOUTS[layout].get("inline", False)
        # in order (the cache helps), then backwards (it does not)
        assert [rl.revision(r) for r in range(len(rl))] == [r.text for r in revs]
        assert [rl.revision(n) for n in reversed(nodes)] == [r.text for r in reversed(revs)]
        for rev, (r, node) in enumerate(zip(revs, nodes)):
            assert rl.node(rev) == node
            assert rl.rev(node) == rev
            assert rl.parentrevs(rev) == (r.p1, r.p2)
            assert rl.rawdata(rev, validate=True) == r.text
            assert rl.rawsize(rev) == len(r.text)
            assert rl.linkrev(rev) == rev


def test_mercurial_reads_the_same(backend, tmp_path, layout):
    hg = hgoracle.mercurial()
    path, _, _ = written(tmp_path, layout)
    rl = revlog.open(path, backend=backend)
    assert rb.read_with_mercurial(hg, path) == [rl.revision(r) for r in range(len(rl))]


def test_v0_parents_become_revisions(backend, tmp_path):
    path, nodes, revs = written(tmp_path, "v0")
    rl = revlog.open(path, backend=backend)
    assert rl.parents(nodes[8]) == (nodes[7], nodes[4])
    assert rl.index[8][C.ENTRY_P1:C.ENTRY_P2 + 1] == (7, 4)


def test_empty_and_missing_revlogs(backend, tmp_path):
    empty = tmp_path / "empty.i"
    empty.write_bytes(b"")
    for path in (str(empty), str(tmp_path / "missing.i")):
        rl = revlog.open(path, backend=backend)
        assert len(rl) == 0
        assert rl.revision(-1) == b""
        with pytest.raises(errors.RevisionNotFound):
            rl.revision(0)


# ---- corruption -------------------------------------------------------------

def corrupt(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_bad_version_and_flags(backend, tmp_path):
    path, _, _ = written(tmp_path, "v1-split")
    corrupt(path, 0, struct.pack(">I", 7))
    with pytest.raises(errors.CorruptedIndex, match="sample.i: unknown revlog version 7"):
        revlog.open(path, backend=backend)
    corrupt(path, 0, struct.pack(">I", 1 | 1 << 24))
    with pytest.raises(errors.CorruptedIndex, match="unknown flags 0x0100 in revlog version 1"):
        revlog.open(path, backend=backend)


def test_truncated_index(backend, tmp_path, layout):
    path, _, _ = written(tmp_path, layout)
    size = os.path.getsize(path)
    os.truncate(path, size - 7)
    with pytest.raises(errors.CorruptedIndex, match="^sample.i: "):
        revlog.open(path, backend=backend)


def test_truncated_data(backend, tmp_path):
    path, _, revs = written(tmp_path, "v1-split")
    data_path = path[:-2] + ".d"
    os.truncate(data_path, os.path.getsize(data_path) - 3)
    rl = revlog.open(path, backend=backend)
    with pytest.raises(errors.CorruptedData, match="revision 11: chunk at byte .* runs past the end"):
        rl.revision(len(revs) - 1)


def test_flipped_data_byte_fails_the_hash(backend, tmp_path):
    revs = [rb.Rev(b"hello world\n" * 3)]
    path, _ = rb.write(str(tmp_path), "one", revs, version=1, compress=False)
    corrupt(path[:-2] + ".d", 5, b"X")
    rl = revlog.open(path, backend=backend)
    assert rl.rawdata(0) != revs[0].text
    with pytest.raises(errors.CorruptedData, match="one.i: revision 0: integrity check failed"):
        rl.revision(0)


def test_broken_zlib_stream(backend, tmp_path):
    revs = [rb.Rev(b"compress me please " * 40)]
    path, _ = rb.write(str(tmp_path), "z", revs, version=1)
    data = open(path[:-2] + ".d", "rb").read()
    assert data[:1] == b"x"
    corrupt(path[:-2] + ".d", len(data) // 2, b"\xff\xff\xff")
    with pytest.raises(errors.CorruptedData, match="z.i: revision 0: zlib chunk cannot be decompressed"):
        revlog.open(path, backend=backend).revision(0)


def test_unknown_compression_header(backend, tmp_path):
    path, _ = rb.write(str(tmp_path), "u", [rb.Rev(b"abc")], version=1, compress=False)
    corrupt(path[:-2] + ".d", 0, b"Q")
    with pytest.raises(errors.UnknownCompression, match=r"u.i: revision 0: unknown compression type b'Q'"):
        revlog.open(path, backend=backend).revision(0)


def test_censored_and_unknown_flags(backend, tmp_path):
    revs = [rb.Rev(b"a\n"), rb.Rev(b"b\n", 0, flags=C.REVIDX_ISCENSORED), rb.Rev(b"c\n", 1, flags=1)]
    path, _ = rb.write(str(tmp_path), "f", revs, version=1)
    rl = revlog.open(path, backend=backend)
    assert rl.revision(0) == b"a\n"
    with pytest.raises(errors.CensoredRevision, match="f.i: revision 1 is censored"):
        rl.revision(1)
    with pytest.raises(errors.CensoredRevision, match="f.i: revision 1 is censored"):
        rl.rawdata(1)
    with pytest.raises(errors.RevlogError, match="revision 2 has unknown flags 0x1"):
        rl.revision(2)


def entry_field_offset(rev, field_offset):
    return rev * C.INDEX_ENTRY_V1.size + field_offset


BAD_FIELDS = [
    # (entry, field offset, value, [(Revlog method, argument, message pattern)])
    (4, 16, 9, [("revision", 4, "sample.i: delta base out of range: revision 4 has delta base 9"),
                ("chainlen", 4, "delta base out of range")]),
    (3, 24, 40, [("parentrevs", 3, "parent out of range: revision 3 has parent 40"),
                 ("revision", 3, "parent out of range")]),
    (2, 8, -5, [("revision", 2, "revision 2 has a negative compressed length -5")]),
]


@pytest.mark.parametrize("rev,field,value,calls", BAD_FIELDS, ids=["base", "parent", "length"])
def test_bad_entry_fields(backend, tmp_path, rev, field, value, calls):
    path, _, _ = written(tmp_path, "v1-split")
    corrupt(path, entry_field_offset(rev, field), struct.pack(">i", value))
    rl = revlog.open(path, backend=backend)
    for method, argument, pattern in calls:
        with pytest.raises(errors.CorruptedIndex, match=pattern):
            getattr(rl, method)(argument)


def test_zstd_bomb_is_refused(backend, tmp_path):
    zstandard = pytest.importorskip("zstandard")
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (64 << 20))
    assert bomb[:1] == b"(" and len(bomb) < 10000
    revs = [rb.Rev(b"tiny\n")]
    index, _, _ = rb.build(revs, version=1, compress=False)
    # the entry claims a 5-byte text stored in a chunk that inflates to 64 MiB
    entry = bytearray(index)
    struct.pack_into(">i", entry, 8, len(bomb))
    path = tmp_path / "bomb.i"
    path.write_bytes(bytes(entry))
    (tmp_path / "bomb.d").write_bytes(bomb)
    with pytest.raises(errors.CorruptedData, match="bomb.i: revision 0: zstd chunk claims 67108864 bytes"):
        revlog.open(str(path), backend=backend).revision(0)

