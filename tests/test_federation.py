"""Many associations in one warehouse (issue 22): organisation ids, migration, unit aliases,
restatements, metric coverage and the Parquet partitions, on real DuckDB files and drawn PDFs."""

from __future__ import annotations

import copy
import re
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from pdf_factory import small_report
from warehouse_helpers import as_year, assert_same_tables, legacy_frames, legacy_statements, snapshot
from pipeline.extract.organization import find_organization
from pipeline.extract.report import extract_report
from pipeline.ingest.record import LOADED, IngestionRecord, IngestOutcome, utcnow
from pipeline.ingest.outcome import _take_report
from pipeline.load import duckdb_store as warehouse
from pipeline.load.export import export_year
from pipeline.model.derive import build_tables
from pipeline.model.organization import MAX_ID_LENGTH, UNKNOWN, is_organization_id, organization_id
from pipeline.model.schema import DATA_TABLES, quote
from pipeline.model.units import unit_aliases

LAHTI = "lahden-ensi-ja-turvakoti-ry"
OTHER = "esimerkin-ensi-ja-turvakoti-ry"   # small_report's cover


def _record(tables, sha: str = "a" * 64) -> IngestionRecord:
    return IngestionRecord(file_name=f"{tables.organization_id}-{tables.report_year}.pdf", sha256=sha,
                           started_at=utcnow(), status=LOADED, report_year=tables.report_year,
                           row_counts=tables.row_counts(), organization_id=tables.organization_id,
                           organization=tables.organization,
                           validation={"passed": True, "critical_failures": 0, "warnings": 0, "checks_run": 1,
                                       "failures": []})


# --- organisation -------------------------------------------------------------------------------

@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_organization_id_is_a_bounded_slug_whatever_is_printed(name):
    slug = organization_id(name)
    assert is_organization_id(slug) and len(slug) <= MAX_ID_LENGTH
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)
    assert "/" not in slug and ".." not in slug and "\x00" not in slug
    assert organization_id(name.upper()) == organization_id(name.lower()) or not name.isascii()


def test_organization_id_of_hostile_and_printed_names():
    assert organization_id("../../etc/passwd\x00 ensi- ja turvakoti ry") == "etc-passwd-ensi-ja-turvakoti-ry"
    assert organization_id("/") == UNKNOWN and organization_id(None) == UNKNOWN and organization_id("") == UNKNOWN
    assert len(organization_id("Ä" * 10_000)) == MAX_ID_LENGTH
    assert organization_id("LAHDEN ENSI- JA TURVAKOTI RY:N") == organization_id("Lahden ensi- ja turvakoti ry") == LAHTI
    assert organization_id("Pohjois-Savon ensi- ja turvakoti ry") == "pohjois-savon-ensi-ja-turvakoti-ry"


def test_the_name_is_found_on_the_cover_then_in_a_running_footer_then_in_a_signature():
    cover = [(1, "KUOPION ENSI- JA TURVAKOTI RY:N\nTOIMINTAKERTOMUS\nv. 2023"), (2, "Sisällys")]
    assert find_organization(cover) == "KUOPION ENSI- JA TURVAKOTI RY"
    footer = [(1, "TOIMINTAKERTOMUS 2023"), (2, "Sisällys"),
              *[(n, f"teksti\nOulun ensi- ja turvakoti ry\n{n}") for n in range(3, 8)],
              (9, "Yhteistyössä\nTampereen ensi- ja turvakoti ry:n kanssa")]
    assert find_organization(footer) == "Oulun ensi- ja turvakoti ry"
    signature = [(1, "TOIMINTAKERTOMUS 2023"), (2, "Sisällys"), (3, "Hallitus\nVaasan ensi- ja turvakoti ry")]
    assert find_organization(signature) == "Vaasan ensi- ja turvakoti ry"
    # the federation and a lower-case sentence start are not a member association's name
    assert find_organization([(1, "Ensi- ja turvakotien liitto\nkanssa ensi- ja turvakoti ry")]) is None


def test_the_sample_and_a_drawn_report_name_their_associations(tables2022, other2022):
    assert (tables2022.organization_id, tables2022.organization) == (LAHTI, "LAHDEN ENSI- JA TURVAKOTI RY")
    assert (other2022.organization_id, other2022.organization) == (OTHER, "ESIMERKIN ENSI- JA TURVAKOTI RY")


