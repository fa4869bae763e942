"""Page furniture by repetition: running headers and footers, wherever on the page they stand.

A line that repeats on most pages (`Yhdistys ry | Toimintakertomus 2024 12`, a running header with the
association's name) is furniture: never a figure, never an unclaimed number, never a block title.
It is found from every page's plain text, which is read anyway (`read/pages.scan_pages`), so it costs
no layout work: the first and last few lines of each page's text (where a PDF writes its running lines,
before or after the body) are compared with their numbers masked, and a masked number must be constant
(the year) or follow the page count (the page number), so a statistics row repeated on a few pages
never qualifies. It must also appear on most of the pages that hold no figures (no statistics or
finance title, no block continued), where a running line stands but a figure row does not. On the pages opened with pdfplumber, a furniture line must
stand where its first laid-out occurrence stood (from the top or from the bottom of the page); one
that does not is kept as content, so its numbers are still accounted for.
Tolerances are in `LayoutSettings` (`furniture_*`). Nothing here knows a wording or a coordinate.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from pipeline.extract.layout.lines import Line
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings

_DIGITS = re.compile(r"\d+")
_MASK = "#"
# tokens that only separate the parts of a running line: `|`, `-`, `–`, `/`, `•`
_SEPARATOR = re.compile(r"^[|/\-\u2013\u2014\u2022\u00b7]+$")
_MAX_LINE = 200        # characters of a plain-text line compared (a running line is short)


def _tokens(text: str) -> tuple[str, ...]:
    """`Yhdistys ry | Toimintakertomus 2024 12` -> ('Yhdistys', 'ry', '|', 'Toimintakertomus', '#', '#')."""
    return tuple(_DIGITS.sub(_MASK, token) for token in text[:_MAX_LINE].split())


def _is_filler(token: str) -> bool:
    """What may stand beside a running line and go with it: a lone number (the page number), a separator."""
    return token == _MASK or bool(_SEPARATOR.match(token))


@dataclass(frozen=True)
class Furniture:
    """The running lines of one report, as masked token sequences (longest first)."""

    keys: tuple[tuple[str, ...], ...] = ()
    edge_lines: int = DEFAULT_SETTINGS.furniture_edge_lines

    def __bool__(self) -> bool:
        return bool(self.keys)

    def strip_text(self, text: str) -> str:
        """A page's plain text without its running lines (for the cheap page prefilters)."""
        if not self.keys:
            return text
        lines = text.split("\n")
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(filled[:self.edge_lines] + filled[-self.edge_lines:])
        return "\n".join(line for i, line in enumerate(lines) if i not in edges or not self._whole_line(_tokens(line)))

    def _whole_line(self, tokens: tuple[str, ...]) -> bool:
        rest, found = _remove_keys(list(tokens), self.keys)
        return found and all(_is_filler(t) for t in rest)


def _edge_lines(text: str, count: int) -> list[str]:
    """The first and last `count` filled lines of a page's text: where a page's running lines are
    written (before or after its body), so a paragraph repeated in the body is never one."""
    filled = [line for line in text.split("\n") if line.strip()]
    return filled if len(filled) <= 2 * count else filled[:count] + filled[-count:]


def _remove_keys(tokens: list[str], keys: Iterable[tuple[str, ...]]) -> tuple[list[str], bool]:
    """`tokens` without every run equal to a key; whether one was found."""
    found = False
    for key in keys:
        n, i = len(key), 0
        while i + n <= len(tokens):
            if tuple(tokens[i:i + n]) == key:
                del tokens[i:i + n]
                found = True
            else:
                i += 1
    return tokens, found


