"""Statistics drawn as a table with rules, read cell by cell (pdfplumber's `find_tables`, lines strategy).

A cell's text is the words inside its box; a label or note wrapped inside its cell is joined with one
space, whichever line the value is on. Each column gets a role from what its cells hold, not from
its caption: the value column holds numbers, the unit column short words right of it, the label
column the text left of it, anything else right of the values is the note. Rows before the first
value whose cells are all text are captions. A row with one cell across the table is a section
heading. A `Kunnat:` list may fill a full-width row, wrap over its lines, go on in the next row, or
stand with its prefix in the label cell and its names in another; its line breaks are kept for
`join_wrapped` (a hyphenated name is rejoined, a break between names stands for a comma).
Indentation inside the label cell gives parents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.layout.lines import Line, group_lines
from pipeline.extract.lists.municipalities import join_wrapped, parse_names, strip_list_prefix
from pipeline.extract.numbers import parse_number
from pipeline.extract.read.pages import Word
from pipeline.extract.settings import LayoutSettings, Tolerances
from pipeline.extract.vocabulary import vocabulary

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class RuledTable:
    """Cell boxes (x0, top, x1, bottom) row by row; None where a merged cell covers the position."""

    rows: list[list[Box | None]]

    @property
    def bbox(self) -> Box:
        boxes = [c for row in self.rows for c in row if c is not None]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def clipped(self, x0: float, x1: float) -> "RuledTable":
        """Only the cells whose middle lies between x0 and x1 (a table finder may join tables side by side)."""
        rows = [[c for c in row if c is not None and x0 <= (c[0] + c[2]) / 2 < x1] for row in self.rows]
        return RuledTable([row for row in rows if row])

    def holds(self, word: Word) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= (word.x0 + word.x1) / 2 <= x1 and top <= word.middle <= bottom


@dataclass
class TableRead:
    """What a ruled table yields: rows as (section, parent, label, value, uom, note, indent, value word)."""

    rows: list[tuple] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    claimed_text: list[str] = field(default_factory=list)
    section: str | None = None                   # where the table ended, for a table continued overleaf
    parents: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class _Cell:
    box: Box
    lines: list[Line]

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]


def read_table(table: RuledTable, words: list[Word], tol: Tolerances, settings: LayoutSettings,
               section: str | None = None, parents: list[tuple[float, str]] | None = None) -> TableRead:
    """The figure rows of one ruled table, top to bottom; a table continued from the page before
    starts under that block's `section` and `parents` (indent, label)."""
    words = [w for line in group_lines(words, settings) for w in line.words]  # numbers whole before cells
    grid = [[_cell(box, words, settings) if box is not None else None for box in row] for row in table.rows]
    roles = _roles(grid)
    out = TableRead()
    if roles is None:
        return out
    label_col, value_cols, unit_cols, note_cols = roles
    parents = list(parents or [])
    seen_value = False
    list_lines: list[str] = []
    in_list = False  # the row above was (part of) a municipality list
    for row in grid:
        cells = [c for c in row if c is not None]
        out.lines.extend(line for c in cells for line in c.lines)
        if not any(c.lines for c in cells):
            continue
        if not any(j < len(row) and _value(row[j]) is not None for j in value_cols):
            texts = _row_lines(cells)
            names = strip_list_prefix(texts[0])
            if names is not None or (in_list and _continues_list(list_lines[-1], texts)):
                list_lines.extend([names, *texts[1:]] if names is not None else texts)
                out.claimed_text.extend(texts)
                in_list = True
                continue
        in_list = False
        if len(cells) == 1 or len(row) <= max(value_cols) or any(row[j] is None for j in value_cols):
            # a heading is its own cell: a note beside it (a price, a remark) is not its name, and its
            # numbers stay unclaimed (a warning), as beside a heading printed without rules
            section, parents = next(c for c in cells if c.lines).text, []
            continue
        column = next((j for j in value_cols if _value(row[j]) is not None), value_cols[0])
        value = _value(row[column])
        label_cell = row[label_col] if label_col < len(row) else None
        if value is None:
            if not seen_value and sum(1 for c in cells if c.lines) >= 2:
                continue  # a caption row: text in several cells before any value
            if label_cell is not None and label_cell.lines:
                indent = label_cell.lines[0].x0
                while parents and parents[-1][0] >= indent - tol.indent:
                    parents.pop()
                parents.append((indent, label_cell.text))
            continue
        seen_value = True
        number, attached, word = value
        label = label_cell.text if label_cell is not None else ""
        indent = label_cell.lines[0].x0 if label_cell is not None and label_cell.lines else word.x0
        while parents and parents[-1][0] >= indent - tol.indent:
            parents.pop()
        parent = parents[-1][1] if parents else None
        parents.append((indent, label))
        unit_col = unit_cols.get(column)
        uom = attached or (row[unit_col].text if unit_col is not None and row[unit_col] is not None else "")
        others = [j for j in note_cols + [v for v in value_cols if v != column] if j < len(row)]
        note = " ".join(row[j].text for j in sorted(others) if row[j] is not None and row[j].lines)
        out.rows.append((section, parent, label, number, uom, note or None, indent, word))
    if list_lines:
        out.municipalities = parse_names(join_wrapped(list_lines))
    out.section, out.parents = section, parents
    return out


