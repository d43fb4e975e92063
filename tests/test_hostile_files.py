"""Hostile repository files: zstd frames that claim or produce more than
their revision needs, paths that are no regular file (FIFO, device,
directory, socket), malformed transaction journals and file index ids that
would name files outside the store.  Each was an audit finding (a huge
allocation, a hang, or a builtin exception escaping); each must now be a
revlog.errors exception with a clear message, found without blocking and
without allocating what a file merely claims."""
import contextlib
import hashlib
import json
import os
import socket
import struct
from typing import Optional

import pytest

import revlog
from revlog import compression, errors, fileio, store
from revlog import repo as repomod
from revlog.journal import Journal

import revlogbuild as rb
from guards import guarded, run_limited

NULL = b"\0" * 20
KINDS = {"fifo": "a FIFO", "device": "a character device", "directory": "a directory", "socket": "a socket"}


# ---- helpers -----------------------------------------------------------------

def backend_name(backend) -> str:
    return backend.__name__.rsplit("._", 1)[-1]


def write_chain(directory, chunks, raw_lens, name="t") -> str:
    """A v1 revlog (split, no generaldelta) whose revisions form one delta
    chain over the given chunks; its index path."""
    entries = []
    offset = 0
    for rev, (chunk, raw_len) in enumerate(zip(chunks, raw_lens)):
        node = hashlib.sha1(b"%d" % rev).digest()
        entries.append(rb.V1_ENTRY.pack(offset << 16, len(chunk), raw_len, 0, rev, rev - 1, -1, node))
        offset += len(chunk)
    entries[0] = struct.pack(">I", 1) + entries[0][4:]
    path = os.path.join(str(directory), name + ".i")
    with open(path, "wb") as f:
        f.write(b"".join(entries))
    with open(os.path.join(str(directory), name + ".d"), "wb") as f:
        f.write(b"".join(chunks))
    return path


def zstd_frame(blocks: bytes, declared=None) -> bytes:
    """A zstd frame around raw blocks: declared content size (8-byte field)
    or none, a 128 KiB window, no checksum."""
    if declared is None:
        return b"\x28\xb5\x2f\xfd\x00\x38" + blocks
    return b"\x28\xb5\x2f\xfd\xc0\x38" + struct.pack("<Q", declared) + blocks


def rle_block(size: int, last: bool) -> bytes:
    """A zstd RLE block: `size` copies of one byte, from 4 bytes."""
    return struct.pack("<I", int(last) | 1 << 1 | size << 3)[:3] + b"z"


def raw_block(data: bytes, last: bool) -> bytes:
    return struct.pack("<I", int(last) | len(data) << 3)[:3] + data


@contextlib.contextmanager
def special_file(path: str, kind: str):
    """path made a FIFO, a symlink to /dev/zero, a directory or a socket."""
    sock = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.symlink("/dev/zero", path)
    elif kind == "directory":
        os.mkdir(path)
    else:  # a socket's path is limited to ~100 bytes: bind it from its directory
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        here = os.getcwd()
        os.chdir(os.path.dirname(path))
        try:
            sock.bind(os.path.basename(path))
        finally:
            os.chdir(here)
    try:
        yield
    finally:
        if sock is not None:
            sock.close()


def refusal(path: str, kind: str = "fifo") -> str:
    return "%s is not a regular file (%s)" % (path, KINDS[kind])


def small_revlog(directory, name="t") -> str:
    index, data, _ = rb.build(rb.sample_revs(count=3), version=1)
    path = os.path.join(str(directory), name + ".i")
    with open(path, "wb") as f:
        f.write(index)
    with open(os.path.join(str(directory), name + ".d"), "wb") as f:
        f.write(data)
    return path


def make_repo(root, requires: Optional[bytes]) -> str:
    """An empty repository (no .hg/requires when requires is None)."""
    os.makedirs(os.path.join(str(root), ".hg", "store"))
    if requires is not None:
        with open(os.path.join(str(root), ".hg", "requires"), "wb") as f:
            f.write(requires)
    return str(root)


# ---- findings 1 and 2: zstd frames, memory bounded by the revision -------------

