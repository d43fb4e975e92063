"""mpatch: C == pure == sequential application == Mercurial, and strict errors."""
import random

import pytest
from hypothesis import given, strategies as st

import revlog
from revlog import errors, status
from deltas import HEADER, apply_sequentially, delta, delta_chains, hunk
import hgoracle


def outcome(func, *args):
    """('ok', value) or ('error', type, message): comparable across backends."""
    try:
        return ("ok", func(*args))
    except errors.RevlogError as exc:
        return ("error", type(exc), str(exc))


# ---- valid input --------------------------------------------------------

@given(delta_chains())
def test_patches_equals_sequential_application(backends, chain):
    text, deltas, expected = chain
    for be in backends:
        assert be.patches(text, deltas) == expected


@given(delta_chains(max_deltas=1))
def test_patchedsize_matches_result(backends, chain):
    text, deltas, expected = chain
    for d in deltas:
        for be in backends:
            assert be.patchedsize(len(text), d) == len(expected)


def test_no_deltas_returns_text_unchanged(backend):
    text = b"some text\n"
    assert backend.patches(text, []) is text
    assert backend.patches(b"", []) == b""
    assert backend.patches(bytearray(b"xy"), []) == b"xy"


def test_accepts_any_buffer(backend):
    d = delta((1, 2, b"Z"))
    assert backend.patches(memoryview(b"abc"), [bytearray(d)]) == b"aZc"
    assert backend.patchedsize(3, memoryview(d)) == 3


def test_long_chain_of_small_deltas(backend):
    rng = random.Random(1234)
    text = b"".join(b"line %d\n" % i for i in range(2000))
    current, chain = text, []
    for _ in range(3000):
        start = rng.randrange(len(current) + 1)
        end = min(len(current), start + rng.randrange(40))
        d = delta((start, end, bytes(rng.randrange(256) for _ in range(rng.randrange(30)))))
        chain.append(d)
        current = apply_sequentially(current, [d])
    assert backend.patches(text, chain) == current


def test_empty_hunks_and_full_replacement(backend):
    assert backend.patches(b"abc", [delta((0, 3, b""))]) == b""
    assert backend.patches(b"", [delta((0, 0, b"new"))]) == b"new"
    assert backend.patches(b"abc", [delta((1, 1, b""), (1, 1, b"X"), (3, 3, b"!"))]) == b"aXbc!"
    assert backend.patches(b"abc", [b"", delta((0, 0, b">"))]) == b">abc"


def test_selected_backend_is_exported():
    assert revlog.patches(b"ab", [delta((0, 1, b"x"))]) == b"xb"
    assert revlog.patchedsize(2, delta((0, 1, b"xyz"))) == 4


# ---- malformed deltas ---------------------------------------------------

MALFORMED = [
    # (name, text, deltas, failing delta index, status, hunk offset)
    ("truncated header", b"abc", [hunk(0, 1, b"x")[:11]], 0, status.PATCH_TRUNCATED, 0),
    ("trailing bytes", b"abc", [hunk(0, 1, b"x") + b"\0\0"], 0, status.PATCH_TRUNCATED, 13),
    ("truncated data", b"abc", [hunk(0, 1, b"xyz")[:-1]], 0, status.PATCH_TRUNCATED, 0),
    ("start after end", b"abcdef", [hunk(4, 2, b"")], 0, status.PATCH_BAD_RANGE, 0),
    ("past the end", b"abc", [hunk(1, 4, b"")], 0, status.PATCH_PAST_END, 0),
    ("start past the end", b"abc", [hunk(5, 5, b"x")], 0, status.PATCH_PAST_END, 0),
    ("out of order", b"abcdef", [hunk(4, 5, b"") + hunk(1, 2, b"")], 0, status.PATCH_OUT_OF_ORDER, 12),
    ("overlapping", b"abcdef", [hunk(1, 4, b"") + hunk(3, 5, b"")], 0, status.PATCH_OUT_OF_ORDER, 12),
    ("negative start", b"abc", [HEADER.pack(-1, 1, 0)], 0, status.PATCH_OVERFLOW, 0),
    ("negative length", b"abc", [HEADER.pack(0, 1, -5)], 0, status.PATCH_OVERFLOW, 0),
    ("length overflows", b"abc", [b"\0\0\0\0\0\0\0\1\x7f\xff\xff\xff" + b"x"], 0, status.PATCH_TRUNCATED, 0),
    ("huge end", b"abc", [b"\0\0\0\0\x7f\xff\xff\xff\0\0\0\0"], 0, status.PATCH_PAST_END, 0),
    ("unsigned wrap", b"abc", [b"\xff\xff\xff\xff" * 3], 0, status.PATCH_OVERFLOW, 0),
    # the second delta is checked against the 1-byte text the first one makes
    ("past the end of an intermediate text", b"abc", [hunk(0, 3, b"x"), hunk(0, 2, b"")],
     1, status.PATCH_PAST_END, 0),
    ("error in a later delta", b"abc", [hunk(0, 1, b"x"), b"", hunk(0, 1) + hunk(0, 1)],
     2, status.PATCH_OUT_OF_ORDER, 12),
]


