"""The association a report belongs to, from its plain text: cover, running header or footer, signature.

Why from the text and not the file name: files are renamed, reports are not. The wording
is data (`vocabulary.json`: `organization_name`, `organization_cover_pages`), so a name
printed another way is a data change. Only the pypdfium2 plain text of `scan_pages` is
read (already in memory), every line bounded, so this costs nothing per page.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pipeline.data import load_json
from pipeline.extract.vocabulary import VOCABULARY_ENV, bounded_text

_GENITIVE = re.compile(r"(?i)(?<=\bry):n$")


def printed_name(text: str | None) -> str | None:
    """The name as printed, on one line, without a genitive ending: 'LAHDEN ... RY:N' -> 'LAHDEN ... RY'."""
    if text is None:
        return None
    name = " ".join(str(text).replace("\x00", " ").split())
    name = _GENITIVE.sub("", name).strip()
    return name[:300] or None


def _same_name(name: str) -> str:
    """Names printed in capitals on the cover and in lower case in the text are one name."""
    return re.sub(r"\W+", " ", name.casefold()).strip()


@lru_cache(maxsize=8)
def _settings(path: str | None) -> tuple[re.Pattern[str], int]:
    raw = load_json("vocabulary.json") if path is None else json.loads(Path(path).read_text(encoding="utf-8"))
    shipped = load_json("vocabulary.json")
    pattern = raw.get("organization_name", shipped["organization_name"])
    return re.compile(pattern, re.MULTILINE), int(raw.get("organization_cover_pages",
                                                          shipped["organization_cover_pages"]))


def names_on_page(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Every association name a line of the page starts with, as printed (without ':n')."""
    lines = "\n".join(" ".join(line.split()) for line in bounded_text(text).splitlines())
    return [name for name in (printed_name(m.group("name")) for m in pattern.finditer(lines)) if name]


def find_organization(pages: Iterable[tuple[int, str]], vocabulary_path: str | None = None) -> str | None:
    """The association's name as printed, or None: the cover first, then the most repeated, then the first seen.

    `pages` are (1-based number, plain text). A name on the cover pages (the first pages
    with text) wins; otherwise the one on most pages (a running header or footer); otherwise
    the first one (a signature). Names that slug alike count as one.
    """
    chosen = vocabulary_path if vocabulary_path is not None else os.environ.get(VOCABULARY_ENV) or None
    pattern, cover_pages = _settings(chosen)
    found: list[tuple[int, str]] = []        # (order of the page among pages with text, name)
    with_text = 0
    for _, text in pages:
        if not text.strip():
            continue
        found += [(with_text, name) for name in dict.fromkeys(names_on_page(text, pattern))]
        with_text += 1
    if not found:
        return None
    on_cover = [name for order, name in found if order < cover_pages]
    if on_cover:
        return on_cover[0]
    pages_per_id = Counter(_same_name(name) for _, name in found)
    best, count = pages_per_id.most_common(1)[0]
    if count > 1:
        return next(name for _, name in found if _same_name(name) == best)
    return found[0][1]
