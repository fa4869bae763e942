"""`ETK_*` environment settings: a bad value is an environment error naming the variable, never
silently the default (`ETK_MAX_PAGES=5k` would otherwise lift no limit and say nothing).

Every numeric or flag setting is declared here once; `read_number` is what the modules that use
them call, and `check_environment_settings` is what the CLI calls before any work (exit 3).
"""

from __future__ import annotations

import os
from typing import Callable

from pipeline.errors import EnvironmentProblem

# name -> type: only settings whose value must parse; paths and DSNs are not checked here
NUMERIC_SETTINGS: dict[str, type] = {
    "ETK_MAX_FILE_BYTES": int,
    "ETK_MAX_PAGE_CONTENT_BYTES": int,
    "ETK_MAX_PAGE_TEXT_OPERATORS": int,
    "ETK_MAX_PAGE_GLYPHS": int,
    "ETK_PAGE_SECONDS": float,
    "ETK_MAX_PAGES": int,
    "ETK_PREFECT_STARTUP_TIMEOUT": int,
}
# settings where 0 means something (no time at all for the temporary server: a real timeout)
ZERO_ALLOWED = frozenset({"ETK_PREFECT_STARTUP_TIMEOUT"})
FLAG_SETTINGS: dict[str, tuple[str, ...]] = {"ETK_PROGRESS": ("", "0", "1")}


def read_number(name: str, default: float, kind: Callable[[str], float] = int) -> float:
    """$name as a positive `kind` (or 0 where `ZERO_ALLOWED`), `default` when unset or empty; a bad
    value raises EnvironmentProblem."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    zero = name in ZERO_ALLOWED
    if value is None or not (value >= 0 if zero else value > 0):
        what = "a whole number" if kind is int else "a number"
        raise EnvironmentProblem(f"{name}={raw!r} is not {what} {'of 0 or more' if zero else 'above 0'}; "
                                 "fix or unset it")
    return value


def check_environment_settings() -> None:
    """Every declared ETK_* setting that is set parses; else one EnvironmentProblem naming it."""
    for name, kind in NUMERIC_SETTINGS.items():
        read_number(name, 0, kind)
    for name, allowed in FLAG_SETTINGS.items():
        raw = os.environ.get(name, "").strip()
        if raw not in allowed:
            raise EnvironmentProblem(f"{name}={raw!r} is not one of {', '.join(repr(a) for a in allowed[1:])}; "
                                     "fix or unset it")
