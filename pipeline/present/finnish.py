"""Numbers as a Finnish reader writes them: `1 028 323,76 €`, `77,8 %`, `−50 000,00 €`.

Why one module: the page, the chart axes and the Prefect artifacts must agree, and
a thousands separator that is a plain space breaks a number across lines. Thousands are
separated, and a unit is set off, by a NO-BREAK SPACE (U+00A0); negatives carry the
minus sign U+2212 (SFS 4175), not a hyphen.
"""

from __future__ import annotations

import math
from typing import Any

NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "\u2013"  # shown where there is no value


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def number(value: Any, decimals: int = 0) -> str:
    """`1028323.76, 2` -> `1 028 323,76`; None/NaN -> an en dash."""
    if _missing(value):
        return DASH
    amount = float(value)
    text = f"{abs(amount):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return f"{MINUS}{text}" if amount < 0 and text.strip("0,\u00a0") else text


def count(value: Any) -> str:
    """A count: `5000` -> `5 000`; a non-integer keeps up to two decimals (`2,5`)."""
    if _missing(value):
        return DASH
    amount = float(value)
    if amount.is_integer():
        return number(amount, 0)
    return number(amount, 2).rstrip("0").rstrip(",")


def euro(value: Any) -> str:
    """`1 028 323,76 €`: always cents."""
    return DASH if _missing(value) else f"{number(value, 2)}{NBSP}€"


def percent(value: Any, decimals: int = 1) -> str:
    """`77,8 %` (value already in percent)."""
    return DASH if _missing(value) else f"{number(value, decimals)}{NBSP}%"


def by_unit(value: Any, uom: str | None) -> str:
    """Formatted by the metric's unit of measure (`€`, `%`, or a count unit such as `hlö`)."""
    if uom == "€":
        return euro(value)
    if uom == "%":
        return percent(value)
    return count(value)


def axis_tick(value: float) -> str:
    """A short tick label, already scaled by the chart: no unit (the axis label names it), few decimals."""
    for decimals in (0, 1, 2):
        if abs(value * 10**decimals - round(value * 10**decimals)) < 1e-6:
            return number(value, decimals)
    return number(value, 2)
