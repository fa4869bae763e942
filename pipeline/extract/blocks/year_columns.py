"""Year columns: heads that name a year (`2014 2013`, `v. 2014`, `edellinen vuosi`), change columns
(`muutos %`, `+/-`), and previous-year values printed in parentheses (`271 (2016: 269)`).

A head line is split into cells at wide gaps; cells are read from the right: change heads, then
year heads, then at most one unit of measure named in a head, and what is left is the owner
(a unit subheading printed on the heads' line, `Ensikoti   2014   2013`). The wordings of
non-year heads live in `vocabulary.json` (`year_column_heads`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.extract.layout.lines import Line, join_words
from pipeline.extract.numbers import parse_number
from pipeline.extract.read.pages import Word
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings
from pipeline.extract.vocabulary import vocabulary

_YEAR = re.compile(r"^(?:v\.?\s*|vuonna\s+|vuosi\s+)?((?:19|20)\d{2})$", re.IGNORECASE)
_PAREN_OTHER = re.compile(r"\(\s*((?:19|20)\d{2})\s*:\s*([^():]{1,40}?)\s*\)")
YEAR, CHANGE = "year", "change"


@dataclass(frozen=True)
class ValueColumn:
    """A value column of a statistics table: a year's values, or a change column (never figures)."""

    role: str           # YEAR or CHANGE
    year: int | None    # the column's year (YEAR)
    x0: float
    x1: float
    text: str           # the head as printed

    def distance(self, word: Word) -> float:
        """0 when the word overlaps the head horizontally, else the gap between them."""
        return max(0.0, self.x0 - word.x1, word.x0 - self.x1)


@dataclass(frozen=True)
class YearHead:
    """A line of column heads: the owner printed on it, its value columns, a unit of measure head."""

    owner: str | None
    columns: tuple[ValueColumn, ...]
    uom: str | None
    line: Line

    @property
    def years(self) -> list[int]:
        return [c.year for c in self.columns if c.role == YEAR and c.year is not None]


def head_cells(words: list[Word], settings: LayoutSettings = DEFAULT_SETTINGS) -> list[list[Word]]:
    """Words grouped into cells: a gap wider than `heading_gap` font sizes starts a new cell."""
    cells: list[list[Word]] = []
    for w in words:
        if cells and w.x0 - cells[-1][-1].x1 <= settings.heading_gap * w.size:
            cells[-1].append(w)
        else:
            cells.append([w])
    return cells


def _column_year(text: str, report_year: int | None) -> tuple[str, int | None] | None:
    folded = " ".join(text.split()).casefold()
    m = _YEAR.match(folded)
    if m:
        return YEAR, int(m.group(1))
    vocab = vocabulary()
    if folded in vocab.previous_year_heads and report_year is not None:
        return YEAR, report_year - 1
    if folded in vocab.current_year_heads and report_year is not None:
        return YEAR, report_year
    return None


def read_year_head(line: Line, report_year: int | None,
                   settings: LayoutSettings = DEFAULT_SETTINGS) -> YearHead | None:
    """The line as a head of year columns, or None if it is not one (a report title never is)."""
    vocab = vocabulary()
    if len(line.text) > 200 or vocab.report_title.search(line.text) or vocab.statistics_title.search(line.text):
        return None
    cells = head_cells(line.words, settings)
    columns: list[ValueColumn] = []
    k = len(cells)
    while k > 0:
        cell = cells[k - 1]
        text = join_words(cell)
        folded = " ".join(text.split()).casefold()
        year = _column_year(text, report_year)
        if year is not None:
            columns.insert(0, ValueColumn(YEAR, year[1], cell[0].x0, cell[-1].x1, text))
        elif folded in vocab.change_heads and not any(c.role == YEAR for c in columns):
            columns.insert(0, ValueColumn(CHANGE, None, cell[0].x0, cell[-1].x1, text))
        else:
            break
        k -= 1
    years = [c for c in columns if c.role == YEAR]
    if not years or len(years) > 4 or len({c.year for c in years}) < len(years):
        return None
    rest = cells[:k]
    if any(parse_number(w.text) is not None for cell in rest for w in cell):
        return None  # a row of figures, not heads
    uom = None
    if len(rest) >= 2 and is_uom_word(join_words(rest[-1])):
        uom = join_words(rest.pop())
    owner = " ".join(join_words(cell) for cell in rest) or None
    if owner is None and len(years) == 1 and not any(c.role == CHANGE for c in columns):
        # a lone year on a line is a heading's year (`Vuosi 2014`) unless something else names it a column
        if not _YEAR.match(" ".join(line.text.split())):
            return None
    return YearHead(owner, tuple(columns), uom, line)


def is_uom_word(text: str) -> bool:
    """A short word that can be a unit of measure: listed, or lower case without digits (`hlö`, `vrk`)."""
    if vocabulary().uom_kind(text) is not None:
        return True
    return 0 < len(text) <= 14 and " " not in text and text[:1].islower() and not any(c.isdigit() for c in text)


@dataclass(frozen=True)
class OtherYearValue:
    """`(2016: 269)` after a value: the other year, its value and unit, and the text as printed."""

    year: int
    value: float
    uom: str | None
    printed: str


def other_years_in(text: str) -> list[OtherYearValue]:
    """Values of other years printed in parentheses: `(2016: 269)`, `(2016: 269 perhettä)`."""
    found = []
    for m in _PAREN_OTHER.finditer(text[:400]):
        parts = m.group(2).split()
        if not parts:
            continue
        # rejoin a number printed with thousands spaces: `1 028`
        k = len(parts)
        while k > 0 and parse_number("\u00a0".join(parts[:k])) is None:
            k -= 1
        if k == 0:
            continue
        value = parse_number("\u00a0".join(parts[:k]))
        uom = " ".join(parts[k:]) or None
        found.append(OtherYearValue(int(m.group(1)), value, uom, m.group(0)))
    return found


def strip_other_years(text: str | None) -> str | None:
    """The text without its parenthesised other-year values (None when nothing else is left)."""
    if not text:
        return text
    rest = " ".join(_PAREN_OTHER.sub(" ", text).split())
    return rest or None


def move_other_years(unit) -> None:
    """On a titled page, `(2016: 269)` in a figure's note is another year's value: it moves to
    `unit.other_years` (same label and unit of measure) and out of the note."""
    for fig in list(unit.figures):
        for other in other_years_in(fig.note or ""):
            unit.other_years.append(replace(fig, unit_year=other.year, value=other.value,
                                            uom=other.uom or fig.uom, value_source="note"))
            unit.claimed_text.append(other.printed)
        if fig.note and _PAREN_OTHER.search(fig.note):
            fig.note = strip_other_years(fig.note)


def unknown_uoms(figures) -> list:
    """One warning per unit of measure the vocabulary does not list: read all the same, named once."""
    from pipeline.extract.issues import WARNING, ExtractionIssue

    first: dict[str, object] = {}
    for fig in figures:
        if vocabulary().uom_kind(fig.uom) is None and fig.uom not in first:
            first[fig.uom] = fig
    return [ExtractionIssue(fig.page, "unknown_unit_of_measure", WARNING,
                            f"unit of measure '{uom}' (row '{fig.label}') is not in vocabulary.json "
                            "units_of_measure; read as printed", fig.unit) for uom, fig in first.items()]
