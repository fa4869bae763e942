"""etk-report: annual report PDFs of Finnish ensi- ja turvakoti associations to validated tables.

Each module is one step: `pages` reads a PDF, `numbers` parses Finnish numbers,
`layout` groups words into lines, `stats_page` and `finance` read the pages that
hold figures, `extract` ties them together, `tables` derives analyst tables,
`validate` checks them, `warehouse` loads them.
"""

__version__ = "0.1.0"
