"""File exports of the warehouse tables, partitioned Hive-style: `<dir>/<table>/organization_id=…/report_year=…/`.

Why Hive-style folders: DuckDB, Spark, pandas/pyarrow and most BI tools read them as one
table with `organization_id` and `report_year` as columns, and replacing a report is
replacing one folder, the same per-report semantics as the databases. Parquet goes through
`pyarrow.parquet.write_to_dataset` (`existing_data_behavior="delete_matching"` replaces
exactly the report's partition); its files leave the partition columns to the folder
names. CSV files keep every column, so that a file opened on its own still says whose
and which year it is, and every text cell is neutralised against formulas.
`organization_id` is a slug (`[a-z0-9-]`), checked again here before it names a folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cells import csv_safe
from pipeline.model.derive import WarehouseTables
from pipeline.model.organization import is_organization_id
from pipeline.model.schema import DATA_TABLES, conform, warehouse_specs

FORMATS = ("parquet", "csv")
PARTITION_COLUMNS = ["organization_id", "report_year"]


def partition(tables: WarehouseTables) -> str:
    """'organization_id=…/report_year=…', refusing an id that is not a slug (it names a folder)."""
    if not is_organization_id(tables.organization_id):
        raise ValueError(f"organization_id {tables.organization_id!r} is not a slug; refusing to use it in a path")
    return f"organization_id={tables.organization_id}/report_year={int(tables.report_year)}"


def export_year(tables: WarehouseTables, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write (replacing) one report's partition of every data table; returns the folders written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")
    specs = warehouse_specs()
    where = partition(tables)
    written = []
    for name in DATA_TABLES:
        frame = conform(tables.frames[name], specs[name])
        frame["organization_id"], frame["report_year"] = tables.organization_id, int(tables.report_year)
        root = Path(out_dir) / name
        if fmt == "parquet" and frame.empty:  # no rows, no partition: the report's old rows go all the same
            shutil.rmtree(root / where, ignore_errors=True)
        elif fmt == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_to_dataset(table, root, partition_cols=PARTITION_COLUMNS, existing_data_behavior="delete_matching",
                                basename_template="part-{i}.parquet")
            written.append(root / where)
        else:
            folder = root / where
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            path = folder / f"{name}.csv"
            csv_safe(frame).to_csv(path, index=False, encoding="utf-8")  # text never runs as a formula
            written.append(path)
    return written
