"""Reading byte ranges whose length comes from a file's own contents.

An index says how long each chunk is; a hostile one may say gigabytes.
Python's read(n) and os.pread(fd, n, offset) allocate n bytes before they
read, so every range read here is first cut to what the file holds.
"""
import os


def pread_bounded(fd: int, start: int, length: int) -> bytes:
    """At most length bytes of fd at start: fewer when the file ends first,
    and never a buffer larger than what the file holds."""
    if start < 0 or length <= 0:
        return b""
    available = os.fstat(fd).st_size - start
    if available <= 0:
        return b""
    return os.pread(fd, min(length, available), start)