# Read one revision under an address-space limit of the interpreter's size
# plus 256 MiB: a frame's claim (or the chain's sum) must not be allocated.
BOUNDED_READ = r"""
import sys
from revlog import errors
path, backend, rev = sys.argv[1], sys.argv[2], int(sys.argv[3])
rl = revlog.open(path, backend=backend, use_mmap=False)
try:
    text = rl.rawdata(rev)
except errors.RevlogError as exc:
    print("%s: %s" % (type(exc).__name__, exc))
else:
    print("read %d bytes" % len(text))
"""


def bounded_read(backend, path: str, rev: int) -> str:
    result = run_limited(BOUNDED_READ, [path, backend_name(backend), str(rev)], 256 << 20)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("declared", [3 << 30, 1 << 34])
def test_a_zstd_frame_claiming_gigabytes_is_not_allocated(backend, tmp_path, declared):
    """Finding 1: a frame declaring 3 or 16 GiB (the index allowing a 2 GiB
    text) was decompressed with max_output_size, which allocates the
    declared size first: 3 GiB, or MemoryError."""
    pytest.importorskip("zstandard")
    frame = zstd_frame(rle_block(1000, last=False), declared)  # then the input ends
    path = write_chain(tmp_path, [frame], [0x7FFFFFFF])
    assert bounded_read(backend, path, 0) == (
        "CorruptedData: t.i: revision 0: zstd chunk cannot be decompressed: the frame is truncated\n")


def test_a_zstd_frame_producing_less_than_it_claims_is_refused(backend, tmp_path):
    """Finding 1 as the audit found it: 18 bytes claiming 16 GiB, one raw byte."""
    pytest.importorskip("zstandard")
    frame = zstd_frame(raw_block(b"a", last=True), 1 << 34)
    path = write_chain(tmp_path, [frame], [0x7FFFFFFF])
    assert bounded_read(backend, path, 0) == (
        "CorruptedData: t.i: revision 0: zstd chunk cannot be decompressed: "
        "zstd decompressor error: Data corruption detected\n")


def test_zstd_chunks_of_a_chain_get_no_more_than_their_revisions_need(backend, tmp_path):
    """Finding 2: each chunk could inflate to 16 MiB whatever its revision:
    40 revisions of 10 bytes, each chunk 530 bytes of 16 MiB of zeros, made
    rawdata(39) hold 640 MiB."""
    zstandard = pytest.importorskip("zstandard")
    frame = zstandard.ZstdCompressor(level=19).compress(b"\0" * (16 << 20))
    path = write_chain(tmp_path, [frame] * 40, [10] * 40)
    assert bounded_read(backend, path, 39) == (
        "CorruptedData: t.i: revision 0: zstd chunk claims 16777216 bytes, "
        "more than its revision allows\n")


def test_a_zstd_frame_without_a_size_stops_at_its_revisions_bound(backend, tmp_path):
    """Finding 2 without a declared size: 64 MiB of RLE blocks in 2 KiB per
    chunk.  The bound is zlib's natural expansion of the chunk (above what 10-
    byte revisions need); decompression stops soon after passing it."""
    pytest.importorskip("zstandard")
    blocks = b"".join(rle_block(128 << 10, last=i == 511) for i in range(512))
    frame = zstd_frame(blocks)
    path = write_chain(tmp_path, [frame] * 40, [10] * 40)
    bound = compression.ZLIB_MAX_EXPANSION * len(frame)
    assert bounded_read(backend, path, 39) == (
        "CorruptedData: t.i: revision 0: zstd chunk decompresses past %d bytes, "
        "more than its revision allows\n" % bound)


def test_zstd_frames_beyond_the_cheap_path_read_back(backend, tmp_path):
    """What Mercurial's zstd writes and the fast path does not take: a text
    over 1 MB (streamed: no size in the frame) and a text that compresses
    more than zlib could (a size, but above 1032 times the chunk)."""
    zstandard = pytest.importorskip("zstandard")
    texts = [b"".join(b"line %d\n" % (i % 5000) for i in range(300000)),  # ~2.3 MB
             b"\0" * 900000 + b"end",
             b"a small text that is compressed the usual way " * 3]
    fmt = revlog.Format(version=1, inline=False, generaldelta=True, sparse=True, delta_info=False,
                        compression="zstd")
    path = str(tmp_path / "z.i")
    rl = revlog.create(path, fmt, backend=backend, fsync=False, max_chain_len=1)
    parent = NULL
    with rl.transaction():
        for link, text in enumerate(texts):
            parent = rl.add_revision(text, parent, NULL, link)
    for use_mmap in (True, False):
        reread = revlog.open(path, backend=backend, use_mmap=use_mmap)
        chunks = [reread.raw_chunk(rev) for rev in range(3)]
        assert zstandard.frame_content_size(chunks[0]) == -1
        assert zstandard.frame_content_size(chunks[1]) > compression.ZLIB_MAX_EXPANSION * len(chunks[1])
        assert [reread.revision(rev) for rev in range(3)] == texts


