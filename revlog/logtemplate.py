"""`revlog log` templates: a small subset of Mercurial's, with the same output.

A template is literal text with ``{keyword}`` or ``{keyword|filter|...}``
fields; in the literal text ``\\{`` is a brace and other backslash escapes
(``\\n``, ``\\t``, ``\\\\``, ``\\x01``...) are Python's string escapes.

Keywords: rev node author user desc date branch files extras manifest
p1rev p2rev p1node p2node.  Filters: short hex isodate isodatesec
rfc822date shortdate hgdate date user emailuser person email firstline
strip lower upper count.  Each renders as ``hg log -T`` 7.2.4 does.
"""
import codecs
import datetime
import re
import warnings
from typing import Callable, Dict, List, Tuple, Union

from revlog.changelog import Changeset, Date

DEFAULT_TEMPLATE = "{rev}:{node|short} {date|isodate} {author|user}: {desc|firstline}\\n"
DATE_FORMAT = "%a %b %d %H:%M:%S %Y %1%2"   # %1%2: the time zone, +hhmm

Value = Union[bytes, int, Date, List[bytes]]


class TemplateError(ValueError):
    """A template that cannot be parsed or names an unknown keyword or filter."""


# ---- dates ---------------------------------------------------------------------


def format_date(date: Date, pattern: str = DATE_FORMAT) -> bytes:
    """A (unixtime, offset west of UTC) date in strftime pattern, %1%2 being the zone."""
    when, offset = date
    sign = "-" if offset > 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    pattern = pattern.replace("%1", "%s%02d" % (sign, hours)).replace("%2", "%02d" % minutes)
    local = min(max(when - offset, -0x80000000), 0x7FFFFFFF)   # 32-bit time, as Mercurial
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=local)
    return moment.strftime(pattern).encode("ascii")


# ---- user names ----------------------------------------------------------------


def short_user(user: bytes) -> bytes:
    """The login-like part of an author: before '@', after '<', before ' ' and '.'."""
    user = user.split(b"@", 1)[0]
    if b"<" in user:
        user = user[user.index(b"<") + 1:]
    return user.split(b" ", 1)[0].split(b".", 1)[0]


def email_user(user: bytes) -> bytes:
    """The part of an author's e-mail address before '@'."""
    user = user.split(b"@", 1)[0]
    return user[user.index(b"<") + 1:] if b"<" in user else user


def email(user: bytes) -> bytes:
    """The address between '<' and '>' (the whole text if it has no '<')."""
    end = user.find(b">")
    return user[user.find(b"<") + 1:end if end >= 0 else None]


def person(user: bytes) -> bytes:
    """The name before an address, unquoted; the whole text without '@'."""
    if b"@" not in user:
        return user
    if b"<" in user:
        return user[:user.index(b"<")].strip(b' "').replace(b'\\"', b'"')
    return user[:user.index(b"@")].replace(b".", b" ")


def first_line(text: bytes) -> bytes:
    """The first line of text (b"" if none)."""
    text = text.split(b"\n", 1)[0]
    lines = text.splitlines()
    return lines[0] if lines else b""


# ---- keywords and filters ------------------------------------------------------


def _extras(cs: Changeset) -> bytes:
    """key=value for every extra, by key, with nothing between them (as Mercurial)."""
    return b"".join(b"%s=%s" % (key, codecs.escape_encode(cs.extras[key])[0]) for key in sorted(cs.extras))


def keywords(cs: Changeset, nodes: Callable[[int], bytes], manifest_rev: Callable[[bytes], int]) -> Dict[str, Callable[[], Value]]:
    """The keywords of a changeset; nodes(rev) gives a changelog node."""
    p1, p2 = cs.parents
    return {
        "rev": lambda: cs.rev,
        "node": lambda: cs.node.hex().encode("ascii"),
        "author": lambda: cs.user,
        "user": lambda: cs.user,
        "desc": lambda: cs.description.strip(),
        "date": lambda: cs.date,
        "branch": lambda: cs.branch,
        "files": lambda: list(cs.files),
        "extras": lambda: _extras(cs),
        "manifest": lambda: b"%d:%s" % (manifest_rev(cs.manifest), cs.manifest[:6].hex().encode("ascii")),
        "p1rev": lambda: p1,
        "p2rev": lambda: p2,
        "p1node": lambda: nodes(p1).hex().encode("ascii"),
        "p2node": lambda: nodes(p2).hex().encode("ascii"),
    }


