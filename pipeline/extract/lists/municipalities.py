"""Names of client municipalities from a printed list: `Kunnat: Heinola, Hollola, ... ja Tampere`."""

from __future__ import annotations

import re

from pipeline.extract.vocabulary import vocabulary


def join_wrapped(lines: list[str]) -> str:
    """Join list lines; a word hyphenated at a line end (`Kristiinan-` + `kaupunki`) is rejoined.

    A hyphen before a capitalised word is kept (`Päijät-` + `Häme` stays `Päijät-Häme`), and a
    line break between two names stands for the comma some reports leave out there.
    """
    text = ""
    for line in (l.strip() for l in lines):
        if not line:
            continue
        if text.endswith("-") and text[-2:-1].isalpha():
            text = text[:-1] + line if line[:1].islower() else text + line
        elif (text and not text.endswith((",", ";")) and line[:1].isupper()
              and text.rsplit(None, 1)[-1] not in vocabulary().list_conjunctions):
            text = f"{text}, {line}"
        else:
            text = f"{text} {line}" if text else line
    return text


def parse_names(text: str) -> list[str]:
    """Split a list of names on commas and `ja`; drop counts in brackets: `Lahti (20)` is Lahti."""
    conjunctions = "|".join(map(re.escape, vocabulary().list_conjunctions))
    text = re.sub(r"\([^)]*\)", " ", text)
    names = []
    for part in re.split(rf",|;|\s(?:{conjunctions})\s", text):
        name = " ".join(part.split()).strip(" .:")
        if name and name[0].isupper() and not any(ch.isdigit() for ch in name):
            names.append(name)
    return names


def strip_list_prefix(text: str) -> str | None:
    """The names after a list prefix such as `Kunnat:`, or None when the line is no such list."""
    folded = text.casefold()
    for prefix in vocabulary().municipality_list_prefixes:
        if folded.startswith(prefix):
            return text[len(prefix):].strip()
    return None