def test_the_chain_limit_is_computed_once_per_read(backend, tmp_path):
    """_chunks asked the revlog for its chain's bound once per chunk (a max
    over the chain each time): quadratic on long chains of such frames."""
    zstandard = pytest.importorskip("zstandard")
    compress = zstandard.ZstdCompressor().compress
    texts = [b"\0" * 600000 + b"%d" % i for i in range(4)]
    chunks = [compress(texts[0])] + [compress(rb.replace_all(a, b)) for a, b in zip(texts, texts[1:])]
    assert all(zstandard.frame_content_size(c) > compression.ZLIB_MAX_EXPANSION * len(c) for c in chunks)
    entries = []
    offset = 0
    nodes = [NULL]
    for rev, (chunk, text) in enumerate(zip(chunks, texts)):
        nodes.append(rb.node_of(text, nodes[-1], NULL))
        entries.append(rb.V1_ENTRY.pack(offset << 16, len(chunk), len(text), 0, rev, rev - 1, -1, nodes[-1]))
        offset += len(chunk)
    entries[0] = struct.pack(">I", 1) + entries[0][4:]
    (tmp_path / "c.i").write_bytes(b"".join(entries))
    (tmp_path / "c.d").write_bytes(b"".join(chunks))
    rl = revlog.open(str(tmp_path / "c.i"), backend=backend)
    calls = []
    chain_limit = rl._chain_limit
    rl._chain_limit = lambda revs: calls.append(list(revs)) or chain_limit(revs)
    assert rl.revision(3) == texts[3]
    assert calls == [[0, 1, 2, 3]]


def streamed_zeros_frame(zstandard, text: bytes) -> bytes:
    """text as hg's zstd writes a text over 1 MB: streamed, no size in the frame."""
    stream = zstandard.ZstdCompressor().compressobj()
    return stream.compress(text) + stream.flush()


@pytest.mark.parametrize("use_mmap", [True, False])
def test_zstd_frames_of_revisions_of_unknown_size_read_back(backend, tmp_path, use_mmap):
    """A chain with a revision of unknown size (v0 revlogs, whose raw size
    is not stored; a v1 raw length of -1) was bounded by its 12-byte hunk
    headers only: a 3 MB text that zstd compresses 25000 times was refused
    ("decompresses past 119712 bytes").  Such chains get what any frame got
    before chains were bounded: 16 MiB."""
    zstandard = pytest.importorskip("zstandard")
    text = b"\0" * 3000000 + b"x"
    fmt = revlog.Format(version=0, inline=False, generaldelta=False, sparse=False, delta_info=False,
                        compression="zstd")
    path = str(tmp_path / "v0.i")
    revlog.create(path, fmt, backend=backend, fsync=False).add_revision(text, NULL, NULL, 0)
    reread = revlog.open(path, backend=backend, use_mmap=use_mmap)
    assert reread.index[0][2] == -1
    assert len(reread.raw_chunk(0)) * compression.ZLIB_MAX_EXPANSION < len(text)
    assert reread.revision(0) == text
    for declared in (True, False):
        frame = zstandard.ZstdCompressor().compress(text) if declared else streamed_zeros_frame(zstandard, text)
        v1 = write_chain(tmp_path, [frame], [-1], name="v1-%s" % declared)
        assert revlog.open(v1, backend=backend, use_mmap=use_mmap).rawdata(0) == text


def test_zstd_frames_of_unknown_size_stay_bounded(backend, tmp_path):
    """Unknown sizes allow 16 MiB a chunk, no more: 64 MiB of RLE blocks in
    2 KiB stop soon after 16 MiB."""
    pytest.importorskip("zstandard")
    blocks = b"".join(rle_block(128 << 10, last=i == 511) for i in range(512))
    path = write_chain(tmp_path, [zstd_frame(blocks)] * 2, [-1, 10])
    assert bounded_read(backend, path, 1) == (
        "CorruptedData: t.i: revision 0: zstd chunk decompresses past %d bytes, "
        "more than its revision allows\n" % (16 << 20))


