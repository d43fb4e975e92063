"""Binary deltas through the C core (csrc/mpatch.c); mirrors revlog._pure.mpatch."""
from typing import Sequence

from revlog import status
from revlog._c._revlog_c import ffi, lib

# The output buffer is overwritten entirely: no need to zero it first.
_alloc_uninitialised = ffi.new_allocator(should_clear_after_alloc=False)


def patches(text: bytes, deltas: Sequence[bytes]) -> bytes:
    """Apply `deltas` in order to `text` and return the result.

    Every delta must be valid for the text it applies to, or
    revlog.errors.CorruptedData is raised naming the delta and the hunk.
    """
    if not deltas:
        return text if isinstance(text, bytes) else bytes(text)
    base = ffi.from_buffer("uint8_t[]", text)
    buffers = [ffi.from_buffer("uint8_t[]", delta) for delta in deltas]
    pointers = ffi.new("uint8_t *[]", buffers)
    lengths = ffi.new("size_t[]", [len(buf) for buf in buffers])
    plan = ffi.new("struct revlog_patch_plan **")
    out_len = ffi.new("size_t *")
    where = ffi.new("struct revlog_patch_error *")
    code = lib.revlog_mpatch_fold(
        len(base), pointers, lengths, len(buffers), plan, out_len, where
    )
    if code != lib.REVLOG_OK:
        raise _error(code, where)
    try:
        out = _alloc_uninitialised("uint8_t[]", out_len[0])
        lib.revlog_mpatch_apply(plan[0], base, out)
    finally:
        lib.revlog_mpatch_free(plan[0])
    return ffi.buffer(out)[:]


def patchedsize(size: int, delta: bytes) -> int:
    """Length of the text `delta` makes of a text of `size` bytes.

    The delta is validated as patches() validates it.
    """
    if not 0 <= size <= status.MAX_TEXT_SIZE:
        raise status.patch_error(status.PATCH_OVERFLOW, 0, 0)
    buf = ffi.from_buffer("uint8_t[]", delta)
    out_len = ffi.new("int64_t *")
    where = ffi.new("struct revlog_patch_error *")
    code = lib.revlog_mpatch_patchedsize(size, buf, len(buf), out_len, where)
    if code != lib.REVLOG_OK:
        raise _error(code, where)
    return out_len[0]


def _error(code: int, where) -> Exception:
    if code in status.PATCH_REASONS:
        return status.patch_error(code, where.delta, where.offset)
    return status.error_for(code)
