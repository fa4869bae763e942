"""Finnish-style number parsing: `1 028 323,76`, `77,78`, `106 937,52 -` (negative)."""

from __future__ import annotations

import re

# Spaces that may separate thousands: space, no-break space, narrow no-break, thin.
_SPACES = "\u0020\u00a0\u202f\u2009"
_GROUPED = re.compile(rf"^[+-]?\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+(?:,\d+)?$")
_TRAILING_MINUS = re.compile(rf"^(?P<num>.*?)[{_SPACES}]*[-\u2212\u2013]$")


def parse_number(text: str) -> float | None:
    """Return the value of a Finnish-formatted number, or None if `text` is not one.

    A trailing minus (`106 937,52 -`) marks a negative amount, as in Finnish
    financial statements; a leading minus works too.
    """
    s = text.strip().replace("\u2212", "-")
    negative = False
    m = _TRAILING_MINUS.match(s)
    if m and m.group("num"):
        s, negative = m.group("num").strip(), True
    if not (_GROUPED.match(s) or _PLAIN.match(s)):
        return None
    for space in _SPACES:
        s = s.replace(space, "")
    value = float(s.replace(",", "."))
    return -value if negative else value


def is_number_token(text: str) -> bool:
    """True for a single printed token that is a whole number or decimal (no separators)."""
    return bool(_PLAIN.match(text.strip()))


def is_thousands_group(text: str) -> bool:
    """True for a token that continues a grouped number: `028`, `323,76`."""
    return bool(re.match(r"^\d{3}(?:,\d+)?$", text))
