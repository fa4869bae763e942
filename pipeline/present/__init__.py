"""Presenting the warehouse to people: the offline trend page and the content of the Prefect artifacts.

A stage after load, in small pure steps: `query` reads the warehouse into frames,
`finnish` formats numbers as a Finnish reader expects them, `charts` draws one SVG per
series (matplotlib, an optional extra imported only here), `page` assembles the
self-contained HTML, `trend` ties them together, `artifacts` shapes the tables the
Prefect UI shows. Nothing here writes to the warehouse.
"""
