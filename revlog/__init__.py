"""revlog: read and write Mercurial revlogs without Mercurial.

The functions here come from the backend revlog.policy selected at import
(C through cffi, or pure Python); revlog.policy.load() gives either one.
"""
from revlog import errors, policy

patches = policy.namespace.patches
patchedsize = policy.namespace.patchedsize

__all__ = ["errors", "patchedsize", "patches", "policy"]
