"""Totals and their parts, found from page structure (parents, sections, units) and notes."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, finish, num, same, show_number, text_or_none
from pipeline.validate.checks.note_breakdown import NoteBreakdown, read_breakdown
from pipeline.validate.vocabulary import ValidationVocabulary

SUM_COLUMNS = ID_COLUMNS + ["uom", "kind", "basis", "n_parts"] + COMPARE_COLUMNS
# How a sum was recognised; each basis has its own check (and severity) in expectations/checks/sums.json.
SUM_BASES = ("labelled_total", "indented_group", "note_list", "note_prefix", "note_of_parent")


def _sum_row(total: dict, kind: str, basis: str, parts: list[tuple[str, float]], expected: float,
             detail: str | None = None) -> dict:
    found = sum(v for _, v in parts) if parts else math.nan
    if detail is None:
        detail = " + ".join(f"{label} {show_number(v)}" for label, v in parts) or "no parts found"
    if total.get("source") == "ocr":  # the parts are on the same page, read the same way
        detail += "; figures read by OCR: a misread digit is the likely cause"
    return {"report_year": total.get("report_year"), "unit": total.get("unit"),
            "page": total.get("page"), "row": total.get("row"), "label": total.get("label"),
            "uom": total.get("uom"), "kind": kind, "basis": basis, "n_parts": len(parts),
            "expected": expected, "found": found, "detail": detail}


def _children(rows: list[dict], i: int) -> list[dict]:
    """Rows indented under rows[i]: they name it as parent, until the label repeats."""
    label = rows[i]["label"]
    children = []
    for row in rows[i + 1:]:
        if same(row.get("label"), label) and not same(row.get("parent"), label):
            break
        if same(row.get("parent"), label):
            children.append(row)
    return children


def _group_sum(rows: list[dict], i: int, vocab: ValidationVocabulary) -> dict | None:
    """A row with indented children is a candidate sum of the children in its own uom."""
    total = rows[i]
    children = _children(rows, i)
    if not children:
        return None
    parts = [(c["label"], num(c["value"])) for c in children if same(c.get("uom"), total.get("uom"))]
    if vocab.says_total(total.get("label")):
        return _sum_row(total, "indented_parts", "labelled_total", parts, num(total["value"]))
    if len(parts) >= 2:
        return _sum_row(total, "indented_parts", "indented_group", parts, num(total["value"]))
    return None


def _rows_above_total(rows: list[dict], i: int, vocab: ValidationVocabulary) -> dict:
    """A total with no indented rows sums the rows above it in its section (e.g. RAHOITUS)."""
    total = rows[i]
    section = text_or_none(total.get("section"))
    euro = vocab.measure(total.get("uom")) == "euro"
    if section is None and not euro:  # a euro total's parts are the euro rows above it, heading or not
        return _sum_row(total, "no_parts_found", "labelled_total", [], num(total["value"]))
    parts: list[tuple[str, float]] = []
    for row in reversed(rows[:i]):
        if text_or_none(row.get("section")) != section and not same(row.get("section"), section):
            continue
        if vocab.says_total(row.get("label")):
            break  # the rows above belong to an earlier total
        if text_or_none(row.get("parent")) is None and same(row.get("uom"), total.get("uom")):
            parts.insert(0, (row["label"], num(row["value"])))
    return _sum_row(total, "rows_above", "labelled_total", parts, num(total["value"]))


def _note_sum(rows: list[dict], i: int, breakdown: NoteBreakdown) -> dict | None:
    row = rows[i]
    if not breakdown.of_parent:
        basis = "note_list" if breakdown.whole_note else "note_prefix"
        return _sum_row(row, "note", basis, list(breakdown.parts), num(row["value"]),
                        detail=breakdown.describe())
    parent = next((r for r in reversed(rows[:i]) if same(r.get("label"), row.get("parent"))), None)
    if parent is None:
        return None
    return _sum_row(parent, "note_of_child", "note_of_parent", list(breakdown.parts),
                    num(parent["value"]), detail=f"note of {row['label']}: {breakdown.describe()}")


def sum_checks(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """Every total/parts identity the pages imply, with the basis that sets its severity.

    basis: labelled_total (the label says total: critical), indented_group (only structure
    says so: warning), note_list / note_prefix / note_of_parent (a note lists the parts).
    """
    out: list[dict] = []
    for _, page in figures.groupby(["report_year", "unit", "page"], sort=False, dropna=False):
        rows = page.sort_values("row").to_dict("records")
        for i, row in enumerate(rows):
            group = _group_sum(rows, i, vocab)
            if group is not None:
                out.append(group)
            elif vocab.says_total(row.get("label")):
                out.append(_rows_above_total(rows, i, vocab))
            if text_or_none(row.get("value_source")) != "note":
                breakdown = read_breakdown(text_or_none(row.get("note")), text_or_none(row.get("uom")), vocab)
                if breakdown is not None:
                    note_row = _note_sum(rows, i, breakdown)
                    if note_row is not None:
                        out.append(note_row)
    df = finish(out, SUM_COLUMNS)
    for basis in SUM_BASES:  # per-basis copies, empty elsewhere: one expectation per basis
        df[f"found_cents_{basis}"] = df["found_cents"].where(df["basis"] == basis)
    df["n_parts_labelled_total"] = df["n_parts"].where(df["basis"] == "labelled_total")
    return df
