"""File exports of the warehouse tables, partitioned by year: `<dir>/<table>/report_year=YYYY/`.

Why Hive-style folders: DuckDB, Spark, pandas/pyarrow and most BI tools read
them as one table with `report_year` as a column, and replacing a year is
replacing one folder, the same per-year semantics as the databases.
Parquet files leave `report_year` to the folder name (the Hive convention);
CSV files keep every column so that a file opened on its own still says its year.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cells import csv_safe
from pipeline.load.derive import WarehouseTables
from pipeline.load.schema import DATA_TABLES, conform, warehouse_specs

FORMATS = ("parquet", "csv")


def export_year(tables: WarehouseTables, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write (replacing) one year's folder of every data table; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")
    specs = warehouse_specs()
    written = []
    for name in DATA_TABLES:
        frame = conform(tables.frames[name], specs[name])
        folder = Path(out_dir) / name / f"report_year={tables.report_year}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        if fmt == "parquet":
            path = folder / "part-0.parquet"
            table = pa.Table.from_pandas(frame.drop(columns=["report_year"]), preserve_index=False)
            pq.write_table(table, path)
        else:
            path = folder / f"{name}.csv"
            csv_safe(frame).to_csv(path, index=False, encoding="utf-8")  # text never runs as a formula
        written.append(path)
    return written
