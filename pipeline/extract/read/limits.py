"""Resource bounds per file and per page, checked before any library does the expensive work.

Why before: PDFium (the page scan) and pdfminer (pdfplumber's layout) both inflate a page's
content stream in full and build an object per text operator. A 4 KB file whose content is
compressed twice inflates to gigabytes; a page of 200,000 text objects takes minutes. So the
raw streams are measured here with pdfminer's object parser, which reads the file's
structure without interpreting content, and with a decompressor that stops at the limit.
A page over a limit is skipped and named (see `pipeline.extract.issues`), never read.

The limits are one settings object; `ETK_MAX_*` / `ETK_PAGE_SECONDS` environment variables
override the defaults. A 77-page report is far below every default (the sample's largest page
has 14 KB of content, 244 text operators and 5,600 bytes of text).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from itertools import islice
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.extract.read.damage import page_tree_damage


@dataclass(frozen=True)
class ResourceLimits:
    max_file_bytes: int = 512 * 1024 * 1024        # a report is a few MB; this stops a 2 GB sparse file fast
    max_page_content_bytes: int = 16 * 1024 * 1024  # inflated content streams of one page, forms included
    max_page_text_operators: int = 30_000           # BT/Tj/TJ operators of one page
    max_page_glyphs: int = 20_000                   # bytes of shown text of one page (a dense page has ~5,000)
    page_seconds: float = 30.0                     # pdfplumber's layout work on one page
    max_pages: int = 5_000
    max_page_image_bytes: int = 128 * 1024 * 1024   # pixels of a page's pictures, decoded (A4 at 600 dpi grey: 35 MB)
    max_font_bytes: int = 64 * 1024 * 1024          # one font program or text map, inflated (a CJK font ~20 MB)
    max_file_content_bytes: int = 512 * 1024 * 1024  # inflated bytes of all pages, fonts and forms together
    file_seconds: float = 60.0                      # measuring every page's streams before any is read

    @classmethod
    def from_env(cls) -> "ResourceLimits":
        """Defaults, each overridable by an environment variable (`ETK_MAX_FILE_BYTES`, ...);
        a bad value is an environment error naming the variable (`pipeline.settings_env`)."""
        from pipeline.settings_env import read_number as read

        d = cls()
        return cls(max_file_bytes=read("ETK_MAX_FILE_BYTES", d.max_file_bytes, int),
                   max_page_content_bytes=read("ETK_MAX_PAGE_CONTENT_BYTES", d.max_page_content_bytes, int),
                   max_page_text_operators=read("ETK_MAX_PAGE_TEXT_OPERATORS", d.max_page_text_operators, int),
                   max_page_glyphs=read("ETK_MAX_PAGE_GLYPHS", d.max_page_glyphs, int),
                   page_seconds=read("ETK_PAGE_SECONDS", d.page_seconds, float),
                   max_pages=read("ETK_MAX_PAGES", d.max_pages, int),
                   max_page_image_bytes=read("ETK_MAX_PAGE_IMAGE_BYTES", d.max_page_image_bytes, int),
                   max_font_bytes=read("ETK_MAX_FONT_BYTES", d.max_font_bytes, int),
                   max_file_content_bytes=read("ETK_MAX_FILE_CONTENT_BYTES", d.max_file_content_bytes, int),
                   file_seconds=read("ETK_FILE_SECONDS", d.file_seconds, float))


@dataclass(frozen=True)
class PageCost:
    """What reading a page would cost; `over` is a one-line reason when a limit is exceeded."""

    number: int
    content_bytes: int
    text_operators: int
    over: str | None = None
    head: str = ""  # the first bytes of its content as latin-1: enough to see a title in a skipped page
    damaged: str | None = None  # a compressed stream of the page (content, font, text map) ends early
    hints: int = 0  # title hints (`page_costs`'s pattern) in its raw content: what its text layer should show


class PageTimeout(Exception):
    """A page's layout work ran past `ResourceLimits.page_seconds`."""


HEAD_BYTES = 64 * 1024
_OBJ_HEAD = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>")  # literal and hex string operands
_TEXT_OPERATOR = re.compile(rb"(?<![A-Za-z0-9_\\])(?:BT|Tj|TJ)(?![A-Za-z0-9_])")


