"""Ingestion decisions without Prefect: the attempt's log row and what it ends as.

`record` holds the ingestions row, outcome and settings; `outcome` the steps of one attempt
(prepare → validate → gate → load → export) as plain functions the flows hand their tasks to.
"""
