"""The report wordings extraction relies on, loaded once from `data/vocabulary.json`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.data import load_json


@dataclass(frozen=True)
class Vocabulary:
    statistics_title: re.Pattern[str]
    finance_title: re.Pattern[str]
    report_title: re.Pattern[str]
    chapter_heading: re.Pattern[str]
    municipality_list_prefixes: tuple[str, ...]
    municipality_count_labels: tuple[str, ...]
    list_conjunctions: tuple[str, ...]

    def is_municipality_count(self, label: str) -> bool:
        return label.casefold().startswith(self.municipality_count_labels)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = load_json("vocabulary.json")
    return Vocabulary(
        statistics_title=re.compile(raw["statistics_title"], re.IGNORECASE),
        finance_title=re.compile(raw["finance_title"], re.IGNORECASE),
        report_title=re.compile(raw["report_title"], re.IGNORECASE),
        chapter_heading=re.compile(raw["chapter_heading"]),
        municipality_list_prefixes=tuple(p.casefold() for p in raw["municipality_list_prefixes"]),
        municipality_count_labels=tuple(p.casefold() for p in raw["municipality_count_labels"]),
        list_conjunctions=tuple(raw["list_conjunctions"]),
    )
