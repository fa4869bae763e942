"""`python -m etk_report ...` is `etk-report ...`."""

import sys

from etk_report.cli import main

sys.exit(main())
