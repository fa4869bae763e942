"""Hand-written hostile PDFs: a decompression bomb, a very long line, very many text objects.

Written byte by byte (not with reportlab) because each needs a content stream no drawing
library produces: a stream compressed twice, one line of tens of thousands of characters,
hundreds of thousands of `BT ... ET` objects. Every page carries a real statistics title,
so the extractor wants to read it and the loss must be named.
"""

from __future__ import annotations

import zlib
from pathlib import Path

TITLE = "UUSI YKSIKKO / Toimintalukuja v. 2023"


def _text_ops(lines: list[str], top: float = 780.0) -> bytes:
    ops = []
    for n, line in enumerate(lines):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /F1 10 Tf 60 {top - 14 * n:.1f} Td ({escaped}) Tj ET")
    return ("\n".join(ops) + "\n").encode("latin-1")


def write_raw_pdf(path: str | Path, pages: list[tuple[bytes, str]]) -> Path:
    """pages: (stream bytes as stored, /Filter value or '') -> a PDF with a valid xref table."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font_ref = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for stream, filters in pages:
        content_ref = len(objects) + 1
        head = f"<< /Length {len(stream)}" + (f" /Filter {filters}" if filters else "") + " >>"
        objects.append(head.encode() + b"\nstream\n" + stream + b"\nendstream")
        page_ref = len(objects) + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_ref} 0 R "
                       f"/Resources << /Font << /F1 {font_ref} 0 R >> >> >>".encode())
        kids.append(page_ref)
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    Path(path).write_bytes(bytes(out))
    return Path(path)


def cover_page() -> tuple[bytes, str]:
    return _text_ops(["ESIMERKIN ENSI- JA TURVAKOTI RY", "TOIMINTAKERTOMUS 2023"]), ""


def bomb_report(path: str | Path, inflated_mb: int = 1024) -> Path:
    """A statistics page whose content stream inflates to `inflated_mb` MB, compressed twice."""
    inner = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [inner.compress(_text_ops([TITLE]))]
    parts += [inner.compress(chunk) for _ in range(inflated_mb)]
    parts.append(inner.flush())
    once = b"".join(parts)
    twice = zlib.compress(once, 9)
    return write_raw_pdf(path, [cover_page(), (twice, "[/FlateDecode /FlateDecode]")])


def long_line_report(path: str | Path, length: int = 60_000, char: str = "/") -> Path:
    """A statistics page with one line of `length` copies of `char` under its title."""
    stream = _text_ops([TITLE]) + _text_ops([char * length], top=700)
    return write_raw_pdf(path, [cover_page(), (zlib.compress(stream), "/FlateDecode")])


def many_objects_report(path: str | Path, objects: int = 200_000) -> Path:
    """A statistics page with `objects` separate text objects (one character each)."""
    ops = [_text_ops([TITLE])]
    ops += [f"BT /F1 4 Tf {20 + (n % 140) * 4} {20 + (n // 140) % 190 * 4} Td (x) Tj ET\n".encode()
            for n in range(objects)]
    return write_raw_pdf(path, [cover_page(), (zlib.compress(b"".join(ops)), "/FlateDecode")])


def compress_streams(pdf: bytes) -> bytes:
    """The PDF as a modern writer stores it: streams Flate-compressed, other objects packed into a
    compressed object stream, indexed by a cross-reference stream (PDF 1.5).

    For tests/pdf_factory.py's output (reportlab, uncompressed so its fonts can be patched): a
    byte flipped in an uncompressed page stream or a font's /Widths is just another valid PDF,
    which no reader can tell from the truth; inside compressed data it is damage that can be seen.
    """
    import re

    streams: list[tuple[int, bytes]] = []   # top-level stream objects: (number, body)
    packed: list[tuple[int, bytes]] = []    # plain objects for the object stream
    for m in re.finditer(rb"(?m)^(\d+) 0 obj\n", pdf):
        start = m.end()
        end = pdf.index(b"endobj", start)
        stream_at = min((h for h in (pdf.find(b"stream\r\n", start), pdf.find(b"stream\n", start))
                         if 0 <= h < end), default=-1)
        if stream_at < 0:
            packed.append((int(m.group(1)), pdf[start:end].strip()))
            continue
        head = pdf[start:stream_at]
        data_at = stream_at + (8 if pdf[stream_at + 6:stream_at + 8] == b"\r\n" else 7)
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        data = pdf[data_at:data_at + length]
        if b"/Filter" not in head:
            data = zlib.compress(data, 9)
            head = head.replace(b"/Length ", b"/Filter /FlateDecode /Length ", 1)
            head = re.sub(rb"/Length \d+", b"/Length %d" % len(data), head, count=1)
        streams.append((int(m.group(1)), head.rstrip() + b"\nstream\n" + data + b"\nendstream\n"))
    trailer = pdf[pdf.rindex(b"trailer"): pdf.rindex(b"startxref")]
    root = re.search(rb"/Root (\d+ 0 R)", trailer).group(1)
    info = re.search(rb"/Info (\d+ 0 R)", trailer)
    ids = re.search(rb"/ID\s*(\[[^\]]*\])", trailer)

    objstm_number = max(n for n, _ in streams + packed) + 1
    xref_number = objstm_number + 1
    index, bodies, offset = [], [], 0
    for number, body in packed:
        index.append(b"%d %d" % (number, offset))
        bodies.append(body + b"\n")
        offset += len(body) + 1
    header = b" ".join(index) + b"\n"
    objstm_data = zlib.compress(header + b"".join(bodies), 9)

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number, body in streams:
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + body + b"endobj\n"
    entries[objstm_number] = (1, len(out), 0)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (objstm_number, len(packed), len(header), len(objstm_data)) + objstm_data + b"\nendstream\nendobj\n")
    for i, (number, _) in enumerate(packed):
        entries[number] = (2, objstm_number, i)
    entries[xref_number] = (1, len(out), 0)
    size = xref_number + 1
    rows = b"".join(bytes([entries.get(n, (0, 0, 0))[0]]) + entries.get(n, (0, 0, 0))[1].to_bytes(4, "big")
                    + entries.get(n, (0, 0, 0))[2].to_bytes(2, "big") for n in range(size))
    xref_data = zlib.compress(rows, 9)
    extra = (b" /Info " + info.group(1) if info else b"") + (b" /ID " + ids.group(1) if ids else b"")
    xref_at = entries[xref_number][1]
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %s%s /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (xref_number, size, root, extra, len(xref_data)) + xref_data + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
