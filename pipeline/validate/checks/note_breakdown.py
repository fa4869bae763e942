"""Decide whether a figure's note breaks its value down into parts, and read the parts.

Notes are free text ('31 naista, 11 miestä', '31:stä eri perheestä', 'emäntä (2x50%)'),
so the rule is deliberately narrow: a note is a breakdown only when it *starts* with
comma-separated items that each carry a bare count. How sure we are (the whole note is
such a list, or only its first items are) decides the severity of a mismatch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.validate.vocabulary import ValidationVocabulary

# Commas split items, except a decimal comma between digits ('1,5').
_ITEM_SPLIT = re.compile(r"(?<!\d),|,(?!\d)|;")
# A number not glued to text before it ('n.15', 'B18', '6/2023', '9-15').
_NUMBER = re.compile(r"(?<![\w./-])\d+(?:,\d+)?")
# What may not follow a count: a suffix ('31:stä'), letters ('2x50'), a percent, a date or range.
_NOT_A_COUNT_AFTER = re.compile(r"(?::|[^\W\d_]|\s*%|[/-]\d)")


@dataclass(frozen=True)
class NoteItem:
    text: str
    counts: tuple[float, ...]          # bare counts outside parentheses
    bracketed: tuple[float, ...]       # bare counts inside parentheses: 'Lahti (20)'
    next_word: str | None              # word after the first count, to spot a unit


@dataclass(frozen=True)
class NoteBreakdown:
    """Parts read from a note. `of_parent`: the counts belong to the row's parent."""

    parts: tuple[tuple[str, float], ...]
    whole_note: bool
    of_parent: bool = False

    @property
    def total(self) -> float:
        return sum(value for _, value in self.parts)

    def describe(self) -> str:
        return " + ".join(text for text, _ in self.parts)


def _to_float(text: str) -> float:
    return float(text.replace(",", "."))


def read_item(text: str) -> NoteItem:
    counts: list[float] = []
    bracketed: list[float] = []
    next_word = None
    for match in _NUMBER.finditer(text):
        if _NOT_A_COUNT_AFTER.match(text, match.end()):
            continue
        before = text[: match.start()]
        if before.count("(") > before.count(")"):
            bracketed.append(_to_float(match.group()))
            continue
        if not counts:
            after = text[match.end():].split()
            next_word = after[0].strip(",.;:)") if after else None
        counts.append(_to_float(match.group()))
    return NoteItem(text, tuple(counts), tuple(bracketed), next_word)


def read_breakdown(note: object, row_uom: object, vocab: ValidationVocabulary) -> NoteBreakdown | None:
    """The note's parts when it is a breakdown of its row (or of the row's parent), else None."""
    if not isinstance(note, str) or not note.strip():
        return None
    items = [read_item(part.strip()) for part in _ITEM_SPLIT.split(note) if part.strip()]
    row_family = vocab.count_family(row_uom)

    run: list[NoteItem] = []
    for item in items:
        if not item.counts:
            break
        family = vocab.count_family(item.next_word)
        if family is not None and row_family is not None and family != row_family:
            break  # '6 hlö' under a row in krt counts something else
        run.append(item)
    if len(run) >= vocab.breakdown_min_items:
        whole = len(run) == len(items) and all(len(i.counts) == 1 and not i.bracketed for i in run)
        return NoteBreakdown(tuple((i.text, i.counts[0]) for i in run), whole_note=whole)

    if len(items) >= vocab.breakdown_min_items and all(
            not i.counts and len(i.bracketed) == 1 for i in items):
        return NoteBreakdown(tuple((i.text, i.bracketed[0]) for i in items), whole_note=False,
                             of_parent=True)
    return None
