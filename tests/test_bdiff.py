"""textdiff: its delta rebuilds the new text in whole lines, C == pure byte for byte,
sizes near Mercurial's."""
import concurrent.futures
import os
import pathlib
import random
import shutil
import struct
import subprocess
from typing import List, Tuple

import pytest
from hypothesis import given, strategies as st

from revlog import constants, errors, status
from revlog._pure import bdiff as pure_bdiff
from conftest import load_backend
from deltas import HEADER, apply_one
import hgoracle

CSRC = pathlib.Path(__file__).resolve().parent.parent / "csrc"


def hunks_of(delta: bytes) -> List[Tuple[int, int, bytes]]:
    """The (start, end, data) hunks of a well-formed delta."""
    out = []
    pos = 0
    while pos < len(delta):
        start, end, length = HEADER.unpack_from(delta, pos)
        out.append((start, end, delta[pos + 12:pos + 12 + length]))
        pos += 12 + length
    assert pos == len(delta)
    return out


def at_line_start(text: bytes, pos: int) -> bool:
    """Whether a line of text starts at pos (or pos is its end)."""
    return pos == 0 or pos == len(text) or text[pos - 1:pos] == b"\n"


def check_delta(backend, a: bytes, b: bytes) -> bytes:
    """textdiff(a, b) on one backend, checked: it rebuilds b with lean hunks
    of whole lines (Mercurial reads manifest deltas as lines)."""
    d = backend.textdiff(a, b)
    assert backend.patches(a, [d]) == b
    assert apply_one(a, d) == b
    last_end = -1
    grown = 0  # len(b) - len(a) so far: where a hunk's data lands in b
    for start, end, data in hunks_of(d):
        assert last_end < start <= end <= len(a)  # ascending, never touching
        assert start < end or data  # every hunk changes something
        assert at_line_start(a, start) and at_line_start(a, end)
        assert at_line_start(b, start + grown) and at_line_start(b, start + grown + len(data))
        grown += len(data) - (end - start)
        last_end = end
    return d


# ---- texts worth diffing ----------------------------------------------------

# Lines drawn from a small pool, so that lines repeat (blank lines, braces,
# CRLF endings, lines without a newline, a long line).
LINE_POOL = [b"\n", b"}\n", b"\r\n", b"a\n", b"b\n", b"abc\n", b"abd\n", b"x", b"\n\n",
             b"line\r\n", b"\x00\xff\n", b"y" * 300 + b"\n"]


@st.composite
def line_texts(draw):
    """A text made of lines from LINE_POOL and some unique lines."""
    parts = draw(st.lists(st.one_of(st.sampled_from(LINE_POOL),
                                    st.binary(max_size=12).map(lambda x: x + b"\n")), max_size=40))
    return b"".join(parts)


@st.composite
def edited(draw, texts):
    """(a, b): a text and a version of it with a few line or byte edits."""
    a = draw(texts)
    b = bytearray(a)
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(b)))
        if draw(st.booleans()):
            b[pos:pos] = draw(st.one_of(line_texts(), st.binary(max_size=8)))
        else:
            del b[pos:pos + draw(st.integers(0, 20))]
    return a, bytes(b)


text_pairs = st.one_of(
    st.tuples(st.binary(max_size=200), st.binary(max_size=200)),
    edited(st.binary(max_size=300)),
    edited(line_texts()),
    st.tuples(line_texts(), line_texts()),
    st.tuples(st.text("\n", max_size=50).map(str.encode), st.text("\n", max_size=50).map(str.encode)),
    st.tuples(st.text("\r\n", max_size=50).map(str.encode), st.text("\r\na", max_size=50).map(str.encode)),
    edited(st.binary(min_size=1, max_size=5000).map(lambda x: x.replace(b"\n", b"."))),
)


@given(text_pairs)
def test_delta_rebuilds_the_new_text(backend, pair):
    a, b = pair
    d = check_delta(backend, a, b)
    assert (d == b"") == (a == b)


@given(text_pairs)
def test_c_and_pure_agree_byte_for_byte(backends, pair):
    a, b = pair
    results = {be.NAME: be.textdiff(a, b) for be in backends}
    assert len(set(results.values())) == 1, results


# ---- edge cases -------------------------------------------------------------

def test_equal_texts_give_an_empty_delta(backend):
    assert backend.textdiff(b"", b"") == b""
    assert backend.textdiff(b"same\ntext\n", b"same\ntext\n") == b""
    assert backend.textdiff(b"x" * 100000, b"x" * 100000) == b""


