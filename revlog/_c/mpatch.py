"""Binary deltas through the C core (csrc/mpatch.c); mirrors revlog._pure.mpatch."""
import threading
from typing import Sequence

from revlog import status
from revlog._c._revlog_c import ffi, lib

# The output buffer is overwritten entirely: no need to zero it first.
_alloc_uninitialised = ffi.new_allocator(should_clear_after_alloc=False)


class _Scratch(threading.local):
    """Per-thread out-parameters, reused across calls (cffi drops the GIL in C)."""

    def __init__(self) -> None:
        self.plan = ffi.new("struct revlog_patch_plan **")
        self.size = ffi.new("size_t *")
        self.size64 = ffi.new("int64_t *")
        self.where = ffi.new("struct revlog_patch_error *")


_scratch = _Scratch()


def patches(text: bytes, deltas: Sequence[bytes]) -> bytes:
    """Apply `deltas` in order to `text` and return the result.

    Every delta must be valid for the text it applies to, or
    revlog.errors.CorruptedData is raised naming the delta and the hunk.
    """
    if not deltas:
        return text if isinstance(text, bytes) else bytes(text)
    scratch = _scratch
    base = ffi.from_buffer("uint8_t[]", text)
    buffers = [ffi.from_buffer("uint8_t[]", delta) for delta in deltas]
    lengths = [len(buf) for buf in buffers]
    code = lib.revlog_mpatch_fold(
        len(base), buffers, lengths, len(buffers), scratch.plan, scratch.size, scratch.where
    )
    if code != lib.REVLOG_OK:
        raise _error(code, scratch.where)
    plan = scratch.plan[0]
    try:
        out = _alloc_uninitialised("uint8_t[]", scratch.size[0])
        lib.revlog_mpatch_apply(plan, base, out)
    finally:
        lib.revlog_mpatch_free(plan)
    return ffi.buffer(out)[:]


def patchedsize(size: int, delta: bytes) -> int:
    """Length of the text `delta` makes of a text of `size` bytes.

    The delta is validated as patches() validates it.
    """
    if not 0 <= size <= status.MAX_TEXT_SIZE:
        raise status.patch_error(status.PATCH_OVERFLOW, 0, 0)
    scratch = _scratch
    buf = ffi.from_buffer("uint8_t[]", delta)
    code = lib.revlog_mpatch_patchedsize(size, buf, len(buf), scratch.size64, scratch.where)
    if code != lib.REVLOG_OK:
        raise _error(code, scratch.where)
    return scratch.size64[0]


def _error(code: int, where) -> Exception:
    if code in status.PATCH_REASONS:
        return status.patch_error(code, where.delta, where.offset)
    return status.error_for(code)
