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
