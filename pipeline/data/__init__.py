"""Data, not code: vocabularies, table contracts and metric rules shipped with the package.

A new report wording or a new column is an edit in one of these files.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_json(name: str) -> dict[str, Any]:
    """A JSON data file shipped with the package (works from a wheel as well as a checkout)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


def read_text(name: str) -> str:
    """A text data file shipped with the package."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
