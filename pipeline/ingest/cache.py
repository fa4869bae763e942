"""The extraction cache: JSON files, never pickles, each checked against the PDF it claims to be.

Why not Prefect's persisted results: they are pickles, and unpickling a file from disk
runs whatever code it names; a crafted entry ran a shell command on the next ingest.
Here an entry is plain JSON (tables as lists of rows), and it records the SHA-256 of the
PDF it was extracted from and the extractor fingerprint. On read both must equal the
PDF being ingested and the running code; anything else (another report's entry under
this name, a truncated or garbled file, a pickle) is ignored with one warning line,
re-extracted, and overwritten. Deleting the folder is always safe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

FORMAT = "etk-extraction-cache/1"
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a report's extraction is ~100 KB; a bigger file is not ours


@dataclass(frozen=True)
class CacheRead:
    """What the cache answered: an extraction, or None with (maybe) why the entry was not used."""

    extraction: Any = None
    problem: str | None = None  # one line, set when an entry existed but was ignored


def entry_path(cache_dir: str | Path, sha256: str, fingerprint: str) -> Path:
    """Same bytes + same pipeline code = same entry; the PDF's path does not matter."""
    return Path(cache_dir) / f"extraction-{sha256}-{fingerprint}.json"


def read_entry(cache_dir: str | Path, sha256: str, fingerprint: str) -> CacheRead:
    """The cached extraction of the PDF with `sha256`, verified; never raises."""
    path = entry_path(cache_dir, sha256, fingerprint)
    if not path.is_file():
        return CacheRead()
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise ValueError("larger than any extraction")
        entry = json.loads(path.read_bytes().decode("utf-8"))
        return CacheRead(extraction=_verified_extraction(entry, sha256, fingerprint))
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is ignored, never trusted
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return CacheRead(problem=f"cache entry {path.name} ignored ({reason[:160]}); the report was re-extracted")


def write_entry(cache_dir: str | Path, sha256: str, fingerprint: str, extraction: Any) -> Path | None:
    """Write (replacing) the entry atomically; returns None if the extraction cannot be stored as data."""
    try:
        payload = extraction_to_data(extraction)
    except TypeError:
        return None
    body = {"format": FORMAT, "sha256": sha256, "fingerprint": fingerprint,
            "payload_sha256": _digest(payload), "extraction": payload}
    path = entry_path(cache_dir, sha256, fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False, allow_nan=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _verified_extraction(entry: Any, sha256: str, fingerprint: str) -> Any:
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        raise ValueError("not an extraction cache entry")
    if entry.get("sha256") != sha256:
        raise ValueError("it was extracted from a different PDF")
    if entry.get("fingerprint") != fingerprint:
        raise ValueError("it was written by a different extractor")
    payload = entry.get("extraction")
    if _digest(payload) != entry.get("payload_sha256"):
        raise ValueError("its content does not match its checksum")
    return extraction_from_data(payload)


def _digest(payload: Any) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- Extraction <-> data

def extraction_to_data(extraction: Any) -> dict[str, Any]:
    """Every field of an `Extraction` as JSON data; TypeError for a field that is not plain data."""
    from pipeline.extract.issues import ExtractionIssue
    from pipeline.extract.output.tables import table_specs

    out: dict[str, Any] = {}
    for f in dataclasses.fields(extraction):
        value = getattr(extraction, f.name)
        if isinstance(value, pd.DataFrame):
            if f.name not in table_specs():
                raise TypeError(f"frame {f.name} has no table spec")
            out[f.name] = {"rows": [{k: _cell(v) for k, v in row.items()} for row in value.to_dict("records")]}
        elif isinstance(value, Path):
            out[f.name] = str(value)
        elif isinstance(value, list) and all(isinstance(v, ExtractionIssue) for v in value) and value:
            out[f.name] = {"issues": [dataclasses.asdict(v) for v in value]}
        elif _is_plain(value):
            out[f.name] = _as_json(value)
        else:
            raise TypeError(f"field {f.name} is not plain data")
    return out


def extraction_from_data(data: Any) -> Any:
    """The inverse of `extraction_to_data`, checking every table's columns; raises ValueError if off."""
    from pipeline.extract.issues import ExtractionIssue
    from pipeline.extract.report import Extraction
    from pipeline.extract.output.tables import columns, frame

    if not isinstance(data, dict):
        raise ValueError("extraction is not an object")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(Extraction):
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"field {f.name} missing")
            continue
        value = data[f.name]
        if isinstance(value, dict) and "rows" in value:
            rows = value["rows"]
            if not isinstance(rows, list) or any(not isinstance(r, dict) or set(r) != set(columns(f.name))
                                                 for r in rows):
                raise ValueError(f"table {f.name} has other columns than tables.json")
            value = frame(f.name, rows)
        elif isinstance(value, dict) and "issues" in value:
            value = [ExtractionIssue(**issue) for issue in value["issues"]]
        elif f.name == "source":
            value = Path(value)
        kwargs[f.name] = value
    extraction = Extraction(**kwargs)
    if not isinstance(extraction.report_year, int) or isinstance(extraction.report_year, bool):
        raise ValueError("report year is not a number")
    return extraction


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return not (isinstance(value, float) and not math.isfinite(value))
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _as_json(value: Any) -> Any:
    """Tuples as lists, recursively: what JSON gives back, so an entry's checksum is stable."""
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    return value