def find_furniture(pages: list[tuple[int, str, bool]], settings: LayoutSettings = DEFAULT_SETTINGS) -> Furniture:
    """Running lines of a report from `(page number, plain text, page may hold figures)` of its pages with
    a text layer (a page may hold figures when it has a statistics or finance title or may continue a
    block: `report._pages_to_read`)."""
    if len(pages) < settings.furniture_min_pages:
        return Furniture()
    seen_on: dict[tuple[str, ...], list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    untitled: Counter[tuple[str, ...]] = Counter()
    for number, text, titled in pages:
        keys_here: dict[tuple[str, ...], tuple[int, ...]] = {}
        for line in _edge_lines(text, settings.furniture_edge_lines):
            tokens = _tokens(line)
            if tokens and any(ch.isalpha() for t in tokens for ch in t):
                keys_here.setdefault(tokens, tuple(int(d) for d in _DIGITS.findall(line[:_MAX_LINE])))
        for key, numbers in keys_here.items():
            seen_on[key].append((number, numbers))
            untitled[key] += not titled
    least = max(settings.furniture_min_pages, settings.furniture_share * len(pages))
    # most of the pages without figures show it too: a row repeated on statistics pages never does
    least_untitled = max(1, settings.furniture_share * sum(1 for _, _, titled in pages if not titled))
    keys = [key for key, seen in seen_on.items()
            if len(seen) >= least and untitled[key] >= least_untitled
            and _numbers_run(seen, settings.furniture_numbers_share)]
    return Furniture(tuple(sorted(keys, key=len, reverse=True)), settings.furniture_edge_lines)


def _numbers_run(seen: list[tuple[int, tuple[int, ...]]], share: float) -> bool:
    """Each masked number is the same on most pages (a year) or the page number plus a constant on most
    pages (printed page numbers may start anywhere); a figure's value is neither."""
    lengths = Counter(len(numbers) for _, numbers in seen)
    width, count = lengths.most_common(1)[0]
    if count < share * len(seen):
        return False
    rows = [(page, numbers) for page, numbers in seen if len(numbers) == width]
    for k in range(width):
        same = Counter(numbers[k] for _, numbers in rows).most_common(1)[0][1]
        paged = Counter(numbers[k] - page for page, numbers in rows).most_common(1)[0][1]
        if max(same, paged) < share * len(seen):
            return False
    return True


@dataclass
class FurniturePlaces:
    """Strips running lines from laid-out pages, checking each stands where its first occurrence stood."""

    furniture: Furniture
    settings: LayoutSettings = DEFAULT_SETTINGS
    places: dict[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)  # (from top, from bottom)

    def strip(self, lines: list[Line], page_height: float | None = None) -> list[Line]:
        """`lines` without their running lines; the words beside one stay when they are no page number."""
        if not self.furniture:
            return lines
        kept = []
        for line in lines:
            rest = self._strip_line(line, page_height)
            if rest is not None:
                kept.append(rest)
        return kept

    def _strip_line(self, line: Line, page_height: float | None) -> Line | None:
        # one token per piece of a word (a merged `2024 12` is two), mapped back to its word
        pieces = [(n, token) for n, word in enumerate(line.words) for token in _tokens(word.text)]
        tokens = [token for _, token in pieces]
        removed: set[int] = set()
        for key in self.furniture.keys:
            width, i = len(key), 0
            while i + width <= len(tokens):
                if tuple(tokens[i:i + width]) == key and self._in_place(key, line, page_height):
                    removed.update(range(i, i + width))
                    i += width
                else:
                    i += 1
        if not removed:
            return line
        if all(k in removed or _is_filler(token) for k, (_, token) in enumerate(pieces)):
            return None
        gone = {n for k, (n, _) in enumerate(pieces) if k in removed}
        words = [w for n, w in enumerate(line.words) if n not in gone]
        return Line(words) if words else None

    def _in_place(self, key: tuple[str, ...], line: Line, page_height: float | None) -> bool:
        top = min(w.top for w in line.words)
        from_bottom = page_height - max(w.bottom for w in line.words) if page_height else None
        first = self.places.setdefault(key, (top, from_bottom if from_bottom is not None else float("nan")))
        tolerance = self.settings.furniture_place * line.size
        if abs(first[0] - top) <= tolerance:
            return True
        return from_bottom is None or abs(first[1] - from_bottom) <= tolerance
