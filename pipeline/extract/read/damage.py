"""Damage to a PDF's page tree that no reader reports: a page listed twice, a page that vanished.

A changed reference in `/Kids` drops a page (pdfminer and PDFium both skip what is not a page)
or shows another page twice. Nothing fails and every page still reads, so the pages next to the
hole are named here instead (see `pipeline.extract.read.limits.page_costs`).
"""

from __future__ import annotations

from typing import Any


def page_tree_damage(document: Any, pages: list[Any]) -> dict[int, str]:
    """{page number: reason} for pages next to a hole in the page tree, or listed twice in it.

    A changed reference in `/Kids` drops a page (both readers skip what is not a page) or shows
    another page twice: nothing fails, so the pages around the hole are named.
    """
    from pdfminer.pdftypes import resolve1

    damage: dict[int, str] = {}
    seen: dict[int, int] = {}
    for number, page in enumerate(pages, start=1):
        if page.pageid in seen:
            reason = (f"the page tree lists PDF object {page.pageid} as pages {seen[page.pageid]} and {number}: "
                      "its references are damaged and a page may be missing")
            damage.setdefault(number, reason)
            damage.setdefault(seen[page.pageid], reason)
        seen.setdefault(page.pageid, number)
    try:
        catalog = resolve1(document.catalog.get("Pages"))
        declared = resolve1(catalog.get("Count")) if isinstance(catalog, dict) else None
    except Exception:  # noqa: BLE001 - a damaged catalog is pdfminer's to report
        declared = None
    if isinstance(declared, int) and declared != len(pages) and pages:
        holes = _kids_holes(catalog)
        reason = (f"the page tree says {declared} pages but holds {len(pages)}: its references are damaged "
                  "and a page may be missing here")
        for after in holes or [len(pages)]:
            for number in (after, after + 1):
                if 1 <= number <= len(pages):
                    damage.setdefault(number, reason)
    return damage


def _kids_holes(root: Any, cap: int = 100_000) -> list[int]:
    """Positions (pages before it) of each `/Kids` entry that is neither a page nor a page-tree node."""
    from pdfminer.pdftypes import resolve1

    holes: list[int] = []
    pages_before = 0
    stack: list[Any] = [root]
    visited: set[int] = set()
    steps = 0
    while stack and steps < cap:
        steps += 1
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        try:
            kids = resolve1(node.get("Kids")) if isinstance(node, dict) else None
        except Exception:  # noqa: BLE001
            kids = None
        if not isinstance(kids, list):
            holes.append(pages_before)
            continue
        for kid in reversed(kids):
            try:
                value = resolve1(kid)
            except Exception:  # noqa: BLE001
                value = None
            kind = _name(value.get("Type")) if isinstance(value, dict) else ""
            if kind == "Page" or (isinstance(value, dict) and "Kids" not in value and "Contents" in value):
                stack.append(("page",))
            elif isinstance(value, dict) and "Kids" in value:
                stack.append(value)
            else:
                stack.append(("hole",))
        while stack and isinstance(stack[-1], tuple):
            marker = stack.pop()
            if marker == ("page",):
                pages_before += 1
            else:
                holes.append(pages_before)
    return holes


def _name(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return getattr(value, "name", value if isinstance(value, str) else "")
