"""Sets of revisions as bitmaps: bit r of a Python int is set for revision r.

`index.ancestors_bitmap` and `index.descendants_bitmap` return them.  The
C backend's Bitmap wraps a C word array and behaves the same way: both
support `&`, `|` and `-` with a bitmap of their own backend, `len`,
ascending iteration, `rev in bitmap`, `tolist()`, `==` and `bool`.
"""
import operator
from typing import Iterable, Iterator, List, Optional

_HAS_BIT_COUNT = hasattr(int, "bit_count")
# the highest revision an index can hold (REVLOG_MAX_REVS - 1 in csrc/revlog.h)
MAX_REV = 0x7FFFFFFD

# 0 -> b"0", 1 -> b"1": turns one byte per revision into a binary numeral
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


class Bitmap:
    """An immutable set of revisions (ints >= 0)."""

    __slots__ = ("_bits", "_bytes", "_list")

    def __init__(self, bits: int = 0):
        if bits < 0:
            raise ValueError("a bitmap holds revisions >= 0")
        self._bits = bits
        self._bytes: Optional[bytes] = None
        self._list: Optional[List[int]] = None

    @classmethod
    def from_revs(cls, revs: Iterable[int]) -> "Bitmap":
        """The bitmap of revs (each >= 0)."""
        try:
            revs = [operator.index(rev) for rev in revs]
        except TypeError:
            raise TypeError("an integer is required") from None
        if not revs:
            return cls(0)
        if min(revs) < 0:
            raise ValueError("a bitmap holds revisions >= 0")
        if max(revs) > MAX_REV:  # as the C bitmap: no revlog has such a revision
            raise IndexError("revlog index out of range")
        marks = bytearray(max(revs) + 1)
        for rev in revs:
            marks[rev] = 1
        return cls.from_marks(marks)

    @classmethod
    def from_marks(cls, marks: bytes) -> "Bitmap":
        """The bitmap of the positions of the 1 bytes in marks (others are 0)."""
        numeral = marks.translate(_DIGITS)[::-1]
        return cls(int(numeral, 2) if numeral else 0)

    def __and__(self, other: "Bitmap") -> "Bitmap":
        if not isinstance(other, Bitmap):
            return NotImplemented
        return Bitmap(self._bits & other._bits)

    def __or__(self, other: "Bitmap") -> "Bitmap":
        if not isinstance(other, Bitmap):
            return NotImplemented
        return Bitmap(self._bits | other._bits)

    def __sub__(self, other: "Bitmap") -> "Bitmap":
        if not isinstance(other, Bitmap):
            return NotImplemented
        return Bitmap(self._bits & ~other._bits)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Bitmap):
            return NotImplemented
        return self._bits == other._bits

    def __ne__(self, other) -> bool:
        if not isinstance(other, Bitmap):
            return NotImplemented
        return self._bits != other._bits

    def __hash__(self) -> int:
        return hash(self._bits)

    def __bool__(self) -> bool:
        return bool(self._bits)

    def __len__(self) -> int:
        bits = self._bits
        # int.bit_count() is Python 3.10+; bin() counts in C too
        return bits.bit_count() if _HAS_BIT_COUNT else bin(bits).count("1")

    def __contains__(self, rev) -> bool:
        if not isinstance(rev, int) or rev < 0:
            return False
        if self._bytes is None:
            self._bytes = self._bits.to_bytes((self._bits.bit_length() + 7) // 8, "little")
        byte = rev >> 3
        return byte < len(self._bytes) and bool(self._bytes[byte] >> (rev & 7) & 1)

    def __iter__(self) -> Iterator[int]:
        return iter(self._revs())

    def tolist(self) -> List[int]:
        """The revisions, ascending."""
        return list(self._revs())

    def _revs(self) -> List[int]:
        if self._list is None:
            numeral = bin(self._bits)[:1:-1]  # bit 0 first
            found = []
            rev = numeral.find("1")
            while rev >= 0:
                found.append(rev)
                rev = numeral.find("1", rev + 1)
            self._list = found
        return self._list

    def __repr__(self) -> str:
        revs = self._revs()
        shown = ", ".join(map(str, revs[:10])) + (", ..." if len(revs) > 10 else "")
        return "<Bitmap of %d revisions: [%s]>" % (len(revs), shown)
