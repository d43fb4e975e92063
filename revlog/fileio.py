"""Reading repository files that may be hostile.

An index says how long each chunk is; a hostile one may say gigabytes.
Python's read(n) and os.pread(fd, n, offset) allocate n bytes before they
read, so every range read here is first cut to what the file holds.

A repository file may also be replaced by something that is not a file: a
FIFO blocks open() forever, /dev/zero never ends.  Files are opened here
without blocking and refused unless they are regular files (a symbolic
link to one is fine); whole-file reads take what fstat says the file holds.
"""
import io
import os
import re
import stat
from typing import BinaryIO, Type

from revlog import errors

# os.open flags: never wait for a FIFO's writer, never adopt a terminal,
# never leak the descriptor into a child process
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0))
# ids that name files (v2 dockets, the file index): hg writes hex; nothing
# that could name another directory, or hold a NUL
_FILE_ID = re.compile(rb"[0-9A-Za-z]+")

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def is_file_id(file_id: bytes) -> bool:
    """Whether file_id may be part of a file name (letters and digits only)."""
    return _FILE_ID.fullmatch(file_id) is not None


def pread_bounded(fd: int, start: int, length: int) -> bytes:
    """At most length bytes of fd at start: fewer when the file ends first,
    and never a buffer larger than what the file holds."""
    if start < 0 or length <= 0:
        return b""
    available = os.fstat(fd).st_size - start
    if available <= 0:
        return b""
    return os.pread(fd, min(length, available), start)


def open_regular(path: str, error: Type[errors.RevlogError]) -> BinaryIO:
    """path opened for reading (binary, buffered), without ever blocking.

    error(message naming path) unless path is a regular file; a missing
    file raises FileNotFoundError, other failures to open OSError, as
    open() does.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except OSError:
        _refuse_if_special(path, error)  # a socket cannot be opened (ENXIO)
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(_not_regular(path, mode))
        return io.open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str, error: Type[errors.RevlogError]) -> bytes:
    """The content of the regular file at path, as open_regular opens it:
    at most the size fstat gives (a file growing meanwhile is cut there)."""
    with open_regular(path, error) as f:
        return f.read(os.fstat(f.fileno()).st_size)


def _refuse_if_special(path: str, error: Type[errors.RevlogError]) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        raise error(_not_regular(path, mode)) from None


def _not_regular(path: str, mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    return "%s is not a regular file (%s)" % (path, kind)
