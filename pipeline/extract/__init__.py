"""Extraction: a report PDF to tables of figures, each with the page and position it came from.

Entry point: `extract_report(path) -> Extraction` (in `report`). The sub-packages are the way a
page goes: `read` (check the file, bound its cost, plain text and words), `ocr` (pages printed as
pictures), `layout` (words to lines and regions), `blocks` (statistics blocks: titled pages, ruled
tables, continued blocks, unclaimed numbers), `finance` and `lists` (finance summary, name lists),
`output` (frames and CSV files). Shared by all steps: `numbers`, `settings`, `vocabulary`, `issues`.
"""
