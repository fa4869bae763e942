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
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ResourceLimits:
    max_file_bytes: int = 512 * 1024 * 1024        # a report is a few MB; this stops a 2 GB sparse file fast
    max_page_content_bytes: int = 16 * 1024 * 1024  # inflated content streams of one page, forms included
    max_page_text_operators: int = 30_000           # BT/Tj/TJ operators of one page
    max_page_glyphs: int = 20_000                   # bytes of shown text of one page (a dense page has ~5,000)
    page_seconds: float = 30.0                     # pdfplumber's layout work on one page
    max_pages: int = 5_000

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
                   max_pages=read("ETK_MAX_PAGES", d.max_pages, int))


@dataclass(frozen=True)
class PageCost:
    """What reading a page would cost; `over` is a one-line reason when a limit is exceeded."""

    number: int
    content_bytes: int
    text_operators: int
    over: str | None = None
    head: str = ""  # the first bytes of its content as latin-1: enough to see a title in a skipped page
    damaged: str | None = None  # a compressed stream of the page (content, font, text map) ends early


class PageTimeout(Exception):
    """A page's layout work ran past `ResourceLimits.page_seconds`."""


HEAD_BYTES = 64 * 1024
_OBJ_HEAD = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>")  # literal and hex string operands
_TEXT_OPERATOR = re.compile(rb"(?<![A-Za-z0-9_\\])(?:BT|Tj|TJ)(?![A-Za-z0-9_])")
_FLATE = {"FlateDecode", "Fl"}
_LZW = {"LZWDecode", "LZW"}
_RUN_LENGTH = {"RunLengthDecode", "RL"}
_ASCII = {"ASCIIHexDecode", "AHx", "ASCII85Decode", "A85"}
_IMAGE_CODECS = {"DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF", "Crypt"}


def page_costs(path: Path, limits: ResourceLimits) -> list[PageCost]:
    """Inflated content size and text operators of every page, each inflated no further than the limit.

    Raises whatever pdfminer raises for a broken file; the caller turns that into one line.
    """
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    costs = []
    with path.open("rb") as fh:
        document = PDFDocument(PDFParser(fh))
        checked = _Checked(misplaced=_misplaced_objects(fh, document))
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            if number > limits.max_pages:
                break
            costs.append(_page_cost(number, page, limits, checked))
    return costs


@dataclass
class _Checked:
    """What is known of the whole file while its pages are costed."""

    misplaced: set[int]                                   # objects not where the file's index says
    streams: dict[Any, list[str]] = field(default_factory=dict)  # shared stream -> its damage, inflated once


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


def _page_cost(number: int, page: Any, limits: ResourceLimits, checked: _Checked) -> PageCost:
    budget = limits.max_page_content_bytes + 1
    total, operators, glyphs, head, damage = 0, 0, 0, b"", []
    if page.pageid in checked.misplaced:
        damage.append(f"the page's PDF object {page.pageid} is not where the file's index says")
    contents = _deref_checked(page.attrs.get("Contents"), damage, checked.misplaced)
    for ref in contents if isinstance(contents, list) else []:  # an array of content streams
        _deref_checked(ref, damage, checked.misplaced)
    for stream in _content_streams(page):
        if stream.objid in checked.misplaced:
            damage.append(f"PDF object {stream.objid} it uses is not where the file's index says")
        data = _bounded_data(stream, budget - total, damage)
        head += data[: HEAD_BYTES - len(head)]
        total += len(data)
        operators += len(_TEXT_OPERATOR.findall(data))
        glyphs += _string_bytes(data)
        if total >= budget:
            return PageCost(number, total, operators,
                            f"its content inflates to over {limits.max_page_content_bytes:,} bytes",
                            head.decode("latin-1"))
    if operators > limits.max_page_text_operators:
        return PageCost(number, total, operators,
                        f"it has {operators:,} text operators, over the limit of {limits.max_page_text_operators:,}",
                        head.decode("latin-1"))
    if glyphs > limits.max_page_glyphs:
        return PageCost(number, total, operators,
                        f"it shows about {glyphs:,} characters, over the limit of {limits.max_page_glyphs:,}",
                        head.decode("latin-1"))
    for stream in _font_streams(page, damage, checked.misplaced):
        key = stream.objid if stream.objid is not None else id(stream)
        if key not in checked.streams:  # fonts are shared by most pages: inflate each once
            found: list[str] = []
            _bounded_data(stream, budget, found)
            checked.streams[key] = found
        damage += checked.streams[key]
    return PageCost(number, total, operators, damaged=damage[0] if damage else None)


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


