"""Status codes of the C core and the errors they stand for.

The numbers mirror `enum revlog_status` in csrc/revlog.h (a test checks
that they agree).  The pure backend reports failures with the same codes,
so both backends raise the same exception with the same message.
"""
from revlog import constants, errors

OK = 0
NOMEM = 1
INTERNAL = 2
RANGE = 3
CALLBACK = 4  # a Python callback (a headrevs filter) raised; the wrapper re-raises
GCA_CAPACITY = 5  # too many candidates for index.ancestors (protocol.gca_capacity_error)
PATCH_TRUNCATED = 10
PATCH_BAD_RANGE = 11
PATCH_PAST_END = 12
PATCH_OUT_OF_ORDER = 13
PATCH_OVERFLOW = 14
INDEX_BAD_SIZE = 20
INDEX_INLINE_TRUNCATED = 21
INDEX_BAD_PARENT = 22
INDEX_BAD_BASE = 23
INDEX_BAD_LENGTH = 24
INDEX_BAD_OFFSET = 25
INDEX_TOO_LARGE = 26
DIFF_TOO_LARGE = 30

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


# Messages of index corruption, formatted with the revision and the value
# the C core reports in struct revlog_error_info (the pure index passes the
# same two numbers).  "parent out of range" starts as in Mercurial.
INDEX_MESSAGES = {
    INDEX_BAD_SIZE: "index data size is not a multiple of the entry size ({value} bytes left over)",
    INDEX_INLINE_TRUNCATED: "inline index data is truncated: revision {rev} runs past the end",
    INDEX_BAD_PARENT: "parent out of range: revision {rev} has parent {value}",
    INDEX_BAD_BASE: "delta base out of range: revision {rev} has delta base {value}",
    INDEX_BAD_LENGTH: "revision {rev} has a negative compressed length {value}",
    INDEX_BAD_OFFSET: "inconsistent offsets: revision {rev} starts before byte {value}",
    INDEX_TOO_LARGE: "index has too many revisions ({value}; at most 2147483646)",
}


def index_error(code: int, rev: int, value: int) -> errors.CorruptedIndex:
    """The exception for a corrupted index (see INDEX_MESSAGES)."""
    template = INDEX_MESSAGES.get(code, "unknown index error %d" % code)
    return errors.CorruptedIndex(template.format(rev=rev, value=value))


def diff_error(size: int) -> errors.RevlogError:
    """The exception for a text of `size` bytes, too long for textdiff (DIFF_TOO_LARGE)."""
    return errors.RevlogError(
        "cannot diff a text of %d bytes: deltas address at most %d"
        % (size, constants.DELTA_FIELD_MAX)
    )


def error_for(code: int) -> Exception:
    """The exception for a status that is not tied to input content."""
    if code == NOMEM:
        return MemoryError("revlog: out of memory")
    if code == RANGE:
        return IndexError("revlog index out of range")
    return errors.RevlogError(
        "revlog internal error (status %d); please report it" % code
    )
