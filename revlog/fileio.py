"""Reading repository files that may be hostile.

An index says how long each chunk is; a hostile one may say gigabytes.
Python's read(n) and os.pread(fd, n, offset) allocate n bytes before they
read, so every range read here is first cut to what the file holds.

A repository file may also be replaced by something that is not a file: a
FIFO blocks open() forever, /dev/zero never ends.  Files are opened here
without blocking and refused unless they are regular files (a symbolic
link to one is fine); whole-file reads take what fstat says the file holds,
and refuse small files that claim to be large (a sparse file costs no disk).
"""
import io
import os
import re
import stat
from typing import BinaryIO, Optional, Type

from revlog import errors

# os.open flags: never wait for a FIFO's writer, never adopt a terminal,
# never leak the descriptor into a child process
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0))
# ids that name files (v2 dockets, the file index): hg writes hex; nothing
# that could name another directory, or hold a NUL
_FILE_ID = re.compile(rb"[0-9A-Za-z]+")

# Most bytes read whole from the small files that describe a repository
# (requires, sharedpath, v2 and file index dockets): hg writes a few hundred.
METADATA_MAX_SIZE = 1 << 20
# ... from a transaction journal: a few hundred bytes per file it names.
JOURNAL_MAX_SIZE = 64 << 20
# ... from the lists of tracked paths (fncache, file index parts): ~60 bytes
# a path, so ~15 million paths, ten times the largest known repositories;
# only a sparse or planted file is that large.
PATH_LIST_MAX_SIZE = 1 << 30

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def is_file_id(file_id: bytes) -> bool:
    """Whether file_id may be part of a file name (letters and digits only)."""
    return _FILE_ID.fullmatch(file_id) is not None


def pread_bounded(fd: int, start: int, length: int) -> bytes:
    """At most length bytes of fd at start: fewer when the file ends first,
    and never a buffer larger than what the file holds.

    A read returns at most ~2 GiB on Linux (0x7ffff000 bytes): a longer
    range is read in as many steps as it takes.
    """
    if start < 0 or length <= 0:
        return b""
    available = os.fstat(fd).st_size - start
    if available <= 0:
        return b""
    length = min(length, available)
    pieces = []
    got = 0
    while got < length:
        piece = os.pread(fd, length - got, start + got)
        if not piece:  # the file shrank meanwhile
            break
        pieces.append(piece)
        got += len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def open_regular(path: str, error: Type[errors.RevlogError]) -> BinaryIO:
    """path opened for reading (binary, buffered), without ever blocking.

    error(message naming path) unless path is a regular file (a symbolic
    link to one is fine): its type is checked before it is opened (opening
    a device may do something), and again on the open descriptor (it may
    have been replaced meanwhile).  A missing file raises
    FileNotFoundError, other failures OSError, as open() does.
    """
    _refuse_unless_regular(path, os.stat(path).st_mode, error)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        _refuse_unless_regular(path, os.fstat(fd).st_mode, error)
        os.set_blocking(fd, True)  # a regular file never blocks; reads must not see EAGAIN
        return io.open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str, error: Type[errors.RevlogError], max_size: Optional[int]) -> bytes:
    """The content of the regular file at path, as open_regular opens it:
    at most the size fstat gives (a file growing meanwhile is cut there).

    error(message with both sizes) when the file holds more than max_size
    bytes (None: no limit), before anything is read.
    """
    with open_regular(path, error) as f:
        return read_open(f, path, error, max_size)


def read_open(f: BinaryIO, path: str, error: Type[errors.RevlogError], max_size: Optional[int]) -> bytes:
    """The whole of f (open_regular's file at path), as read_regular reads it."""
    size = os.fstat(f.fileno()).st_size
    if max_size is not None and size > max_size:
        raise error("%s has %d bytes, more than the %d such a file may have" % (path, size, max_size))
    return pread_bounded(f.fileno(), 0, size)


def _refuse_unless_regular(path: str, mode: int, error: Type[errors.RevlogError]) -> None:
    if not stat.S_ISREG(mode):
        raise error(_not_regular(path, mode))


def _not_regular(path: str, mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    return "%s is not a regular file (%s)" % (path, kind)
