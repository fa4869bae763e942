"""Cheap test on a page's plain text: may it continue the statistics block of the page before?

Only pages that pass are opened with pdfplumber; the real decision (same value columns, or a
`(jatkuu)` marker) is taken on their laid-out lines in `stat_blocks.parse_continuation`.
"""

from __future__ import annotations

import re

from pipeline.extract.numbers import MINUSES, SPACES
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings
from pipeline.extract.vocabulary import vocabulary

# `label  12 hlö ...`, `... 1 028,50 €`, `77,78%`: a number followed by a short unit of measure.
_VALUE_LINE = re.compile(
    rf"(?:^|\s)[(+{re.escape(MINUSES)}]?\d{{1,3}}(?:[{SPACES}]?\d{{3}})*(?:,\d+)?\)?"
    rf"\s?[{re.escape(MINUSES)}]?\s?(?:(?:%|€|[^\W\d_][\w/.]{{0,7}})(?=\s|$)|$)")
_PAGE_NUMBER = re.compile(r"^\d{1,4}$")


def may_continue(text: str, settings: LayoutSettings = DEFAULT_SETTINGS) -> bool:
    """A `(jatkuu)` marker, or a page that does not open a chapter and reads mostly `label n uom`."""
    vocab = vocabulary()
    if vocab.continued_marker.search(text):
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _PAGE_NUMBER.match(line.strip())]
    if not lines or vocab.chapter_heading.match(lines[0]):
        return False
    value_lines = sum(1 for line in lines if _VALUE_LINE.search(line))
    return value_lines >= 2 and value_lines >= settings.continuation_value_lines * len(lines)
