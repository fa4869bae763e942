"""The report wordings extraction relies on, loaded from `data/vocabulary.json`.

A test (or a user with a report in a new wording) can point `$ETK_VOCABULARY` at another
vocabulary file, or pass its path: a new title wording is a data change, never a code change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from pipeline.data import load_json
from pipeline.errors import EnvironmentProblem

VOCABULARY_ENV = "ETK_VOCABULARY"


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

    def findall(self, text: str) -> list:
        return self.compiled.findall(bounded_text(text))


MEASURES = ("count", "euro", "percent", "rate")


@dataclass(frozen=True)
class UnitsOfMeasure:
    """Every known unit of measure with its measure and, for a count, its family ('persons', 'times', ...).

    The one classification of units: extraction asks whether a word is a known unit, validation
    asks its measure (range checks) and count family (note breakdowns). Both read it from
    `units_of_measure` in the vocabulary, so a unit added there serves both.
    """

    measures: tuple[tuple[str, str], ...] = ()   # (unit casefolded, measure)
    families: tuple[tuple[str, str], ...] = ()   # (count unit casefolded, family)

    @staticmethod
    def from_data(raw: dict) -> "UnitsOfMeasure":
        """From `{"count": {family: [units]}, "euro": [...], "percent": [...], "rate": [...]}`.

        A measure outside MEASURES, or a unit listed twice, is an error in the data: it would make
        one side of the pipeline classify a unit the other does not.
        """
        unknown = set(raw) - set(MEASURES)
        if unknown:
            raise ValueError(f"units_of_measure: unknown measure(s) {sorted(unknown)}; known: {list(MEASURES)}")
        if not isinstance(raw.get("count", {}), dict):
            raise ValueError('units_of_measure: "count" holds families of units ({"persons": ["hlö", ...], ...})')
        families = [(u.strip().casefold(), family) for family, units in raw.get("count", {}).items() for u in units]
        measures = [(u, "count") for u, _ in families]
        measures += [(u.strip().casefold(), measure) for measure in MEASURES[1:] for u in raw.get(measure, ())]
        seen: set[str] = set()
        twice = sorted({u for u, _ in measures if u in seen or seen.add(u)})
        if twice:
            raise ValueError(f"units_of_measure: listed more than once: {twice}")
        return UnitsOfMeasure(tuple(measures), tuple(families))

    @cached_property
    def _measure_of(self) -> dict[str, str]:
        return dict(self.measures)

    @cached_property
    def _family_of(self) -> dict[str, str]:
        return dict(self.families)

    def measure(self, uom: str) -> str | None:
        """'count', 'euro', 'percent', 'rate', or None for a unit not listed (`uom` casefolded)."""
        return self._measure_of.get(uom)

    def family(self, uom: str) -> str | None:
        """'persons', 'times', 'items', 'periods' for a listed count unit (`uom` casefolded), else None."""
        return self._family_of.get(uom)


@dataclass(frozen=True)
class Vocabulary:
    statistics_title: BoundedPattern
    statistics_title_hint: re.Pattern[str]
    finance_title: re.Pattern[str]
    report_title: re.Pattern[str]
    chapter_heading: re.Pattern[str]
    continued_marker: re.Pattern[str]
    furniture_line: re.Pattern[str]
    municipality_list_prefixes: tuple[str, ...]
    municipality_count_labels: tuple[str, ...]
    list_conjunctions: tuple[str, ...]
    summary_chapters: tuple[str, ...] = ()
    previous_year_heads: tuple[str, ...] = ()
    current_year_heads: tuple[str, ...] = ()
    change_heads: tuple[str, ...] = ()
    units: UnitsOfMeasure = UnitsOfMeasure()

    def uom_kind(self, uom: str) -> str | None:
        """count, euro, percent or rate for a listed unit of measure; None for an unknown one."""
        return self.units.measure(uom.casefold())

    def is_summary_chapter(self, text: str) -> bool:
        """A line that is a summary chapter's name (`KOOSTE ASIAKASTYÖSTÄ`, `TILASTOT`), maybe numbered."""
        words = " ".join(text.split()).casefold().lstrip("0123456789. ")
        return words in self.summary_chapters

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
    if path is None:
        return _build(load_json("vocabulary.json"))
    try:
        return _build(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, re.error) as exc:
        # the user's vocabulary, not the report, is wrong: say so, rather than call the PDF damaged
        raise EnvironmentProblem(f"vocabulary {path} (${VOCABULARY_ENV} or the path given) cannot be used: "
                                 f"{type(exc).__name__}: {exc}") from None


def _build(raw: dict) -> Vocabulary:
    return Vocabulary(
        statistics_title=BoundedPattern(re.compile(raw["statistics_title"], re.IGNORECASE)),
        statistics_title_hint=re.compile(raw.get("statistics_title_hint", raw["statistics_title"]), re.IGNORECASE),
        finance_title=re.compile(raw["finance_title"], re.IGNORECASE),
        report_title=re.compile(raw["report_title"], re.IGNORECASE),
        chapter_heading=re.compile(raw["chapter_heading"]),
        continued_marker=re.compile(raw.get("continued_marker", r"(?!x)x"), re.IGNORECASE),
        furniture_line=re.compile(raw.get("furniture_line", r"(?!x)x"), re.IGNORECASE),
        municipality_list_prefixes=tuple(p.casefold() for p in raw["municipality_list_prefixes"]),
        municipality_count_labels=tuple(p.casefold() for p in raw["municipality_count_labels"]),
        list_conjunctions=tuple(raw["list_conjunctions"]),
        summary_chapters=tuple(c.casefold() for c in raw.get("summary_chapters", ())),
        previous_year_heads=tuple(h.casefold() for h in raw.get("year_column_heads", {}).get("previous", ())),
        current_year_heads=tuple(h.casefold() for h in raw.get("year_column_heads", {}).get("current", ())),
        change_heads=tuple(h.casefold() for h in raw.get("year_column_heads", {}).get("change", ())),
        units=UnitsOfMeasure.from_data(raw.get("units_of_measure", {})),
    )
