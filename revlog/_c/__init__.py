"""The C backend: thin cffi wrappers over csrc/, mirroring revlog._pure.

Importing it requires the compiled module revlog._c._revlog_c; use
revlog.policy.load("c") rather than importing this directly, so the ABI
version is checked.
"""
from revlog._c.bdiff import textdiff
from revlog._c.index import parse_index2
from revlog._c.mpatch import patchedsize, patches

NAME = "c"

__all__ = ["NAME", "parse_index2", "patchedsize", "patches", "textdiff"]