def test_a_given_name_overrides_the_printed_one(sample_extraction):
    tables = build_tables(sample_extraction, organization="Lahden Ensi- ja turvakoti ry (testi)")
    assert tables.organization_id == "lahden-ensi-ja-turvakoti-ry-testi"
    assert set(tables.frames["unit_summary"]["organization_id"]) == {"lahden-ensi-ja-turvakoti-ry-testi"}


# --- two associations, one warehouse ------------------------------------------------------------

def test_two_associations_of_one_year_keep_their_own_rows(tmp_path, tables2022, other2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2022, _record(tables2022))
    lahti_alone = snapshot(partial(warehouse.read_table, path, organization_id=LAHTI))
    warehouse.load_year(path, other2022, _record(other2022, "b" * 64))
    counts = warehouse.row_counts(path)
    assert counts["figures"] == {(LAHTI, 2022): 153, (OTHER, 2022): len(other2022.frames["figures"])}
    assert counts["unit_summary"] == {(LAHTI, 2022): 9, (OTHER, 2022): 2}
    assert_same_tables(lahti_alone, snapshot(partial(warehouse.read_table, path, organization_id=LAHTI)))
    with duckdb.connect(str(path), read_only=True) as con:
        orgs = [r[0] for r in con.execute("SELECT DISTINCT organization_id FROM unit_summary ORDER BY 1").fetchall()]
        named = con.execute("SELECT organization_id, organization FROM organizations ORDER BY 1").fetchall()
    assert orgs == [OTHER, LAHTI]
    assert named == [(OTHER, "ESIMERKIN ENSI- JA TURVAKOTI RY"), (LAHTI, "LAHDEN ENSI- JA TURVAKOTI RY")]

    everything = snapshot(partial(warehouse.read_table, path))
    for tables, sha in ((other2022, "b" * 64), (tables2022, "a" * 64)):   # re-ingesting either changes nothing
        warehouse.load_year(path, tables, _record(tables, sha))
        assert_same_tables(everything, snapshot(partial(warehouse.read_table, path)))


