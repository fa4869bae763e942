"""What validation and loading both derive from an extraction, below both of them.

The warehouse's shape (`schema`), canonical metrics (`metrics`), funding rows and unit
metrics (`derive`), organisation identity (`organization`) and unit identity (`units`).
Imports only `pipeline.extract` (table contracts) and the data files: never
`pipeline.validate`, `pipeline.load` or `pipeline.ingest` (a test checks it).
"""
