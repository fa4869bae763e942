"""Parse the finance summary (`YHTEENVETO TALOUSLUVUISTA`): label and amount per row."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.extract.layout.lines import Line, join_words
from pipeline.extract.numbers import parse_number
from pipeline.extract.vocabulary import vocabulary


@dataclass
class FinanceRow:
    label: str
    value: float
    page: int
    top: float


def has_finance_title(lines: list[Line]) -> bool:
    return any(vocabulary().finance_title.search(line.text) for line in lines)


def parse_finance_summary(lines: list[Line], page: int) -> list[FinanceRow]:
    """Rows under the title that read `label  amount [-] [€]`, up to the first line that does not."""
    start = next((i for i, line in enumerate(lines) if vocabulary().finance_title.search(line.text)), None)
    if start is None:
        return []
    rows: list[FinanceRow] = []
    for line in lines[start + 1 :]:
        row = _finance_row(line, page)
        if row is None:
            if rows:
                break
            continue
        rows.append(row)
    return rows


def _finance_row(line: Line, page: int) -> FinanceRow | None:
    words = [w for w in line.words if w.text not in {"€", "EUR", "eur"}]
    if len(words) < 2:
        return None
    value = parse_number(words[-1].text)
    if value is None or any(parse_number(w.text) is not None for w in words[:-1]):
        return None
    return FinanceRow(join_words(words[:-1]), value, page, round(words[-1].top, 2))
