"""Narrative against tables: numbers a unit's chapter states against its statistics page.

A careful reader notices when the chapter says '458 kirjattua puhelua' and the unit's
statistics page prints 'Puhelut 453 kpl'. This check does the same, with precision over
recall: a narrative number is compared only when it clearly states the same quantity as
one figure (every content word of the figure's label in its sentence or the one before, a
word next to the number that is the figure's unit or a label word, the whole report year,
no target, capacity, estimate or other year, not a part after 'joista'), and it is a
warning, never critical: text is evidence, not truth. All wording cues live in
`validation_vocabulary.json` (`narrative`).

A unit's chapter is taken to be the narrative pages after the previous statistics page up to
its own (statistics pages close their chapters), and only when that text names the unit;
statistics pages themselves are not narrative. One row per narrative statement matched to a figure, agreeing or not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import pandas as pd

from pipeline.data import load_json
from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, as_year, finish, num, show_number, text_or_none
from pipeline.validate.vocabulary import ValidationVocabulary

NARRATIVE_COLUMNS = ID_COLUMNS + ["table_page", "uom", "narrative"] + COMPARE_COLUMNS

_SOFT_HYPHENS = re.compile("[\ufffe\u00ad\u0002]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
# 1 234 / 1 234,5 / 53.39 / 82; not glued to letters, slashes or dashes (dates, ranges, codes),
# not a list marker '3)' nor inflected '6:n'
_NUMBER = re.compile(r"(?<![\w/,.-])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d+))?(?![\w/)-]|[.,]\d|:\w)")
_WORD = re.compile(r"[^\W\d_]+(?:[.:][^\W\d_]+)*\.?|%|€", re.UNICODE)


@dataclass(frozen=True)
class NarrativeCues:
    stem_length: int
    max_ending: int
    near_words: int
    whole_year: tuple[str, ...]
    other_quantity: tuple[str, ...]
    part_of: tuple[str, ...]
    label_stopwords: frozenset[str]
    max_sentence_chars: int = 600
    not_quantities: tuple[str, ...] = ()   # regexes: ages, clock times, dates, phones, postal codes
    furniture_lines: tuple[str, ...] = ()  # regexes: page header and footer lines


@lru_cache(maxsize=4)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def blank_non_quantities(sentence: str, cues: "NarrativeCues") -> str:
    """The sentence with every number that is no quantity (an age, a time, a date, a phone number,
    a postal code, a range) replaced by spaces of the same length, so positions stay."""
    pattern = _any_of(cues.not_quantities)
    return pattern.sub(lambda m: " " * len(m.group()), sentence) if pattern else sentence


def without_furniture(text: str, cues: "NarrativeCues") -> str:
    """Page text without its header and footer lines (a page number, `Toimintakertomus 2023 | 7`)."""
    pattern = _any_of(cues.furniture_lines)
    if pattern is None:
        return text
    return "\n".join(line for line in text.splitlines() if not pattern.search(line))


@lru_cache(maxsize=4)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a cue list: each cue at the start of a word ('tavoit' finds 'tavoitteena')."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + ")")


@lru_cache(maxsize=1)
def narrative_cues() -> NarrativeCues:
    raw = load_json("validation_vocabulary.json")["narrative"]
    fold = lambda words: tuple(w.casefold() for w in words)  # noqa: E731
    return NarrativeCues(int(raw["stem_length"]), int(raw["max_ending"]), int(raw["near_words"]), fold(raw["whole_year"]),
                         fold(raw["other_quantity"]), fold(raw["part_of"]), frozenset(fold(raw["label_stopwords"])),
                         int(raw["max_sentence_chars"]), tuple(raw.get("not_quantities", [])),
                         tuple(raw.get("furniture_lines", [])))


@dataclass(frozen=True)
class Mention:
    """A number in a sentence, with the words around it."""

    value: float
    start: int
    end: int
    near: tuple[str, ...]
    after: str | None      # the token right after the number ('%', '€', 'kpl', a word)


def clean_text(text: str) -> str:
    """Page text as one line: soft hyphens dropped, line breaks as spaces."""
    return re.sub(r"\s+", " ", _SOFT_HYPHENS.sub("", text)).strip()


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(clean_text(text)) if s]


def words(text: str) -> list[str]:
    return [w.casefold().strip(".:") or w for w in _WORD.findall(text)]


@lru_cache(maxsize=65536)
def stems_match(a: str, b: str, length: int, max_ending: int = 5) -> bool:
    """Finnish inflects endings: 'puhelua' ~ 'puhelut', 'osallistui' ~ 'osallistujaa', 'erot' ~ 'erotilanteet';
    but a compound is another word: 'mieskavereita' is not 'mieskaverikurssit'."""
    a, b = a.casefold(), b.casefold()
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= length and max(len(a), len(b)) - common <= max_ending


def _number(match: re.Match[str]) -> float:
    whole = re.sub(r"[ \u00a0]", "", match.group(1))
    return float(f"{whole}.{match.group(2)}") if match.group(2) else float(whole)


def mentions(sentence: str, report_year: int, cues: NarrativeCues) -> list[Mention]:
    """Numbers that may state a yearly total: not years, not after a part cue or an approximation."""
    part = re.search(r"(?<!\w)(?:" + "|".join(map(re.escape, cues.part_of)) + r")(?!\w)", sentence.casefold())
    part_at = part.start() if part else len(sentence)
    out = []
    for match in _NUMBER.finditer(blank_non_quantities(sentence, cues)):
        value = _number(match)
        if match.start() >= part_at or (value.is_integer() and 1900 <= value <= 2100):
            continue
        before = words(sentence[:match.start()])[-cues.near_words:]
        following = words(sentence[match.end():])
        if any(w.startswith(cue) for w in before[-2:] for cue in cues.other_quantity if " " not in cue):
            continue  # 'noin 40', 'yli 40', 'tavoitteena 40'
        after_text = sentence[match.end():].lstrip()
        after = "%" if after_text.startswith("%") else ("€" if after_text.startswith("€") else
                                                        (following[0] if following else None))
        out.append(Mention(value, match.start(), match.end(),
                           tuple(before + following[:cues.near_words]), after))
    return out


def _years(sentence: str) -> set[int]:
    return {int(m.group()) for m in re.finditer(r"(?<![\d/.-])(19|20)\d{2}(?![\d/-])", sentence)}


def _about_other_thing(context: str, report_year: int, cues: NarrativeCues) -> bool:
    """Another year, a target, a capacity or an estimate: not a statement of this year's figure."""
    if _years(context) - {report_year}:
        return True
    return _cue_pattern(cues.other_quantity).search(context.casefold()) is not None


