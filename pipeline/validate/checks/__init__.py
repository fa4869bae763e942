"""Derived "check" tables: one row per fact a suite under `expectations/checks/` asserts.

GX's built-in expectations compare columns row by row, so every cross-row identity
(a total and its parts, a printed count and the names listed, income + expenses = result)
is first laid out as a row with the printed figure in `expected` and what the other
rows add up to in `found`. One module per check family; which groups are sums comes from
page structure and from `data/validation_vocabulary.json`, never from per-unit label lists.
No GX import here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.validate.checks.common import cents, conform
from pipeline.validate.checks.finance import finance_identity
from pipeline.validate.checks.municipalities import municipality_counts
from pipeline.validate.checks.narrative import narrative_statements
from pipeline.validate.checks.sums import SUM_BASES, SUM_COLUMNS, sum_checks
from pipeline.validate.checks.units import unit_pages
from pipeline.validate.checks.values import figure_values
from pipeline.validate.vocabulary import ValidationVocabulary, validation_vocabulary

CHECK_TABLES = ("figure_values", "sums", "municipality_counts", "finance_identity", "units", "narrative")

__all__ = ["CHECK_TABLES", "SUM_BASES", "SUM_COLUMNS", "cents", "check_tables", "figure_values",
           "finance_identity", "municipality_counts", "narrative_statements", "sum_checks", "unit_pages"]


def check_tables(extraction: Any, vocab: ValidationVocabulary | None = None) -> dict[str, pd.DataFrame]:
    """All derived tables of an `Extraction`, keyed like the suites in `expectations/checks/`."""
    vocab = vocab or validation_vocabulary()
    figures = conform(extraction.figures, "figures")
    municipalities = conform(extraction.municipalities, "municipalities")
    finance = conform(extraction.finance_summary, "finance_summary")
    return {
        "figure_values": figure_values(figures, vocab),
        "sums": sum_checks(figures, vocab),
        "municipality_counts": municipality_counts(figures, municipalities, vocab,
                                                   conform(extraction.extraction_issues, "extraction_issues")),
        "finance_identity": finance_identity(finance, extraction.report_year, vocab),
        "units": unit_pages(figures, vocab),
        "narrative": narrative_statements(figures, list(getattr(extraction, "narrative_pages", None) or []),
                                          extraction.report_year, vocab),
    }