def test_empty_old_text_is_one_insertion(backend):
    assert backend.textdiff(b"", b"new\ntext") == HEADER.pack(0, 0, 8) + b"new\ntext"


def test_empty_new_text_is_one_deletion(backend):
    assert backend.textdiff(b"old\ntext\n", b"") == HEADER.pack(0, 9, 0)


def test_accepts_any_buffer(backend):
    a, b = b"one\ntwo\nthree\n", b"one\n2\nthree\n"
    expected = backend.textdiff(a, b)
    assert expected == HEADER.pack(4, 8, 2) + b"2\n"
    assert backend.textdiff(bytearray(a), memoryview(b)) == expected
    assert backend.textdiff(memoryview(a), bytearray(b)) == expected


def test_refuses_what_is_not_a_buffer(backend):
    for text in (5, "text", None):
        with pytest.raises(TypeError):
            backend.textdiff(text, b"x")
        with pytest.raises(TypeError):
            backend.textdiff(b"x", text)


def test_one_changed_line_is_one_hunk_of_that_line(backend):
    a = b"".join(b"file%05d\0%040x\n" % (i, i * 7919) for i in range(5000))
    b = a.replace(b"file02500\0%040x" % (2500 * 7919), b"file02500\0%040x" % 1)
    d = check_delta(backend, a, b)
    [(start, end, data)] = hunks_of(d)
    assert a[start:end] == b"file02500\0%040x\n" % (2500 * 7919)
    assert data == b"file02500\0%040x\n" % 1


def test_insertions_and_deletions_are_found_among_repeated_lines(backend):
    a = b"{\n}\n" * 50 + b"middle\n" + b"{\n}\n" * 50
    b = b"{\n}\n" * 50 + b"{\n}\n" + b"middle\n" + b"{\n}\n" * 49
    d = check_delta(backend, a, b)
    assert len(d) <= 2 * (12 + 4)


def test_moved_block_costs_about_the_block(backend):
    block = b"".join(b"moved line %d\n" % i for i in range(100))
    rest = [b"staying line %d\n" % i for i in range(1000)]
    a = block + b"".join(rest)
    b = b"".join(rest[:500]) + block + b"".join(rest[500:])
    d = check_delta(backend, a, b)
    assert len(d) <= len(block) + 2 * 12


