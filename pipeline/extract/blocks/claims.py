"""Account for every number printed in a statistics block: nothing is lost silently.

A number (any word with a digit) printed inside a block's region is claimed when it is a figure's
value (same position), or appears in a figure's label, note, parent or section, or in the block's
municipality list. Page furniture (page numbers, address lines, the title's year) never reaches the
block's lines. What is left is reported as an `unclaimed_number` warning with page, unit and text.
"""

from __future__ import annotations

from pipeline.extract.issues import WARNING, ExtractionIssue
from pipeline.extract.blocks.titled import UnitPage


def unclaimed_numbers(unit: UnitPage) -> list[ExtractionIssue]:
    """One warning per line holding numbers no figure accounts for."""
    values = [(f.x0, f.top) for f in unit.figures]
    tokens = _claimed_tokens(unit)
    issues = unread_lists(unit)
    for line in unit.lines:
        lost = [w.text for w in line.words if any(ch.isdigit() for ch in w.text)
                and not _is_value(w, values) and w.text not in tokens]
        if lost:
            issues.append(ExtractionIssue(unit.page, "unclaimed_number", WARNING,
                                          f"unclaimed number {', '.join(lost)} in '{line.text}'", unit.unit))
    return issues


def unread_lists(unit: UnitPage) -> list[ExtractionIssue]:
    """A municipality list line (`Kunnat: ...`) the block saw but that gave no names: named, with its
    page, so validation can call the list lost rather than absent."""
    if unit.municipalities:
        return []
    from pipeline.extract.lists.municipalities import strip_list_prefix

    seen = [text for text in unit.claimed_text if strip_list_prefix(text) is not None]
    return [ExtractionIssue(unit.page, "list_not_read", WARNING,
                            f"municipality list printed but no names read from '{seen[0][:120]}'", unit.unit)
            ] if seen else []


def _is_value(word, values: list[tuple[float, float]]) -> bool:
    """Figures keep their value's position rounded to 0.01 pt."""
    return any(abs(word.x0 - x0) <= 0.01 and abs(word.top - top) <= 0.01 for x0, top in values)


def _claimed_tokens(unit: UnitPage) -> set[str]:
    texts = [t for f in unit.figures for t in (f.label, f.note, f.parent, f.section) if t]
    texts.extend(unit.claimed_text)
    return {token for text in texts for token in text.split(" ")}

