"""Units across years: a stable `unit_id` per organisation, aliases confirmed by a person, proposals for new ones.

Why: unit names drift between a association's reports ('AGGREDI' one year, 'AGGREDI
PÄIJÄT-HÄME' the next; a unit renamed in a redesign). A unit's id is the slug of its
printed name unless `unit_aliases.csv` (or the file `$ETK_UNIT_ALIASES` names) maps that
name to another id. A year's new unit that looks like last year's vanished one (one name
contains the other, or most of its labels are the other's) is *proposed* as an alias,
listed after the run with the CSV line that confirms it; it is never applied silently.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline.model.organization import slug

ALIASES_ENV = "ETK_UNIT_ALIASES"
LABEL_MATCH_SHARE = 0.6   # 'labels mostly match': this share of the new unit's labels printed by the old one
MIN_LABELS = 3            # fewer labels say too little to propose anything from them


def _key(name: object) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def aliases_path(path: str | Path | None = None) -> str | None:
    """The aliases file to use: `path`, else `$ETK_UNIT_ALIASES`, else None (the shipped file)."""
    chosen = path if path is not None else os.environ.get(ALIASES_ENV) or None
    return str(chosen) if chosen is not None else None


@lru_cache(maxsize=8)
def _aliases(path: str | None) -> dict[tuple[str, str], str]:
    text = (resources.files("pipeline.data").joinpath("unit_aliases.csv").read_text(encoding="utf-8")
            if path is None else Path(path).read_text(encoding="utf-8"))
    out: dict[tuple[str, str], str] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        org, unit, unit_id = ((row.get(k) or "").strip() for k in ("organization_id", "unit", "unit_id"))
        if not org or not unit or not unit_id:
            raise ValueError(f"unit_aliases.csv line {number}: need organization_id, unit and unit_id")
        out[(slug(org), _key(unit))] = slug(unit_id)
    return out


def unit_aliases(path: str | Path | None = None) -> dict[tuple[str, str], str]:
    """{(organization_id, unit name casefolded): unit_id} from the aliases file."""
    return _aliases(aliases_path(path))


def unit_id(organization_id: str, unit: object, aliases: dict[tuple[str, str], str] | None = None) -> str:
    """The unit's id: its alias for this organisation, else the slug of its printed name."""
    aliases = aliases if aliases is not None else unit_aliases()
    return aliases.get((organization_id, _key(unit))) or slug(str(unit))


def with_unit_ids(frame: pd.DataFrame, organization_id: str, aliases: dict[tuple[str, str], str]) -> pd.DataFrame:
    """`frame` with `organization_id` and, where it has units, `unit_id` filled in."""
    out = frame.assign(organization_id=organization_id)
    if "unit" in out.columns:
        ids = {u: unit_id(organization_id, u, aliases) for u in out["unit"].dropna().unique()}
        out["unit_id"] = out["unit"].map(ids)
    return out


@dataclass(frozen=True)
class AliasProposal:
    """A new unit that may be an earlier one under another name: for a person to confirm."""

    organization_id: str
    unit: str
    report_year: int
    previous_unit: str
    previous_unit_id: str
    previous_year: int
    reason: str

    def line(self) -> str:
        return (f"unit alias proposed ({self.organization_id}, report year {self.report_year}): "
                f"'{self.unit}' may be '{self.previous_unit}' of {self.previous_year} ({self.reason}); "
                f"to confirm, add '{self.csv_row()}' to unit_aliases.csv")

    def csv_row(self) -> str:
        unit = '"' + self.unit.replace('"', '""') + '"' if re.search(r'[",\n]', self.unit) else self.unit
        return f"{self.organization_id},{unit},{self.previous_unit_id}"


def propose_aliases(organization_id: str, report_year: int, current: pd.DataFrame,
                    previous: pd.DataFrame | None) -> list[AliasProposal]:
    """Proposals for this year's new units against the previous year's vanished ones.

    `current` and `previous` have columns unit, unit_id, label (and previous report_year).
    A pair is proposed when one name contains the other (case-insensitive) or when at
    least LABEL_MATCH_SHARE of the new unit's labels (MIN_LABELS at least) were the old one's.
    """
    if previous is None or previous.empty or current.empty:
        return []
    previous_year = int(previous["report_year"].max())
    now_ids, then_ids = set(current["unit_id"].dropna()), set(previous["unit_id"].dropna())
    gone = previous[previous["unit_id"].isin(then_ids - now_ids)]
    new = current[current["unit_id"].isin(now_ids - then_ids)]
    proposals = []
    for new_id, rows in new.groupby("unit_id", sort=False):
        name = str(rows["unit"].iloc[0])
        labels = {_key(v) for v in rows["label"].dropna()}
        for old_id, old_rows in gone.groupby("unit_id", sort=False):
            old_name = str(old_rows["unit"].iloc[0])
            old_labels = {_key(v) for v in old_rows["label"].dropna()}
            reason = None
            if _key(old_name) in _key(name) or _key(name) in _key(old_name):
                reason = "one name contains the other"
            elif len(labels) >= MIN_LABELS and len(labels & old_labels) >= LABEL_MATCH_SHARE * len(labels):
                reason = f"{len(labels & old_labels)} of its {len(labels)} labels match"
            if reason:
                proposals.append(AliasProposal(organization_id, name, int(report_year), old_name, str(old_id),
                                               previous_year, reason))
    return proposals
