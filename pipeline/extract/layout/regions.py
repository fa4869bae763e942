"""Split a statistics page into one region per title: side by side (columns) and stacked.

Each title owns the words under it, within its own column, down to the next title of that column.
Columns come from where the titles start: titles whose left edges lie further apart than
`LayoutSettings.column_split` font sizes head separate columns, and a column reaches from its
titles' left edge to the next column's. Nothing here knows a page size or a coordinate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.layout.lines import Line, join_words
from pipeline.extract.read.pages import Word
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings
from pipeline.extract.vocabulary import vocabulary


@dataclass(frozen=True)
class Title:
    """A statistics title as printed: its unit, year, box, and whether it says the block continues."""

    unit: str
    year: int
    x0: float
    top: float
    bottom: float
    size: float
    continued: bool = False


@dataclass
class Region:
    """The words a title owns (for a continued block without a title, `title` is None)."""

    title: Title | None
    x0: float
    x1: float
    top: float
    bottom: float
    words: list[Word] = field(default_factory=list)

    def holds(self, word: Word) -> bool:
        return self.x0 <= word.x0 < self.x1 and self.top < word.middle < self.bottom


def find_titles(lines: list[Line]) -> list[Title]:
    """Every statistics title on a page, several per line when blocks stand side by side.

    A long unit name may wrap: `PITKÄ YKSIKÖN NIMI` / `/ Toimintalukuja v. 2024` is one title.
    """
    vocab = vocabulary()
    found: list[Title] = []
    for i, line in enumerate(lines):
        words = line.words
        if i and (line.text.lstrip().startswith("/") or lines[i - 1].text.rstrip().endswith("/")):
            words = lines[i - 1].words + words
        text, starts = _text_with_offsets(words)
        for m in vocab.statistics_title.finditer(text):
            own = [w for w, s in zip(words, starts) if s < m.end() and s + len(w.text) > m.start()]
            tail = text[m.end():]
            found.append(Title(
                unit=" ".join(m.group("unit").split()), year=int(m.group("year")),
                x0=min(w.x0 for w in own), top=min(w.top for w in own), bottom=max(w.bottom for w in own),
                size=max(w.size for w in own), continued=bool(vocab.continued_marker.match(tail.strip())),
            ))
    return found


def _text_with_offsets(words: list[Word]) -> tuple[str, list[int]]:
    starts, offset = [], 0
    for w in words:
        starts.append(offset)
        offset += len(w.text) + 1
    return join_words(words), starts


def title_regions(titles: list[Title], words: list[Word],
                  settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Region]:
    """One region per title, in reading order (column by column, top to bottom)."""
    columns = _columns(titles, settings)
    regions = []
    for n, column in enumerate(columns):
        left = 0.0 if n == 0 else min(t.x0 for t in column) - settings.at(column[0].size).indent
        right = (min(t.x0 for t in columns[n + 1]) - settings.at(columns[n + 1][0].size).indent
                 if n + 1 < len(columns) else float("inf"))
        ordered = sorted(column, key=lambda t: t.top)
        for k, title in enumerate(ordered):
            bottom = ordered[k + 1].top if k + 1 < len(ordered) else float("inf")
            regions.append(Region(title, left, right, title.bottom, bottom))
    for word in words:
        for region in regions:
            if region.holds(word):
                region.words.append(word)
                break
    return regions


def _columns(titles: list[Title], settings: LayoutSettings) -> list[list[Title]]:
    """Titles grouped by where they start, left to right."""
    columns: list[list[Title]] = []
    for title in sorted(titles, key=lambda t: t.x0):
        split = settings.at(title.size).column_split
        if columns and title.x0 - columns[-1][-1].x0 <= split:
            columns[-1].append(title)
        else:
            columns.append([title])
    return columns


def is_marker_line(line: Line) -> bool:
    """A line that only says the block goes on (`(jatkuu)`)."""
    return bool(vocabulary().continued_marker.fullmatch(line.text.strip()))


_LONE_NUMBER = re.compile(r"^\d{1,4}$")


def is_page_number(line: Line) -> bool:
    return len(line.words) == 1 and bool(_LONE_NUMBER.match(line.words[0].text))