def _row_lines(cells: list[_Cell]) -> list[str]:
    """A row's text line by line: its cells' first lines side by side (`Kunnat:` | `Lahti, Hollola,`),
    then each cell's further lines, so a list wrapped inside its cell keeps its line breaks."""
    filled = [c for c in cells if c.lines]
    return [" ".join(c.lines[0].text for c in filled)] + [line.text for c in filled for line in c.lines[1:]]


def _continues_list(previous: str, texts: list[str]) -> bool:
    """A row under a list row goes on with its names: the list broke after a comma or hyphen, the row
    starts in lower case, or it reads as names: two or more parts between commas or `ja`, each
    capitalised, no digits, not in capitals (a section heading is one part, or in capitals)."""
    text = " ".join(texts)
    if previous.rstrip().endswith((",", "-")) or text[:1].islower():
        return True
    conjunctions = "|".join(map(re.escape, vocabulary().list_conjunctions))
    parts = [p.strip() for p in re.split(rf",|;|\s(?:{conjunctions})\s", text)]
    return (len(parts) >= 2 and all(p[:1].isupper() for p in parts) and not text.isupper()
            and not any(ch.isdigit() for ch in text))


def _cell(box: Box, words: list[Word], settings: LayoutSettings) -> _Cell:
    x0, top, x1, bottom = box
    inside = [w for w in words if x0 <= (w.x0 + w.x1) / 2 <= x1 and top <= w.middle <= bottom]
    return _Cell(box, group_lines(inside, settings))


def _value(cell: _Cell | None) -> tuple[float, str, Word] | None:
    """(value, unit printed in the same cell, word) when the cell holds one number, maybe with its unit
    (`77,78%`, `1 234,50 €`, `12 hlö`)."""
    if cell is None:
        return None
    words = cell.words
    if not words or len(words) > 2:
        return None
    number = parse_number(words[0].text)
    if number is None or (len(words) == 2 and not _is_unit_text(words[1].text)):
        return None
    return number, words[1].text if len(words) == 2 else "", words[0]


def _roles(grid: list[list[_Cell | None]]) -> tuple[int, list[int], dict[int, int], list[int]] | None:
    """(label column, value columns, unit column of each value column, note columns) from the cells'
    content, or None when no column holds values. A value column holds numbers in most of its filled
    cells; a unit column right of it holds short words where the value column has a number."""
    full = [row for row in grid if all(c is not None for c in row) and len(row) > 1]
    if not full:
        return None
    width = max(len(row) for row in full)
    value_cols = []
    for j in range(1, width):
        filled = [row[j] for row in full if j < len(row) and row[j].lines]
        numbers = sum(1 for cell in filled if _value(cell) is not None)
        if numbers and numbers * 2 >= len(filled):
            value_cols.append(j)
    if not value_cols:
        return None
    unit_cols = {}
    for j in value_cols:
        valued = [row for row in full if j + 1 < len(row) and _value(row[j]) is not None]
        if j + 1 < width and j + 1 not in value_cols and valued and \
                sum(1 for row in valued if _is_unit(row[j + 1])) * 2 >= len(valued):
            unit_cols[j] = j + 1
    notes = [j for j in range(min(value_cols) + 1, width) if j not in value_cols and j not in unit_cols.values()]
    return 0, value_cols, unit_cols, notes


def _is_unit(cell: _Cell | None) -> bool:
    """A cell holding one short word that is no number: `hlö`, `kpl`, `krt/vko`, `€`, `%`."""
    return cell is not None and len(cell.words) == 1 and _is_unit_text(cell.words[0].text)


def _is_unit_text(text: str) -> bool:
    return len(text) <= 12 and parse_number(text) is None and not any(ch.isdigit() for ch in text)
