"""Revision symbols both the repository and a single revlog accept.

A decimal revision number (negative counts back from the end: -1 is the
last revision) and a hex node prefix (1 to 40 hex digits, any case).
"""
from typing import Optional

_HEX_DIGITS = frozenset("0123456789abcdef")


def revision_number(symbol: str, count: int) -> Optional[int]:
    """The revision a decimal symbol names among count revisions, or None.

    None when symbol is not written as a plain integer (``+1``, ``01``) or
    is out of range: it may still be a node prefix.
    """
    try:
        number = int(symbol, 10)
    except ValueError:
        return None
    if str(number) != symbol or not -count <= number < count:
        return None
    return number if number >= 0 else count + number


def hex_prefix(symbol: str) -> Optional[bytes]:
    """symbol as a lower-case ASCII node prefix, or None if it cannot be one."""
    prefix = symbol.lower()
    if not prefix or len(prefix) > 40 or not _HEX_DIGITS.issuperset(prefix):
        return None
    return prefix.encode("ascii")
