"""Every geometry tolerance of extraction, in one object, relative to the font size.

Like pdfplumber's `TableSettings`: one frozen dataclass with defaults, passed down to the steps
that need it, instead of module constants and inline numbers. Each tolerance is a fraction of the
font size of the text it measures, so a report set in 9 pt or 14 pt reads like one in 10.5 pt. The
defaults are written as "points at the usual 10.5 pt body size" where that is how they were found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

_BODY = 10.5  # the body size the point-valued defaults were measured at


@dataclass(frozen=True)
class LayoutSettings:
    """Tolerances as fractions of the font size (`*_gap` of the neighbouring word's size)."""

    word_gap: float = 3.0 / _BODY       # glyphs further apart than this start a new word (pdfplumber's 3 pt)
    line_tolerance: float = 0.4          # a word joins a line when its middle is this close to the line's
    number_gap: float = 0.6              # words this close form one number (`1 028 323,76`)
    align: float = 2.0 / _BODY           # edges this close line up (columns, notes)
    indent: float = 3.0 / _BODY          # a label starting further right than this is indented
    column_snap: float = 0.5             # a value joins a found column this close to its right edge
    uom_gap: float = 1.0                 # a unit of measure follows its number closer than this
    lone_value_gap: float = 1.0          # a value in no column stands this far from its label
    lone_value_far_gap: float = 3.0      # ... and anywhere when this far (a column with one value)
    heading_gap: float = 0.5             # a wider gap inside a heading starts its remark
    wrapped_label_shift: float = 15.0 / _BODY  # a label's second line starts at most this far right
    list_indent: float = 4.0 / _BODY     # a name list's next line starts this close under its names
    block_end_gap: float = 2.5           # a vertical gap this many usual line pitches ends a block
    column_split: float = 10.0           # titles further apart than this (x) head separate columns
    cell_padding: float = 1.0 / _BODY    # a ruled table cell's text may start this far inside its rule
    continuation_value_lines: float = 0.3  # share of a page's text lines that must read `label n uom`
    continuation_short_lines: float = 0.6  # ... or share of short lines (a table's cells, not prose)
    furniture_share: float = 0.5         # a line on at least this share of the text pages is a running line
    furniture_min_pages: int = 3         # ... and on at least this many pages
    furniture_numbers_share: float = 0.8  # its numbers are constant or the page number on this share of them
    furniture_edge_lines: int = 3        # ... among the first or last this many lines of a page's text
    furniture_place: float = 2.0         # font sizes it may stand off its first occurrence (from top or bottom)

    def at(self, size: float) -> "Tolerances":
        """The tolerances in points for text of `size` pt."""
        return Tolerances(align=self.align * size, indent=self.indent * size,
                          column_snap=self.column_snap * size, uom_gap=self.uom_gap * size,
                          heading_gap=self.heading_gap * size,
                          wrapped_label_shift=self.wrapped_label_shift * size,
                          list_indent=self.list_indent * size,
                          column_split=self.column_split * size, cell_padding=self.cell_padding * size)

    def with_(self, **changes) -> "LayoutSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class Tolerances:
    """`LayoutSettings` in points for one block's font size."""

    align: float
    indent: float
    column_snap: float
    uom_gap: float
    heading_gap: float
    wrapped_label_shift: float
    list_indent: float
    column_split: float
    cell_padding: float


DEFAULT_SETTINGS = LayoutSettings()