def _whole_year(context: str, report_year: int, cues: NarrativeCues) -> bool:
    folded = context.casefold()
    return str(report_year) in folded or any(cue in folded for cue in cues.whole_year)


def label_words(label: str, cues: NarrativeCues) -> list[str]:
    return [w for w in words(label) if len(w) >= 3 and w not in cues.label_stopwords]


def _figure_matches(fig: dict, mention: Mention, context_words: list[str], vocab: ValidationVocabulary,
                    cues: NarrativeCues) -> bool:
    wanted = label_words(str(fig.get("label") or ""), cues)
    if not wanted:
        return False
    if not all(any(stems_match(w, c, cues.stem_length, cues.max_ending) for c in context_words) for w in wanted):
        return False
    measure = vocab.measure(fig.get("uom"))
    if (measure == "percent") != (mention.after == "%") or (measure == "euro") != (mention.after == "€"):
        return False  # a share is not a count, an amount is not a share
    uom = (text_or_none(fig.get("uom")) or "").casefold()
    if measure not in ("percent", "euro") and mention.after and uom and \
            stems_match(mention.after, uom, cues.stem_length, cues.max_ending):
        return True  # '40 osallistujaa' for a figure in 'osallistujaa'
    return any(stems_match(w, a, cues.stem_length, cues.max_ending) for w in mention.near for a in wanted)


