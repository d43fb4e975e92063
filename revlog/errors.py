"""Exceptions raised by revlog, identical in the C and pure backends.

Everything derives from RevlogError.  Some also derive from a builtin so
that callers written against Mercurial's index protocol (which catch
ValueError around parsing and LookupError around node lookups) keep working.
"""


class RevlogError(Exception):
    """Base class of every error revlog raises about revlog content."""


class CorruptedIndex(RevlogError, ValueError):
    """An index file (or index data) is malformed."""


class CorruptedData(RevlogError):
    """Revision data is malformed: a bad chunk, delta or hash."""


class UnknownCompression(RevlogError):
    """A chunk starts with a compression header revlog does not know."""


class CensoredRevision(RevlogError):
    """The revision was censored; its content is gone."""


class RevisionNotFound(RevlogError, LookupError):
    """No revision has this number, node or prefix."""


class AmbiguousPrefix(RevlogError, LookupError):
    """A node prefix matches more than one revision."""


class RevlogExists(RevlogError, FileExistsError):
    """revlog.create() was asked for a revlog whose files already exist."""


class LockHeld(RevlogError):
    """Another writer held the revlog's lock for longer than lock_timeout."""