def test_zstd_reads_only_the_first_frame_of_a_chunk():
    """Data after a chunk's frame is ignored, as decompress() ignores it;
    read_across_frames is passed so that no zstandard default can change it."""
    zstandard = pytest.importorskip("zstandard")
    text = b"\0" * 300000
    frame = streamed_zeros_frame(zstandard, text)
    asked = []

    class Recording:
        def __init__(self):
            self._real = zstandard.ZstdDecompressor()

        def decompressobj(self, **options):
            asked.append(options.get("read_across_frames"))
            return self._real.decompressobj(**options)
    decompressor = compression.Decompressor()
    decompressor._zstd = Recording()
    assert decompressor.decompress(frame + frame, lambda: 13 * len(text)) == text
    assert asked == [False]


# ---- finding 3: files that are not regular files --------------------------------

@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_index_that_is_no_regular_file_is_refused(backend, tmp_path, kind):
    """A FIFO index blocked open() forever; a symlink to /dev/zero was read
    until MemoryError."""
    path = str(tmp_path / "t.i")
    with special_file(path, kind), guarded():
        with pytest.raises(errors.CorruptedIndex) as caught:
            revlog.open(path, backend=backend)
    assert str(caught.value) == refusal(path, kind)


@pytest.mark.parametrize("use_mmap", [True, False])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_data_file_that_is_no_regular_file_is_refused(backend, tmp_path, kind, use_mmap):
    path = small_revlog(tmp_path)
    data_path = str(tmp_path / "t.d")
    os.unlink(data_path)
    with special_file(data_path, kind), guarded():
        with pytest.raises(errors.CorruptedData) as caught:
            revlog.open(path, backend=backend, use_mmap=use_mmap).rawdata(2)
    assert str(caught.value) == refusal(data_path, kind)


def test_symlinks_to_regular_files_and_missing_files_read_as_before(backend, tmp_path):
    (tmp_path / "real").mkdir()
    path = small_revlog(tmp_path / "real")
    expected = [revlog.open(path, backend=backend).rawdata(rev) for rev in range(3)]
    os.symlink(path, str(tmp_path / "l.i"))
    os.symlink(path[:-2] + ".d", str(tmp_path / "l.d"))
    for use_mmap in (True, False):
        linked = revlog.open(str(tmp_path / "l.i"), backend=backend, use_mmap=use_mmap)
        assert [linked.rawdata(rev) for rev in range(3)] == expected
    assert len(revlog.open(str(tmp_path / "missing.i"), backend=backend)) == 0
    os.unlink(path[:-2] + ".d")
    for use_mmap in (True, False):
        with pytest.raises(errors.CorruptedData) as caught:
            revlog.open(path, backend=backend, use_mmap=use_mmap)
        assert str(caught.value) == "t.i: data file %s is missing" % (path[:-2] + ".d")


def test_a_fifo_journal_is_refused_and_a_fifo_lock_does_not_block(backend, tmp_path):
    path = small_revlog(tmp_path)
    os.mkfifo(path + ".lock")
    with guarded():
        rl = revlog.open(path, backend=backend)  # asks whether a writer holds the lock
        assert len(rl) == 3
    os.unlink(path + ".lock")
    os.mkfifo(path + ".journal")
    with guarded():
        with pytest.raises(errors.RevlogError) as caught:
            rl.transaction()
    assert str(caught.value) == refusal(path + ".journal") + (
        "; the revlog may hold an unfinished transaction: check it, then remove the journal")


def fileindex_docket(list_id: bytes, meta_id: bytes = store.FILEINDEX_UNSET_ID) -> bytes:
    return store.FILEINDEX_DOCKET.pack(store.FILEINDEX_MARKER, 4, 8, 0, list_id, meta_id,
                                       store.FILEINDEX_UNSET_ID, 0, 0, 0)


