"""Chunk compression for writing: Mercurial 7.2.4's rules, and its bytes."""
import os
import random
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revlog import compression, errors
from revlog.compression import Compressor

import hgoracle


def compressible(size: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice(b"abcd\n") for _ in range(size))


def stored(compressor: Compressor, data: bytes) -> bytes:
    header, payload = compressor.compress(data)
    return header + payload


@pytest.mark.parametrize("engine,threshold", [("zlib", 44), ("zstd", 50)])
def test_inputs_below_the_threshold_stay_as_they_are(engine, threshold):
    compressor = Compressor(engine)
    below = b"a" * (threshold - 1)
    assert compressor.compress(below) == (b"u", below)
    header, payload = compressor.compress(b"a" * threshold)
    assert header == b"" and compression.engine_of(payload) == engine


def test_empty_and_nul_led_data_get_no_header():
    for engine in compression.ENGINES:
        compressor = Compressor(engine)
        assert compressor.compress(b"") == (b"", b"")
        assert compressor.compress(b"\0abc") == (b"", b"\0abc")


@pytest.mark.parametrize("engine", ["zlib", "zstd"])
def test_compressed_output_is_kept_only_when_smaller(engine):
    noise = os.urandom(4000)
    assert Compressor(engine).compress(noise) == (b"u", noise)
    assert Compressor(engine).compress(b"\0" + noise) == (b"", b"\0" + noise)
    header, payload = Compressor(engine).compress(compressible(4000))
    assert header == b"" and len(payload) < 4000


def test_the_none_engine_never_compresses():
    data = compressible(5000)
    assert Compressor("none").compress(data) == (b"u", data)


@pytest.mark.parametrize("engine", ["zlib", "zstd"])
def test_large_inputs_are_compressed_piecewise_and_read_back(engine):
    data = compressible(100000, seed=3) * 25  # 2.5 MB, past the 1 MB streaming threshold
    chunk = stored(Compressor(engine), data)
    assert len(chunk) < len(data) // 2
    assert compression.Decompressor().decompress(chunk, lambda: 13 * len(data)) == data


def test_levels():
    data = compressible(20000, seed=5)
    fast, best = stored(Compressor("zlib", 1), data), stored(Compressor("zlib", 9), data)
    assert zlib.decompress(fast) == zlib.decompress(best) == data
    assert fast != best
    assert stored(Compressor("zlib"), data) == zlib.compress(data)
    for engine, level in (("zlib", 10), ("zlib", -2), ("zstd", 23)):
        with pytest.raises(errors.RevlogError, match="level"):
            Compressor(engine, level)
    with pytest.raises(errors.RevlogError, match="unknown compression engine"):
        Compressor("lzma")


@given(st.one_of(st.binary(max_size=300), st.builds(compressible, st.integers(0, 3000), st.integers(0, 9))))
def test_chunks_read_back(data):
    decompressor = compression.Decompressor()
    for engine in compression.ENGINES:
        chunk = stored(Compressor(engine), data)
        assert decompressor.decompress(chunk, lambda: 13 * len(data) + 12) == data


def _mercurial_compressor(engine: str, level=None):
    hgoracle.mercurial()
    from mercurial.utils import compression as hgcompression

    return hgcompression.compengines[engine.encode()].revlogcompressor(
        {b"%s.level" % engine.encode(): level})


@pytest.mark.parametrize("engine,level", [("zlib", None), ("zlib", 1), ("zstd", None), ("zstd", 10)])
def test_same_choices_as_mercurial(engine, level):
    """zlib: the same bytes.  zstd: the same choice of header; the bytes may
    differ a little (Mercurial bundles its own libzstd, we use zstandard's)."""
    hg = _mercurial_compressor(engine, level)
    ours = Compressor(engine, level)
    rng = random.Random(7)
    inputs = [b"x" * 43, b"x" * 44, b"x" * 49, b"x" * 50, b"\0" * 100, os.urandom(200),
              compressible(1000000), compressible(1000001, seed=1) + b"tail"]
    inputs += [compressible(rng.randint(1, 5000), seed=i) for i in range(20)]
    for data in inputs:
        packed = hg.compress(data)
        if packed is None:  # Mercurial's revlog then stores it raw or with "u"
            expected = (b"", data) if data[:1] == b"\0" else (b"u", data)
        else:
            expected = (b"", packed)
        got = ours.compress(data)
        if engine == "zlib":
            assert got == expected, len(data)
        else:
            assert got[0] == expected[0] and got[1][:1] == expected[1][:1], len(data)
            assert abs(len(got[1]) - len(expected[1])) <= len(expected[1]) // 50 + 8, len(data)


def test_the_engine_and_level_of_new_chunks(backend, tmp_path):
    import revlog
    from revlog import constants as C

    from writespecs import FORMATS, bulky, check_history, write_history

    history = bulky(1, 6)
    path = str(tmp_path / "x.i")
    write_history(path, FORMATS["v1-split-nogd-zlib"], backend, history[:3], fsync=False).close()
    rl = revlog.open(path, backend=backend, compression="zstd", compression_level=19)
    with rl.transaction():
        for rev in range(3, 6):
            text, p1, _ = history[rev]
            rl.add_revision(text, rl.node(p1), C.NULL_NODE, rev)
    reopened = revlog.open(path, backend=backend)
    check_history(reopened, history)
    engines = [compression.engine_of(reopened._raw_chunk(rev)[:1]) for rev in range(6)]
    assert engines[:3] == ["zlib"] * 3 and engines[3:] == ["zstd"] * 3
    assert reopened.format.compression == "zlib"  # the first compressed chunk says so
