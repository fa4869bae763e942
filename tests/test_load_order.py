"""The order a folder run loads in, decided while reports arrive (`pipeline.ingest.order.LoadOrder`).

Plain `Prepared` reports with tiny unit-metrics frames: no Prefect, no PDF, no database. The
property that matters is checked against the definition itself: whatever order the workers hand
reports back in, what is loaded last for each (association, year), and the year-over-year lines
each report ends with, are what loading every report in year order (path order within a year) gives.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.order import LoadOrder
from pipeline.ingest.outcome import Prepared
from pipeline.ingest.record import utcnow

PASSED = {"passed": True, "critical_failures": 0, "warnings": 0, "checks_run": 3, "failures": [],
          "warning_lines": ["year_over_year: from the warehouse"]}


def _metrics(year: int, clients: float) -> pd.DataFrame:
    return pd.DataFrame({"report_year": [year], "unit": ["ENSIKOTI"], "metric": ["clients_total"],
                         "value": [clients], "uom": ["hlö"], "label": ["Asiakkaita"], "page": [3], "row": [1],
                         "unit_id": ["ensikoti"]})


def _report(path: str, year: int | None, org: str | None = "org-a", clients: float = 10.0,
            error: str | None = None) -> Prepared:
    tables = None if year is None else SimpleNamespace(organization_id=org, frames={"unit_metrics": _metrics(year, clients)})
    return Prepared(pdf=path, file_name=path.rsplit("/", 1)[-1], started_at=utcnow(), report_year=year,
                    tables=tables, validation=dict(PASSED), error=error)


def _releases(order: LoadOrder, arrivals: list[Prepared]) -> list[tuple[str, str | None]]:
    return [(r.prepared.file_name, r.again_after) for p in arrivals for r in order.arrive(p)]


def test_a_report_waits_for_every_file_submitted_before_it():
    files = ["/in/a-2020.pdf", "/in/b-2021.pdf", "/in/c-2022.pdf"]
    order = LoadOrder(files)
    a, b, c = (_report(f, 2020 + i) for i, f in enumerate(files))
    assert order.arrive(c) == [] and order.waiting() == ["/in/c-2022.pdf"]
    assert [r.prepared.file_name for r in order.arrive(a)] == ["a-2020.pdf"]
    assert [r.prepared.file_name for r in order.arrive(b)] == ["b-2021.pdf", "c-2022.pdf"]
    assert order.waiting() == [] and order.load_order() == files


def test_a_late_earlier_year_is_loaded_and_the_later_years_of_its_association_again():
    files = ["/in/a.pdf", "/in/b.pdf", "/in/c.pdf"]
    order = LoadOrder(files)
    got = _releases(order, [_report(files[0], 2022), _report(files[1], 2023, org="org-b"),
                            _report(files[2], 2021)])
    # b belongs to another association: its load does not depend on org-a's 2021
    assert got == [("a.pdf", None), ("b.pdf", None), ("c.pdf", None), ("a.pdf", "c.pdf")]
    again = [r for r in order._released if r.file_name == "a.pdf"]
    assert again and order.load_order() == ["/in/c.pdf", "/in/a.pdf", "/in/b.pdf"]


def test_a_repeated_year_warns_on_the_file_loaded_last_only():
    files = ["/in/a-2022.pdf", "/in/b-2022.pdf", "/in/c-2021.pdf"]
    order = LoadOrder(files)
    releases = [r for p in (_report(f, y) for f, y in zip(files, (2022, 2022, 2021))) for r in order.arrive(p)]
    last = {r.prepared.file_name: r.prepared for r in releases}
    assert ("report year 2022 of org-a is also in a-2022.pdf; the file loaded last replaces it"
            in last["b-2022.pdf"].warnings)
    assert any(w.startswith("loaded again after c-2021.pdf") for w in last["b-2022.pdf"].warnings)
    assert not [w for w in last["a-2022.pdf"].warnings if "is also in" in w]
    assert not last["c-2021.pdf"].warnings


def test_errors_are_released_at_once_and_listed_first():
    files = ["/in/a.pdf", "/in/broken.pdf"]
    order = LoadOrder(files)
    assert order.arrive(_report(files[1], None, error="bad pdf")) == []  # still waits for a.pdf
    got = _releases(order, [_report(files[0], 2022)])
    assert got == [("a.pdf", None), ("broken.pdf", None)]
    assert order.load_order() == ["/in/broken.pdf", "/in/a.pdf"]


def test_year_over_year_uses_the_run_only_where_it_has_a_later_earlier_year_than_the_warehouse():
    files = ["/in/a.pdf", "/in/b.pdf", "/in/c.pdf"]
    held = {("org-a", 2021): 2020, ("org-a", 2022): 2020, ("org-a", 2023): 2022}  # the warehouse had 2020 and 2022
    order = LoadOrder(files, held_year=lambda org, year: held.get((org, year)))
    releases = _releases_prepared(order, [_report(files[0], 2021, clients=10), _report(files[1], 2022, clients=100),
                                          _report(files[2], 2023, clients=100)])
    lines = {p.file_name: p.validation["warning_lines"] for p in releases}
    assert lines["a.pdf"] == ["year_over_year: from the warehouse"]        # nothing earlier in the run
    assert any("10" in line and "100" in line for line in lines["b.pdf"])    # 2021 of the run is later than 2020
    assert "year_over_year: from the warehouse" not in lines["b.pdf"]
    assert lines["c.pdf"] == ["year_over_year: from the warehouse"]        # the warehouse's 2022 is as late


def _releases_prepared(order: LoadOrder, arrivals: list[Prepared]) -> list[Prepared]:
    return [r.prepared for p in arrivals for r in order.arrive(p)]


def _final(order: LoadOrder, arrivals: list[Prepared]) -> tuple[dict, dict]:
    last, lines = {}, {}
    for p in arrivals:
        for r in order.arrive(p):
            q = r.prepared
            last[(q.tables.organization_id, q.report_year)] = q.pdf
            lines[q.pdf] = q.validation["warning_lines"]
    return last, lines


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["org-a", "org-b"]), st.integers(2014, 2018),
                          st.integers(1, 500)), min_size=1, max_size=7),
       st.randoms(use_true_random=False))
def test_any_arrival_order_ends_as_loading_in_year_order(specs, rnd: random.Random):
    files = [f"/in/{i:02d}.pdf" for i in range(len(specs))]  # path order is not year order
    reports = [_report(f, year, org, clients) for f, (org, year, clients) in zip(files, specs)]
    arrivals = list(reports)
    rnd.shuffle(arrivals)
    expected_last, expected_lines = _expected(reports, files)
    last, lines = _final(LoadOrder(files), arrivals)
    assert last == expected_last
    assert lines == expected_lines


def _expected(reports: list[Prepared], files: list[str]) -> tuple[dict, dict]:
    """Load in (year, path) order, one at a time, each arriving when every earlier one has."""
    position = {f: i for i, f in enumerate(files)}
    ordered = sorted(reports, key=lambda p: (p.report_year, position[p.pdf]))
    order = LoadOrder([p.pdf for p in ordered])
    return _final(order, ordered)
