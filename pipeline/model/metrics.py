"""Canonical metric names for printed Finnish labels, read from `data/metrics.csv`.

Why a data file: each year's report may word a row differently ('Opiskelijoita'
one year, 'Opiskelijat' the next). Mapping a new wording is a CSV edit, and a
label no rule maps is kept in the tidy `figures` table and reported, never lost.

A rule matches a figure when all of its filled-in fields match:
  label_pattern  glob (fnmatch: * ? [..]) on the label, case- and space-insensitive
  uom            the unit of measure exactly (case-insensitive)
  parent         'none' = a top-level row, 'any' = an indented row, empty = either
  section        glob on the section heading the row falls under
Rules are tried in file order; the first matching rule names the metric.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class MetricRule:
    metric: str
    label_pattern: str
    uom: str = ""
    parent: str = ""
    section: str = ""

    def matches(self, label: str, uom: str | None, parent: str | None, section: str | None) -> bool:
        if not fnmatchcase(normalize(label), normalize(self.label_pattern)):
            return False
        if self.uom and normalize(uom or "") != normalize(self.uom):
            return False
        if self.parent == "none" and parent:
            return False
        if self.parent == "any" and not parent:
            return False
        if self.section and not fnmatchcase(normalize(section or ""), normalize(self.section)):
            return False
        return True


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def parse_rules(lines: list[str]) -> list[MetricRule]:
    """Rules from CSV text lines; raises ValueError naming the line of a bad rule."""
    rules = []
    for number, row in enumerate(csv.DictReader(lines), start=2):
        metric = (row.get("metric") or "").strip()
        pattern = (row.get("label_pattern") or "").strip()
        parent = (row.get("parent") or "").strip().casefold()
        if not metric or not pattern or parent not in ("", "none", "any"):
            raise ValueError(f"metrics.csv line {number}: need metric, label_pattern and parent in ('', none, any)")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", metric):
            raise ValueError(f"metrics.csv line {number}: metric {metric!r} is not a lower_snake_case column name")
        rules.append(MetricRule(metric, pattern, (row.get("uom") or "").strip(), parent,
                                (row.get("section") or "").strip()))
    return rules


@lru_cache(maxsize=1)
def metric_rules() -> tuple[MetricRule, ...]:
    text = resources.files("pipeline.data").joinpath("metrics.csv").read_text(encoding="utf-8")
    return tuple(parse_rules(text.splitlines()))


def metric_names(rules: tuple[MetricRule, ...] | None = None) -> list[str]:
    """Distinct metrics in file order: the unit_summary metric columns."""
    return list(dict.fromkeys(r.metric for r in (rules if rules is not None else metric_rules())))


def metric_types(rules: tuple[MetricRule, ...] | None = None) -> dict[str, str]:
    """{metric: 'int' | 'float'}: int when every rule of the metric names a count unit (hlö, kpl, ...).

    Why from the units of measure: an analyst wants 82 clients, not 82.0; the mapping of
    units to types is data (`warehouse.json` `_metric_types`), so a new count unit is no code.
    """
    from pipeline.data import load_json

    by_uom = {normalize(k): v for k, v in load_json("warehouse.json")["_metric_types"].items() if not k.startswith("_")}
    rules = rules if rules is not None else metric_rules()
    types: dict[str, str] = {}
    for rule in rules:
        kind = by_uom.get(normalize(rule.uom), "float") if rule.uom else "float"
        types[rule.metric] = "int" if types.get(rule.metric, "int") == "int" and kind == "int" else "float"
    return types


def match_metric(rules: tuple[MetricRule, ...] | list[MetricRule], label: str, uom: str | None,
                 parent: str | None, section: str | None) -> str | None:
    for rule in rules:
        if rule.matches(label, uom, parent, section):
            return rule.metric
    return None


# --------------------------------------------------------------------------- unit-specific labels

@dataclass(frozen=True)
class UnitSpecificRule:
    """A label marked as one unit's own measure (no canonical metric): counted apart in coverage."""

    label_pattern: str
    uom: str = ""
    unit: str = ""   # glob on the unit name; empty = any unit

    def matches(self, label: str, uom: str | None, unit: str | None) -> bool:
        return (fnmatchcase(normalize(label), normalize(self.label_pattern))
                and (not self.uom or normalize(uom or "") == normalize(self.uom))
                and (not self.unit or fnmatchcase(normalize(unit or ""), normalize(self.unit))))


@lru_cache(maxsize=1)
def unit_specific_rules() -> tuple[UnitSpecificRule, ...]:
    """`data/unit_specific_labels.csv`: labels a person marked as unit-specific (label_pattern, uom, unit globs)."""
    text = resources.files("pipeline.data").joinpath("unit_specific_labels.csv").read_text(encoding="utf-8")
    rules = []
    for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        pattern = (row.get("label_pattern") or "").strip()
        if not pattern:
            raise ValueError(f"unit_specific_labels.csv line {number}: need a label_pattern")
        rules.append(UnitSpecificRule(pattern, (row.get("uom") or "").strip(), (row.get("unit") or "").strip()))
    return tuple(rules)


def is_unit_specific(label: str, uom: str | None, unit: str | None,
                     rules: tuple[UnitSpecificRule, ...] | None = None) -> bool:
    return any(r.matches(label, uom, unit) for r in (rules if rules is not None else unit_specific_rules()))