@pytest.mark.parametrize("name,text,deltas,index,code,offset", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_deltas_raise(backend, name, text, deltas, index, code, offset):
    with pytest.raises(errors.CorruptedData) as info:
        backend.patches(text, deltas)
    assert str(info.value) == str(status.patch_error(code, index, offset))
    if len(deltas) == 1:
        with pytest.raises(errors.CorruptedData) as info:
            backend.patchedsize(len(text), deltas[0])
        assert str(info.value) == str(status.patch_error(code, 0, offset))


@pytest.mark.parametrize("size", [-1, 1 << 62, 1 << 70])
def test_patchedsize_rejects_impossible_sizes(backend, size):
    with pytest.raises(errors.CorruptedData, match="length out of range"):
        backend.patchedsize(size, b"")


def test_mercurial_pure_returns_garbage_where_we_raise(backends):
    """The reason for strictness: hg's pure mpatch accepts these silently."""
    (_, hg_pure), = [m for m in hgoracle.mpatch_modules() if m[0] == "hg-pure"]
    out_of_order = hunk(4, 5, b"") + hunk(1, 2, b"")
    assert isinstance(hg_pure.patches(b"abcdef", [out_of_order]), bytes)
    for be in backends:
        with pytest.raises(errors.CorruptedData):
            be.patches(b"abcdef", [out_of_order])


@given(st.binary(max_size=64), st.lists(st.binary(max_size=80), min_size=1, max_size=4))
def test_garbage_same_outcome_in_both_backends(backends, text, deltas):
    c, pure = backends
    assert outcome(c.patches, text, deltas) == outcome(pure.patches, text, deltas)
    assert outcome(c.patchedsize, len(text), deltas[0]) == outcome(pure.patchedsize, len(text), deltas[0])


@given(delta_chains(max_deltas=4), st.data())
def test_mutated_deltas_same_outcome_in_both_backends(backends, chain, data):
    text, deltas, _ = chain
    if not deltas or not any(deltas):
        return
    index = data.draw(st.sampled_from([i for i, d in enumerate(deltas) if d]))
    mutated = bytearray(deltas[index])
    for _ in range(data.draw(st.integers(1, 4))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del mutated[data.draw(st.integers(0, len(mutated))):]
    deltas = deltas[:index] + [bytes(mutated)] + deltas[index + 1:]
    c, pure = backends
    assert outcome(c.patches, text, deltas) == outcome(pure.patches, text, deltas)


# ---- Mercurial as the oracle --------------------------------------------

@given(delta_chains())
def test_mercurial_agrees_on_valid_input(backend, chain):
    text, deltas, expected = chain
    ours = backend.patches(text, deltas)
    for name, hg in hgoracle.mpatch_modules():
        assert hg.patches(text, deltas) == ours, name
        for d in deltas[:1]:
            assert hg.patchedsize(len(text), d) == backend.patchedsize(len(text), d), name
