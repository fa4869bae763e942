"""Prefect flows: orchestration of the pipeline (extract, validate, load). Logic lives in `pipeline/`."""