def hostile_pair(name: str, n: int) -> Tuple[bytes, bytes]:
    """Inputs that defeat line matching: repeated, popular or scrambled lines."""
    rng = random.Random(name)
    if name == "repeated":
        return b"x\n" * n, b"x\n" * (n // 2) + b"y\n" + b"x\n" * (n // 2)
    if name == "alternating":
        return (b"".join(b"%d\nsame\n" % i for i in range(n)),
                b"".join(b"%d\nsame\n" % (i + n) for i in range(n)))
    if name == "reversed":
        lines = [b"%d\n" % i for i in range(n)]
        return b"".join(lines), b"".join(reversed(lines))
    if name == "doubled lines":
        lines = [b"%d\n" % i for i in range(n)]
        return b"".join(line + line for line in lines), b"".join(lines)
    if name == "one long line":
        a = bytes(rng.randrange(1, 256) for _ in range(n * 4)).replace(b"\n", b"")
        return a, a[:1000] + b"changed" + a[2000:]
    if name == "only newlines":
        return b"\n" * n, b"\n" * (n + 7)
    assert name == "two popular lines"
    return (b"".join(rng.choice([b"p\n", b"q\n"]) for _ in range(n)),
            b"".join(rng.choice([b"p\n", b"r\n"]) for _ in range(n)))


@pytest.mark.parametrize("name", ["repeated", "alternating", "reversed", "doubled lines",
                                  "one long line", "only newlines", "two popular lines"])
def test_hostile_inputs_stay_correct_and_agree(backends, name):
    a, b = hostile_pair(name, 10000)
    deltas = [check_delta(be, a, b) for be in backends]
    assert deltas[0] == deltas[-1]


def test_out_of_budget_regions_become_whole_hunks(backends, monkeypatch):
    """Running out of work only coarsens the delta, the same way in both backends."""
    a, b = hostile_pair("two popular lines", 2000)
    within_budget = [check_delta(be, a, b) for be in backends]
    assert within_budget[0] == within_budget[-1]
    monkeypatch.setattr(pure_bdiff, "WORK_PER_LINE", 10 ** 6)
    unlimited = pure_bdiff.textdiff(a, b)
    assert apply_one(a, unlimited) == b
    assert unlimited != within_budget[-1]  # the budget did run out above
    monkeypatch.setattr(pure_bdiff, "WORK_PER_LINE", 0)
    monkeypatch.setattr(pure_bdiff, "WORK_BASE", 0)
    none_at_all = pure_bdiff.textdiff(a, b)
    assert apply_one(a, none_at_all) == b
    assert len(hunks_of(none_at_all)) == 1


def test_pure_refuses_texts_a_delta_cannot_address(monkeypatch):
    monkeypatch.setattr(constants, "DELTA_FIELD_MAX", 10)
    with pytest.raises(errors.RevlogError, match="cannot diff a text of 11 bytes"):
        pure_bdiff.textdiff(b"x" * 11, b"y")


def test_c_refuses_texts_a_delta_cannot_address():
    """Sizes are checked before any byte is read, so a fake size is safe here."""
    be = load_backend("c")
    from revlog._c._revlog_c import ffi, lib

    delta, size = ffi.new("char **"), ffi.new("size_t *")
    code = lib.revlog_bdiff(b"x", constants.DELTA_FIELD_MAX + 1, b"y", 1, delta, size)
    assert code == lib.REVLOG_ERR_DIFF_TOO_LARGE == status.DIFF_TOO_LARGE
    assert delta[0] == ffi.NULL and size[0] == 0
    code = lib.revlog_bdiff(b"a\nb\n", 4, b"a\nc\n", 4, delta, size)
    assert code == lib.REVLOG_OK
    assert ffi.unpack(delta[0], size[0]) == be.textdiff(b"a\nb\n", b"a\nc\n")
    lib.revlog_bdiff_free(delta[0])


def test_threads_diff_at_the_same_time(backend):
    """The C backend keeps one differ per thread: no thread sees another's delta."""
    rng = random.Random(7)
    pairs = []
    for _ in range(40):
        lines = [b"line %d\n" % rng.randrange(500) for _ in range(rng.randrange(1, 400))]
        edited = list(lines)
        for _ in range(5):
            edited.insert(rng.randrange(len(edited) + 1), b"new %d\n" % rng.randrange(99))
        pairs.append((b"".join(lines), b"".join(edited)))
    expected = [backend.textdiff(a, b) for a, b in pairs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda p: backend.textdiff(*p), pairs)) == expected


# ---- against Mercurial ------------------------------------------------------

def hg_textdiff():
    """Mercurial's mdiff.textdiff (its C bdiff on CPython, its pure one on PyPy)."""
    hgoracle.mercurial()
    from mercurial import mdiff

    return mdiff.textdiff


def successive_texts(repo) -> List[Tuple[bytes, bytes]]:
    """(previous, next) raw texts of every revlog of a fixture repository."""
    pairs = []
    for rl in repo.revlogs:
        texts = [rev["rawdata"] for rev in rl["revs"] if isinstance(rev["rawdata"], bytes)]
        pairs.extend(zip(texts, texts[1:]))
    return pairs


def synthetic_manifests(count: int, files: int, seed: int) -> List[bytes]:
    """Manifest texts (sorted "path\\0hex node\\n" lines), each a few random edits
    (changed nodes, added and removed files) from the previous one."""
    rng = random.Random(seed)
    entries = {b"dir%d/file%05d.txt" % (i % 37, i): b"%040x" % rng.getrandbits(160)
               for i in range(files)}
    texts = []
    for _ in range(count):
        for _ in range(rng.randrange(1, 12)):
            kind = rng.random()
            path = rng.choice(sorted(entries))
            if kind < 0.7:
                entries[path] = b"%040x" % rng.getrandbits(160)
            elif kind < 0.85:
                del entries[path]
            else:
                entries[path + b".new"] = b"%040x" % rng.getrandbits(160)
        texts.append(b"".join(p + b"\0" + n + b"\n" for p, n in sorted(entries.items())))
    return texts


def test_deltas_are_no_larger_than_mercurials_on_fixture_repositories(backend, hg_repos):
    hg = hg_textdiff()
    ours = theirs = 0
    for name in ("zlib", "v0"):
        for a, b in successive_texts(hg_repos[name]):
            mine = check_delta(backend, a, b)
            assert apply_one(a, hg(a, b)) == b
            ours += len(mine)
            theirs += len(hg(a, b))
    assert theirs > 10000
    assert ours <= 1.05 * theirs, (ours, theirs)