def test_partitioned_parquet_reads_back_with_both_associations(tmp_path, tables2022, other2022):
    out = tmp_path / "parquet"
    for tables in (tables2022, other2022, tables2022):
        export_year(tables, out)
    read = duckdb.sql(f"""SELECT organization_id, report_year, count(*) FROM
                          read_parquet('{out}/unit_summary/*/*/*.parquet', hive_partitioning = true)
                          GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    assert read == [(OTHER, 2022, 2), (LAHTI, 2022, 9)]
    assert sorted(p.name for p in (out / "figures").iterdir()) == [f"organization_id={OTHER}",
                                                                  f"organization_id={LAHTI}"]


def test_an_id_that_is_not_a_slug_never_names_a_folder(tmp_path, other2022):
    hostile = copy.copy(other2022)
    hostile.organization_id = "../escape"
    with pytest.raises(ValueError, match="not a slug"):
        export_year(hostile, tmp_path / "out")
    assert not (tmp_path / "escape").exists() and not list(tmp_path.rglob("*.parquet"))


# --- migration -----------------------------------------------------------------------------------

def _legacy_warehouse(path: Path, tables) -> None:
    """A warehouse file with the schema and rows of before issue 22 (keyed by report_year alone)."""
    with duckdb.connect(str(path)) as con:
        for sql in legacy_statements("duckdb", quote):
            con.execute(sql)
        for name, frame in legacy_frames(tables).items():
            con.register("src", frame)
            con.execute(f"INSERT INTO {quote(name)} ({', '.join(map(quote, frame.columns))}) SELECT * FROM src")
            con.unregister("src")
        con.execute("INSERT INTO ingestions (ingestion_id, file_name, sha256, report_year, started_at, finished_at, "
                    "status) VALUES ('old', 'toimintakertomus-2022.pdf', ?, 2022, now(), now(), 'loaded')", ["a" * 64])


def _missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """None for every missing cell (a column all NULL comes back as <NA> or None by its dtype)."""
    return frame.astype(object).where(frame.notna(), None)


def test_an_old_warehouse_is_migrated_in_place_losing_nothing(tmp_path, tables2022, other2022):
    path = tmp_path / "old.duckdb"
    _legacy_warehouse(path, tables2022)
    before = {name: frame for name, frame in legacy_frames(tables2022).items()}

    report = warehouse.load_year(path, other2022, _record(other2022, "b" * 64))   # another association
    assert len(report.notes) == 1 and "migrated" in report.notes[0] and "\n" not in report.notes[0]
    assert "'unknown'" in report.notes[0]
    for name, frame in before.items():
        kept = warehouse.read_table(path, name, organization_id=UNKNOWN)
        assert len(kept) == len(frame), name
        cols = [c for c in frame.columns]
        pd.testing.assert_frame_equal(_missing_as_none(kept[cols].sort_values(cols[:4]).reset_index(drop=True)),
                                      _missing_as_none(frame[cols].sort_values(cols[:4]).reset_index(drop=True)),
                                      check_dtype=False, obj=name)
        if "unit" in kept:
            assert kept["unit_id"].notna().all(), name
    assert warehouse.row_counts(path)["unit_summary"] == {(OTHER, 2022): 2, (UNKNOWN, 2022): 9}
    log = warehouse.read_table(path, "ingestions")
    assert set(log.loc[log["ingestion_id"] == "old", "organization_id"]) == {UNKNOWN}

    second = warehouse.load_year(path, tables2022, _record(tables2022, "a" * 64))   # the same file again
    assert second.notes == []  # migrated once
    assert warehouse.row_counts(path)["unit_summary"] == {(OTHER, 2022): 2, (LAHTI, 2022): 9}


# --- units across years ----------------------------------------------------------------------------

def _renamed(extraction, old: str, new: str, year: int):
    """The extraction as another year's report in which unit `old` is printed as `new`."""
    renamed = copy.copy(extraction)
    renamed.report_year = year
    renamed.figures = extraction.figures.assign(
        unit=extraction.figures["unit"].replace(old, new), report_year=year, unit_year=year)
    renamed.municipalities = extraction.municipalities.assign(
        unit=extraction.municipalities["unit"].replace(old, new), report_year=year)
    renamed.finance_summary = extraction.finance_summary.assign(report_year=year)
    return renamed


def test_a_renamed_unit_is_proposed_as_an_alias_and_once_confirmed_used(tmp_path, monkeypatch,
                                                                       sample_extraction, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, as_year(tables2022, 2021), _record(tables2022))
    year2022 = _renamed(sample_extraction, "TURVAKOTI", "TURVAKOTI JA KRIISITYÖ", 2022)
    report = warehouse.load_year(path, build_tables(year2022), _record(tables2022, "c" * 64))
    assert len(report.alias_proposals) == 1
    proposal = report.alias_proposals[0]
    assert "'TURVAKOTI JA KRIISITYÖ' may be 'TURVAKOTI' of 2021" in proposal and LAHTI in proposal
    assert f"{LAHTI},TURVAKOTI JA KRIISITYÖ,turvakoti" in proposal
    assert set(warehouse.read_table(path, "unit_summary", report_year=2022)["unit_id"]) >= {"turvakoti-ja-kriisityo"}

    aliases = tmp_path / "unit_aliases.csv"   # a person confirms it in a copy of the data file
    aliases.write_text("organization_id,unit,unit_id\n" + proposal.split("add '")[1].split("'")[0] + "\n",
                       encoding="utf-8")
    monkeypatch.setenv("ETK_UNIT_ALIASES", str(aliases))
    report = warehouse.load_year(path, build_tables(year2022), _record(tables2022, "c" * 64))
    assert report.alias_proposals == []
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("SELECT unit, first_year, last_year FROM units WHERE organization_id = ? "
                            "AND unit_id = 'turvakoti' ORDER BY unit", [LAHTI]).fetchall()
        trend = con.execute("SELECT report_year, value FROM metric_trends WHERE organization_id = ? AND "
                            "unit_id = 'turvakoti' AND metric = 'clients_total' ORDER BY 1", [LAHTI]).fetchall()
    assert names == [("TURVAKOTI", 2021, 2021), ("TURVAKOTI JA KRIISITYÖ", 2022, 2022)]
    assert [year for year, _ in trend] == [2021, 2022] and trend[0][1] == trend[1][1]
    assert unit_aliases(aliases)[(LAHTI, "turvakoti ja kriisityö")] == "turvakoti"


def test_a_unit_whose_labels_mostly_match_is_proposed_too(tmp_path, sample_extraction, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, as_year(tables2022, 2021), _record(tables2022))
    year2022 = _renamed(sample_extraction, "ENSIKOTI", "VAUVAKOTI", 2022)
    proposals = warehouse.load_year(path, build_tables(year2022), _record(tables2022, "d" * 64)).alias_proposals
    assert len(proposals) == 1 and "'VAUVAKOTI' may be 'ENSIKOTI' of 2021" in proposals[0]
    assert "labels match" in proposals[0]


# --- restatements -----------------------------------------------------------------------------------

def test_a_previous_year_value_printed_differently_is_a_restatement_warning(tmp_path, sample_extraction,
                                                                           tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, as_year(tables2022, 2021), _record(tables2022))
    printed = copy.copy(sample_extraction)
    figures = sample_extraction.figures
    previous = figures[figures["unit"] == "ENSIKOTI"].head(3).assign(unit_year=2021)
    previous.loc[previous.index[0], "value"] = previous["value"].iloc[0] + 5   # printed 5 more than loaded
    printed.other_year_figures = previous.reset_index(drop=True)
    report = warehouse.load_year(path, build_tables(printed), _record(tables2022, "e" * 64))
    label = previous["label"].iloc[0]
    assert len(report.restatements) == 1
    line = report.restatements[0]
    assert LAHTI in line and "ENSIKOTI" in line and f"'{label}'" in line and "2021" in line and "\n" not in line
    rows = warehouse.read_table(path, "restatements", organization_id=LAHTI)
    assert len(rows) == 3 and rows["differs"].sum() == 1
    assert warehouse.row_counts(path)["other_year_figures"] == {(LAHTI, 2022): 3}

    outcome = IngestOutcome(status=LOADED, source="x.pdf", file_name="x.pdf", report_year=2022,
                            organization_id=LAHTI, validation={"passed": True, "warnings": 0})
    _take_report(outcome, report)
    assert outcome.warnings == [line] and outcome.validation["restatements"] == [line]
    assert outcome.validation["warnings"] == 1
    assert f"warning: {line}" in outcome.summary()


# --- metrics ------------------------------------------------------------------------------------------

def test_the_sample_is_90_percent_mapped_or_unit_specific(tables2022):
    coverage = tables2022.coverage
    assert coverage["total"] == 153
    assert coverage["mapped"] + coverage["unit_specific"] + coverage["unmapped"] == 153
    assert coverage["mapped"] + coverage["unit_specific"] >= 0.9 * 153
    assert len(tables2022.unmapped_labels) == coverage["unmapped"] or coverage["unmapped"] > 0


# --- through the flow and the command line ------------------------------------------------------------

@pytest.mark.usefixtures("prefect_harness")
def test_a_folder_with_two_associations_of_one_year_loads_both_and_reloads_nothing_new(tmp_path, capsys):
    import shutil

    from conftest import SAMPLE_PDF
    from etk_report.cli import main
    from flows.ingest import ingest_folder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE_PDF, inbox / SAMPLE_PDF.name)
    small_report(inbox / "esimerkki-2022.pdf", year=2022)
    path = tmp_path / "etk.duckdb"
    outcomes = ingest_folder(inbox, warehouse=path, cache_dir=tmp_path / "cache")
    assert sorted((o.organization_id, o.report_year, o.status) for o in outcomes) == [
        (OTHER, 2022, "loaded"), (LAHTI, 2022, "loaded")], "\n".join(o.summary() for o in outcomes)
    assert not [w for o in outcomes for w in o.warnings if "is also in" in w]  # not the same report year twice
    assert all(f"report year 2022 of {o.organization_id}" in o.summary().splitlines()[0] for o in outcomes)
    assert any("metric coverage: 100 mapped, 45 unit-specific, 8 unmapped of 153" in o.summary() for o in outcomes)
    before = snapshot(partial(warehouse.read_table, path))
    with duckdb.connect(str(path), read_only=True) as con:
        orgs = [r[0] for r in con.execute("SELECT DISTINCT organization_id FROM unit_summary ORDER BY 1").fetchall()]
    assert orgs == [OTHER, LAHTI]

    # the drawn report again, named on the command line: a third association, the other two untouched
    assert main(["ingest", str(inbox / "esimerkki-2022.pdf"), "--warehouse", str(path),
                 "--organization", "Toinen ensi- ja turvakoti ry"]) == 0
    out = capsys.readouterr().out
    assert "loaded report year 2022 of toinen-ensi-ja-turvakoti-ry" in out
    after = snapshot(partial(warehouse.read_table, path))
    for name in DATA_TABLES:
        frame = after[name]
        pd.testing.assert_frame_equal(before[name].reset_index(drop=True),
                                      frame[frame["organization_id"] != "toinen-ensi-ja-turvakoti-ry"]
                                      .reset_index(drop=True), check_dtype=False, obj=name)
    assert warehouse.row_counts(path)["unit_summary"][("toinen-ensi-ja-turvakoti-ry", 2022)] == 2


