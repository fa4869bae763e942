"""The finance summary's identity: total income + total expenses = result for the year.

Which row is which (the *roles*) comes first from the vocabulary (several wordings per
role in `validation_vocabulary.json`), then from the arithmetic itself: the row that is
the sum of a positive and a negative row is the result of those two. How the roles were
found is kept in `roles`:

- `vocabulary` / `arithmetic`: all three known, the identity is checked (critical);
- `missing`: the vocabulary named some roles but no row fits the others (a row was lost:
  critical);
- `ambiguous`: no wording matched and the arithmetic allows several readings, or none:
  a warning, and the identity is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

import pandas as pd

from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, finish, num, show_number
from pipeline.validate.vocabulary import ValidationVocabulary

ROLES = ("income", "expenses", "result")
FINANCE_COLUMNS = ID_COLUMNS + ["income", "expenses", "result", "roles", "roles_clear"] + COMPARE_COLUMNS


@dataclass
class FinanceRoles:
    """Row index (into the year's records) per role, and how they were found."""

    rows: dict[str, int] = field(default_factory=dict)
    how: str = "vocabulary"
    detail: str = ""


def _cents(value: float) -> int | None:
    number = num(value)
    return None if number != number else round(number * 100)


def _arithmetic_fits(records: list[dict], fixed: dict[str, int]) -> list[dict[str, int]]:
    """Every (income, expenses, result) triple with income > 0, expenses < 0 and
    income + expenses = result to the cent that agrees with the roles already fixed."""
    cents = [_cents(r.get("value")) for r in records]
    fits = []
    for i, e, r in permutations(range(len(records)), 3):
        if None in (cents[i], cents[e], cents[r]) or not (cents[i] > 0 > cents[e]):
            continue
        if cents[i] + cents[e] != cents[r]:
            continue
        triple = {"income": i, "expenses": e, "result": r}
        if all(triple[role] == row for role, row in fixed.items()):
            fits.append(triple)
    return fits


def find_roles(records: list[dict], vocab: ValidationVocabulary) -> FinanceRoles:
    """Roles of one year's finance summary rows: vocabulary first, arithmetic for the rest."""
    named: dict[str, int] = {}
    for index, rec in enumerate(records):
        role = vocab.finance_role(rec.get("label"))
        if role is not None and role not in named:
            named[role] = index
    if len(named) == len(ROLES):
        return FinanceRoles(named, "vocabulary")
    fits = _arithmetic_fits(records, named)
    if len(fits) == 1:
        return FinanceRoles(fits[0], "arithmetic",
                            "roles found from the arithmetic: " + ", ".join(
                                f"{role} = '{records[fits[0][role]].get('label')}'" for role in ROLES))
    if named:  # some wordings known, the rest neither named nor implied: a row is missing
        lost = [role for role in ROLES if role not in named]
        return FinanceRoles(named, "missing", "no row found for " + ", ".join(lost))
    reason = (f"{len(fits)} readings fit the arithmetic" if fits
              else "no label is a known wording and no row is the sum of two others")
    return FinanceRoles({}, "ambiguous", f"roles unclear: {reason}")


def finance_identity(finance_summary: pd.DataFrame, report_year: int,
                     vocab: ValidationVocabulary) -> pd.DataFrame:
    """Per report year with a finance summary: income + expenses (negative) against the result."""
    years = list(dict.fromkeys(finance_summary["report_year"].dropna().tolist()))
    rows = []
    for year in years:
        records = finance_summary[finance_summary["report_year"] == year].to_dict("records")
        roles = find_roles(records, vocab)
        found = {role: records[index] for role, index in roles.rows.items()}
        checked = roles.how in ("vocabulary", "arithmetic")
        income, expenses, result = (num(found.get(r, {}).get("value")) if checked else float("nan")
                                    for r in ROLES)
        anchor = found.get("result") or next(iter(found.values()), records[0] if records else {})
        detail = " + ".join(f"{found[r]['label']} {show_number(num(found[r]['value']))}"
                            for r in ("income", "expenses") if r in found)
        rows.append({"report_year": year, "unit": None, "page": anchor.get("page"), "row": None,
                     "label": found.get("result", {}).get("label", "result for the year"),
                     "income": income, "expenses": expenses, "result": result,
                     "roles": roles.how, "roles_clear": roles.how != "ambiguous",
                     "expected": result, "found": income + expenses,
                     "detail": "; ".join(part for part in (detail, roles.detail) if part) or None})
    df = finish(rows, FINANCE_COLUMNS)
    for col in ("income", "expenses", "result"):
        df[col] = df[col].astype("float64")
    df["roles_clear"] = df["roles_clear"].astype(bool)
    return df
