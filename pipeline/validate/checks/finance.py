"""The finance summary's identity: total income + total expenses = result for the year."""

from __future__ import annotations

import pandas as pd

from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, finish, num, show_number
from pipeline.validate.vocabulary import ValidationVocabulary


def finance_identity(finance_summary: pd.DataFrame, report_year: int,
                     vocab: ValidationVocabulary) -> pd.DataFrame:
    """Per report year: total income + total expenses (negative) against the result printed."""
    years = list(dict.fromkeys([report_year, *finance_summary["report_year"].dropna().tolist()]))
    rows = []
    for year in years:
        found: dict[str, dict] = {}
        for rec in finance_summary[finance_summary["report_year"] == year].to_dict("records"):
            role = vocab.finance_role(rec.get("label"))
            if role is not None and role not in found:
                found[role] = rec
        income, expenses, result = (num(found.get(r, {}).get("value")) for r in ("income", "expenses", "result"))
        anchor = found.get("result") or next(iter(found.values()), {})
        rows.append({"report_year": year, "unit": None, "page": anchor.get("page"), "row": None,
                     "label": found.get("result", {}).get("label", "result for the year"),
                     "income": income, "expenses": expenses, "result": result,
                     "expected": result, "found": income + expenses,
                     "detail": " + ".join(f"{found[r]['label']} {show_number(num(found[r]['value']))}"
                                          for r in ("income", "expenses") if r in found)})
    df = finish(rows, ID_COLUMNS + ["income", "expenses", "result"] + COMPARE_COLUMNS)
    for col in ("income", "expenses", "result"):
        df[col] = df[col].astype("float64")
    return df