def _font_streams(page: Any, damage: list[str], misplaced: set[int], max_fonts: int = 100) -> Iterator[Any]:
    """Embedded font programs and ToUnicode maps of the page's fonts, checking every reference on the way.

    Why: damage there changes the text without failing anything (a lost bold font moved one
    figure per page off its row), so it must be seen before the text is trusted.
    """
    from functools import partial

    from pdfminer.pdftypes import PDFStream

    _deref = partial(_deref_checked, misplaced=misplaced)
    resources = _deref(page.attrs.get("Resources"), damage)
    fonts = _deref(resources.get("Font"), damage) if isinstance(resources, dict) else None
    if not isinstance(fonts, dict):
        return
    pending = [_deref(f, damage) for f in list(fonts.values())[:max_fonts]]
    while pending:
        font = pending.pop()
        if not isinstance(font, dict):
            continue
        descendants = _deref(font.get("DescendantFonts"), damage)
        if isinstance(descendants, list):
            pending += [_deref(f, damage) for f in descendants[:4]]
        descriptor = _deref(font.get("FontDescriptor"), damage)
        candidates = [font.get("ToUnicode")]
        if isinstance(descriptor, dict):
            candidates += [descriptor.get(k) for k in ("FontFile", "FontFile2", "FontFile3")]
        yield from (s for s in (_deref(c, damage) for c in candidates if c is not None) if isinstance(s, PDFStream))


def _content_streams(page: Any, max_forms: int = 200) -> Iterator[Any]:
    """The page's content streams, then its form XObjects' (nested ones too, each once)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    yield from (s for s in page.contents if isinstance(s, PDFStream))
    pending, seen = [page.resources], set()
    while pending and len(seen) < max_forms:
        resources = resolve1(pending.pop())
        xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
        if not isinstance(xobjects, dict):
            continue
        for ref in xobjects.values():
            stream = resolve1(ref)
            key = getattr(ref, "objid", id(stream))
            if not isinstance(stream, PDFStream) or key in seen or _name(stream.get("Subtype")) != "Form":
                continue
            seen.add(key)
            yield stream
            pending.append(stream.get("Resources"))


def _name(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return getattr(value, "name", value if isinstance(value, str) else "")


def _bounded_data(stream: Any, budget: int, damage: list[str] | None = None) -> bytes:
    """The stream's decoded bytes, at most `budget` of them; a decoding error keeps what came out.

    A compressed stream that ends before its end marker (a damaged or cut file) is noted in `damage`.
    """
    if budget <= 0:
        return b""
    data = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    if stream.decipher and stream.rawdata is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for filt, _params in stream.get_filters():
        name = _name(filt)
        if name in _FLATE:
            data, complete = _inflate(data, budget)
            if not complete and damage is not None:
                damage.append(f"a compressed stream (object {stream.objid}) is damaged or cut short")
        elif name in _LZW:
            data = _unlzw(data, budget)
        elif name in _RUN_LENGTH:
            from pdfminer.runlength import rldecode

            data = rldecode(data[: budget // 128 + 1])
        elif name in _ASCII:
            from pdfminer.ascii85 import ascii85decode, asciihexdecode

            data = (asciihexdecode if name.startswith("ASCIIHex") or name == "AHx" else ascii85decode)(data)
        elif name in _IMAGE_CODECS:
            break  # counted at their stored size
        else:
            if damage is not None:
                damage.append(f"a stream (object {stream.objid}) has an unknown filter {str(name)[:40]!r}")
            break
    return data[:budget]


def _inflate(data: bytes, budget: int) -> tuple[bytes, bool]:
    """(inflated bytes up to `budget`, whether the stream was whole: ended cleanly or hit the budget)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, budget)
    except zlib.error:
        return b"", False
    return out, inflater.eof or bool(inflater.unconsumed_tail) or len(out) >= budget


def _unlzw(data: bytes, budget: int) -> bytes:
    from io import BytesIO

    from pdfminer.lzw import LZWDecoder

    out = bytearray()
    try:
        for chunk in LZWDecoder(BytesIO(data)).run():
            out += chunk
            if len(out) >= budget:
                break
    except Exception:  # noqa: BLE001 - a broken LZW stream: what came out is what pdfminer would read
        pass
    return bytes(out)


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