def _quote(text: str, start: int, end: int, before: int = 160, after: int = 90) -> str:
    """The words around a mention, cut at word boundaries."""
    lo, hi = max(0, start - before), min(len(text), end + after)
    while lo > 0 and not text[lo - 1].isspace():
        lo += 1
    while hi < len(text) and not text[hi].isspace():
        hi -= 1
    return ("…" if lo else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def chapter_pages(stat_pages: dict[str, int], narrative_pages: Iterable[int]) -> dict[str, list[int]]:
    """Each unit's chapter: the narrative pages after the previous statistics page, up to its own."""
    ordered = sorted(stat_pages.items(), key=lambda item: item[1])
    pages = sorted(narrative_pages)
    chapters, previous = {}, 0
    for unit, page in ordered:
        chapters[unit] = [n for n in pages if previous < n < page]
        previous = page
    return chapters


def _mentions_unit(unit: str, chapter: list[str], cues: NarrativeCues) -> bool:
    """Whether the chapter names its unit: a word of the unit's name, inflected ('Turvakodin' for TURVAKOTI)."""
    name = [w for w in words(unit) if len(w) >= 4]
    text = {w for page in chapter for w in words(clean_text(page)) if len(w) >= 4}
    return any(stems_match(n, w, cues.stem_length, cues.max_ending) for n in name for w in text)


def narrative_statements(figures: pd.DataFrame, narrative: list[tuple[int, str]], report_year: int,
                         vocab: ValidationVocabulary, cues: NarrativeCues | None = None) -> pd.DataFrame:
    """One row per narrative number matched to exactly one figure of its unit: printed (expected)
    against stated (found), with both texts and pages in `narrative` / `detail`."""
    cues = cues or narrative_cues()
    texts = {page: without_furniture(text, cues) for page, text in narrative}
    rows: list[dict[str, Any]] = []
    if figures.empty or not texts:
        return finish(rows, NARRATIVE_COLUMNS)
    year = as_year(report_year)
    by_unit: dict[str, list[dict]] = {}
    for rec in figures[["unit", "page", "row", "label", "value", "uom"]].to_dict("records"):
        if not math.isnan(num(rec.get("page"))) and text_or_none(rec.get("unit")):  # a lost page is another check's
            by_unit.setdefault(rec["unit"], []).append(rec)
    stat_pages = {unit: int(min(num(r.get("page")) for r in recs)) for unit, recs in by_unit.items()}
    for unit, pages in chapter_pages(stat_pages, texts).items():
        if not _mentions_unit(unit, [texts[page] for page in pages], cues):
            continue  # a chapter that never names its unit may be another unit's: precision first
        for page in pages:
            said = sentences(texts[page])
            for i, sentence in enumerate(said):
                if len(sentence) > cues.max_sentence_chars:
                    continue  # not a sentence a person wrote: bounded work on hostile text
                context = (said[i - 1][-cues.max_sentence_chars:] + " " if i else "") + sentence
                if _about_other_thing(sentence, year, cues) or not _whole_year(context, year, cues):
                    continue
                context_words = words(context)
                for mention in mentions(sentence, year, cues):
                    matched = [f for f in by_unit[unit] if _figure_matches(f, mention, context_words, vocab, cues)]
                    values = {round(num(f.get("value")), 2) for f in matched}
                    if not matched or (len(values) > 1 and round(mention.value, 2) not in values):
                        continue  # nothing, or several figures it could mean: precision first
                    fig = next((f for f in matched if round(num(f.get("value")), 2) == round(mention.value, 2)),
                               matched[0])
                    shift = len(context) - len(sentence)
                    quote = _quote(context, mention.start + shift, mention.end + shift)
                    rows.append(_row(unit, page, fig, mention, quote, year))
    return finish(rows, NARRATIVE_COLUMNS)


def _row(unit: str, page: int, fig: dict, mention: Mention, quote: str, year: int | None) -> dict[str, Any]:
    uom = text_or_none(fig.get("uom")) or ""
    printed = f"{fig.get('label')} {show_number(num(fig.get('value')))} {uom}".strip()
    return {"report_year": year, "unit": unit, "page": page, "row": fig.get("row"), "label": fig.get("label"),
            "table_page": fig.get("page"), "uom": uom, "narrative": quote,
            "expected": num(fig.get("value")), "found": mention.value,
            "detail": f'p. {page}: "{quote}" vs statistics p. {fig.get("page")}: "{printed}"'}
