"""Statistics blocks found by content, under no `<UNIT> / Toimintalukuja` title.

Reports in the association's earlier style gather their statistics in a closing chapter
(`KOOSTE ASIAKASTYÖSTÄ`, `TILASTOT`, ...): work-area headings (`VAUVAPERHETYÖ`), under them each
unit as a subheading, often on the line of the year heads (`Ensikoti   2014   2013`), then rows
`label  unit-of-measure  this-year  previous-year`. Others print units as bold subheadings with
rows `label  31 perhettä`. Here a block is a run of rows whose numbers stand in value columns
(under year heads, or apart from their label) with a unit of measure in the row or in a head.

- Owner (the unit): the subheading on the heads' line, else the nearest heading above the rows.
- Work area: an upper-case heading above the owner's heading; it holds until the next one or a chapter.
- Year columns (`year_columns.py`): the report year's values are figures, other years' values are
  `other_years`, a change column is read and kept out of both.
- A block runs onto the next page when that page starts with rows (or with heads without a unit).
Nothing here knows a unit, a label or a coordinate of any report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.blocks.titled import Figure, UnitPage
from pipeline.extract.blocks.year_columns import (
    CHANGE,
    YearHead,
    is_uom_word,
    other_years_in,
    read_year_head,
)
from pipeline.extract.issues import CRITICAL, WARNING, ExtractionIssue
from pipeline.extract.layout.lines import Line, join_words
from pipeline.extract.numbers import parse_number
from pipeline.extract.read.pages import Word
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings
from pipeline.extract.vocabulary import vocabulary

_PAREN_START = re.compile(r"^\((?:19|20)\d{2}:?$")
_HEADING_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_HEADING_WORDS = 10
_HEADING_CHARS = 90


@dataclass
class SummaryState:
    """Where a page's last block stood, for rows that go on overleaf."""

    owner: str | None = None
    work_area: str | None = None
    head: YearHead | None = None
    parents: list[tuple[float, str]] = field(default_factory=list)
    open_block: bool = False
    section: str | None = None
    section_indent: float = 0.0


@dataclass
class SummaryPage:
    units: list[UnitPage]
    state: SummaryState
    issues: list[ExtractionIssue]
    unowned_rows: int = 0   # rows of figures under no heading


@dataclass
class _Value:
    word: Word
    value: float
    uom: str | None


@dataclass
class _Row:
    label_words: list[Word]
    slot_uom: str | None
    values: list[_Value]
    note_words: list[Word]
    other_years: list[tuple[int, float, str | None, str]]  # year, value, uom, printed


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _is_heading(line: Line) -> bool:
    """A short text line that can name a unit or a work area: no numbers, capitalised, no full stop."""
    text = line.text.strip()
    if not text or len(text) > _HEADING_CHARS or len(line.words) > _HEADING_WORDS:
        return False
    if any(parse_number(w.text) is not None and not _HEADING_YEAR.match(w.text) for w in line.words):
        return False  # numbers other than a year (`Tilastoja vuodelta 2015`): a row, not a heading
    return (text[0].isupper() or text[0].isdigit()) and not text.endswith((".", ",", ";"))


def parse_summary_page(lines: list[Line], page: int, report_year: int | None,
                       carry: SummaryState | None = None,
                       settings: LayoutSettings = DEFAULT_SETTINGS) -> SummaryPage:
    """Every statistics block of a page without titles, found by content."""
    return _SummaryParser(lines, page, report_year, carry, settings).parse()


