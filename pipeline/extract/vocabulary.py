"""The report wordings extraction relies on, loaded from `data/vocabulary.json`.

A test (or a user with a report in a new wording) can point `$ETK_VOCABULARY` at another
vocabulary file, or pass its path: a new title wording is a data change, never a code change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.data import load_json

VOCABULARY_ENV = "ETK_VOCABULARY"


@dataclass(frozen=True)
class Vocabulary:
    statistics_title: re.Pattern[str]
    statistics_title_hint: re.Pattern[str]
    finance_title: re.Pattern[str]
    report_title: re.Pattern[str]
    chapter_heading: re.Pattern[str]
    continued_marker: re.Pattern[str]
    furniture_line: re.Pattern[str]
    municipality_list_prefixes: tuple[str, ...]
    municipality_count_labels: tuple[str, ...]
    list_conjunctions: tuple[str, ...]

    def is_municipality_count(self, label: str) -> bool:
        return label.casefold().startswith(self.municipality_count_labels)

    def mentions_statistics_title(self, text: str) -> bool:
        """Cheap page prefilter on plain text (a title may be wrapped onto a second line)."""
        return self.count_statistics_titles(text) > 0

    def count_statistics_titles(self, text: str) -> int:
        """Statistics titles in a page's plain text.

        The title pattern is only tried around lines holding `statistics_title_hint` (one per title),
        with the lines before and after, since a title may wrap: on a whole page it is quadratic.
        """
        lines = [" ".join(line.split()) for line in text.splitlines()]
        count = 0
        for i, line in enumerate(lines):
            hints = len(self.statistics_title_hint.findall(line))
            if hints:
                window = " ".join(lines[max(0, i - 1): i + 2])
                count += min(hints, len(self.statistics_title.findall(window)))
        return count


def vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The vocabulary at `path`, else at `$ETK_VOCABULARY`, else the one shipped in `pipeline/data`."""
    chosen = path if path is not None else os.environ.get(VOCABULARY_ENV) or None
    return _load(str(chosen) if chosen is not None else None)


@lru_cache(maxsize=8)
def _load(path: str | None) -> Vocabulary:
    raw = load_json("vocabulary.json") if path is None else json.loads(Path(path).read_text(encoding="utf-8"))
    return Vocabulary(
        statistics_title=re.compile(raw["statistics_title"], re.IGNORECASE),
        statistics_title_hint=re.compile(raw.get("statistics_title_hint", raw["statistics_title"]), re.IGNORECASE),
        finance_title=re.compile(raw["finance_title"], re.IGNORECASE),
        report_title=re.compile(raw["report_title"], re.IGNORECASE),
        chapter_heading=re.compile(raw["chapter_heading"]),
        continued_marker=re.compile(raw.get("continued_marker", r"(?!x)x"), re.IGNORECASE),
        furniture_line=re.compile(raw.get("furniture_line", r"(?!x)x"), re.IGNORECASE),
        municipality_list_prefixes=tuple(p.casefold() for p in raw["municipality_list_prefixes"]),
        municipality_count_labels=tuple(p.casefold() for p in raw["municipality_count_labels"]),
        list_conjunctions=tuple(raw["list_conjunctions"]),
    )