@pytest.mark.usefixtures("prefect_harness")
def test_a_restatement_printed_in_a_summary_chapter_is_warned_on_stderr(tmp_path, capfd):
    """End to end, through the command line: the 2014 report's year column prints 2013's families as 29;
    the 2013 report loaded 28. The 2014 ingest warns on stderr, quoting both, and the view holds it."""
    from etk_report.cli import main
    from pdf_factory import Chapter, Page, SummaryRow, UnitTable, cover, write_report

    def report(year: int, families: tuple[str, str], days: tuple[str, str]) -> Path:
        table = UnitTable("Ensikoti", (SummaryRow("Asiakasperheitä", families, "perhettä"),
                                       SummaryRow("Hoitovuorokaudet", days, "vrk")),
                          heads=(str(year), str(year - 1)))
        return write_report(tmp_path / f"vuosikertomus-{year}.pdf",
                            [cover(year, title="VUOSIKERTOMUS"), Page(Chapter("KOOSTE ASIAKASTYÖSTÄ"), table)])

    path = tmp_path / "etk.duckdb"
    assert main(["ingest", str(report(2013, ("28", "25"), ("1900", "1700"))), "--warehouse", str(path), "-q"]) == 0
    capfd.readouterr()
    assert main(["ingest", str(report(2014, ("31", "29"), ("2100", "1900"))), "--warehouse", str(path), "-q"]) == 0
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if "restatement" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: restatement"), err
    assert "Asiakasperheitä" in lines[0] and "printed 29" in lines[0] and "loaded 28" in lines[0]
    rows = warehouse.read_table(path, "restatements")
    # each report printed two other-year values; only 2014's families for 2013 differ (2012 was never loaded)
    assert len(rows) == 4 and rows["differs"].fillna(False).astype(bool).sum() == 1