FILEINDEX = b"revlogv1\nstore\nfileindex-v1\n"
REPO_FILES = {
    # name: (requires, the file made a FIFO, what reads it once opened, exception)
    "requires": (None, ".hg/requires", None, repomod.RepositoryError),
    "store-requires": (b"share-safe\n", ".hg/store/requires", None, repomod.RepositoryError),
    "sharedpath": (b"shared\n", ".hg/sharedpath", None, repomod.RepositoryError),
    "fncache": (b"revlogv1\nstore\nfncache\n", ".hg/store/fncache", repomod.Repository.tracked_files,
                errors.CorruptedIndex),
    "fileindex": (FILEINDEX, ".hg/store/fileindex", repomod.Repository.tracked_files, errors.CorruptedIndex),
    "fileindex-list": (FILEINDEX, ".hg/store/fileindex-list.0123abcd", repomod.Repository.tracked_files,
                       errors.CorruptedIndex),
    "v2-docket": (b"revlogv1\nstore\nfncache\nexp-revlogv2.2\n", ".hg/store/00changelog.i",
                  lambda repo: repo.changelog, errors.CorruptedIndex),
}


@pytest.mark.parametrize("name", sorted(REPO_FILES))
def test_repository_files_that_are_fifos_are_refused(tmp_path, name):
    requires, fifo, read, error = REPO_FILES[name]
    root = make_repo(tmp_path / "repo", requires)
    if name == "fileindex-list":
        (tmp_path / "repo" / ".hg" / "store" / "fileindex").write_bytes(fileindex_docket(b"0123abcd"))
    os.mkfifo(os.path.join(root, fifo))
    with guarded():
        with pytest.raises(error) as caught:
            repo = repomod.open(root)
            if read is not None:
                read(repo)
    assert str(caught.value) == refusal(os.path.join(os.path.abspath(root), fifo))


def test_a_v2_index_file_that_is_a_fifo_is_refused(backend, hg_copy):
    root = hg_copy("revlogv2")
    store_dir = os.path.join(root, ".hg", "store")
    (idx,) = [name for name in os.listdir(store_dir)
              if name.startswith("00changelog-") and name.endswith(".idx")]
    os.unlink(os.path.join(store_dir, idx))
    os.mkfifo(os.path.join(store_dir, idx))
    with guarded():
        with pytest.raises(errors.CorruptedIndex) as caught:
            repomod.open(root, backend=backend).changelog
    assert str(caught.value) == refusal(os.path.join(store_dir, idx))


# ---- finding 8: malformed journals ------------------------------------------------

def journal_record(**fields) -> bytes:
    record = {"version": 1, "sizes": {"t.i": 10}, "backups": {}, "temps": []}
    record.update(fields)
    return json.dumps(record).encode("ascii")


BAD_JOURNALS = [
    (b'{"version": 1, "sizes": {"t.i": 1e400}, "backups": {}, "temps": []}', "size of 't.i' is inf"),
    (journal_record(sizes={"t.i": 1.5}), "size of 't.i' is 1.5"),
    (journal_record(sizes={"t.i": True}), "size of 't.i' is True"),
    (journal_record(sizes={"t.i": "12"}), "size of 't.i' is '12'"),
    (journal_record(sizes={"t.i": -2}), "size of 't.i' is -2"),
    (journal_record(sizes={"t.i": 1 << 63}), "size of 't.i' is 9223372036854775808"),
    (b"[" * 100000, "JSON nested too deeply"),
    (b'{"version": 1, "sizes": {"t.i": ' + b'{"a": ' * 100000, "JSON nested too deeply"),
    (b"[]", "not a JSON object"),
    (journal_record(version=True), "version True"),
    (journal_record(version=1.0), "version 1.0"),
    (journal_record(sizes=[]), "'sizes' is list, not dict"),
    (journal_record(temps={}), "'temps' is dict, not list"),
    (journal_record(backups={"t.i": 3}), "backup of 't.i' is 3"),
    (journal_record(temps=[None]), "temporary file None"),
    (b'{"version": 1, "sizes": {}, "backups": {}}', "no 'temps'"),
]