def page_costs(path: Path, limits: ResourceLimits, hint: "re.Pattern[bytes] | None" = None) -> list[PageCost]:
    """Inflated content size and text operators of every page, each inflated no further than the limit.

    Raises whatever pdfminer raises for a broken file; the caller turns that into one line.
    Call `structure_stream_problem` first: pdfminer decodes object streams whole. `hint` is counted in
    each page's decoded content (`PageCost.hints`), to compare with what the text layer shows.
    """
    import time

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    started = time.monotonic()
    with path.open("rb") as fh:
        document = PDFDocument(PDFParser(fh))
        checked = _Checked(misplaced=_misplaced_objects(fh, document),
                           file_budget=limits.max_file_content_bytes, deadline=started + limits.file_seconds,
                           hint=hint)
        pages = list(islice(PDFPage.create_pages(document), limits.max_pages))
        tree_damage = page_tree_damage(document, pages)
        costs = [_page_cost(number, page, limits, checked) for number, page in enumerate(pages, start=1)]
    tree_damage.update({first: reason for first, reason in checked.shared.items() if first not in tree_damage})
    return [PageCost(cost.number, cost.content_bytes, cost.text_operators, damaged=tree_damage[cost.number],
                     hints=cost.hints) if cost.number in tree_damage and not cost.over and not cost.damaged
            else cost for cost in costs]


@dataclass
class _Checked:
    """What is known of the whole file while its pages are costed."""

    misplaced: set[int]                                   # objects not where the file's index says
    file_budget: int = 0                                  # inflated bytes the file may still use
    deadline: float = float("inf")                        # time.monotonic() by which measuring must end
    streams: dict[Any, tuple[int, list[str]]] = field(default_factory=dict)  # shared stream -> size, damage
    content_users: dict[Any, int] = field(default_factory=dict)  # page content stream -> first page using it
    hint: "re.Pattern[bytes] | None" = None
    shared: dict[int, str] = field(default_factory=dict)  # first page of a shared content stream -> why


def _misplaced_objects(fh: Any, document: Any, cap: int = 100_000) -> set[int]:
    """Objects whose index (xref) offset does not hold `N G obj`: bytes were inserted or cut before them.

    Both PDF readers recover from this differently and quietly, so such an object is suspect.
    """
    from pdfminer.pdfdocument import PDFXRefFallback

    misplaced: set[int] = set()
    for xref in document.xrefs:
        if isinstance(xref, PDFXRefFallback):  # offsets found by scanning the file: right by construction
            continue
        for n, objid in enumerate(xref.get_objids()):
            if n >= cap:
                break
            try:
                stream_id, pos, _gen = xref.get_pos(objid)
            except (KeyError, ValueError):
                continue
            if stream_id is not None:
                continue
            fh.seek(pos)
            m = _OBJ_HEAD.match(fh.read(40))
            if not m or int(m.group(1)) != objid:
                misplaced.add(objid)
    return misplaced


_CONTENT_EXTRAS = re.compile(rb"/([^\s/\[\]()<>{}%]{1,127})\s+Do(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])BI(?![A-Za-z0-9_])")
_INLINE_FILTER = re.compile(rb"/(?:F|Filter)\s*(\[[^\]]{0,400}\]|/[A-Za-z0-9]+)")
_INLINE_DATA = re.compile(rb"(?<![A-Za-z0-9_])ID\s")
_INLINE_END = re.compile(rb"\sEI(?![A-Za-z0-9_])")


@dataclass
class _Measure:
    """One page's running totals: inflated bytes (every form counted as often as it is drawn), text."""

    budget: int
    total: int = 0
    operators: int = 0
    glyphs: int = 0
    head: bytes = b""
    over: str | None = None
    hints: int = 0
    image_budget: int = 0
    image_bytes: int = 0
    images: set = field(default_factory=set)  # pictures counted (each decoded once, however often drawn)


