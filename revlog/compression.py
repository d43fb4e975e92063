"""Chunk compression: the one-byte header rules of revlog chunks.

A stored chunk says how it is compressed by its first byte:
  (empty)  an empty chunk
  b"\\0"   stored as is (raw data that happens to start with NUL)
  b"u"     stored uncompressed; the header byte is stripped
  b"x"     zlib (the byte is part of the zlib stream)
  b"("     zstd (the byte is part of the zstd frame magic)

Writing (Compressor) follows Mercurial 7.2.4's rules: an engine leaves
inputs below its threshold (zlib 44 bytes, zstd 50) as they are, compresses
inputs above 1 MB in 1 MiB / recommended-size pieces, and its output is
kept only when smaller than the input.  Data left as is gets a b"u" header,
unless it is empty or starts with NUL (stored as is, no header).
"""
import io
import zlib
from typing import Callable, Optional, Tuple

from revlog import errors

try:  # zstd is optional: a revlog that never uses it reads without it
    import zstandard
except ImportError:  # pragma: no cover - exercised where zstandard is absent
    zstandard = None

ENGINES = ("zlib", "zstd", "none")
HEADER_ENGINES = {ord("x"): "zlib", ord("("): "zstd"}

# zlib cannot expand its input more than ~1032 times: a zstd frame that
# claims no more is decompressed at once (the common case, fast); any other
# only up to what its revisions may need (the limit its reader gives), in
# pieces, so memory follows what the frame really produces.
ZLIB_MAX_EXPANSION = 1032
# A zstd block yields at most 128 KiB from at least 4 bytes (an RLE block):
# feeding a frame this many bytes at a time bounds each step's output.
_ZSTD_MAX_EXPANSION = 32 << 10
_ZSTD_MIN_STEP = 64
# Output buffer of each step: larger ones cost more per step (cffi zeroes them).
_ZSTD_WRITE_SIZE = 16 << 10

# Writing: inputs shorter than this stay uncompressed (engine -> bytes).
MIN_COMPRESS_SIZE = {"zlib": 44, "zstd": 50}
# Inputs longer than this are compressed as a stream, piece by piece.
STREAM_THRESHOLD = 1000000
ZLIB_STREAM_PIECE = 1 << 20
DEFAULT_ZSTD_LEVEL = 3


def engine_of(chunk) -> Optional[str]:
    """The compression engine a chunk header names, or None if uncompressed."""
    if not len(chunk):
        return None
    return HEADER_ENGINES.get(chunk[0])


