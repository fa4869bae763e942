"""What an analyst sees in the warehouse: integer counts, NULL for 'not printed', one name per section.

Real DuckDB files loaded from the real extraction of the sample (and a small drawn report);
the column types are read back from DuckDB itself.
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.ingest.record import LOADED, IngestionRecord, utcnow
from pipeline.load import duckdb_store as warehouse
from pipeline.model.derive import build_tables, normalize_section
from pipeline.model.metrics import metric_types, parse_rules


def _load(path, tables):
    record = IngestionRecord(file_name="r.pdf", sha256=None, started_at=utcnow(), status=LOADED,
                             report_year=tables.report_year, row_counts=tables.row_counts())
    warehouse.load_year(path, tables, record)
    return path


@pytest.fixture(scope="module")
def loaded_2022(tmp_path_factory, tables2022):
    return _load(tmp_path_factory.mktemp("types") / "etk.duckdb", tables2022)


def _types(path, table: str) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()}


def test_counts_are_bigint_and_euros_and_percentages_double(loaded_2022):
    types = _types(loaded_2022, "unit_summary")
    for count in ("clients_total", "adults", "children", "care_days", "staff", "volunteers", "students",
                  "municipalities_count", "municipalities_listed", "page", "report_year"):
        assert types[count] == "BIGINT", count
    assert types["total_income_eur"] == "DOUBLE" and types["occupancy_pct"] == "DOUBLE"
    assert "unit_year" not in types and "unit_year" not in _types(loaded_2022, "unit_metrics")
    with duckdb.connect(str(loaded_2022), read_only=True) as con:
        clients, total = con.execute("SELECT clients_total, total_income_eur FROM unit_summary "
                                     "WHERE unit = 'ENSIKOTI'").fetchone()
    assert type(clients) is int and clients == 82 and total == pytest.approx(1040977.41)


def test_metric_types_follow_the_units_of_measure_in_the_rules():
    rules = tuple(parse_rules(["metric,label_pattern,uom,parent,section", "a,A,hlö,,", "b,B,€,,",
                               "c,C,%,,", "d,D,kpl,,", "d,D2,€,,", "e,E,,,"]))
    assert metric_types(rules) == {"a": "int", "b": "float", "c": "float", "d": "float", "e": "float"}


def test_null_means_not_printed_and_zero_means_printed_zero(loaded_2022, tables2022):
    with duckdb.connect(str(loaded_2022), read_only=True) as con:
        rows = dict(con.execute("SELECT unit, municipalities_listed FROM unit_summary").fetchall())
        printed = {u for (u,) in con.execute("SELECT DISTINCT unit FROM municipalities").fetchall()}
        counts = dict(con.execute("SELECT unit, municipalities_count FROM unit_summary").fetchall())
    assert {u for u, n in rows.items() if n is not None} == printed  # listed only where a list is printed
    assert all(n is None for u, n in rows.items() if u not in printed)
    assert all(n is None or n > 0 for n in rows.values())
    figures = tables2022.frames["figures"]
    asiakaskuntia = set(figures.loc[figures["label"] == "Asiakaskuntia", "unit"])
    assert {u for u, n in counts.items() if n is not None} == asiakaskuntia


def test_a_printed_zero_stays_zero(tmp_path):
    from pdf_factory import Figure, Page, Statistics, cover, write_report
    from pipeline.extract.report import extract_report

    pdf = write_report(tmp_path / "zero-2023.pdf", [cover(2023), Page(Statistics("UUSI YKSIKKÖ", 2023, rows=(
        Figure("Asiakkaita yhteensä", "0", "hlö", bold=True),
        Figure("Henkilökunta", "4", "hlö"),
    )))])
    tables = build_tables(extract_report(pdf))
    path = _load(tmp_path / "etk.duckdb", tables)
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT clients_total, staff, volunteers, care_days FROM unit_summary").fetchone()
    assert row == (0, 4, None, None)


def test_sections_are_normalised_and_the_printed_form_kept(loaded_2022):
    with duckdb.connect(str(loaded_2022), read_only=True) as con:
        pairs = set(con.execute("SELECT section, section_printed FROM figures WHERE section IS NOT NULL").fetchall())
    sections = {s for s, _ in pairs}
    assert not any(s.endswith(":") for s in sections)
    assert ("Ryhmätoiminta", "Ryhmätoiminta:") in pairs and ("Ryhmätoiminta", "Ryhmätoiminta") in pairs
    assert all(normalize_section(printed) == s for s, printed in pairs)


def test_normalize_section():
    assert normalize_section("Doula-toiminta:") == "Doula-toiminta"
    assert normalize_section("  Jalkautuva   työ : ") == "Jalkautuva työ"
    assert normalize_section(None) is None and normalize_section(":") is None
