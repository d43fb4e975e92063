"""Changelog entries: the text of a changeset, parsed.

A changeset's text (Mercurial 7.2.4, changelog v1 and v2 alike):

    <manifest node, 40 hex digits>\\n
    <user>\\n
    <unixtime> <timezone offset>[ <extras>]\\n
    <touched file>\\n ...      (none or more)
    \\n
    <description>

The offset is in seconds west of UTC (Mercurial's convention: -3600 is
UTC+1).  Extras are ``key:value`` pairs separated by NUL bytes, each with
``\\\\``, ``\\n``, ``\\r`` and NUL backslash-escaped; a changeset without a
``branch`` extra is on ``default``.
"""
import codecs
import re
from dataclasses import dataclass, field
from typing import Dict, Tuple, Union

from revlog import errors
from revlog.constants import NULL_NODE, NULL_REV

DEFAULT_BRANCH = b"default"
# an escaped backslash, or an escaped NUL: see _unescape
_BACKSLASH_OR_NUL = re.compile(rb"\\\\|\\0")

Date = Tuple[Union[int, float], int]


@dataclass(frozen=True)
class Changeset:
    """One changeset, as its changelog entry says."""

    rev: int
    node: bytes
    parents: Tuple[int, int]
    manifest: bytes                 # node of its manifest revision
    user: bytes
    date: Date                      # (unixtime, offset west of UTC in seconds)
    extras: Dict[bytes, bytes] = field(hash=False)
    files: Tuple[bytes, ...]        # touched (changed, added or removed) paths
    description: bytes

    @property
    def branch(self) -> bytes:
        """The named branch (b"default" unless the extras say otherwise)."""
        return self.extras.get(b"branch", DEFAULT_BRANCH)

    @property
    def closes_branch(self) -> bool:
        """Whether this changeset closes its branch."""
        return b"close" in self.extras


def _unescape(text: bytes) -> bytes:
    """Undo the escaping of one extras pair.

    ``\\0`` is a NUL even when digits follow (a plain string-escape decoder
    would read ``\\012`` as an octal escape), unless its backslash is itself
    escaped; the rest is string-escape decoding.
    """
    if b"\\0" in text:
        text = _BACKSLASH_OR_NUL.sub(lambda m: b"\0" if m.group() == b"\\0" else m.group(), text)
    return codecs.escape_decode(text)[0]


def parse_extras(text: bytes) -> Dict[bytes, bytes]:
    """The extras field of a changeset (branch defaults to b"default")."""
    extras = {b"branch": DEFAULT_BRANCH}
    for item in text.split(b"\0"):
        if item:
            try:
                key, value = _unescape(item).split(b":", 1)
            except ValueError:
                raise ValueError("malformed extra %r" % item) from None
            extras[key] = value
    return extras


def _parse_date(field_text: bytes) -> Tuple[Date, bytes]:
    pieces = field_text.split(b" ", 2)
    if len(pieces) < 2:
        raise ValueError("malformed date %r" % field_text)
    try:
        when: Union[int, float] = int(pieces[0])
    except ValueError:
        try:
            when = float(pieces[0])
        except ValueError:
            raise ValueError("malformed date %r" % field_text) from None
    try:
        offset = int(pieces[1])
    except ValueError:
        offset = 0  # as Mercurial: some tools wrote odd time zones
    return (when, offset), (pieces[2] if len(pieces) == 3 else b"")


def parse_changeset(text: bytes, rev: int = NULL_REV, node: bytes = NULL_NODE,
                    parents: Tuple[int, int] = (NULL_REV, NULL_REV)) -> Changeset:
    """Parse a changeset's text; ValueError (with the reason) if it is malformed."""
    if not text:
        return Changeset(rev, node, parents, NULL_NODE, b"", (0, 0), {b"branch": DEFAULT_BRANCH}, (), b"")
    text = bytes(text)
    end_manifest = text.find(b"\n")
    end_user = text.find(b"\n", end_manifest + 1)
    end_date = text.find(b"\n", end_user + 1)
    if min(end_manifest, end_user, end_date) < 0:
        raise ValueError("fewer than three header lines")
    if text[end_date + 1:end_date + 2] == b"\n":
        end_files = end_date
    else:
        end_files = text.find(b"\n\n", end_date + 1)
        if end_files < 0:
            raise ValueError("no blank line before the description")
    try:
        manifest = bytes.fromhex(text[:end_manifest].decode("ascii"))
    except ValueError:
        manifest = b""
    if len(manifest) != len(NULL_NODE):
        raise ValueError("malformed manifest node %r" % text[:end_manifest])
    date, extras_text = _parse_date(text[end_user + 1:end_date])
    files = tuple(text[end_date + 1:end_files].split(b"\n")) if end_files > end_date else ()
    return Changeset(
        rev=rev, node=node, parents=parents, manifest=manifest,
        user=text[end_manifest + 1:end_user], date=date,
        extras=parse_extras(extras_text), files=files,
        description=text[end_files + 2:])


def read_changeset(changelog, rev: int) -> Changeset:
    """The changeset rev of a changelog Revlog, parsed (CorruptedData if malformed)."""
    text = changelog.revision(rev)
    node, parents = changelog.node(rev), changelog.parentrevs(rev)
    try:
        return parse_changeset(text, rev, node, parents)
    except ValueError as exc:
        raise errors.CorruptedData(
            "%s: revision %d: malformed changeset: %s" % (changelog.name, rev, exc)) from None
