"""The wordings validation relies on, loaded once from `data/validation_vocabulary.json`.

Kept apart from the extractor's vocabulary on purpose: validation should not share
the extractor's blind spots, and a new report wording is a data edit, not a code edit.
Units of measure are the exception: what a unit measures is one fact, so validation asks the
extractor's `units_of_measure` (the vocabulary in effect, `$ETK_VOCABULARY` included) rather
than keeping a second list that drifts from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipeline.data import load_json
from pipeline.extract.vocabulary import vocabulary


def _fold(text: str) -> str:
    """Case-folded text without surrounding space or a trailing colon: 'RAHOITUS:' -> 'rahoitus'."""
    return text.strip().rstrip(":").strip().casefold()


@dataclass(frozen=True)
class ValidationVocabulary:
    total_words: frozenset[str]
    occupancy_words: frozenset[str]
    municipality_count_words: frozenset[str]
    funding_sections: frozenset[str]
    income_labels: frozenset[str]
    expense_labels: frozenset[str]
    result_labels: frozenset[str]
    breakdown_min_items: int
    list_prefixes: tuple[str, ...] = ()
    environment_issue_kinds: frozenset[str] = frozenset()

    @staticmethod
    def _has_word(label: object, words: frozenset[str]) -> bool:
        if not isinstance(label, str):
            return False
        return any(token in words or token.rstrip(":") in words for token in label.casefold().split())

    def says_total(self, label: object) -> bool:
        return self._has_word(label, self.total_words)

    def is_occupancy(self, label: object) -> bool:
        return self._has_word(label, self.occupancy_words)

    def is_municipality_count(self, label: object) -> bool:
        return self._has_word(label, self.municipality_count_words)

    def shows_list(self, text: object) -> bool:
        """Whether text holds the start of a printed municipality list (`Kunnat: ...`)."""
        return isinstance(text, str) and any(prefix in text.casefold() for prefix in self.list_prefixes)

    def is_funding_section(self, section: object) -> bool:
        return isinstance(section, str) and _fold(section) in self.funding_sections

    def measure(self, uom: object) -> str | None:
        """'count', 'euro', 'percent', 'rate', or None for a unit the vocabulary does not know."""
        return vocabulary().units.measure(_fold(uom)) if isinstance(uom, str) else None

    def count_family(self, uom: object) -> str | None:
        """'persons', 'times', ... for a count unit, else None."""
        return vocabulary().units.family(_fold(uom)) if isinstance(uom, str) else None

    def finance_role(self, label: object) -> str | None:
        """'income', 'expenses', 'result' or None for a finance summary label."""
        if not isinstance(label, str):
            return None
        folded = _fold(label)
        for role, labels in (("income", self.income_labels), ("expenses", self.expense_labels),
                             ("result", self.result_labels)):
            if folded in labels:
                return role
        return None


def _words(values: list[str]) -> frozenset[str]:
    return frozenset(_fold(v) for v in values)


@lru_cache(maxsize=1)
def validation_vocabulary() -> ValidationVocabulary:
    raw = load_json("validation_vocabulary.json")
    finance = raw["finance_summary"]
    notes = raw["note_breakdown"]
    return ValidationVocabulary(
        total_words=_words(raw["total_label_words"]["words"]),
        occupancy_words=_words(raw["occupancy_label_words"]["words"]),
        municipality_count_words=_words(raw["municipality_count_label_words"]["words"]),
        funding_sections=_words(raw["funding_sections"]["names"]),
        income_labels=_words(finance["income"]),
        expense_labels=_words(finance["expenses"]),
        result_labels=_words(finance["result"]),
        breakdown_min_items=int(notes["min_items"]),
        list_prefixes=tuple(p.casefold() for p in raw["municipality_list_prefixes"]["prefixes"]),
        environment_issue_kinds=frozenset(raw["environment_issue_kinds"]["kinds"]),
    )
