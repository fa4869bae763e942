"""Which association a report belongs to: a stable, path-safe `organization_id` from the printed name.

Why a slug: the id becomes part of file paths (`organization_id=…/report_year=…/` partitions,
artifact keys), and the name comes from a PDF, which may be hostile. Only `[a-z0-9-]`
survives, accents are folded (`ä` → `a`), the length is bounded, and a name with nothing
left is `unknown`. The same association printed in capitals on the cover and in lower
case in the text gets the same id.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.extract.organization import printed_name

UNKNOWN = "unknown"           # no name found and none given; also the id of rows migrated from before organisations
MAX_ID_LENGTH = 64            # bounded: a path component, a Prefect artifact key, a partition folder


def organization_id(name: str | None) -> str:
    """`[a-z0-9-]{1,64}`: 'Lahden ensi- ja turvakoti ry' -> 'lahden-ensi-ja-turvakoti-ry'."""
    return slug(printed_name(name))


def slug(text: str | None) -> str:
    """Lower-case ASCII letters, digits and single dashes, at most MAX_ID_LENGTH; 'unknown' when nothing is left."""
    text = unicodedata.normalize("NFKD", " ".join(str(text or "").replace("\x00", " ").split()))
    ascii_text = text.encode("ascii", "ignore").decode("ascii").casefold()
    dashed = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return dashed[:MAX_ID_LENGTH].rstrip("-") or UNKNOWN


def is_organization_id(value: object) -> bool:
    """True for a string `organization_id` could have produced (checked before it names a path)."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH
            and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value) is not None)
