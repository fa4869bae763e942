"""Moved to `pipeline.model.derive` (shared by validation and loading); this name stays for old imports."""

import sys

from pipeline.model import derive as _moved

sys.modules[__name__] = _moved
