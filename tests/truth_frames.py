"""Build an `Extraction` from a truth JSON file, as the extractor would have produced it.

Validation depends only on the frames, so running it on these as well as on the real
extraction separates "the validator is wrong" from "the extractor is wrong". Frames are
made with `pipeline.extract.output.tables.frame`, so columns and dtypes are the contract's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.extract.report import Extraction
from pipeline.extract.output.tables import frame

# The truth records where values sit, not where labels start: use the extractor's two indents.
_LEFT_MARGIN, _INDENTED = 60.0, 72.0


def _figure_rows(truth: dict[str, Any]) -> list[dict[str, Any]]:
    year = truth["report"]["year"]
    rows = []
    for unit in truth["units"]:
        for number, fig in enumerate(unit["figures"], start=1):
            box = fig.get("value_bbox") or fig.get("note_bbox") or [None, None]
            rows.append({
                "report_year": year, "unit": unit["unit_title"], "unit_year": unit["year"],
                "page": unit["page"], "row": number, "section": fig.get("section"),
                "parent": fig.get("parent"), "label": fig["label"], "value": fig["value"],
                "uom": fig["uom"], "note": fig.get("note"),
                "value_source": fig.get("value_source", "column"), "source": "text",
                "indent": _INDENTED if fig.get("parent") or fig.get("section") else _LEFT_MARGIN,
                "x0": box[0], "top": box[1],
            })
    return rows


def frames_from_truth(path: str | Path) -> Extraction:
    path = Path(path)
    truth = json.loads(path.read_text(encoding="utf-8"))
    year = truth["report"]["year"]
    summary = truth["finance_summary"]
    return Extraction(
        source=path.with_name(truth["report"]["file"]),
        report_year=year,
        page_count=truth["report"]["page_count"],
        figures=frame("figures", _figure_rows(truth)),
        finance_summary=frame("finance_summary", [
            {"report_year": year, "label": r["label"], "value": r["value"], "page": summary["page"],
             "top": r["top"]} for r in summary["rows"]]),
        municipalities=frame("municipalities", [
            {"report_year": year, "unit": unit["unit_title"], "municipality": name, "page": unit["page"]}
            for unit in truth["units"] if unit.get("municipalities")
            for name in unit["municipalities"]["names"]]),
        image_pages=list(truth.get("image_only_pages", [])),
    )