@pytest.mark.parametrize("payload,problem", BAD_JOURNALS, ids=range(len(BAD_JOURNALS)))
def test_a_malformed_journal_is_refused_and_nothing_is_rolled_back(backend, tmp_path, payload, problem):
    """inf and deep nesting escaped as OverflowError and RecursionError; a
    float, a bool or a string were taken as sizes (1.5: rollback truncated
    the index to 1 byte)."""
    path = small_revlog(tmp_path)
    files = {name: (tmp_path / name).read_bytes() for name in ("t.i", "t.d")}
    (tmp_path / "t.i.journal").write_bytes(payload)
    rl = revlog.open(path, backend=backend)
    expected = ("%s.journal: unreadable transaction journal (%s); the revlog may hold an unfinished "
                "transaction: check it, then remove the journal" % (path, problem))
    for start in (rl.transaction, lambda: rl.add_revision(b"new text", rl.node(2), NULL, 3)):
        with pytest.raises(errors.RevlogError) as caught:
            start()
        assert type(caught.value) is errors.RevlogError and str(caught.value) == expected
    assert {name: (tmp_path / name).read_bytes() for name in ("t.i", "t.d")} == files
    assert not os.path.exists(path + ".lock")


def test_a_journal_reads_back_what_it_wrote(tmp_path):
    path = str(tmp_path / "t.i.journal")
    files = [str(tmp_path / name) for name in ("t.i", "t.d", "t.i.a", "t.i.backup")]
    journal = Journal(path, fsync=False)
    journal.sizes = {files[0]: 1234, files[1]: -1}
    journal.backups = {files[0]: files[3]}
    journal.temps = [files[2]]
    journal.write()
    again = Journal.read(path, files, fsync=False)
    assert (again.sizes, again.backups, again.temps) == ({files[0]: 1234, files[1]: -1},
                                                          {files[0]: files[3]}, [files[2]])


# ---- finding 9: file index ids ----------------------------------------------------

@pytest.mark.parametrize("field", ["list", "meta"])
@pytest.mark.parametrize("bad_id", [b"ab\0cdefg", b"/../../x", b"../../xx", b"a/b/c/de", b"abc.defg",
                                    b" " * 8])
def test_file_index_ids_must_be_letters_and_digits(tmp_path, bad_id, field):
    """An id with a NUL escaped as ValueError; one with slashes named a file
    outside the store."""
    root = make_repo(tmp_path / "repo", FILEINDEX)
    ids = {"list": store.FILEINDEX_UNSET_ID, "meta": store.FILEINDEX_UNSET_ID, field: bad_id}
    docket = fileindex_docket(ids["list"], ids["meta"])
    (tmp_path / "repo" / ".hg" / "store" / "fileindex").write_bytes(docket)
    with pytest.raises(errors.CorruptedIndex) as caught:
        repomod.open(root).tracked_files()
    assert str(caught.value) == "the file index names a file by an invalid id %r" % bad_id


# ---- small files that claim to be huge (sparse files cost no disk) -----------------

HUGE = 64 << 30
LARGE_FILES = {
    # name: (requires, the file made huge, its first bytes, what reads it once opened, its cap)
    "requires": (None, ".hg/requires", b"", None, "METADATA_MAX_SIZE"),
    "store-requires": (b"share-safe\n", ".hg/store/requires", b"", None, "METADATA_MAX_SIZE"),
    "sharedpath": (b"shared\n", ".hg/sharedpath", b"", None, "METADATA_MAX_SIZE"),
    "fileindex": (FILEINDEX, ".hg/store/fileindex", b"", repomod.Repository.tracked_files, "METADATA_MAX_SIZE"),
    "v2-docket": (b"revlogv1\nstore\nfncache\nexp-revlogv2.2\n", ".hg/store/00changelog.i", b"\0\0\xde\xad",
                  lambda repo: repo.changelog, "METADATA_MAX_SIZE"),
    "fncache": (b"revlogv1\nstore\nfncache\n", ".hg/store/fncache", b"", repomod.Repository.tracked_files,
                "PATH_LIST_MAX_SIZE"),
}


@pytest.mark.parametrize("name", sorted(LARGE_FILES))
def test_small_repository_files_claiming_gigabytes_are_refused(tmp_path, name):
    """A sparse 64 GiB .hg/requires was read whole: MemoryError (builtins)."""
    requires, huge, head, read, cap = LARGE_FILES[name]
    root = make_repo(tmp_path / "repo", requires)
    path = os.path.join(os.path.abspath(root), huge)
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(HUGE)
    with guarded():
        with pytest.raises(errors.RevlogError) as caught:
            repo = repomod.open(root)
            if read is not None:
                read(repo)
    assert str(caught.value) == "%s has %d bytes, more than the %d such a file may have" % (
        path, HUGE, getattr(fileio, cap))


