"""Line-based binary diff through the C core; mirrors revlog._pure.bdiff.

Interim: csrc/bdiff.c is being written; until it lands this backend uses
the pure implementation (same output by design).
"""
from revlog._pure.bdiff import textdiff

__all__ = ["textdiff"]
