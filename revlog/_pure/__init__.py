"""The pure-Python backend: the same functions as revlog._c, in Python."""
from revlog._pure.bdiff import textdiff
from revlog._pure.index import parse_index2
from revlog._pure.mpatch import patchedsize, patches

NAME = "pure"

__all__ = ["NAME", "parse_index2", "patchedsize", "patches", "textdiff"]
