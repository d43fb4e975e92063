"""cffi build script for revlog's C core (out-of-line API mode).

csrc/revlog.h is the cdef: its preprocessor lines (include guard, includes)
are dropped and the rest is given to cffi verbatim, so the declarations the
binding uses are the ones the C compiler checks against the implementation.
"""
import os
import pathlib

import cffi

CSRC = pathlib.Path(__file__).resolve().parent
SOURCES = ["bdiff.c", "bitmap.c", "dagops.c", "deltachain.c", "index.c", "mpatch.c", "nodetree.c",
           "version.c"]
MODULE = "revlog._c._revlog_c"


def read_cdef(header: pathlib.Path = CSRC / "revlog.h") -> str:
    """Return the header without its preprocessor lines, ready for cdef()."""
    lines = header.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def _relative(path: pathlib.Path) -> str:
    # setuptools wants source paths relative to the project root (the cwd).
    return os.path.relpath(path)


# Python functions the C core calls back (revlog_filter_fn for headrevs):
# cffi-only declarations, so they live here rather than in revlog.h.
CALLBACKS = 'extern "Python" int32_t revlog_py_filter(void *, int64_t);'

ffibuilder = cffi.FFI()
ffibuilder.cdef(read_cdef())
ffibuilder.cdef(CALLBACKS)
ffibuilder.set_source(
    MODULE,
    '#include "revlog.h"',
    sources=[_relative(CSRC / name) for name in SOURCES],
    include_dirs=[_relative(CSRC)],
    extra_compile_args=["-O2"] if os.name != "nt" else [],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