def test_a_file_index_part_claiming_gigabytes_is_refused(tmp_path):
    root = make_repo(tmp_path / "repo", FILEINDEX)
    docket = bytearray(fileindex_docket(b"0123abcd"))
    struct.pack_into(">I", docket, len(store.FILEINDEX_MARKER), 3 << 30)  # the list's size
    (tmp_path / "repo" / ".hg" / "store" / "fileindex").write_bytes(bytes(docket))
    path = str(tmp_path / "repo" / ".hg" / "store" / "fileindex-list.0123abcd")
    with open(path, "wb") as f:
        f.truncate(3 << 30)
    with guarded():
        with pytest.raises(errors.CorruptedIndex) as caught:
            repomod.open(root).tracked_files()
    assert str(caught.value) == "the file index says %s has %d bytes, more than the %d such a file may have" % (
        path, 3 << 30, fileio.PATH_LIST_MAX_SIZE)


def test_a_journal_claiming_gigabytes_is_refused(backend, tmp_path):
    path = small_revlog(tmp_path)
    with open(path + ".journal", "wb") as f:
        f.truncate(HUGE)
    rl = revlog.open(path, backend=backend)
    with guarded():
        with pytest.raises(errors.RevlogError) as caught:
            rl.transaction()
    assert str(caught.value) == (
        "%s.journal has %d bytes, more than the %d such a file may have; the revlog may hold an unfinished "
        "transaction: check it, then remove the journal" % (path, HUGE, fileio.JOURNAL_MAX_SIZE))


@pytest.mark.parametrize("use_mmap", [True, False])
def test_a_v2_index_file_is_read_up_to_where_its_docket_says(backend, hg_copy, use_mmap):
    """The whole file was read (use_mmap=False, or a small docket end)."""
    store_dir = os.path.join(hg_copy("revlogv2"), ".hg", "store")
    changelog = os.path.join(store_dir, "00changelog.i")
    expected = [revlog.open(changelog, backend=backend).revision(rev) for rev in range(2)]
    (idx,) = [name for name in os.listdir(store_dir)
              if name.startswith("00changelog-") and name.endswith(".idx")]
    with open(os.path.join(store_dir, idx), "r+b") as f:
        f.truncate(HUGE)
    with guarded():
        reread = revlog.open(changelog, backend=backend, use_mmap=use_mmap)
        assert [reread.revision(rev) for rev in range(2)] == expected


# ---- fileio ---------------------------------------------------------------------

def test_open_regular_checks_the_type_before_opening(tmp_path, monkeypatch):
    """Opening a device may do something (rewind a tape, say): never open one."""
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args: opened.append(path) or real_open(path, *args))
    with pytest.raises(errors.CorruptedData) as caught:
        fileio.open_regular("/dev/null", errors.CorruptedData)
    assert str(caught.value) == "/dev/null is not a regular file (a character device)" and opened == []
    regular = str(tmp_path / "regular")
    (tmp_path / "regular").write_bytes(b"content")
    with fileio.open_regular(regular, errors.CorruptedData) as f:
        assert os.get_blocking(f.fileno())  # O_NONBLOCK only while opening
        assert f.read() == b"content"
    assert opened == [regular]


def test_open_regular_checks_the_type_again_once_open(tmp_path, monkeypatch):
    """A file replaced by a FIFO between the check and the open."""
    regular, fifo = str(tmp_path / "regular"), str(tmp_path / "fifo")
    (tmp_path / "regular").write_bytes(b"")
    os.mkfifo(fifo)
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args: real_open(fifo if path == regular else path, *args))
    with guarded():
        with pytest.raises(errors.CorruptedData) as caught:
            fileio.open_regular(regular, errors.CorruptedData)
    assert str(caught.value) == refusal(regular)


def test_pread_bounded_reads_on_after_short_reads(tmp_path, monkeypatch):
    """Linux reads at most 0x7ffff000 bytes at once: a longer slice came
    back short (then "runs past the end of the data")."""
    content = bytes(range(256)) * 40
    (tmp_path / "f").write_bytes(content)
    real_pread = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, length, offset: real_pread(fd, min(length, 1000), offset))
    with open(str(tmp_path / "f"), "rb") as f:
        assert fileio.pread_bounded(f.fileno(), 5, 1 << 40) == content[5:]
        assert fileio.pread_bounded(f.fileno(), 7, 2500) == content[7:2507]
        assert fileio.pread_bounded(f.fileno(), len(content), 10) == b""