class Decompressor:
    """Decompresses chunks by their header; one per revlog (not thread-safe)."""

    def __init__(self) -> None:
        self._zstd = None

    def decompress(self, chunk, limit: Callable[[], int]) -> bytes:
        """The data of one stored chunk.

        limit() bounds the output of formats whose frames can claim any size
        (zstd); it is called only for a frame that may expand past what zlib
        can (~1032 times its input), so it may be costly (once per chain).
        UnknownCompression for an unknown header, CorruptedData when the
        compressed stream is broken or too large.
        """
        if not len(chunk):
            return b""
        kind = chunk[0]
        if kind == 0x78:  # b"x": zlib
            return _zlib_decompress(chunk)
        if kind == 0x75:  # b"u": uncompressed with a header byte
            return bytes(chunk[1:])
        if kind == 0:
            return bytes(chunk)
        if kind == 0x28:  # b"(": zstd
            return self._zstd_decompress(chunk, limit)
        raise errors.UnknownCompression("unknown compression type %r" % bytes(chunk[:1]))

    def decompress_with(self, header: bytes, chunk, limit: Callable[[], int]) -> bytes:
        """Decompress a chunk with the engine whose header byte is `header` (v2 dockets)."""
        engine = HEADER_ENGINES.get(header[0]) if header else None
        if engine is None:  # the "none" engine stores chunks as they are
            return bytes(chunk)
        if not len(chunk) or chunk[0] != header[0]:
            raise errors.CorruptedData("chunk is not a %s stream" % engine)
        return self.decompress(chunk, limit)

    def _zstd_decompress(self, chunk, limit: Callable[[], int]) -> bytes:
        if zstandard is None:
            raise errors.UnknownCompression(
                "zstd-compressed chunk, but the zstandard package is not installed"
            )
        if self._zstd is None:
            self._zstd = zstandard.ZstdDecompressor()
        natural = ZLIB_MAX_EXPANSION * len(chunk)
        try:
            # -1: the frame does not say (hg's streamed writes of texts over 1 MB)
            declared = zstandard.frame_content_size(chunk)
            if 0 <= declared <= natural:
                return self._zstd.decompress(chunk)  # allocates `declared` bytes up front
            bound = max(limit(), natural)
            if declared > bound:
                raise errors.CorruptedData(
                    "zstd chunk claims %d bytes, more than its revision allows" % declared)
            return self._zstd_pieces(chunk, bound)
        except zstandard.ZstdError as exc:
            raise errors.CorruptedData("zstd chunk cannot be decompressed: %s" % exc) from None

    def _zstd_pieces(self, chunk, bound: int) -> bytes:
        """The first frame of chunk, fed a few bytes at a time so that the
        output never runs more than a step (~2 MiB) past bound.

        Not decompress(max_output_size=) nor stream_reader().read(n): both
        allocate their whole size first.  Data after the frame is ignored,
        as decompress() ignores it.
        """
        # the first frame only, whatever a later zstandard's default becomes
        stream = self._zstd.decompressobj(write_size=_ZSTD_WRITE_SIZE, read_across_frames=False)
        view = memoryview(chunk)
        out = io.BytesIO()  # grows in place; getvalue() does not copy (CPython)
        produced = pos = 0
        while pos < len(view) and not stream.eof:
            step = max(_ZSTD_MIN_STEP, (bound - produced) // _ZSTD_MAX_EXPANSION)
            produced += out.write(stream.decompress(view[pos:pos + step]))
            pos += step
            if produced > bound:
                raise errors.CorruptedData(
                    "zstd chunk decompresses past %d bytes, more than its revision allows" % bound)
        if not stream.eof:
            raise errors.CorruptedData("zstd chunk cannot be decompressed: the frame is truncated")
        return out.getvalue()


def _zlib_decompress(chunk) -> bytes:
    try:
        return zlib.decompress(chunk)
    except zlib.error as exc:
        raise errors.CorruptedData("zlib chunk cannot be decompressed: %s" % exc) from None


# Compression levels each engine accepts (inclusive).
LEVELS = {"zlib": (0, 9), "zstd": (0, 22)}


def check_engine(engine: str, level: Optional[int] = None) -> None:
    """RevlogError unless chunks can be written with engine at level (None: its default)."""
    if not isinstance(engine, str) or engine not in ENGINES:
        raise errors.RevlogError(
            "unknown compression engine %r; expected one of %s" % (engine, ", ".join(ENGINES)))
    if engine == "zstd" and zstandard is None:
        raise errors.RevlogError("zstd compression needs the zstandard package, which is not installed")
    check_level(engine, level)


def check_level(engine: Optional[str], level: Optional[int]) -> None:
    """RevlogError unless level (None: the default) suits engine; engine None
    (not known yet): unless it suits some engine."""
    if level is None:
        return
    if not isinstance(level, int) or isinstance(level, bool):
        raise errors.RevlogError("compression_level must be None or an integer, not %r" % (level,))
    if engine is None:
        low, high = min(low for low, _ in LEVELS.values()), max(high for _, high in LEVELS.values())
    elif engine in LEVELS:
        low, high = LEVELS[engine]
    else:
        return  # "none" has no levels
    if not low <= level <= high:
        raise errors.RevlogError("invalid %s compression level %d (%d to %d)"
                                 % (engine or "any", level, low, high))


class Compressor:
    """Compresses chunks for writing with one engine ("zlib", "zstd" or "none").

    level None is the engine's default (zlib's own, zstd 3).  Not thread-safe.
    """

    def __init__(self, engine: str, level: Optional[int] = None) -> None:
        check_engine(engine, level)
        self.engine = engine
        self.level = level
        self._zstd = None
        if engine == "zstd":
            self._zstd = zstandard.ZstdCompressor(level=DEFAULT_ZSTD_LEVEL if level is None else level)
        self._engine_compress = {"zlib": self._zlib, "zstd": self._zstd_compress, "none": _keep}[engine]

    def compress(self, data) -> Tuple[bytes, bytes]:
        """(header, payload): the chunk to store is header + payload."""
        if not data:
            return b"", b""
        packed = self._engine_compress(data)
        if packed is not None:
            return b"", packed
        if data[0] == 0:
            return b"", data
        return b"u", data

    def _zlib(self, data) -> Optional[bytes]:
        size = len(data)
        if size < MIN_COMPRESS_SIZE["zlib"]:
            return None
        level = -1 if self.level is None else self.level
        if size <= STREAM_THRESHOLD:
            packed = zlib.compress(data, level)
        else:
            stream = zlib.compressobj(level)
            view = memoryview(data)
            pieces = [stream.compress(view[pos:pos + ZLIB_STREAM_PIECE])
                      for pos in range(0, size, ZLIB_STREAM_PIECE)]
            pieces.append(stream.flush())
            packed = b"".join(pieces)
        return packed if len(packed) < size else None

    def _zstd_compress(self, data) -> Optional[bytes]:
        size = len(data)
        if size < MIN_COMPRESS_SIZE["zstd"]:
            return None
        if size <= STREAM_THRESHOLD:
            packed = self._zstd.compress(data)
        else:
            stream = self._zstd.compressobj()
            piece = zstandard.COMPRESSION_RECOMMENDED_INPUT_SIZE
            view = memoryview(data)
            pieces = [stream.compress(view[pos:pos + piece]) for pos in range(0, size, piece)]
            pieces.append(stream.flush())
            packed = b"".join(pieces)
        return packed if len(packed) < size else None


def _keep(data) -> None:
    """The "none" engine: never compresses."""
    return None