def _page_cost(number: int, page: Any, limits: ResourceLimits, checked: _Checked) -> PageCost:
    import time

    budget = limits.max_page_content_bytes
    damage: list[str] = []
    if time.monotonic() > checked.deadline:
        return PageCost(number, 0, 0, f"measuring the file ran past {limits.file_seconds:g} s (ETK_FILE_SECONDS)")
    if checked.file_budget <= 0:
        return PageCost(number, 0, 0, f"the file's content is over {limits.max_file_content_bytes:,} bytes "
                                      "inflated before this page (ETK_MAX_FILE_CONTENT_BYTES)")
    if page.pageid in checked.misplaced:
        damage.append(f"the page's PDF object {page.pageid} is not where the file's index says")
    from pdfminer.pdftypes import PDFStream

    contents = _deref_checked(page.attrs.get("Contents"), damage, checked.misplaced)
    for part in contents if isinstance(contents, list) else [contents]:  # one content stream or an array
        part = _deref_checked(part, damage, checked.misplaced)
        if part is not None and not isinstance(part, PDFStream):
            damage.append(f"its content refers to a {type(part).__name__}, not a stream: the file's references "
                          "are damaged")
    measure = _Measure(budget=min(budget, checked.file_budget), image_budget=limits.max_page_image_bytes)
    resources = _deref_checked(page.attrs.get("Resources"), damage, checked.misplaced)
    if resources is not None and not isinstance(resources, dict):
        damage.append("its resources are not a dictionary: the file's references are damaged")

    for stream in (s for s in page.contents if isinstance(s, PDFStream)):
        if stream.objid in checked.misplaced:
            damage.append(f"PDF object {stream.objid} it uses is not where the file's index says")
        first = checked.content_users.setdefault(stream.objid, number) if stream.objid is not None else number
        if first != number:
            damage.append(f"its content stream (object {stream.objid}) is also page {first}'s: "
                          "the file's references are damaged")
            checked.shared.setdefault(first, f"its content stream (object {stream.objid}) is also page {number}'s: "
                                             "the file's references are damaged")
        _measure_content(stream, resources, 1, measure, damage, checked, depth=0)
        if measure.over:
            break
    checked.file_budget -= measure.total
    head = measure.head.decode("latin-1")
    if measure.over:
        return PageCost(number, measure.total, measure.operators, measure.over, head, hints=measure.hints)
    if measure.operators > limits.max_page_text_operators:
        return PageCost(number, measure.total, measure.operators,
                        f"it has {measure.operators:,} text operators, over the limit of "
                        f"{limits.max_page_text_operators:,}", head)
    if measure.glyphs > limits.max_page_glyphs:
        return PageCost(number, measure.total, measure.operators,
                        f"it shows about {measure.glyphs:,} characters, over the limit of {limits.max_page_glyphs:,}",
                        head)
    for stream in _font_streams(resources, damage, checked.misplaced):
        key = stream.objid if stream.objid is not None else id(stream)
        if key not in checked.streams:  # fonts are shared by most pages: inflate each once
            found: list[str] = []
            decoded = _bounded_data(stream, limits.max_font_bytes, found, keep=0, deadline=checked.deadline)
            checked.streams[key] = (decoded.size, found)
            checked.file_budget -= decoded.size
        size, found = checked.streams[key]
        if size > limits.max_font_bytes:
            return PageCost(number, measure.total, measure.operators,
                            f"a font or text map it uses (PDF object {stream.objid}) inflates to over "
                            f"{limits.max_font_bytes:,} bytes (ETK_MAX_FONT_BYTES)", head)
        damage += found
    return PageCost(number, measure.total, measure.operators, head=head if damage else "",
                    damaged=damage[0] if damage else None, hints=measure.hints)