def _text(value: Value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, list):
        return b" ".join(value)
    return b"%d.0%d" % value   # a date, as Mercurial shows it unfiltered


def _date_filter(pattern: str) -> Callable[[Value], Value]:
    def apply(value: Value) -> Value:
        if not isinstance(value, tuple):
            raise TemplateError("date filter applied to something that is not a date")
        return format_date(value, pattern)
    return apply


def _hgdate(value: Value) -> Value:
    if not isinstance(value, tuple):
        raise TemplateError("hgdate applied to something that is not a date")
    return b"%d %d" % value


def _on_text(function: Callable[[bytes], bytes]) -> Callable[[Value], Value]:
    return lambda value: function(_text(value))


def _count(value: Value) -> Value:
    if not isinstance(value, (list, bytes)):
        raise TemplateError("count needs a list or text")
    return len(value)


FILTERS: Dict[str, Callable[[Value], Value]] = {
    "short": _on_text(lambda text: text[:12]),
    "hex": _on_text(lambda text: text),   # nodes are already shown in hex
    "isodate": _date_filter("%Y-%m-%d %H:%M %1%2"),
    "isodatesec": _date_filter("%Y-%m-%d %H:%M:%S %1%2"),
    "rfc822date": _date_filter("%a, %d %b %Y %H:%M:%S %1%2"),
    "shortdate": _date_filter("%Y-%m-%d"),
    "date": _date_filter(DATE_FORMAT),
    "hgdate": _hgdate,
    "user": _on_text(short_user),
    "emailuser": _on_text(email_user),
    "email": _on_text(email),
    "person": _on_text(person),
    "firstline": _on_text(first_line),
    "strip": _on_text(lambda text: text.strip()),
    "lower": _on_text(lambda text: text.lower()),
    "upper": _on_text(lambda text: text.upper()),
    "count": _count,
}


# ---- parsing and rendering -------------------------------------------------------

_FIELD = re.compile(r"\{([a-z0-9]+)((?:\|[a-z0-9]+)*)\}")

Piece = Union[bytes, Tuple[str, List[str]]]


def _unescape(literal: str) -> bytes:
    raw = literal.encode("utf-8", "surrogateescape")
    try:
        with warnings.catch_warnings():   # an unknown escape stays as written, as in Mercurial
            warnings.simplefilter("ignore", DeprecationWarning)
            return codecs.escape_decode(raw)[0]
    except ValueError as exc:
        raise TemplateError("bad escape in template text %r: %s" % (literal, exc)) from None


def parse(template: str, known: Tuple[str, ...] = ()) -> List[Piece]:
    """Split a template into literal bytes and (keyword, [filters]) fields."""
    pieces: List[Piece] = []
    literal = []
    pos = 0
    while pos < len(template):
        char = template[pos]
        if char == "\\" and template[pos + 1:pos + 2] == "{":
            literal.append("{")
            pos += 2
        elif char == "\\":
            literal.append(template[pos:pos + 2])
            pos += 2
        elif char == "{":
            match = _FIELD.match(template, pos)
            if match is None:
                raise TemplateError("cannot parse template field at %r" % template[pos:pos + 30])
            keyword, filters = match.group(1), [f for f in match.group(2).split("|") if f]
            if known and keyword not in known:
                raise TemplateError("unknown keyword %r (known: %s)" % (keyword, ", ".join(known)))
            for name in filters:
                if name not in FILTERS:
                    raise TemplateError("unknown filter %r (known: %s)" % (name, ", ".join(sorted(FILTERS))))
            if literal:
                pieces.append(_unescape("".join(literal)))
                literal = []
            pieces.append((keyword, filters))
            pos = match.end()
        else:
            literal.append(char)
            pos += 1
    if literal:
        pieces.append(_unescape("".join(literal)))
    return pieces


KEYWORDS = ("rev", "node", "author", "user", "desc", "date", "branch", "files", "extras",
            "manifest", "p1rev", "p2rev", "p1node", "p2node")


def compile_template(template: str) -> List[Piece]:
    """A parsed template; TemplateError if it is malformed."""
    return parse(template, KEYWORDS)


def render(pieces: List[Piece], values: Dict[str, Callable[[], Value]]) -> bytes:
    """One changeset through a parsed template."""
    out = []
    for piece in pieces:
        if isinstance(piece, bytes):
            out.append(piece)
            continue
        keyword, filters = piece
        value = values[keyword]()
        for name in filters:
            value = FILTERS[name](value)
        out.append(_text(value))
    return b"".join(out)
