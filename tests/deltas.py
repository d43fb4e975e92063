"""Helpers to build mpatch deltas in tests, and the obvious reference applier."""
import struct
from typing import List, Sequence, Tuple

from hypothesis import strategies as st

HEADER = struct.Struct(">lll")


def hunk(start: int, end: int, data: bytes = b"") -> bytes:
    """One hunk: replace [start, end) by data."""
    return HEADER.pack(start, end, len(data)) + data


def delta(*hunks: Tuple[int, int, bytes]) -> bytes:
    """A delta made of (start, end, data) hunks."""
    return b"".join(hunk(*h) for h in hunks)


def apply_one(text: bytes, d: bytes) -> bytes:
    """Apply one well-formed delta the slow, obvious way."""
    out = []
    last = pos = 0
    while pos < len(d):
        start, end, length = HEADER.unpack_from(d, pos)
        out.append(text[last:start])
        out.append(d[pos + 12:pos + 12 + length])
        last = end
        pos += 12 + length
    out.append(text[last:])
    return b"".join(out)


def apply_sequentially(text: bytes, deltas: Sequence[bytes]) -> bytes:
    """Apply deltas one after the other."""
    for d in deltas:
        text = apply_one(text, d)
    return text


@st.composite
def deltas_for(draw, length: int, max_hunks: int = 8) -> bytes:
    """A valid delta for a text of `length` bytes (adjacent, empty and no-op hunks included)."""
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=2 * max_hunks)))
    if len(cuts) % 2:
        cuts.pop()
    hunks: List[Tuple[int, int, bytes]] = []
    for i in range(0, len(cuts), 2):
        hunks.append((cuts[i], cuts[i + 1], draw(st.binary(max_size=24))))
    return delta(*hunks)


@st.composite
def delta_chains(draw, max_text: int = 300, max_deltas: int = 12):
    """(base text, [valid deltas], expected result)."""
    text = draw(st.binary(max_size=max_text))
    current = text
    chain = []
    for _ in range(draw(st.integers(0, max_deltas))):
        d = draw(deltas_for(len(current)))
        chain.append(d)
        current = apply_one(current, d)
    return text, chain, current
