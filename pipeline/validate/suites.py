"""Load the expectation suites kept as versioned JSON under `expectations/`.

Suites are data, reviewed in git like code: `expectations/<table>.json` for the extracted
tables and `expectations/checks/<name>.json` for the derived check tables of
`pipeline.validate.checks`. A suite's `name` is the table it validates. Every expectation must
state its `severity` (GX's own field: "critical" blocks loading, "warning" is reported)
and a `meta.check` name and `meta.purpose`, which the validation report prints; it may
state its preconditions (`meta.requires`, `meta.applies_where`, see `preconditions`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.validate.preconditions import PRECONDITIONS

# In a checkout a link to expectations/ at the repository root; in the wheel, the suites themselves.
EXPECTATIONS_DIR = Path(__file__).resolve().parent / "expectations"
SEVERITIES = ("critical", "warning")


class SuiteError(ValueError):
    """A suite file that would silently weaken validation (GX drops bad expectations)."""


def _check_suite(path: Path, suite: dict[str, Any]) -> None:
    if not isinstance(suite.get("name"), str) or suite["name"] != path.stem:
        raise SuiteError(f"{path}: 'name' must be the file's name ({path.stem!r})")
    expectations = suite.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteError(f"{path}: no expectations")
    for i, exp in enumerate(expectations):
        where = f"{path}: expectation {i} ({exp.get('type')})"
        if exp.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where}: 'severity' must be one of {SEVERITIES}")
        meta = exp.get("meta") or {}
        for key in ("check", "purpose"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                raise SuiteError(f"{where}: meta.{key} is required")
        unknown = set(meta.get("requires", [])) - set(PRECONDITIONS)
        if unknown:
            raise SuiteError(f"{where}: unknown precondition(s) {sorted(unknown)} in meta.requires; "
                             f"known: {sorted(PRECONDITIONS)}")


def load_suite_file(path: Path) -> dict[str, Any]:
    suite = json.loads(path.read_text(encoding="utf-8"))
    _check_suite(path, suite)
    return suite


@lru_cache(maxsize=4)
def _load_suites(directory: str) -> tuple[tuple[str, str], ...]:
    root = Path(directory)
    files = sorted(root.rglob("*.json"))
    if not files:
        raise SuiteError(f"{root}: no expectation suites found")
    loaded: dict[str, str] = {}
    for path in files:
        suite = load_suite_file(path)
        if suite["name"] in loaded:
            raise SuiteError(f"{path}: a second suite named {suite['name']!r}")
        loaded[suite["name"]] = json.dumps(suite)
    return tuple(loaded.items())


def load_suites(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Suites by table name, freshly copied (GX mutates what it is given). Cached per folder."""
    return {name: json.loads(text) for name, text in _load_suites(str(directory or EXPECTATIONS_DIR))}
