"""The byte format every mpatch fuzz input uses (the native harness reads it too).

    u8 delta count (mod 16) | u16 text length | text | (u16 length | delta)*

Lengths are big-endian and clamped to what is left, so every byte string is
a valid input and the fuzzer spends its time inside the patch code.
"""
import struct
from typing import List, Tuple

MAX_DELTAS = 16


def decode_mpatch_input(data: bytes) -> Tuple[bytes, List[bytes]]:
    """Split a fuzz input into (text, deltas)."""
    if not data:
        return b"", []
    count = data[0] % MAX_DELTAS
    pos = 1

    def take() -> bytes:
        nonlocal pos
        if pos + 2 > len(data):
            pos = len(data)
            return b""
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        chunk = data[pos:pos + length]
        pos += len(chunk)
        return chunk

    text = take()
    return text, [take() for _ in range(count)]


def encode_mpatch_input(text: bytes, deltas: List[bytes]) -> bytes:
    """The inverse of decode_mpatch_input (for seed corpora and regressions)."""
    parts = [bytes([len(deltas)]), struct.pack(">H", len(text)), text]
    for delta in deltas:
        parts += [struct.pack(">H", len(delta)), delta]
    return b"".join(parts)
