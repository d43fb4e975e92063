"""Line-based binary diff through the C core (csrc/bdiff.c); mirrors revlog._pure.bdiff."""
import threading

from revlog import status
from revlog._c._revlog_c import ffi, lib


class _Differ(threading.local):
    """Per-thread C differ (its scratch memory is reused from call to call;
    cffi releases the GIL in C, so threads must not share one) and its
    out-parameters, as one tuple: a single attribute lookup per call."""

    def __init__(self) -> None:
        made = ffi.new("struct revlog_differ **")
        code = lib.revlog_differ_new(made)
        if code != lib.REVLOG_OK:
            raise status.error_for(code)
        self.state = (ffi.gc(made[0], lib.revlog_differ_free),
                      ffi.new("const char **"), ffi.new("size_t *"))


_local = _Differ()
_diff = lib.revlog_differ_diff
_unpack = ffi.unpack


def textdiff(a: bytes, b: bytes) -> bytes:
    """Return an mpatch delta that turns `a` into `b` (b"" if they are equal).

    Accepts any bytes-like objects; texts longer than a delta can address
    (2**31 - 1 bytes) raise revlog.errors.RevlogError.
    """
    differ, out, size = _local.state
    try:
        # bytes reach C without a copy; cffi refuses anything else
        code = _diff(differ, a, len(a), b, len(b), out, size)
    except TypeError:
        if type(a) is bytes and type(b) is bytes:
            raise
        return textdiff(memoryview(a).tobytes(), memoryview(b).tobytes())
    if code:  # REVLOG_OK is 0
        if code == lib.REVLOG_ERR_DIFF_TOO_LARGE:
            raise status.diff_error(max(len(a), len(b)))
        raise status.error_for(code)
    length = size[0]
    return _unpack(out[0], length) if length else b""
