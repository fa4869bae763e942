"""Words to lines and tokens, by geometry alone.

Labels drawn as separate text boxes can sit a couple of points off their
value's baseline, so words join a line by vertical overlap of their middles,
with a tolerance relative to the font size rather than exact `top` equality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from pipeline.extract.numbers import MINUSES, is_number_token, is_thousands_group, split_attached_unit
from pipeline.extract.read.pages import Word
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings


@dataclass
class Line:
    """Words printed on one row of the page, left to right."""

    words: list[Word] = field(default_factory=list)

    @property
    def middle(self) -> float:
        return median(w.middle for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def size(self) -> float:
        return median(w.size for w in self.words)

    @property
    def text(self) -> str:
        return join_words(self.words)


def join_words(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def group_lines(words: list[Word], settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Line]:
    """Group words into lines top to bottom; numbers split by (no-break) spaces are rejoined."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: w.middle):
        tolerance = settings.line_tolerance * min(word.size, lines[-1].size) if lines else 0.0
        if lines and abs(lines[-1].middle - word.middle) <= tolerance:
            lines[-1].words.append(word)
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words = merge_numbers(split_units(sorted(line.words, key=lambda w: w.x0)), settings)
    return lines


def split_units(words: list[Word]) -> list[Word]:
    """`77,78%` printed as one word becomes `77,78` and `%`, so value and unit read as in `77,78 %`.

    The value's right edge is its last glyph's, as pdfplumber measured it; only for a word without
    glyph boxes (OCR) is it estimated from the character count (about 2 pt off in a proportional font).
    """
    out: list[Word] = []
    for word in words:
        parts = split_attached_unit(word.text)
        if parts is None:
            out.append(word)
            continue
        number, unit = parts
        if word.glyph_x1 is not None and len(word.glyph_x1) == len(word.text):
            cut = word.glyph_x1[len(number) - 1]
        else:
            cut = word.x0 + (word.x1 - word.x0) * len(number) / len(word.text)
        out.append(Word(number, word.x0, cut, word.top, word.bottom, word.size, word.confidence,
                        word.glyph_x1[: len(number)] if word.glyph_x1 else None))
        out.append(Word(unit, cut, word.x1, word.top, word.bottom, word.size, word.confidence))
    return out


def merge_numbers(words: list[Word], settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Word]:
    """Rejoin `1`, `028`, `323,76` into one token, and a trailing `-` of a negative amount."""
    out: list[Word] = []
    for word in words:
        prev = out[-1] if out else None
        close = prev is not None and word.x0 - prev.x1 <= settings.number_gap * word.size
        if close and _is_open_number(prev.text) and is_thousands_group(word.text):
            out[-1] = _join(prev, word, "\u00a0")
        elif close and len(word.text) == 1 and word.text in MINUSES and _is_number_like(prev.text):
            out[-1] = _join(prev, word, " ")
        else:
            out.append(word)
    return out


_OPEN_NUMBER = re.compile(rf"^(?:\(|[+{re.escape(MINUSES)}])?\d{{1,3}}(?:\u00a0\d{{3}})*$")


def _is_open_number(text: str) -> bool:
    """A number that may still be continued by a thousands group: no decimals, no sign at the end."""
    return bool(_OPEN_NUMBER.match(text))


def _is_number_like(text: str) -> bool:
    return is_number_token(text.replace("\u00a0", ""))


def _join(a: Word, b: Word, sep: str) -> Word:
    """One word of two; an OCR confidence is the weaker part's."""
    confidence = None if a.confidence is None or b.confidence is None else min(a.confidence, b.confidence)
    return Word(a.text + sep + b.text, a.x0, b.x1, min(a.top, b.top), max(a.bottom, b.bottom), a.size, confidence)
