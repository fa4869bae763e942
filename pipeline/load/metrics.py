"""Moved to `pipeline.model.metrics` (shared by validation and loading); this name stays for old imports."""

import sys

from pipeline.model import metrics as _moved

sys.modules[__name__] = _moved
