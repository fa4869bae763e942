"""`python -m etk_report ...` is `etk-report ...`."""

from etk_report.cli import run

run()
