"""Validation: Great Expectations 1.x suites (`expectations/`) over an extraction's tables.

Entry point: `validate_extraction(extraction) -> ValidationReport` (in `run`). Steps: `checks`
(derived check tables, one module per check family), `suites` (load the JSON suites), `gx` (the
only module that imports Great Expectations), `report` (results to failures a person can act on).
"""
