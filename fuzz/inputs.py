"""The byte formats of the fuzz inputs, one per target (the native harnesses
in fuzz/native/ read the same bytes, so corpora move between the two kinds).

mpatch:  u8 delta count (mod 16) | u16 text length | text | (u16 length | delta)*
index:   u8 config | u8 argument count | arguments | index data
revlog:  u8 config | u32 index length | index file | data file
bdiff:   u16 length of a | a | b

Lengths are big-endian and clamped to what is left, so every byte string is
a valid input and the fuzzer spends its time inside the code under test.

The index config byte: bits 0-1 the format (0 and 3: v1, 1: v2,
2: changelog-v2), bit 2 inline, bit 3 generaldelta, bit 4 delta-info.  The
argument bytes choose the arguments of the calls the harness makes, read
cyclically (ArgReader; fuzz_args.h in C); the revlog config byte's bit 0
says whether the revlog is opened with mmap.
"""
import struct
from typing import List, Tuple

MAX_DELTAS = 16
INDEX_FORMATS = (1, 0xDEAD, 0xD34D, 1)  # by the config byte's low two bits


def _take(data: bytes, pos: int, width: int) -> Tuple[bytes, int]:
    """A length-prefixed chunk at pos (length clamped); (chunk, next pos)."""
    if pos + width > len(data):
        return b"", len(data)
    length = int.from_bytes(data[pos:pos + width], "big")
    pos += width
    chunk = data[pos:pos + length]
    return chunk, pos + len(chunk)


def decode_mpatch_input(data: bytes) -> Tuple[bytes, List[bytes]]:
    """Split a fuzz input into (text, deltas)."""
    if not data:
        return b"", []
    count = data[0] % MAX_DELTAS
    text, pos = _take(data, 1, 2)
    deltas = []
    for _ in range(count):
        delta, pos = _take(data, pos, 2)
        deltas.append(delta)
    return text, deltas


def encode_mpatch_input(text: bytes, deltas: List[bytes]) -> bytes:
    """The inverse of decode_mpatch_input (for seed corpora and regressions)."""
    parts = [bytes([len(deltas)]), struct.pack(">H", len(text)), text]
    for delta in deltas:
        parts += [struct.pack(">H", len(delta)), delta]
    return b"".join(parts)


class IndexInput:
    """A decoded index input: how to parse `data`, and the argument bytes."""

    def __init__(self, config: int, args: bytes, data: bytes):
        self.format = INDEX_FORMATS[config & 3]
        self.inline = bool(config & 4)
        self.generaldelta = bool(config & 8)
        self.delta_info = bool(config & 16)
        self.args = args
        self.data = data


def index_config(fmt: int, inline: bool, generaldelta: bool, delta_info: bool) -> int:
    """The config byte of an index input."""
    return (INDEX_FORMATS.index(fmt) | inline << 2 | generaldelta << 3
            | delta_info << 4)


def decode_index_input(data: bytes) -> IndexInput:
    """Split a fuzz input into its config, argument bytes and index data."""
    if len(data) < 2:
        return IndexInput(0, b"", b"")
    nargs = min(data[1], len(data) - 2)
    return IndexInput(data[0], data[2:2 + nargs], data[2 + nargs:])


def encode_index_input(config: int, args: bytes, data: bytes) -> bytes:
    """The inverse of decode_index_input."""
    assert len(args) < 256
    return bytes([config, len(args)]) + args + data


class ArgReader:
    """The argument bytes, read cyclically (a counter when there are none):
    the same sequence fuzz/native/fuzz_args.h reads."""

    def __init__(self, args: bytes):
        self._args = args
        self._pos = 0

    def byte(self) -> int:
        """The next argument byte."""
        if not self._args:
            value = self._pos & 0xFF
        else:
            value = self._args[self._pos % len(self._args)]
        self._pos += 1
        return value

    def u16(self) -> int:
        """The next two bytes, big-endian."""
        high = self.byte()
        return high << 8 | self.byte()

    def rev(self, length: int) -> int:
        """A revision in [-2, length]: one out of range on either side."""
        return self.u16() % (length + 3) - 2


def decode_revlog_input(data: bytes) -> Tuple[bool, bytes, bytes]:
    """Split a fuzz input into (use_mmap, index file, data file)."""
    if not data:
        return False, b"", b""
    index, pos = _take(data, 1, 4)
    return bool(data[0] & 1), index, data[pos:]


def encode_revlog_input(use_mmap: bool, index: bytes, data: bytes) -> bytes:
    """The inverse of decode_revlog_input."""
    return bytes([int(use_mmap)]) + struct.pack(">I", len(index)) + index + data


def decode_bdiff_input(data: bytes) -> Tuple[bytes, bytes]:
    """Split a fuzz input into the two texts (a, b)."""
    a, pos = _take(data, 0, 2)
    return a, data[pos:]


def encode_bdiff_input(a: bytes, b: bytes) -> bytes:
    """The inverse of decode_bdiff_input (a is cut to 65535 bytes)."""
    a = a[:0xFFFF]
    return struct.pack(">H", len(a)) + a + b
