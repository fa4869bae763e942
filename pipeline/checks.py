"""Derived "check" tables: one row per fact a suite under `expectations/checks/` asserts.

GX's built-in expectations compare columns row by row, so every cross-row identity
(a total and its parts, a printed count and the names listed, income + expenses = result)
is first laid out here as a row with the printed figure in `expected` and what the other
rows add up to in `found`. Which groups are sums comes from page structure (the `parent`
column, the section, the unit of measure) and from the wordings in
`data/validation_vocabulary.json`, never from per-unit label lists. No GX import here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pipeline.note_breakdown import NoteBreakdown, read_breakdown
from pipeline.tables import columns as contract_columns
from pipeline.validation_vocabulary import ValidationVocabulary, validation_vocabulary

CHECK_TABLES = ("figure_values", "sums", "municipality_counts", "finance_identity", "units")

# Comparison tables carry these, so a failure reads the same whatever the check.
_ID = ["report_year", "unit", "page", "row", "label"]
_COMPARE = ["expected", "found", "expected_cents", "found_cents", "detail"]
SUM_COLUMNS = _ID + ["uom", "kind", "basis", "n_parts"] + _COMPARE
# How a sum was recognised; each basis has its own check (and severity) in expectations/checks/sums.json.
SUM_BASES = ("labelled_total", "indented_group", "note_list", "note_prefix", "note_of_parent")


def _text(value: Any) -> str | None:
    """A cell as str, or None for NA/NaN/empty (frames use pd.NA, dicts may hold NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _num(value: Any) -> float:
    """A cell as float, NaN when empty or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _year(value: Any) -> int | None:
    number = _num(value)
    return None if math.isnan(number) else int(number)


def _same(a: Any, b: Any) -> bool:
    ta, tb = _text(a), _text(b)
    return ta is not None and tb is not None and ta.casefold() == tb.casefold()


def _fmt(value: float) -> str:
    """82, 1204.02: as a person reads the report (no exponent for millions)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def cents(values: pd.Series) -> pd.Series:
    """Amounts rounded to whole cents (float, NaN kept): equal money compares equal."""
    return (pd.to_numeric(values, errors="coerce").astype("float64") * 100).round()


def _finish(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for col in ("expected", "found", "n_parts"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    if "expected" in df:
        df["expected_cents"] = cents(df["expected"])
        df["found_cents"] = cents(df["found"])
    return df.reset_index(drop=True)


# --- value ranges -----------------------------------------------------------------------

def figure_values(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """Each figure with the kind of its unit of measure, for range and whole-number checks.

    Each rule gets its own column, empty outside the rows it applies to (GX skips empty
    cells), e.g. `count` holds the value of rows in hlö/kpl/krt/...; this is cheaper and
    simpler to read than a row_condition per expectation.
    """
    df = figures.reindex(columns=_ID + ["uom", "value"]).copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    measure = [vocab.measure(uom) or "unknown" for uom in df["uom"]]
    df["measure"] = [
        "occupancy" if kind == "percent" and vocab.is_occupancy(label) else kind
        for kind, label in zip(measure, df["label"])]
    fraction = (df["value"] - df["value"].round()).abs().round(9)
    df["occupancy"] = df["value"].where(df["measure"] == "occupancy")
    df["count"] = df["value"].where(df["measure"] == "count")
    df["count_fraction"] = fraction.where(df["measure"] == "count")
    df["euro"] = df["value"].where(df["measure"] == "euro")
    return df.reset_index(drop=True)


# --- totals and their parts ---------------------------------------------------------------

def _sum_row(total: dict, kind: str, basis: str, parts: list[tuple[str, float]], expected: float,
             detail: str | None = None) -> dict:
    found = sum(v for _, v in parts) if parts else math.nan
    if detail is None:
        detail = " + ".join(f"{label} {_fmt(v)}" for label, v in parts) or "no parts found"
    return {"report_year": total.get("report_year"), "unit": total.get("unit"),
            "page": total.get("page"), "row": total.get("row"), "label": total.get("label"),
            "uom": total.get("uom"), "kind": kind, "basis": basis, "n_parts": len(parts),
            "expected": expected, "found": found, "detail": detail}


def _children(rows: list[dict], i: int) -> list[dict]:
    """Rows indented under rows[i]: they name it as parent, until the label repeats."""
    label = rows[i]["label"]
    children = []
    for row in rows[i + 1:]:
        if _same(row.get("label"), label) and not _same(row.get("parent"), label):
            break
        if _same(row.get("parent"), label):
            children.append(row)
    return children


def _group_sum(rows: list[dict], i: int, vocab: ValidationVocabulary) -> dict | None:
    """A row with indented children is a candidate sum of the children in its own uom."""
    total = rows[i]
    children = _children(rows, i)
    if not children:
        return None
    parts = [(c["label"], _num(c["value"])) for c in children if _same(c.get("uom"), total.get("uom"))]
    if vocab.says_total(total.get("label")):
        return _sum_row(total, "indented_parts", "labelled_total", parts, _num(total["value"]))
    if len(parts) >= 2:
        return _sum_row(total, "indented_parts", "indented_group", parts, _num(total["value"]))
    return None


def _rows_above_total(rows: list[dict], i: int, vocab: ValidationVocabulary) -> dict:
    """A total with no indented rows sums the rows above it in its section (e.g. RAHOITUS)."""
    total = rows[i]
    section = _text(total.get("section"))
    if section is None:
        return _sum_row(total, "no_parts_found", "labelled_total", [], _num(total["value"]))
    parts: list[tuple[str, float]] = []
    for row in reversed(rows[:i]):
        if not _same(row.get("section"), section):
            continue
        if vocab.says_total(row.get("label")):
            break  # the rows above belong to an earlier total
        if _text(row.get("parent")) is None and _same(row.get("uom"), total.get("uom")):
            parts.insert(0, (row["label"], _num(row["value"])))
    return _sum_row(total, "rows_above", "labelled_total", parts, _num(total["value"]))


def _note_sum(rows: list[dict], i: int, breakdown: NoteBreakdown) -> dict | None:
    row = rows[i]
    if not breakdown.of_parent:
        basis = "note_list" if breakdown.whole_note else "note_prefix"
        return _sum_row(row, "note", basis, list(breakdown.parts), _num(row["value"]),
                        detail=breakdown.describe())
    parent = next((r for r in reversed(rows[:i]) if _same(r.get("label"), row.get("parent"))), None)
    if parent is None:
        return None
    return _sum_row(parent, "note_of_child", "note_of_parent", list(breakdown.parts),
                    _num(parent["value"]), detail=f"note of {row['label']}: {breakdown.describe()}")


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
            if _text(row.get("value_source")) != "note":
                breakdown = read_breakdown(_text(row.get("note")), _text(row.get("uom")), vocab)
                if breakdown is not None:
                    note_row = _note_sum(rows, i, breakdown)
                    if note_row is not None:
                        out.append(note_row)
    df = _finish(out, SUM_COLUMNS)
    for basis in SUM_BASES:  # per-basis copies, empty elsewhere: one expectation per basis
        df[f"found_cents_{basis}"] = df["found_cents"].where(df["basis"] == basis)
    df["n_parts_labelled_total"] = df["n_parts"].where(df["basis"] == "labelled_total")
    return df


# --- municipalities ---------------------------------------------------------------------

def municipality_counts(figures: pd.DataFrame, municipalities: pd.DataFrame,
                        vocab: ValidationVocabulary) -> pd.DataFrame:
    """Per unit: the printed number of client municipalities against the names listed."""
    listed: dict[tuple, list[str]] = {}
    pages: dict[tuple, Any] = {}
    for rec in municipalities.to_dict("records"):
        key = (_year(rec.get("report_year")), _text(rec.get("unit")))
        listed.setdefault(key, [])
        name = _text(rec.get("municipality"))
        if name is not None and name not in listed[key]:
            listed[key].append(name)
        pages.setdefault(key, rec.get("page"))
    counted = {}
    for rec in figures.to_dict("records"):
        key = (_year(rec.get("report_year")), _text(rec.get("unit")))
        if vocab.is_municipality_count(rec.get("label")) and key not in counted:
            counted[key] = rec
    rows = []
    for key in list(dict.fromkeys([*counted, *listed])):
        rec = counted.get(key, {})
        names = listed.get(key, [])
        rows.append({"report_year": key[0], "unit": key[1], "page": rec.get("page", pages.get(key)),
                     "row": rec.get("row"), "label": rec.get("label"),
                     "expected": _num(rec.get("value")), "found": len(names),
                     "detail": f"{len(names)} listed: {', '.join(names)}" if names else "none listed"})
    return _finish(rows, _ID + _COMPARE)


# --- finance summary --------------------------------------------------------------------

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
        income, expenses, result = (_num(found.get(r, {}).get("value")) for r in ("income", "expenses", "result"))
        anchor = found.get("result") or next(iter(found.values()), {})
        rows.append({"report_year": year, "unit": None, "page": anchor.get("page"), "row": None,
                     "label": found.get("result", {}).get("label", "result for the year"),
                     "income": income, "expenses": expenses, "result": result,
                     "expected": result, "found": income + expenses,
                     "detail": " + ".join(f"{found[r]['label']} {_fmt(_num(found[r]['value']))}"
                                          for r in ("income", "expenses") if r in found)})
    df = _finish(rows, _ID + ["income", "expenses", "result"] + _COMPARE)
    for col in ("income", "expenses", "result"):
        df[col] = df[col].astype("float64")
    return df


# --- per statistics page ------------------------------------------------------------------

def unit_pages(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """One row per statistics page: its printed year and how many funding totals it has."""
    rows = []
    for (year, unit, page), group in figures.groupby(["report_year", "unit", "page"], sort=False, dropna=False):
        years = [_year(y) for y in group["unit_year"].dropna().unique().tolist()]
        odd = [y for y in years if y != _year(year)]  # show the year that disagrees, if any
        funding = group[[vocab.is_funding_section(s) for s in group["section"]]]
        totals = funding[[vocab.says_total(label) for label in funding["label"]]]
        rows.append({"report_year": year, "unit": unit, "page": page, "row": None, "label": None,
                     "unit_year": odd[0] if odd else (years[0] if years else None),
                     "funding_totals": len(totals)})
    df = pd.DataFrame(rows, columns=_ID + ["unit_year", "funding_totals"])
    for col in ("report_year", "unit_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def _conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """The frame with every contract column (missing ones empty), so a lost column shows
    up as a failed contract expectation rather than a crash while deriving checks."""
    missing = [c for c in contract_columns(table) if c not in df.columns]
    return df.reindex(columns=[*df.columns, *missing]) if missing else df


def check_tables(extraction: Any, vocab: ValidationVocabulary | None = None) -> dict[str, pd.DataFrame]:
    """All derived tables of an `Extraction`, keyed like the suites in `expectations/checks/`."""
    vocab = vocab or validation_vocabulary()
    figures = _conform(extraction.figures, "figures")
    municipalities = _conform(extraction.municipalities, "municipalities")
    finance = _conform(extraction.finance_summary, "finance_summary")
    return {
        "figure_values": figure_values(figures, vocab),
        "sums": sum_checks(figures, vocab),
        "municipality_counts": municipality_counts(figures, municipalities, vocab),
        "finance_identity": finance_identity(finance, extraction.report_year, vocab),
        "units": unit_pages(figures, vocab),
    }
