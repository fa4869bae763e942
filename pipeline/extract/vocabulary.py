"""The report wordings extraction relies on, loaded once from `data/vocabulary.json`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.data import load_json


MAX_TITLE_LINE = 300   # characters of one line a title pattern sees; a printed A4 line holds ~200
MAX_TITLE_SPACE = 16   # a longer run of whitespace is cut to this many characters
_LONG_SPACE = re.compile(r"\s{%d,}" % (MAX_TITLE_SPACE + 1))


def bounded_text(text: str) -> str:
    r"""`text` with every line cut to MAX_TITLE_LINE characters and long whitespace runs shortened.

    Why: a pattern like `\S.*?\s*/\s*Toimintalukuja` backtracks from every start
    position to the line's end, which is quadratic; a line of 60,000 '/' took over a minute.
    With bounded lines (and runs of whitespace, which `\s*` crosses) the search is linear
    in the text's length whatever pattern the vocabulary holds.
    """
    if len(text) <= MAX_TITLE_LINE and "\n" not in text:
        return text
    lines = (line[:MAX_TITLE_LINE] for line in text.split("\n"))
    return _LONG_SPACE.sub(lambda m: m.group(0)[:MAX_TITLE_SPACE], "\n".join(lines))


@dataclass(frozen=True)
class BoundedPattern:
    """A compiled pattern that only ever sees `bounded_text`: `search` / `match` as `re.Pattern`'s."""

    compiled: re.Pattern[str]

    @property
    def pattern(self) -> str:
        return self.compiled.pattern

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(bounded_text(text))

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(bounded_text(text))

    def finditer(self, text: str):
        return self.compiled.finditer(bounded_text(text))


@dataclass(frozen=True)
class Vocabulary:
    statistics_title: BoundedPattern
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
        statistics_title=BoundedPattern(re.compile(raw["statistics_title"], re.IGNORECASE)),
        finance_title=re.compile(raw["finance_title"], re.IGNORECASE),
        report_title=re.compile(raw["report_title"], re.IGNORECASE),
        chapter_heading=re.compile(raw["chapter_heading"]),
        municipality_list_prefixes=tuple(p.casefold() for p in raw["municipality_list_prefixes"]),
        municipality_count_labels=tuple(p.casefold() for p in raw["municipality_count_labels"]),
        list_conjunctions=tuple(raw["list_conjunctions"]),
    )
