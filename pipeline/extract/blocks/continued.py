"""Cheap test on a page's plain text: may it continue the statistics block of the page before?

Only pages that pass are opened with pdfplumber; the real decision (same value columns, or a
`(jatkuu)` marker) is taken on their laid-out lines in `stat_blocks.parse_continuation`.
"""

from __future__ import annotations

import re

from pipeline.extract.numbers import MINUSES, SPACES
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings
from pipeline.extract.vocabulary import vocabulary

# `label  12 hlö ...`, `label 1 028,50 €`, `label 77,78%`: a label, a number, a short unit of measure.
_VALUE_LINE = re.compile(
    rf"(?:^|\s)[(+{re.escape(MINUSES)}]?\d+(?:[{SPACES}]\d{{3}})*(?:,\d+)?\)?"
    rf"\s?[{re.escape(MINUSES)}]?\s?(?:(?:%|€|[a-zåäö][\w/.]{{0,7}})(?=\s|$)|$)")
_PAGE_NUMBER = re.compile(r"^\d{1,4}$")


# A row of a statistics block is short; body text lines that happen to hold `12 henkilöä` are long.
_ROW_LENGTH = 64


def may_continue(text: str, settings: LayoutSettings = DEFAULT_SETTINGS, least: int = 1) -> bool:
    """A `(jatkuu)` marker, or a page that does not open a chapter, has at least `least` rows that read
    `label n uom`, and reads like a table (mostly short lines) or mostly like such rows."""
    vocab = vocabulary()
    if vocab.continued_marker.search(text):
        return True
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not _PAGE_NUMBER.match(line.strip()) and not vocab.furniture_line.search(line.strip())]
    if not lines or (vocab.chapter_heading.match(lines[0]) and not _VALUE_LINE.match(lines[0])):
        return False
    short = [line for line in lines if len(line) <= _ROW_LENGTH]
    value_lines = sum(1 for line in short if _VALUE_LINE.search(line))
    tabular = len(short) >= settings.continuation_short_lines * len(lines)  # cells and rows, not prose
    return value_lines >= least and (tabular or value_lines >= settings.continuation_value_lines * len(lines))


def looks_like_untitled_figures(text: str, settings: LayoutSettings = DEFAULT_SETTINGS) -> bool:
    """Rows of figures under no title anywhere in the report (not opened; reported so none is lost)."""
    return not vocabulary().mentions_statistics_title(text) and may_continue(text, settings, least=3)


_ROW_RUN = 3  # this many rows one under another make a page worth reading
_HEADING_LENGTH = 40  # a short line without digits between rows neither makes nor breaks a run

# `2014  2013`, `v. 2014  v. 2013`: two printed years side by side, as column heads print them
_YEAR_HEADS = re.compile(r"(?:^|\s)(?:v\.\s?)?(?:19|20)\d{2}\s+(?:v\.\s?)?(?:19|20)\d{2}(?:\s|$)")


def has_statistics_by_content(text: str) -> bool:
    """Cheap, linear test on plain text: a summary chapter's name, a line of year heads, or rows of
    figures (`looks_like_untitled_figures`). Only pages that pass get pdfplumber's layout work."""
    vocab = vocabulary()
    run = 0  # consecutive short lines that read `label n uom`: the rows of a block
    for line in text.splitlines():
        short = line.strip()[:200]
        if len(short) <= 120 and (vocab.is_summary_chapter(short) or _YEAR_HEADS.search(short)):
            return True
        if _PAGE_NUMBER.match(short) or (len(short) <= _HEADING_LENGTH and not any(c.isdigit() for c in short)):
            continue  # a page number, or a subheading between the rows (`Ensikoti`)
        row = len(short) <= _ROW_LENGTH and _VALUE_LINE.search(short) and not vocab.chapter_heading.match(short)
        run = run + 1 if row else 0
        if run >= _ROW_RUN:
            return True
    return looks_like_untitled_figures(text)