def test_mercurial_reads_our_manifest_deltas_as_lines(backend):
    """What `hg verify` does with a manifest delta stored against a parent:
    the hunks' data, joined, parsed as manifest lines."""
    hgoracle.mercurial()
    from mercurial import manifest, mdiff

    texts = synthetic_manifests(30, 300, seed=9)
    for a, b in zip(texts, texts[1:]):
        delta = check_delta(backend, a, b)
        added = manifest.manifestdict(20, mdiff.patchtext(delta))
        expected = manifest.manifestdict(20, b)
        assert all(expected[path] == node for path, node in added.items())


def test_deltas_are_no_larger_than_mercurials_on_manifests(backend):
    hg = hg_textdiff()
    texts = synthetic_manifests(40, 800, seed=5)
    ours = theirs = 0
    for a, b in zip(texts, texts[1:]):
        ours += len(check_delta(backend, a, b))
        theirs += len(hg(a, b))
    assert ours <= 1.05 * theirs, (ours, theirs)


# ---- the C core's numbering by sorting --------------------------------------

# Reads (a, b) pairs from stdin as 4-byte little-endian lengths and bytes,
# writes each delta the same way.
SORTING_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "revlog.h"
static int get(char **buf, uint32_t *len) {
    unsigned char n[4];
    if (fread(n, 1, 4, stdin) != 4) return 0;
    *len = n[0] | n[1] << 8 | n[2] << 16 | (uint32_t)n[3] << 24;
    *buf = malloc(*len ? *len : 1);
    return fread(*buf, 1, *len, stdin) == *len;
}
int main(void) {
    char *a, *b, *delta;
    uint32_t la, lb;
    size_t ld;
    while (get(&a, &la) && get(&b, &lb)) {
        unsigned char n[4];
        if (revlog_bdiff(a, la, b, lb, &delta, &ld) != REVLOG_OK) return 1;
        n[0] = ld & 255; n[1] = ld >> 8 & 255; n[2] = ld >> 16 & 255; n[3] = ld >> 24 & 255;
        fwrite(n, 1, 4, stdout);
        fwrite(delta, 1, ld, stdout);
        revlog_bdiff_free(delta);
        free(a);
        free(b);
    }
    return 0;
}
"""


def test_c_numbering_by_sorting_gives_the_same_deltas(backends, tmp_path):
    """Lines whose hashes collide too much are numbered by sorting instead;
    built with no probes allowed, the C core must give the same deltas."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        if os.environ.get("REVLOG_REQUIRE_C") == "1":
            pytest.fail("a C compiler is required (REVLOG_REQUIRE_C=1)")
        pytest.skip("no C compiler")
    driver = tmp_path / "driver.c"
    driver.write_text(SORTING_DRIVER)
    binary = tmp_path / "driver"
    subprocess.run([compiler, "-std=c99", "-O1", "-I", str(CSRC), "-DREVLOG_BDIFF_PROBES_PER_LINE=0",
                    "-DREVLOG_BDIFF_PROBES_BASE=0", str(driver), str(CSRC / "bdiff.c"),
                    "-o", str(binary)], check=True)
    rng = random.Random(11)
    pairs = [hostile_pair(name, 3000) for name in ("alternating", "reversed", "doubled lines",
                                                   "two popular lines")]
    pairs += synthetic_pairs(rng, 300)
    given = b"".join(struct.pack("<I", len(t)) + t for pair in pairs for t in pair)
    done = subprocess.run([str(binary)], input=given, stdout=subprocess.PIPE, check=True)
    pos = 0
    for a, b in pairs:
        (length,) = struct.unpack_from("<I", done.stdout, pos)
        sorted_delta = done.stdout[pos + 4:pos + 4 + length]
        pos += 4 + length
        for be in backends:
            assert be.textdiff(a, b) == sorted_delta
    assert pos == len(done.stdout)


def synthetic_pairs(rng: random.Random, count: int) -> List[Tuple[bytes, bytes]]:
    """Texts of lines from a small pool (so lines repeat) and edited copies."""
    pool = [b"%d\n" % k for k in range(8)] + [b"", b"\r\n", b"long " * 9 + b"\n", b"last"]
    pairs = []
    for _ in range(count):
        lines = [rng.choice(pool) for _ in range(rng.randrange(60))]
        edited = list(lines)
        for _ in range(rng.randrange(6)):
            k = rng.randrange(len(edited) + 1)
            edited[k:k + rng.randrange(3)] = [rng.choice(pool) for _ in range(rng.randrange(3))]
        pairs.append((b"".join(lines), b"".join(edited)))
    return pairs