def _measure_content(stream: Any, resources: Any, times: int, measure: _Measure, damage: list[str],
                     checked: _Checked, depth: int) -> None:
    """Add a content stream drawn `times` times, its inline images and the forms it draws, to `measure`.

    A form drawn ten times by a form drawn ten times costs a hundred: that is what a reader does.
    """
    if measure.over:
        return
    if depth > 12:
        measure.over = "its form XObjects nest more than 12 deep"
        return
    room = measure.budget - measure.total
    decoded = _bounded_data(stream, max(0, room // times), damage, deadline=checked.deadline)
    data = decoded.data
    if len(measure.head) < HEAD_BYTES:
        measure.head += data[: HEAD_BYTES - len(measure.head)]
    measure.total += decoded.size * times
    if checked.hint is not None and times == 1:
        measure.hints += len(checked.hint.findall(data, 0, HEAD_BYTES if decoded.over else len(data)))
    if decoded.over or measure.total > measure.budget:  # over: its text need not be counted
        measure.over = _over_reason(measure)
        return
    measure.operators += len(_TEXT_OPERATOR.findall(data)) * times
    measure.glyphs += _string_bytes(data) * times
    drawn: dict[bytes, int] = {}
    for m in _CONTENT_EXTRAS.finditer(data):
        if m.group(1) is not None:
            drawn[m.group(1)] = drawn.get(m.group(1), 0) + 1
        else:
            _measure_inline_image(data, m.end(), times, measure, damage, checked)
            if measure.over:
                return
    if not drawn:
        return
    xobjects = _deref_checked(resources.get("XObject"), damage, checked.misplaced) if isinstance(resources, dict) \
        else None
    if not isinstance(xobjects, dict):
        if xobjects is not None:
            damage.append(f"its pictures and forms are a {type(xobjects).__name__}, not a dictionary: the file's "
                          "references are damaged")
        return
    from pdfminer.pdftypes import PDFStream

    for name, count in drawn.items():
        ref = xobjects.get(name.decode("latin-1"))
        if ref is None:
            continue
        form = _deref_checked(ref, damage, checked.misplaced)
        if form is not None and not isinstance(form, PDFStream):
            damage.append(f"the picture or form /{name.decode('latin-1')[:40]} it draws is a {type(form).__name__}, "
                          "not a stream: the file's references are damaged")
        if isinstance(form, PDFStream) and _name(form.get("Subtype")) == "Image":
            _measure_image(form, measure, damage, checked)
            if measure.over:
                return
        if not isinstance(form, PDFStream) or _name(form.get("Subtype")) != "Form":
            continue
        inner = _deref_checked(form.get("Resources"), damage, checked.misplaced)
        _measure_content(form, inner if isinstance(inner, dict) else resources, times * count, measure, damage,
                         checked, depth + 1)
        if measure.over:
            return


_COMPONENTS = {"DeviceRGB": 3, "RGB": 3, "CalRGB": 3, "Lab": 3, "DeviceCMYK": 4, "CMYK": 4}


def _measure_image(image: Any, measure: _Measure, damage: list[str], checked: _Checked) -> None:
    """A picture's decoded size (width x height x components x bits), counted once per page.

    Image codecs (DCT, JPX) are decoded only to OCR an image page, by PDFium at full size: so the size
    their dictionary declares is what is measured; a chain of other filters before them is decoded here.
    """
    from pdfminer.pdftypes import PDFStream, resolve1

    key = image.objid if image.objid is not None else id(image)
    if key in measure.images:
        return
    measure.images.add(key)
    try:
        width, height = int(resolve1(image.get("Width"))), int(resolve1(image.get("Height")))
        bits = int(resolve1(image.get("BitsPerComponent", 8)) or 8)
    except (TypeError, ValueError):
        return
    space = resolve1(image.get("ColorSpace"))
    if isinstance(space, list) and space:
        head = _name(space[0])
        n = resolve1(space[1]).get("N") if head == "ICCBased" and isinstance(resolve1(space[1]), PDFStream) else None
        components = int(resolve1(n)) if isinstance(resolve1(n), int) else 1 if head == "Indexed" else 3
    else:
        components = _COMPONENTS.get(_name(space), 1)
    measure.image_bytes += max(0, width) * max(0, height) * min(max(components, 1), 32) * min(max(bits, 1), 16) // 8
    if measure.image_bytes > measure.image_budget:
        measure.over = (f"its pictures would decode to over {measure.image_budget:,} bytes "
                        "(ETK_MAX_PAGE_IMAGE_BYTES)")
        return
    from pipeline.extract.read.filters import FLATE, LZW, RUN_LENGTH

    if not {_name(f) for f, _ in image.get_filters()} & (FLATE | LZW | RUN_LENGTH):
        return  # ASCII filters before a codec shrink or keep the size: nothing to measure
    decoded = _bounded_data(image, measure.image_budget - measure.image_bytes + 1, damage, keep=0,
                            deadline=checked.deadline)
    if decoded.over:
        measure.over = (f"a picture on it inflates to over {measure.image_budget:,} bytes "
                        "(ETK_MAX_PAGE_IMAGE_BYTES)")


def _over_reason(measure: _Measure) -> str:
    return f"its content inflates to over {measure.budget:,} bytes"


def _measure_inline_image(data: bytes, at: int, times: int, measure: _Measure, damage: list[str],
                          checked: _Checked) -> None:
    """An inline image (`BI ... ID data EI`) in `data` from `at`: its filter chain is decoded within the budget."""
    from pipeline.extract.read.filters import decode_chain

    start = _INLINE_DATA.search(data, at, at + 2000)
    if start is None:
        return
    params = data[at:start.start()]
    m = _INLINE_FILTER.search(params)
    if m is None:
        return
    filters = [f.decode("latin-1") for f in re.findall(rb"/([A-Za-z0-9]+)", m.group(1))]
    end = _INLINE_END.search(data, start.end())
    raw = data[start.end(): end.start() if end else len(data)]
    room = max(0, (measure.budget - measure.total) // times)
    decoded = decode_chain(raw, filters, room, keep=0, deadline=checked.deadline)
    measure.total += decoded.size * times
    if decoded.over or measure.total > measure.budget:
        measure.over = f"an inline image in its content inflates to over {measure.budget:,} bytes"


def _string_bytes(data: bytes) -> int:
    """Bytes of text in the string operands: an upper bound on the characters pdfplumber would lay out.

    A hex string counts half its digits. Cost per character is what made a 60,000-character
    line take seconds, so this is the measure that bounds it.
    """
    total = 0
    for m in _STRING.finditer(data):
        token = m.group(0)
        total += (len(token) - 2) if token[:1] == b"(" else sum(c not in b" \t\r\n" for c in token[1:-1]) // 2
    return total


def _deref_checked(value: Any, damage: list[str], misplaced: set[int] = frozenset()) -> Any:
    """`value` resolved; a reference to a missing, unparseable or misplaced object is noted in `damage`."""
    from pdfminer.pdftypes import PDFObjRef

    if not isinstance(value, PDFObjRef):
        return value
    if value.objid in misplaced:
        damage.append(f"PDF object {value.objid} it uses is not where the file's index says")
    try:
        obj = value.resolve()
    except Exception:  # noqa: BLE001 - pdfminer raises syntax errors of several types
        obj = None
    if obj is None:
        damage.append(f"PDF object {value.objid} it uses is missing or unreadable")
    return obj


def _font_streams(resources: Any, damage: list[str], misplaced: set[int], max_fonts: int = 100) -> Iterator[Any]:
    """Embedded font programs and ToUnicode maps of the page's fonts, checking every reference on the way.

    Why: damage there changes the text without failing anything (a lost bold font moved one
    figure per page off its row), so it must be seen before the text is trusted.
    """
    from functools import partial

    from pdfminer.pdftypes import PDFStream

    _deref = partial(_deref_checked, misplaced=misplaced)
    fonts = _deref(resources.get("Font"), damage) if isinstance(resources, dict) else None
    if fonts is not None and not isinstance(fonts, dict) or isinstance(fonts, PDFStream):
        damage.append(f"its fonts are a {type(fonts).__name__}, not a dictionary: the file's references are damaged")
    if not isinstance(fonts, dict):
        return
    pending = [_deref(f, damage) for f in list(fonts.values())[:max_fonts]]
    while pending:
        font = pending.pop()
        if font is not None and (not isinstance(font, dict) or isinstance(font, PDFStream)
                                 or "Subtype" not in font and "BaseFont" not in font):
            damage.append(f"a font it uses is a {type(font).__name__} that is not a font: the file's references "
                          "are damaged")
            continue
        if not isinstance(font, dict):
            continue
        descendants = _deref(font.get("DescendantFonts"), damage)
        if isinstance(descendants, list):
            pending += [_deref(f, damage) for f in descendants[:4]]
        descriptor = _deref(font.get("FontDescriptor"), damage)
        candidates = [font.get("ToUnicode")]
        if isinstance(descriptor, dict):
            candidates += [descriptor.get(k) for k in ("FontFile", "FontFile2", "FontFile3")]
        for candidate in (_deref(c, damage) for c in candidates if c is not None):
            if isinstance(candidate, PDFStream):
                yield candidate
            elif candidate is not None and not (getattr(candidate, "name", None) and candidate is font.get("ToUnicode")):
                damage.append(f"a font's program or text map is a {type(candidate).__name__}, not a stream: "
                              "the file's references are damaged")


def _name(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return getattr(value, "name", value if isinstance(value, str) else "")


def _bounded_data(stream: Any, budget: int, damage: list[str] | None = None, keep: int | None = None,
                  deadline: float | None = None) -> "Decoded":
    """The stream's decoded bytes, at most `budget` of them, through its whole filter chain.

    A stream that ends before its end marker, fails to decode or has an unknown filter is noted in `damage`.
    """
    from pipeline.extract.read.filters import Decoded, decode_chain

    data = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    if stream.decipher and stream.rawdata is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    if stream.rawdata is None:  # already decoded by pdfminer (an object stream): no filters left
        return Decoded(data[:budget], min(len(data), budget + 1), len(data) > budget)
    try:
        filters = [_name(f) for f, _params in stream.get_filters()]
    except Exception:  # noqa: BLE001 - a damaged /Filter entry
        filters = ["?"]
    decoded = decode_chain(data, filters, budget, keep=keep, deadline=deadline)
    if decoded.damaged and damage is not None:
        damage.append(f"a stream (object {stream.objid}) is damaged: {decoded.damaged}")
    return decoded


def structure_stream_problem(path: Path, limits: ResourceLimits, max_streams: int = 10_000) -> str | None:
    """A one-line reason if an object stream or cross-reference stream inflates past the content limit.

    Why a raw scan: both readers decode these streams whole as soon as the file is opened, before
    any page exists, so they are measured from the file's bytes first (a bounded hand-written
    reader: find `/Type /ObjStm` or `/XRef`, read its dictionary's /Filter and /Length, decode).
    """
    import mmap

    from pipeline.extract.read.filters import decode_chain

    budget = limits.max_page_content_bytes
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for n, m in enumerate(_STRUCTURE_STREAM.finditer(data)):
            if n >= max_streams:
                return f"it has over {max_streams:,} object streams"
            opened = data.rfind(b"obj", max(0, m.start() - 4096), m.start())
            stream_at = data.find(b"stream", m.end(), m.end() + 4096)
            if opened < 0 or stream_at < 0:
                continue
            head = bytes(data[opened:stream_at])
            if b"endobj" in head or b">>" not in head:
                continue
            filters = re.search(rb"/Filter\s*(\[[^\]]{0,400}\]|/[A-Za-z0-9]+)", head)
            if not filters:
                continue
            names = [f.decode("latin-1") for f in re.findall(rb"/([A-Za-z0-9]+)", filters.group(1))]
            start = stream_at + 6 + (2 if data[stream_at + 6:stream_at + 8] == b"\r\n" else 1)
            length = re.search(rb"/Length\s+(\d{1,12})(?!\s+\d+\s+R)", head)
            end = start + int(length.group(1)) if length else data.find(b"endstream", start)
            end = len(data) if end < 0 else min(end, len(data))
            decoded = decode_chain(bytes(data[start:end]), names, budget, keep=0)
            if decoded.over:
                kind = "an object stream" if m.group(1) == b"ObjStm" else "its cross-reference stream"
                return f"{kind} inflates to over {budget:,} bytes (ETK_MAX_PAGE_CONTENT_BYTES); not read"
    return None


_STRUCTURE_STREAM = re.compile(rb"/Type\s*/(ObjStm|XRef)(?![A-Za-z0-9])")


@contextmanager
def page_deadline(seconds: float) -> Iterator[None]:
    """Raise `PageTimeout` in the block after `seconds` (main thread only: it uses SIGALRM, unless taken).

    Elsewhere (a Prefect task in a worker thread) the content limits above still bound the work.
    """
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)  # an outer timer (a test's budget) governs
    if not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PageTimeout(f"over the time budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
