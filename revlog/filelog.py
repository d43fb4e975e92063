"""File revisions: a filelog text is the file's content, maybe after a metadata block.

A text that starts with ``\\1\\n`` carries metadata up to the next
``\\1\\n``: ``key: value`` lines.  A copy or rename records its source as
``copy: <path>`` and ``copyrev: <40 hex digits>`` (and the revision then
has a null first parent).  A file whose content itself starts with
``\\1\\n`` is stored behind an empty block (``\\1\\n\\1\\n``).
"""
from typing import Dict, Optional, Tuple

from revlog.constants import NULL_NODE

META_MARKER = b"\x01\n"

Metadata = Dict[bytes, bytes]


def split_metadata(text: bytes) -> Tuple[Optional[Metadata], bytes]:
    """(metadata or None, file content) of a filelog text; ValueError if malformed."""
    if text[:2] != META_MARKER:
        return None, text
    end = text.find(META_MARKER, 2)
    if end < 0:
        raise ValueError("metadata block is not closed")
    meta = {}
    for line in text[2:end].splitlines():
        key, sep, value = line.partition(b": ")
        if not sep:
            raise ValueError("malformed metadata line %r" % line[:200])
        meta[key] = value
    return meta, text[end + 2:]


def copy_source(meta: Optional[Metadata]) -> Optional[Tuple[bytes, bytes]]:
    """(source path, source filelog node) recorded by a copy, or None."""
    if not meta or b"copy" not in meta or b"copyrev" not in meta:
        return None
    try:
        node = bytes.fromhex(meta[b"copyrev"].decode("ascii"))
    except ValueError:
        node = b""
    if len(node) != len(NULL_NODE):
        raise ValueError("malformed copyrev %r" % meta[b"copyrev"][:200])
    return meta[b"copy"], node
