"""Moved to `pipeline.model.schema` (shared by validation and loading); this name stays for old imports."""

import sys

from pipeline.model import schema as _moved

sys.modules[__name__] = _moved
