"""PDF to tables: find the pages that hold figures cheaply, then read only those with pdfplumber."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Extraction:
    """Everything read from one report. Frames follow `pipeline/data/tables.json`."""

    source: Path
    report_year: int
    page_count: int
    figures: pd.DataFrame
    finance_summary: pd.DataFrame
    municipalities: pd.DataFrame
    image_pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def extract_report(path: str | Path) -> Extraction:
    """Read every statistics page and the finance summary of the report at `path`.

    Raises `pipeline.errors.ReportError` (one-line message) for unreadable input
    and `pipeline.errors.NotAReport` when no statistics page is found.
    """
    raise NotImplementedError
