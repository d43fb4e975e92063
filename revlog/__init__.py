"""revlog: read and write Mercurial revlogs without Mercurial.

The functions here come from the backend revlog.policy selected at import
(C through cffi, or pure Python); revlog.policy.load() gives either one.
"""
from revlog import errors, policy
from revlog.revlog import Format, Revlog, create, open
from revlog import repo  # revlog.repo.open(path): a repository

parse_index2 = policy.namespace.parse_index2
patches = policy.namespace.patches
patchedsize = policy.namespace.patchedsize
textdiff = policy.namespace.textdiff

__all__ = ["Format", "Revlog", "create", "errors", "open", "parse_index2", "patchedsize", "patches", "policy",
           "repo", "textdiff"]