def test_list_reports_walks_a_tree_in_path_order_without_hidden_folders_or_link_loops(tmp_path):
    from pipeline.ingest.record import list_reports, report_name

    for rel in ("oulu/2015.pdf", "lahti/2015.PDF", "lahti/2014.pdf", "top.pdf", ".trash/old.pdf", "lahti/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"%PDF-1.4\n")
    (tmp_path / "lahti" / "loop").symlink_to(tmp_path, target_is_directory=True)  # a link back up
    found = [report_name(p, tmp_path) for p in list_reports(tmp_path)]
    assert found == ["lahti/2014.pdf", "lahti/2015.PDF", "oulu/2015.pdf", "top.pdf"]
    assert report_name(tmp_path / "x" / "a.pdf") == "a.pdf" and report_name("/elsewhere/a.pdf", tmp_path) == "a.pdf"


@pytest.mark.usefixtures("prefect_harness")
def test_a_tree_of_associations_loads_each_in_year_order_named_by_relative_path(tmp_path, capsys):
    import shutil

    from conftest import SAMPLE_PDF
    from etk_report.cli import main

    tree = tmp_path / "reports"
    for folder in ("lahti", "esimerkki"):
        (tree / folder).mkdir(parents=True)
    shutil.copy(SAMPLE_PDF, tree / "lahti" / "2022.pdf")
    small_report(tree / "lahti" / "2021.pdf", year=2021, organisation="LAHDEN ENSI- JA TURVAKOTI RY:N")
    small_report(tree / "esimerkki" / "2022.pdf", year=2022)
    path = tmp_path / "etk.duckdb"
    assert main(["ingest-folder", str(tree), "--warehouse", str(path), "-q"]) == 0
    err = capsys.readouterr().err
    prefixes = {line.split(": ", 1)[0] for line in err.splitlines() if ": warning: " in line}
    assert prefixes <= {"lahti/2021.pdf", "lahti/2022.pdf", "esimerkki/2022.pdf"} and "lahti/2022.pdf" in prefixes, err
    log = warehouse.read_table(path, "ingestions")
    assert sorted(zip(log["file_name"], log["organization_id"], log["report_year"], log["status"])) == [
        ("esimerkki/2022.pdf", OTHER, 2022, "loaded"), ("lahti/2021.pdf", LAHTI, 2021, "loaded"),
        ("lahti/2022.pdf", LAHTI, 2022, "loaded")]
    # the sample was compared with its association's 2021 from the same run, not with the other association
    assert any(line.startswith("lahti/2022.pdf: warning: year_over_year: ") for line in err.splitlines()), err
    assert not any(line.startswith("esimerkki/2022.pdf: warning: year_over_year") for line in err.splitlines()), err
