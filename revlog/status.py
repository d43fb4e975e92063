"""Status codes of the C core and the errors they stand for.

The numbers mirror `enum revlog_status` in csrc/revlog.h (a test checks
that they agree).  The pure backend reports failures with the same codes,
so both backends raise the same exception with the same message.
"""
from revlog import errors

OK = 0
NOMEM = 1
INTERNAL = 2
PATCH_TRUNCATED = 10
PATCH_BAD_RANGE = 11
PATCH_PAST_END = 12
PATCH_OUT_OF_ORDER = 13
PATCH_OVERFLOW = 14

# Largest text length the delta code accepts (the C core keeps lengths in
# int64 with room to spare); far beyond anything a revlog can store.
MAX_TEXT_SIZE = (1 << 62) - 1

PATCH_REASONS = {
    PATCH_TRUNCATED: "truncated hunk",
    PATCH_BAD_RANGE: "hunk start is after its end",
    PATCH_PAST_END: "hunk ends past the end of the text",
    PATCH_OUT_OF_ORDER: "hunk starts before the previous hunk ends",
    PATCH_OVERFLOW: "length out of range",
}


def patch_error(code: int, delta: int, offset: int) -> errors.CorruptedData:
    """The exception for a malformed delta `delta` with a bad hunk at `offset`."""
    reason = PATCH_REASONS.get(code, "unknown error %d" % code)
    return errors.CorruptedData(
        "corrupted delta %d: %s (hunk at byte %d)" % (delta, reason, offset)
    )


def error_for(code: int) -> Exception:
    """The exception for a status that is not tied to input content."""
    if code == NOMEM:
        return MemoryError("revlog: out of memory")
    return errors.RevlogError(
        "revlog internal error (status %d); please report it" % code
    )
