"""Parse a statistics page (`<UNIT> / Toimintalukuja v. <year>`) into figure rows, by geometry.

A row is `label  value uom  note`. Values are found as numbers followed by a
unit of measure whose right edges line up in a column with other rows' values;
everything left of the value is the label, everything right of the unit the
note. Indentation gives parents, headings give sections. Nothing here knows a
unit name, a label or a coordinate of any particular report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from itertools import takewhile
from statistics import median

from pipeline.extract.layout.lines import Line, group_lines, join_words
from pipeline.extract.lists.municipalities import join_wrapped, parse_names, strip_list_prefix
from pipeline.extract.numbers import parse_number
from pipeline.extract.read.pages import Word
from pipeline.extract.blocks.ruled import RuledTable, read_table
from pipeline.extract.layout.regions import Title, find_titles, is_marker_line, is_page_number, title_regions
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings, Tolerances
from pipeline.extract.vocabulary import vocabulary

class LineKind(Enum):
    """What the previous line of a block was: decides how a following text line is read."""

    START = "start"
    FIGURE = "figure"      # a row with a value
    NOTE = "note"          # a continuation of the previous figure's note
    LIST = "list"          # a municipality list line
    HEADING = "heading"    # a section heading
    LABEL = "label"        # the first line of a two-line label
    LABEL_TAIL = "label_tail"  # a label's next line below its value (top-aligned wrapped label)
    GROUP = "group"        # a label without value whose indented rows follow
    REMARK = "remark"      # text that is no figure


@dataclass
class Figure:
    unit: str
    unit_year: int
    page: int
    section: str | None
    parent: str | None
    label: str
    value: float
    uom: str
    note: str | None
    value_source: str
    indent: float
    x0: float
    top: float
    source: str = "text"
    confidence: float | None = None
    work_area: str | None = None  # a work-area heading above the unit (summary chapters)


@dataclass
class UnitPage:
    """What one statistics block yields."""

    unit: str
    unit_year: int
    page: int
    figures: list[Figure] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    state: "BlockState | None" = None      # where the block ended, for a block continued overleaf
    lines: list[Line] = field(default_factory=list)  # the block's lines, to account for every number
    claimed_text: list[str] = field(default_factory=list)  # text read but kept in no figure (name lists)
    other_years: list[Figure] = field(default_factory=list)  # values of other years' columns (`unit_year`)
    issues: list = field(default_factory=list)  # ExtractionIssues found while reading the block


@dataclass
class BlockState:
    """What a block continued on the next page inherits: its columns, margin, section and parents."""

    margin: float
    value_edges: list[float]
    value_x0: float
    section: str | None
    section_indent: float
    parents: list[tuple[float, str]]


@dataclass
class _Cell:
    index: int  # token index of the number in its line
    value: float
    uom: str
    word: Word


def parse_statistics_page(lines: list[Line], page: int, continues: UnitPage | None = None,
                          settings: LayoutSettings = DEFAULT_SETTINGS,
                          tables: list[RuledTable] | None = None) -> list[UnitPage]:
    """Every statistics block on a page: one per title region (side by side or stacked).

    A page without a title continues `continues` (the last block of the page before) when it says so
    (`(jatkuu)`), when its values stand in the same columns, or when it holds a ruled table.
    Ruled tables (`tables`, cell boxes from pdfplumber's table finder) are read cell by cell.
    """
    titles = find_titles(lines)
    words = [w for line in lines for w in line.words]
    if not titles:
        if continues is None:
            return []
        carry = continues.state
        found = _with_tables(words, tables or [], continues.unit, continues.unit_year, page, settings,
                             carry, lambda rest: parse_continuation(group_lines(rest, settings), page, continues,
                                                                    settings))
        return [found] if found is not None else []
    units = []
    for region in title_regions(titles, words, settings):
        title = region.title
        carry = continues.state if _continues_title(title, continues) else None
        inside = [_clip(t, region) for t in tables or [] if _table_in(t, region)]

        def text_path(rest: list[Word], title=title, carry=carry) -> UnitPage:
            content = _content(group_lines(rest, settings))
            by_years = _year_column_block(content, title, page, settings)
            if by_years is not None:
                return by_years
            result = _parse_block(_block_lines(content, settings), title.unit, title.year, page, settings, carry)
            result.lines = _before_chapter(content)
            return result

        units.append(_with_tables(region.words, inside, title.unit, title.year, page, settings, carry, text_path))
    return units


def _year_column_block(content: list[Line], title: Title, page: int,
                       settings: LayoutSettings) -> UnitPage | None:
    """A titled block printed in year columns (`2014  2013  muutos %`), read as a summary table owned by
    its title (`blocks/summary.py`); None when the block has no such heads."""
    from pipeline.extract.blocks.summary import SummaryState, parse_summary_page
    from pipeline.extract.blocks.year_columns import CHANGE, read_year_head

    heads = [read_year_head(line, title.year, settings) for line in content]
    if not any(h is not None and (len(h.years) >= 2 or any(c.role == CHANGE for c in h.columns)) for h in heads):
        return None
    read = parse_summary_page(content, page, title.year, SummaryState(owner=title.unit), settings)
    result = UnitPage(title.unit, title.year, page, issues=read.issues)
    for unit in read.units:
        for fig in (*unit.figures, *unit.other_years):
            if unit.unit != title.unit:  # a subheading inside a titled block is a section of it
                fig.section = fig.section or unit.unit
            fig.unit = title.unit
        result.figures.extend(unit.figures)
        result.other_years.extend(unit.other_years)
        result.claimed_text.extend(unit.claimed_text)
    result.lines = _before_chapter(content)
    result.claimed_text.extend(line.text for line, head in zip(content, heads) if head is not None)
    return result


def _clip(table: RuledTable, region) -> RuledTable:
    x0, _, x1, _ = table.bbox
    return table if region.x0 <= x0 and x1 <= region.x1 else table.clipped(region.x0, region.x1)


def _table_in(table: RuledTable, region) -> bool:
    """The table reaches below the title (it may hold the title in its first row) within the title's
    region, and has cells in the title's column."""
    x0, top, x1, bottom = table.bbox
    return (x0 < region.x1 and x1 > region.x0 and bottom > region.top and top < region.bottom
            and bool(_clip(table, region).rows))


def _with_tables(words: list[Word], tables: list[RuledTable], unit: str, year: int, page: int,
                 settings: LayoutSettings, carry: BlockState | None, text_path) -> UnitPage | None:
    """Figures of the ruled tables among `words`, then of the text outside them (by `text_path`)."""
    size = _block_size([Line(words)]) if words else 10.5
    tol = settings.at(size)
    reads = []
    for table in tables:
        read = read_table(table, words, tol, settings, section=carry.section if carry else None,
                          parents=carry.parents if carry else None)
        if read.rows:
            reads.append(read)
            words = [w for w in words if not table.holds(w)]
    result = text_path(words)
    if not reads:
        return result
    if result is None:
        result = UnitPage(unit, year, page)
    for read in reads:
        for section, parent, label, value, uom, note, indent, word in read.rows:
            result.figures.append(Figure(unit, year, page, section, parent, label, value, uom, note, "column",
                                         round(indent, 2), round(word.x0, 2), round(word.top, 2)))
        result.municipalities.extend(read.municipalities)
        result.lines.extend(read.lines)
        result.claimed_text.extend(read.claimed_text)
    result.figures.sort(key=lambda f: f.top)
    last = reads[-1]
    values = [row[7] for read in reads for row in read.rows]
    result.state = BlockState(min(row[6] for read in reads for row in read.rows),
                              sorted({round(w.x1, 1) for w in values}), min(w.x0 for w in values),
                              last.section, min(row[6] for row in last.rows), list(last.parents))
    return result


def _continues_title(title: Title, previous: UnitPage | None) -> bool:
    return title.continued and previous is not None and previous.unit == title.unit


def parse_continuation(lines: list[Line], page: int, previous: UnitPage,
                       settings: LayoutSettings = DEFAULT_SETTINGS) -> UnitPage | None:
    """The rows of a block that runs onto this page under no title, or None if this page is no such thing."""
    content = _content(lines)
    marker = next((i for i, line in enumerate(content[:3]) if is_marker_line(line)), None)
    if marker is not None:
        body = content[marker + 1:]
    elif previous.state is not None:
        body = _below_header(content, previous.state)
        if not _same_columns(body, previous.state, settings):
            return None
    else:
        return None
    block = _block_lines(body, settings)
    if not block:
        return None
    result = _parse_block(block, previous.unit, previous.unit_year, page, settings, previous.state)
    result.lines = _before_chapter(body)
    return result


def _before_chapter(lines: list[Line]) -> list[Line]:
    """The region's lines up to a chapter heading: where every printed number must be accounted for.

    This reaches past a block cut at a wide gap, so rows below the gap are reported, not lost.
    """
    heading = vocabulary().chapter_heading
    end = next((i for i, line in enumerate(lines) if heading.match(line.text)), len(lines))
    return lines[:end]


def _content(lines: list[Line]) -> list[Line]:
    """Lines without page furniture: lone page numbers and address lines."""
    furniture = vocabulary().furniture_line
    return [line for line in lines if not is_page_number(line) and not furniture.search(line.text)]


def _below_header(lines: list[Line], state: BlockState) -> list[Line]:
    """From the first line that starts in the label column or holds a value in the block's columns."""
    for i, line in enumerate(lines):
        if line.x0 < state.value_x0:
            return lines[i:]
    return []


def _same_columns(lines: list[Line], state: BlockState, settings: LayoutSettings) -> bool:
    """The page's rows stand where the block's did: a value on one of its value columns, or labels
    starting at its margin."""
    if not lines:
        return False
    tol = settings.at(_block_size(lines))
    values = [c for line in lines[:12] for c in _candidates(line, settings)]
    on_columns = any(abs(c.word.x1 - edge) <= tol.column_snap for c in values for edge in state.value_edges)
    at_margin = bool(values) and abs(min(line.x0 for line in lines[:12]) - state.margin) <= tol.indent
    return on_columns or at_margin


def _parse_block(block: list[Line], unit: str, year: int, page: int, settings: LayoutSettings,
                 carry: BlockState | None) -> UnitPage:
    tol = settings.at(_block_size(block)) if block else settings.at(10.5)
    result = _BlockParser(block, unit, year, page, tol, settings, carry).parse()
    result.lines = block
    return result


def _block_size(lines: list[Line]) -> float:
    """The block's body font size: the most common word size."""
    sizes = [round(w.size, 1) for line in lines for w in line.words]
    return max(set(sizes), key=sizes.count) if sizes else 10.5


def _block_lines(lines: list[Line], settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Line]:
    """Lines of the statistics block: cut at a chapter heading or an unusually wide vertical gap."""
    if len(lines) < 2:
        return lines
    gaps = [b.middle - a.middle for a, b in zip(lines, lines[1:])]
    usual = median(gaps)
    block = [lines[0]]
    for line, gap in zip(lines[1:], gaps):
        if gap > settings.block_end_gap * usual or vocabulary().chapter_heading.match(line.text):
            break
        block.append(line)
    return block


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


class _BlockParser:
    """Walks the block's lines top to bottom, keeping section and parent state."""

    def __init__(self, lines: list[Line], unit: str, year: int, page: int, tol: Tolerances,
                 settings: LayoutSettings, carry: BlockState | None = None) -> None:
        self.lines = lines
        self.tol = tol
        self.settings = settings
        self.result = UnitPage(unit, year, page)
        self.cells = _value_cells(lines, tol, settings)
        self.note_x0 = _note_column(lines, self.cells, tol)
        self.cells.update(_lone_cells(lines, self.cells, self.note_x0, tol, settings))
        if self.note_x0 == float("inf"):
            self.note_x0 = _note_column(lines, self.cells, tol)
        values = [c.word for c in self.cells.values()]
        self.value_x0 = min((w.x0 for w in values), default=float("inf"))
        self.value_x1 = max((w.x1 for w in values), default=float("inf"))
        starts = [line.words[0].x0 for line in lines if line.words[0].x0 < self.value_x0]
        self.margin = min(starts, default=0.0)
        self.section: str | None = None
        self.section_indent = 0.0
        self.parents: list[tuple[float, str]] = []
        if carry is not None:
            self.margin = min(self.margin, carry.margin) if starts else carry.margin
            self.section, self.section_indent = carry.section, carry.section_indent
            self.parents = list(carry.parents)
        self.prefix: tuple[list[Word], list[Word]] | None = None
        self.last_kind = LineKind.START
        self.list_lines: list[str] = []
        self.list_x0 = 0.0

    def parse(self) -> UnitPage:
        for i, line in enumerate(self.lines):
            if i in self.cells:
                self._value_line(i, line)
            else:
                self._text_line(i, line)
        names = parse_names(join_wrapped(self.list_lines)) if self.list_lines else []
        if not names:
            for fig in self.result.figures:
                if fig.note and vocabulary().is_municipality_count(fig.label):
                    names = parse_names(fig.note)
                    break
        self.result.municipalities = names
        edges = sorted({round(c.word.x1, 1) for c in self.cells.values()})
        self.result.state = BlockState(self.margin, edges, self.value_x0, self.section, self.section_indent,
                                       list(self.parents))
        return self.result

    # -- lines with a value -------------------------------------------------
    def _value_line(self, i: int, line: Line) -> None:
        cell = self.cells[i]
        label_words = line.words[: cell.index]
        note_words = line.words[cell.index + 2 :]
        indent = label_words[0].x0 if label_words else cell.word.x0
        if self.prefix is not None:
            prefix_label, prefix_note = self.prefix
            label_words = prefix_label + label_words
            note_words = prefix_note + note_words
            indent = prefix_label[0].x0
            self.prefix = None
        label = join_words(label_words)
        self._emit(label, cell.value, cell.uom, join_words(note_words) or None, "column", indent, cell.word)
        if _is_upper(label) and indent <= self.margin + self.tol.indent and self._has_children(i, indent):
            self.section, self.section_indent = label, indent
        self.last_kind = LineKind.FIGURE

    def _emit(self, label: str, value: float, uom: str, note: str | None, source: str,
              indent: float, word: Word) -> None:
        if self.section is not None and indent <= self.section_indent + self.tol.indent:
            self.section, self.parents = None, []
        while self.parents and self.parents[-1][0] >= indent - self.tol.indent:
            self.parents.pop()
        parent = self.parents[-1][1] if self.parents else None
        self.parents.append((indent, label))
        r = self.result
        read_by = "text" if word.confidence is None else "ocr"
        r.figures.append(Figure(r.unit, r.unit_year, r.page, self.section, parent, label, value, uom,
                                note, source, round(indent, 2), round(word.x0, 2), round(word.top, 2),
                                read_by, word.confidence))

    # -- lines without a value ----------------------------------------------
    def _text_line(self, i: int, line: Line) -> None:
        text = line.text
        names = strip_list_prefix(text)
        if names is not None:
            self.list_lines.append(names)
            self.result.claimed_text.append(text)
            self.list_x0 = line.words[1].x0 if len(line.words) > 1 else line.x0
            self.last_kind = LineKind.LIST
            return
        if self.last_kind is LineKind.LIST and self._continues_list(line):
            self.list_lines.append(text)
            self.result.claimed_text.append(text)
            return
        if self._continues_label(line):
            return
        if self._continues_note(line):
            fig = self.result.figures[-1]
            fig.note = f"{fig.note} {text}" if fig.note else text
            self.last_kind = LineKind.NOTE
            return
        if self.last_kind is LineKind.HEADING and _starts_lower(text):
            return  # the heading's own remark goes on
        align = self.tol.align
        label_words = list(takewhile(lambda w: w.x1 <= self.value_x1 + align and w.x0 < self.note_x0 - align,
                                     line.words))
        if not label_words and line.words[0].x0 < self.value_x0 - align:
            label_words = line.words[:1]  # one long word starting in the label column, e.g. a heading
        rest = line.words[len(label_words):]
        if not label_words:
            self.last_kind = LineKind.REMARK  # only text in the note column
            return
        crossing = bool(rest) and rest[0].x0 < self.note_x0 - align
        if not crossing and self._next_continues_label(i, line):
            self.prefix = (label_words, rest)
            self.last_kind = LineKind.LABEL
            return
        from_note = None if crossing else _number_in_note(rest)
        if from_note is not None:
            value, uom, word = from_note
            self._emit(join_words(label_words), value, uom, join_words(rest), "note", label_words[0].x0, word)
            self.last_kind = LineKind.FIGURE
            return
        x0 = label_words[0].x0
        heading = _heading_text(line.words, self.settings)
        if x0 <= self.margin + self.tol.indent or _is_upper(heading):
            self.section, self.section_indent = heading, x0
            self.parents = []
            self.last_kind = LineKind.HEADING
        elif not crossing and self._has_children(i, x0):
            while self.parents and self.parents[-1][0] >= x0 - self.tol.indent:
                self.parents.pop()
            self.parents.append((x0, join_words(label_words)))
            self.last_kind = LineKind.GROUP
        else:
            self.last_kind = LineKind.REMARK  # text without a figure

    def _continues_list(self, line: Line) -> bool:
        previous = self.list_lines[-1].rstrip()
        return (previous.endswith((",", "-")) or _starts_lower(line.text)
                or abs(line.x0 - self.list_x0) <= self.tol.list_indent)

    def _continues_label(self, line: Line) -> bool:
        """A label wrapped below its value's line (top-aligned): lower case, under the label's start.

        Words in the note column on the same line go on the note.
        """
        if self.last_kind not in (LineKind.FIGURE, LineKind.LABEL_TAIL) or not self.result.figures:
            return False
        fig = self.result.figures[-1]
        label_part = [w for w in line.words if w.x1 <= self.value_x0 - self.tol.align]
        if not label_part or not _starts_lower(label_part[0].text):
            return False
        if abs(label_part[0].x0 - fig.indent) > self.tol.wrapped_label_shift or label_part[0].x0 < fig.indent - self.tol.indent:
            return False
        rest = line.words[len(label_part):]
        if rest and rest[0].x0 < self.note_x0 - self.tol.align:
            return False  # something in the value column: not a wrapped label
        old, fig.label = fig.label, f"{fig.label} {join_words(label_part)}"
        if self.parents and self.parents[-1][1] == old:
            self.parents[-1] = (self.parents[-1][0], fig.label)
        if rest:
            fig.note = f"{fig.note} {join_words(rest)}" if fig.note else join_words(rest)
        self.last_kind = LineKind.LABEL_TAIL
        return True

    def _continues_note(self, line: Line) -> bool:
        if self.last_kind not in (LineKind.FIGURE, LineKind.NOTE, LineKind.LABEL_TAIL) or not self.result.figures:
            return False
        if line.x0 <= self.margin + self.tol.indent:
            return False
        note = (self.result.figures[-1].note or "").rstrip()
        return _starts_lower(line.text) or note.endswith((",", "-"))

    def _next_continues_label(self, i: int, line: Line) -> bool:
        """A label printed on two lines: the value line below starts in lower case at the same indent."""
        if i + 1 >= len(self.lines) or i + 1 not in self.cells:
            return False
        below = self.lines[i + 1]
        cell = self.cells[i + 1]
        if cell.index == 0:
            return True
        first = below.words[0]
        return _starts_lower(first.text) and abs(first.x0 - line.x0) <= self.tol.wrapped_label_shift

    def _has_children(self, i: int, indent: float) -> bool:
        for line in self.lines[i + 1 :]:
            if line.x0 >= self.value_x0:
                continue
            return line.x0 > indent + self.tol.indent
        return False


def _heading_text(words: list[Word], settings: LayoutSettings) -> str:
    """A heading without the remark printed after a wide gap on its line."""
    kept = [words[0]]
    for w in words[1:]:
        if w.x0 - kept[-1].x1 > settings.heading_gap * w.size:
            break
        kept.append(w)
    return join_words(kept)


def _candidates(line: Line, settings: LayoutSettings) -> list[_Cell]:
    """Numbers followed closely by a word that can be their unit of measure."""
    words = line.words
    found = []
    for i, word in enumerate(words[:-1]):
        value = parse_number(word.text)
        nxt = words[i + 1]
        if value is None or nxt.x0 - word.x1 > settings.uom_gap * word.size or parse_number(nxt.text) is not None:
            continue
        if not any(c.isalpha() or c in "€%$" for c in nxt.text):
            continue
        found.append(_Cell(i, value, nxt.text, word))
    return found


def _value_cells(lines: list[Line], tol: Tolerances, settings: LayoutSettings) -> dict[int, _Cell]:
    """The value of each line: a candidate whose right edge lines up with other lines' values.

    Columns are found strictly (edges within `align` of another first candidate); a value then
    joins a column within `column_snap` of the font size, so a slightly misplaced number still counts.
    """
    per_line = {i: _candidates(line, settings) for i, line in enumerate(lines)}
    firsts = [c[0] for c in per_line.values() if c]
    columns = [c.word.x1 for c in firsts if sum(abs(c.word.x1 - o.word.x1) <= tol.align for o in firsts) >= 2]
    cells: dict[int, _Cell] = {}
    for i, cands in per_line.items():
        for cand in cands:
            if any(abs(cand.word.x1 - x) <= settings.column_snap * cand.word.size for x in columns):
                cells[i] = cand
                break
    return cells


def _lone_cells(lines: list[Line], cells: dict[int, _Cell], note_x0: float, tol: Tolerances,
                settings: LayoutSettings) -> dict[int, _Cell]:
    """Values that line up with nothing (a section's only amount), found by where they sit.

    Such a number stands apart from its label, right of where values start and left of the
    note column; numbers inside a label or a note do not.
    """
    # With no column at all (a short block, each value in a column of its own) any apart number counts.
    value_x0 = min((c.word.x0 for c in cells.values()), default=float("-inf"))
    found = {}
    for i, line in enumerate(lines):
        if i in cells:
            continue
        for cand in _candidates(line, settings):
            before = line.words[cand.index - 1] if cand.index else None
            gap = cand.word.x0 - before.x1 if before is not None else float("inf")
            apart = gap >= settings.lone_value_gap * cand.word.size
            far = gap >= settings.lone_value_far_gap * cand.word.size  # in a column of its own, left of the others
            if apart and (cand.word.x1 > value_x0 or far) and cand.word.x0 < note_x0 - tol.align:
                found[i] = cand
                break
    return found


def _note_column(lines: list[Line], cells: dict[int, _Cell], tol: Tolerances) -> float:
    """Left edge of the note column: where text after the values' units usually starts."""
    starts = [lines[i].words[c.index + 2].x0 for i, c in cells.items() if len(lines[i].words) > c.index + 2]
    common = [x for x in starts if sum(abs(x - o) <= tol.align for o in starts) >= 2]
    if len(starts) == 1:
        common = starts  # the block's only note
    return min(common, default=float("inf"))


def _number_in_note(words: list[Word]) -> tuple[float, str, Word] | None:
    """The only figure of a row printed in its note (`tavoittaneet yht. 419 henkilöä`)."""
    numbers = [(i, parse_number(w.text)) for i, w in enumerate(words)]
    numbers = [(i, v) for i, v in numbers if v is not None]
    if len(numbers) != 1:
        return None
    i, value = numbers[0]
    if i + 1 >= len(words):
        return None
    return value, words[i + 1].text, words[i]
