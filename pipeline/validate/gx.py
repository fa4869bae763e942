"""Run the JSON suites on pandas frames with Great Expectations 1.x (the only GX user).

Ephemeral contexts only. Plain runs share one prepared context per process (saves ~20 %
of a run); a run that builds Data Docs gets a fresh one so the docs show just that run.
The slow part of GX is its import (seconds), paid once per process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_suite import ExpectationSuite
from great_expectations.data_context.types.base import ProgressBarsConfig

from pipeline.validate.suites import SuiteError

DATA_SOURCE = "extraction"
DOCS_SITE = "validation_docs"
RESULT_FORMAT = {"result_format": "COMPLETE"}

def _quiet_gx_loggers() -> None:
    """Errors only from Great Expectations: some of its modules set their own logger to INFO (the
    ephemeral context says 'Created temporary directory ... for ephemeral docs site'), which under
    Prefect's console handler was one more line on stderr that is neither a warning nor an error."""
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


_quiet_gx_loggers()


def _context(data_docs_dir: Path | None) -> Any:
    """GX 1.x's ephemeral context, as its docs show (`gx.get_context(mode="ephemeral")`): stores in
    memory, nothing written unless Data Docs are asked for; no analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    context = gx.get_context(mode="ephemeral")
    _quiet_gx_loggers()  # modules the context imported just now set theirs too
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if data_docs_dir is not None:
        context.add_data_docs_site(DOCS_SITE, {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


def build_suite(spec: dict[str, Any]) -> ExpectationSuite:
    """A GX suite from its JSON; refuse one that GX would quietly shorten.

    Each expectation's severity, check name and purpose go into its `notes`, which is
    what Data Docs show (they do not render `meta`).
    """
    expectations = []
    for exp in spec["expectations"]:
        meta = exp.get("meta") or {}
        note = f"{exp['severity'].upper()} {meta.get('check')}: {meta.get('purpose')}"
        expectations.append({**exp, "notes": exp.get("notes") or note})
    suite = ExpectationSuite(**{**spec, "expectations": expectations})
    if len(suite.expectations) != len(spec["expectations"]):
        raise SuiteError(f"suite {spec['name']!r}: GX rejected "
                         f"{len(spec['expectations']) - len(suite.expectations)} expectation(s); see its log")
    return suite


@dataclass
class _Prepared:
    """A context with one whole-dataframe batch definition and one suite per table."""

    context: Any
    batches: dict[str, Any]
    suites: dict[str, ExpectationSuite]


def _prepare(suites: dict[str, dict[str, Any]], data_docs_dir: Path | None) -> _Prepared:
    context = _context(data_docs_dir)
    source = context.data_sources.add_pandas(DATA_SOURCE)
    batches, built = {}, {}
    for name, spec in suites.items():
        batches[name] = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        built[name] = context.suites.add(build_suite(spec))
    return _Prepared(context, batches, built)


@lru_cache(maxsize=8)  # a report shape whose preconditions skip checks runs a smaller suite set
def _shared(suites_json: str) -> _Prepared:
    """One prepared context per set of suites, reused by runs without Data Docs."""
    return _prepare(json.loads(suites_json), None)


_gx_lock = threading.Lock()


def run_suites(frames: dict[str, pd.DataFrame], suites: dict[str, dict[str, Any]],
               data_docs_dir: Path | None = None) -> tuple[dict[str, dict[str, Any]], Path | None]:
    """Validate each frame with its suite; return JSON results by suite and the docs index.

    Without Data Docs the context is shared (batches validated directly, nothing stored);
    with them a fresh context stores this run's results and renders only those.
    """
    if set(frames) != set(suites):
        raise SuiteError(f"suites {sorted(suites)} do not match tables {sorted(frames)}")
    with _gx_lock:  # GX keeps a process-wide "current context": one run at a time
        if data_docs_dir is None:
            prepared = _shared(json.dumps(suites, sort_keys=True))
            return {name: prepared.batches[name].get_batch(batch_parameters={"dataframe": frames[name]})
                    .validate(prepared.suites[name], result_format=RESULT_FORMAT).to_json_dict()
                    for name in suites}, None
        return _run_with_docs(frames, suites, Path(data_docs_dir).resolve())


def _run_with_docs(frames: dict[str, pd.DataFrame], suites: dict[str, dict[str, Any]],
                   data_docs_dir: Path) -> tuple[dict[str, dict[str, Any]], Path]:
    data_docs_dir.mkdir(parents=True, exist_ok=True)
    prepared = _prepare(suites, data_docs_dir)
    results: dict[str, dict[str, Any]] = {}
    for name in suites:
        definition = prepared.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=prepared.batches[name], suite=prepared.suites[name]))
        result = definition.run(batch_parameters={"dataframe": frames[name]}, result_format=RESULT_FORMAT)
        results[name] = result.to_json_dict()
    prepared.context.build_data_docs(site_names=[DOCS_SITE])
    return results, data_docs_dir / "index.html"
