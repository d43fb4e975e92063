"""The pure-Python backend: the same functions as revlog._c, in Python."""
from revlog._pure.mpatch import patchedsize, patches

NAME = "pure"

__all__ = ["NAME", "patchedsize", "patches"]
