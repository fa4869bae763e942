"""Extraction: a report PDF to tables of figures, each with the page and position it came from.

Entry point: `extract_report(path) -> Extraction` (in `report`). Steps: `pages` (check and read
the file), `layout` (words to lines), `numbers` (Finnish numbers), `stat_blocks` (statistics
blocks), `finance` (finance summary), `municipalities` (name lists), `tables` (frames).
"""
