"""Sets of revisions as C bitmaps (csrc/bitmap.c); mirrors revlog._pure.bitmap.

`index.ancestors_bitmap` and `index.descendants_bitmap` return them.  A
Bitmap owns a struct revlog_bitmap (a uint64 word per 64 revisions); `&`,
`|` and `-` make a new one in C.  They combine with bitmaps of this backend
only, and behave as the pure Bitmap does: `len`, ascending iteration, `rev
in bitmap`, `tolist()`, `==`, `hash` and `bool`.
"""
import operator
import struct
import sys
import threading
from array import array
from typing import Iterable, Iterator, List, Optional

from revlog import status
from revlog._c._revlog_c import ffi, lib

_OK = lib.REVLOG_OK
# lists of int32 longer than this are read through a memoryview (CPython)
_UNPACK_MAX = 128 if sys.implementation.name == "cpython" else 1 << 62
_INT32_CODE = "i" if struct.calcsize("i") == 4 else "l"
_alloc_uninitialised = ffi.new_allocator(should_clear_after_alloc=False)


class _Scratch(threading.local):
    """Per-thread out-parameter, reused across calls (cffi drops the GIL in C)."""

    def __init__(self) -> None:
        self.out = ffi.new("struct revlog_bitmap **")


_scratch = _Scratch()


def ints_at(pointer, count: int) -> List[int]:
    """count int32s at pointer, as a list."""
    if count < _UNPACK_MAX:
        return ffi.unpack(pointer, count) if count else []
    # long lists: CPython makes them faster out of a memoryview
    return memoryview(ffi.buffer(pointer, 4 * count)).cast(_INT32_CODE).tolist()


def int_set_at(pointer, count: int) -> set:
    """count int32s at pointer, as a set."""
    if count < _UNPACK_MAX:
        return set(ffi.unpack(pointer, count)) if count else set()
    return set(memoryview(ffi.buffer(pointer, 4 * count)).cast(_INT32_CODE))


def _check(code: int) -> None:
    if code != _OK:
        raise status.error_for(code)


class Bitmap:
    """An immutable set of revisions (ints >= 0)."""

    __slots__ = ("_bitmap", "_words", "_nbits", "_count", "_list")

    def __init__(self, pointer) -> None:
        """Own `pointer`, a struct revlog_bitmap * (freed with this object)."""
        self._bitmap = ffi.gc(pointer, lib.revlog_bitmap_free)
        self._words = pointer.words
        self._nbits = pointer.nbits
        self._count: Optional[int] = None
        self._list: Optional[List[int]] = None

    @classmethod
    def new(cls, nbits: int) -> "Bitmap":
        """An empty bitmap with room for revisions [0, nbits)."""
        out = _scratch.out
        _check(lib.revlog_bitmap_new(nbits, out))
        return cls(out[0])

    @classmethod
    def from_revs(cls, revs: Iterable[int]) -> "Bitmap":
        """The bitmap of revs (each >= 0)."""
        try:
            revs = [operator.index(rev) for rev in revs]
        except TypeError:
            raise TypeError("an integer is required") from None
        if revs and min(revs) < 0:
            raise ValueError("a bitmap holds revisions >= 0")
        # more than an index can hold: IndexError, as the pure Bitmap
        bitmap = cls.new(max(revs) + 1 if revs else 0)
        add, pointer = lib.revlog_bitmap_add, bitmap._bitmap
        for rev in revs:
            add(pointer, rev)
        return bitmap

    def _combine(self, other, function):
        if not isinstance(other, Bitmap):
            return NotImplemented
        out = _scratch.out
        _check(function(self._bitmap, other._bitmap, out))
        return Bitmap(out[0])

    def __and__(self, other: "Bitmap") -> "Bitmap":
        return self._combine(other, lib.revlog_bitmap_and)

    def __or__(self, other: "Bitmap") -> "Bitmap":
        return self._combine(other, lib.revlog_bitmap_or)

    def __sub__(self, other: "Bitmap") -> "Bitmap":
        return self._combine(other, lib.revlog_bitmap_andnot)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Bitmap):
            return NotImplemented
        return bool(lib.revlog_bitmap_equal(self._bitmap, other._bitmap))

    def __ne__(self, other) -> bool:
        if not isinstance(other, Bitmap):
            return NotImplemented
        return not lib.revlog_bitmap_equal(self._bitmap, other._bitmap)

    def __hash__(self) -> int:
        # the hash of the pure Bitmap: that of the int whose bit r is revision r
        words = ffi.buffer(self._words, 8 * self._bitmap.nwords)
        if sys.byteorder == "little":
            return hash(int.from_bytes(words, "little"))
        native = array("Q", bytes(words))
        native.byteswap()
        return hash(int.from_bytes(native.tobytes(), "little"))

    def __len__(self) -> int:
        if self._count is None:
            self._count = lib.revlog_bitmap_count(self._bitmap)
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, rev) -> bool:
        if not isinstance(rev, int) or not 0 <= rev < self._nbits:
            return False
        return bool(self._words[rev >> 6] >> (rev & 63) & 1)

    def __iter__(self) -> Iterator[int]:
        return iter(self._revs())

    def tolist(self) -> List[int]:
        """The revisions, ascending."""
        return list(self._revs())

    def _revs(self) -> List[int]:
        if self._list is None:
            count = len(self)
            if count:
                out = _alloc_uninitialised("int32_t[]", count)
                lib.revlog_bitmap_list(self._bitmap, 0, out, count)
                self._list = ints_at(out, count)
            else:
                self._list = []
        return self._list

    def __repr__(self) -> str:
        revs = self._revs()
        shown = ", ".join(map(str, revs[:10])) + (", ..." if len(revs) > 10 else "")
        return "<Bitmap of %d revisions: [%s]>" % (len(revs), shown)