class _SummaryParser:
    def __init__(self, lines: list[Line], page: int, report_year: int | None, carry: SummaryState | None,
                 settings: LayoutSettings) -> None:
        self.lines = lines
        self.page = page
        self.report_year = report_year
        self.settings = settings
        carry = carry or SummaryState()
        self.owner = carry.owner
        self.work_area = carry.work_area
        self.head = carry.head
        self.parents = list(carry.parents) if carry.open_block else []
        self.section, self.section_indent = (carry.section, carry.section_indent) if carry.open_block else (None, 0.0)
        self.continuing = carry.open_block and carry.owner is not None
        self.block: UnitPage | None = None
        self.pending: list[tuple[str, bool]] = []
        self.units: list[UnitPage] = []
        self.issues: list[ExtractionIssue] = []
        self.unowned = 0
        self.heads = [read_year_head(line, report_year, settings) for line in lines]

    def parse(self) -> SummaryPage:
        vocab = vocabulary()
        for i, line in enumerate(self.lines):
            text = line.text
            head = self.heads[i]
            if head is not None:
                self._start_head(head)
                continue
            if vocab.is_summary_chapter(text) or vocab.chapter_heading.match(text):
                self._close()
                self.owner = self.work_area = self.head = None
                self.pending = []
                self.continuing = False
                continue
            row = self._row(line)
            if row is not None and row.values:
                self._emit_row(line, row)
                continue
            self._text_line(i, line)
        state = SummaryState(self.owner, self.work_area, self.head, list(self.parents), self.block is not None,
                             self.section, self.section_indent)
        self._close()
        return SummaryPage(self.units, state, self.issues, self.unowned)

    # -- heads and headings ---------------------------------------------------
    def _start_head(self, head: YearHead) -> None:
        self._close()
        if head.owner:
            owner, above = head.owner, self.pending
        elif self.pending:
            owner, above = self.pending[-1][0], self.pending[:-1]
        else:
            owner, above = self.owner, []  # the heads repeated over a block that goes on
        uppers = [text for text, upper in above if upper]
        if uppers:
            self.work_area = uppers[-1]
        self.owner, self.head, self.pending, self.parents = owner, head, [], []
        self.section = None
        self.continuing = False
        self._check_years(head)

    def _check_years(self, head: YearHead) -> None:
        if self.report_year is None:
            return
        years = head.years
        if self.report_year not in years:
            self.issues.append(ExtractionIssue(
                self.page, "year_columns_disagree", CRITICAL,
                f"column heads '{head.line.text}' name no column of the report year {self.report_year}; "
                "its values were not taken as figures", self.owner))
        elif max(years) != self.report_year:
            self.issues.append(ExtractionIssue(
                self.page, "year_columns_disagree", WARNING,
                f"column heads '{head.line.text}' name a year after the report year {self.report_year}",
                self.owner))

    def _text_line(self, i: int, line: Line) -> None:
        tol = self.settings.at(line.size)
        nxt = self._next_row(i)
        if nxt is not None and nxt.label_words and nxt.label_words[0].x0 > line.x0 + tol.indent:
            # a label or section without values whose indented rows follow: their parent, never a unit
            if _is_upper(line.text) and not self.parents:
                self.section, self.section_indent = " ".join(line.text.split()), line.x0  # `RAHOITUS`
            else:
                while self.parents and self.parents[-1][0] >= line.x0 - tol.indent:
                    self.parents.pop()
                self.parents.append((line.x0, line.text))
            if self.block is not None:
                self.block.lines.append(line)
            return
        self._close()
        self.continuing = False
        self.section, self.parents = None, []
        below = self.lines[i + 1].text if i + 1 < len(self.lines) else ""
        if _is_heading(line) and not below[:1].islower():  # a lower-case line below: a wrapped label
            self.pending.append((" ".join(line.text.split()), _is_upper(line.text)))
            self.owner = None
        else:
            self.pending = []  # prose: headings above it head the prose

    def _next_row(self, i: int) -> _Row | None:
        if i + 1 >= len(self.lines) or self.heads[i + 1] is not None:
            return None
        row = self._row(self.lines[i + 1])
        return row if row is not None and row.values else None

    def _close(self) -> None:
        if self.block is not None and (self.block.figures or self.block.other_years):
            self.units.append(self.block)
        self.block = None

    # -- rows -------------------------------------------------------------------
    def _row(self, line: Line) -> _Row | None:
        """`label [uom] value [uom] value ... [note]`, with `(2016: 269)` groups taken out."""
        words, other, printed = _without_other_years(line.words)
        if not words:
            return None
        size = line.size
        head = self.head
        start = None
        for k, w in enumerate(words):
            if k == 0 or parse_number(w.text) is None:
                continue
            if head is not None:
                if min(c.distance(w) for c in head.columns) <= self.settings.column_snap * 2 * size:
                    start = k
                    break
            elif w.x0 - words[k - 1].x1 >= self.settings.lone_value_gap * w.size:
                start = k
                break
        if start is None:
            return None
        values: list[_Value] = []
        k = start
        while k < len(words):
            value = parse_number(words[k].text)
            if value is None:
                break
            if head is not None and min(c.distance(words[k]) for c in head.columns) > \
                    self.settings.column_snap * 2 * size:
                break
            uom = None
            if k + 1 < len(words) and parse_number(words[k + 1].text) is None \
                    and words[k + 1].x0 - words[k].x1 <= self.settings.uom_gap * words[k].size \
                    and any(c.isalpha() or c in "€%$" for c in words[k + 1].text):
                uom = words[k + 1].text
                k += 1
            values.append(_Value(words[k - 1] if uom else words[k], value, uom))
            k += 1
        label_words = words[:start]
        slot_uom = None
        if len(label_words) >= 2:
            cand = label_words[-1]
            gap = cand.x0 - label_words[-2].x1
            if is_uom_word(cand.text) and gap >= self.settings.lone_value_gap * cand.size:
                slot_uom = cand.text
                label_words = label_words[:-1]
        return _Row(label_words, slot_uom, values, words[k:], [(o.year, o.value, o.uom, p)
                                                                for o, p in zip(other, printed)])

    def _emit_row(self, line: Line, row: _Row) -> None:
        if self.block is None:
            if self.owner is None or (self.pending and not self.continuing):
                if self.pending:
                    owner, above = self.pending[-1][0], self.pending[:-1]
                    uppers = [text for text, upper in above if upper]
                    if uppers:
                        self.work_area = uppers[-1]
                    self.owner, self.pending, self.parents = owner, [], []
                    if self.head is not None and self.head.owner:
                        self.head = None  # that head belonged to the unit above
            if self.owner is None:
                self.unowned += 1
                return
            self.block = UnitPage(self.owner, self.report_year or 0, self.page)
            self.continuing = False
        block = self.block
        head = self.head
        size = line.size
        tol = self.settings.at(size)
        label = join_words(row.label_words)
        if not label:
            return
        indent = row.label_words[0].x0
        columns = self._columns_of(row, head)
        if columns is None:
            return
        figures: list[tuple[int, _Value]] = []
        for value, column in zip(row.values, columns):
            if column is None:
                block.claimed_text.append(value.word.text)  # a change column
                continue
            figures.append((column, value))
        uoms = [v.uom or row.slot_uom or (head.uom if head else None) for _, v in figures]
        if not figures or any(u is None for u in uoms):
            return
        if self.section is not None and indent <= self.section_indent + tol.indent:
            self.section = None
        while self.parents and self.parents[-1][0] >= indent - tol.indent:
            self.parents.pop()
        parent = self.parents[-1][1] if self.parents else None
        self.parents.append((indent, label))
        note = join_words(row.note_words) or None
        current = self.report_year if self.report_year is not None else max(head.years if head else [0])
        for (year, value), uom in zip(figures, uoms):
            fig = Figure(block.unit, year, self.page, self.section, parent, label, value.value, uom, note, "column",
                         round(indent, 2), round(value.word.x0, 2), round(value.word.top, 2),
                         work_area=self.work_area)
            (block.figures if year == current else block.other_years).append(fig)
            if year != current:
                block.claimed_text.append(value.word.text)
        for year, value, uom, printed in row.other_years:
            block.other_years.append(Figure(block.unit, year, self.page, self.section, parent, label, value,
                                            uom or uoms[0], note, "note", round(indent, 2),
                                            round(row.values[0].word.x0, 2), round(line.words[0].top, 2),
                                            work_area=self.work_area))
            block.claimed_text.append(printed)
        block.figures.sort(key=lambda f: f.top)
        block.lines.append(line)
        if block.unit_year == 0 and block.figures:
            block.unit_year = block.figures[0].unit_year

    def _columns_of(self, row: _Row, head: YearHead | None) -> list[int | None] | None:
        """The year of each value (None for a change column); None when the row cannot be placed."""
        if head is None:
            if len(row.values) != 1:
                return None  # several values and no heads to say whose year each is
            return [self.report_year if self.report_year is not None else 0]
        placed: list[int | None] = []
        used = set()
        for value in row.values:
            column = min(head.columns, key=lambda c: (c.distance(value.word),
                                                      abs((c.x0 + c.x1) / 2 - (value.word.x0 + value.word.x1) / 2)))
            if id(column) in used:
                return None
            used.add(id(column))
            placed.append(None if column.role == CHANGE else column.year)
        return placed


def _without_other_years(words: list[Word]) -> tuple[list[Word], list, list[str]]:
    """The words without `(2016: 269)` groups, the groups' values and their printed text."""
    kept: list[Word] = []
    found, printed = [], []
    k = 0
    while k < len(words):
        if _PAREN_START.match(words[k].text):
            end = next((j for j in range(k, min(len(words), k + 6)) if words[j].text.endswith(")")), None)
            if end is not None:
                text = join_words(words[k:end + 1])
                values = other_years_in(text)
                if values:
                    found.append(values[0])
                    printed.append(text)
                    k = end + 1
                    continue
        kept.append(words[k])
        k += 1
    return kept, found, printed
