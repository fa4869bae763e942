"""Finnish-style numbers as reports print them.

`1 028 323,76` with any of four spaces between thousands (U+0020, U+00A0, U+202F, U+2009);
a negative as `106 937,52 -` (trailing minus, the Finnish accounts' habit), `-5`, `−5` (U+2212)
or `(5,00)`. `€` and `%` may be attached to the number (`77,78%`); `split_attached_unit` parts them.
"""

from __future__ import annotations

import re

# Spaces that may separate thousands: space, no-break space, narrow no-break, thin.
SPACES = "\u0020\u00a0\u202f\u2009"
# Minus signs: hyphen-minus, U+2212 minus, U+2013 en dash (word processors' "minus").
MINUSES = "-\u2212\u2013"
_MINUS_CLASS = re.escape(MINUSES)
# Units of measure that may be printed glued to their number.
ATTACHED_UNITS = ("€", "%")

_DIGITS = rf"\d{{1,3}}(?:[{SPACES}]\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?"
_NUMBER = re.compile(
    rf"^(?:(?P<lead>[+{_MINUS_CLASS}])?(?P<a>{_DIGITS})(?:[{SPACES}]*(?P<trail>[{_MINUS_CLASS}]))?"
    rf"|\((?P<b>{_DIGITS})\))$"
)


def parse_number(text: str) -> float | None:
    """Return the value of a Finnish-formatted number, or None if `text` is not exactly one."""
    m = _NUMBER.match(text.strip())
    if m is None:
        return None
    digits = m.group("a") or m.group("b")
    lead, trail = m.group("lead"), m.group("trail")
    if lead and lead != "+" and trail:
        return None  # `-5-` is no number
    negative = bool(m.group("b")) or bool(trail) or (lead is not None and lead != "+")
    value = float(re.sub(f"[{SPACES}]", "", digits).replace(",", "."))
    return -value if negative else value


def split_attached_unit(text: str) -> tuple[str, str] | None:
    """`77,78%` -> (`77,78`, `%`); `1 234,50€` -> (`1 234,50`, `€`); None when nothing is attached."""
    for unit in ATTACHED_UNITS:
        head = text[: -len(unit)]
        if text.endswith(unit) and head and head[-1] not in SPACES and _is_number_part(head):
            return head, unit
    return None


def _is_number_part(text: str) -> bool:
    """A number, or the last thousands group of one (`234,50` of `1 234,50€`)."""
    return parse_number(text) is not None or is_thousands_group(text)


def is_number_token(text: str) -> bool:
    """True for a single printed token that is a whole number or decimal (no separators)."""
    return bool(re.match(rf"^[+{_MINUS_CLASS}(]?\d+(?:,\d+)?\)?$", text.strip()))


def is_thousands_group(text: str) -> bool:
    """True for a token that continues a grouped number: `028`, `323,76`, `323,76)`, `323,76-`."""
    return bool(re.match(rf"^\d{{3}}(?:,\d+)?(?:\)|[{_MINUS_CLASS}])?$", text))
