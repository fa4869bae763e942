"""Hand-written hostile PDFs: a decompression bomb, a very long line, very many text objects.

Written byte by byte (not with reportlab) because each needs a content stream no drawing
library produces: a stream compressed twice, one line of tens of thousands of characters,
hundreds of thousands of `BT ... ET` objects. Every page carries a real statistics title,
so the extractor wants to read it and the loss must be named.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
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


# --------------------------------------------------------------------------- the bomb matrix (issue 21)
# Every case hides about `inflated_mb` MB of inflated bytes on the statistics page (page 2) of a tiny
# file, behind a chain of filters, in a place a reader decodes: the content stream, an object stream,
# nested form XObjects, an inline image, a font program, a text map.

def _lzw_encode(data: bytes) -> bytes:
    """LZW as PDF's LZWDecode reads it (EarlyChange 1, 9-12 bit codes, clear at 4096)."""
    table = {bytes([i]): i for i in range(256)}
    nxt, width, bits, nbits, out = 258, 9, 0, 0, bytearray()

    def emit(code: int) -> None:
        nonlocal bits, nbits
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
        bits &= (1 << nbits) - 1

    emit(256)
    word = b""
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        emit(table[word])
        table[candidate], nxt = nxt, nxt + 1
        if nxt + 1 > (1 << width) and width < 12:  # early change: widen one code before the table needs it
            width += 1
        if nxt >= 4094:
            emit(256)
            table = {bytes([i]): i for i in range(256)}
            nxt, width = 258, 9
        word = bytes([byte])
    if word:
        emit(table[word])
    emit(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def _run_length_encode(data: bytes) -> bytes:
    """RunLengthDecode's input: literal runs of up to 128 bytes, then the end marker."""
    out = bytearray()
    for at in range(0, len(data), 128):
        chunk = data[at:at + 128]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out) + b"\x80"


def encode_chain(data: bytes, filters: list[str]) -> bytes:
    """`data` encoded so that decoding with `filters` (in /Filter order) gives it back."""
    import base64

    for name in reversed(filters):
        if name == "FlateDecode":
            data = zlib.compress(data, 9)
        elif name == "LZWDecode":
            data = _lzw_encode(data)
        elif name == "ASCIIHexDecode":
            data = data.hex().encode() + b">"
        elif name == "ASCII85Decode":
            data = base64.a85encode(data) + b"~>"
        elif name == "RunLengthDecode":
            data = _run_length_encode(data)
        else:
            raise ValueError(name)
    return data


@lru_cache(maxsize=4)
def _spaces_bomb(head: bytes, inflated_mb: int, tail: bytes = b"") -> bytes:
    """`head`, `inflated_mb` MB of spaces and `tail`, Flate-compressed once (about 1 MB per GB)."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [packer.compress(head)] + [packer.compress(chunk) for _ in range(inflated_mb)]
    return b"".join(parts + [packer.compress(tail), packer.flush()])


def bomb_stream(head: bytes, inflated_mb: int, filters: list[str], tail: bytes = b"") -> tuple[bytes, str]:
    """(stored bytes, /Filter value) of a stream decoding to `head` + `inflated_mb` MB of spaces + `tail`.

    The first Flate is done in chunks (the bomb itself); the outer filters encode its ~1 MB result.
    """
    assert filters and filters[-1] == "FlateDecode"
    stored = encode_chain(_spaces_bomb(head, inflated_mb, tail), filters[:-1])
    return stored, "[" + " ".join("/" + f for f in filters) + "]"


def write_objects_pdf(path: str | Path, objects: dict[int, bytes], root: int = 1,
                      packed: dict[int, bytes] | None = None, packed_filters: list[str] | None = None,
                      packed_stream: bytes | None = None) -> Path:
    """A PDF of numbered object bodies with a valid index; `packed` objects go into an object stream
    (its data optionally replaced by `packed_stream`, e.g. a bomb) with a cross-reference stream."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number in sorted(objects):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    if not packed:
        xref = len(out)
        size = max(objects) + 1
        out += b"xref\n0 %d\n" % size
        out += b"".join(b"%010d %05d %s \n" % (entries[n][1], 0, b"n") if n in entries and n else
                        b"0000000000 65535 f \n" for n in range(size))
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
        Path(path).write_bytes(bytes(out))
        return Path(path)
    objstm = max([*objects, *packed]) + 1
    index, bodies, offset = [], [], 0
    for i, (number, body) in enumerate(sorted(packed.items())):
        index.append(b"%d %d" % (number, offset))
        bodies.append(body + b"\n")
        offset += len(body) + 1
        entries[number] = (2, objstm, i)
    header = b" ".join(index) + b"\n"
    chain = packed_filters or ["FlateDecode"]
    if packed_stream is None:
        data = encode_chain(header + b"".join(bodies), chain)
    else:
        data = packed_stream
    entries[objstm] = (1, len(out), 0)
    filt = "[" + " ".join("/" + f for f in chain) + "]"
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter %s /Length %d >>\nstream\n"
            % (objstm, len(packed), len(header), filt.encode(), len(data)) + data + b"\nendstream\nendobj\n")
    xref_number = objstm + 1
    entries[xref_number] = (1, len(out), 0)
    size = xref_number + 1
    rows = b"".join(bytes([entries.get(n, (0, 0, 0))[0]]) + entries.get(n, (0, 0, 0))[1].to_bytes(4, "big")
                    + entries.get(n, (0, 0, 0))[2].to_bytes(2, "big") for n in range(size))
    xref_data = zlib.compress(rows, 9)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (xref_number, size, root, len(xref_data)) + xref_data + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    Path(path).write_bytes(bytes(out))
    return Path(path)


def _stream_object(data: bytes, filters: str = "", extra: str = "") -> bytes:
    filt = f" /Filter {filters}" if filters else ""
    return f"<< /Length {len(data)}{filt}{extra} >>\nstream\n".encode() + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _two_pages(statistics_content: bytes, statistics_filters: str, resources: bytes,
               extra: dict[int, bytes] | None = None) -> dict[int, bytes]:
    """Objects 1-7: catalog, pages, font, the cover page and its content, the statistics page and its content."""
    cover, _ = cover_page()
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
               3: _FONT,
               4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
                  b"/Resources << /Font << /F1 3 0 R >> >> >>",
               5: _stream_object(cover),
               6: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R /Resources "
                  + resources + b" >>",
               7: _stream_object(statistics_content, statistics_filters)}
    objects.update(extra or {})
    return objects


BOMB_CASES = ("content-2", "content-3", "content-4", "object-stream", "nested-forms", "form-fanout",
              "inline-image", "font-program", "text-map", "huge-picture")
CHAINS = {2: ["FlateDecode", "FlateDecode"],
          3: ["ASCII85Decode", "FlateDecode", "FlateDecode"],
          4: ["ASCIIHexDecode", "RunLengthDecode", "LZWDecode", "FlateDecode"]}


def bomb_matrix_report(path: str | Path, case: str, inflated_mb: int = 1024) -> Path:
    """One case of the bomb matrix (`BOMB_CASES`); every case's page 2 carries a statistics title."""
    title = _text_ops([TITLE])
    font_res = b"<< /Font << /F1 3 0 R >> >>"
    if case.startswith("content-"):
        chain = CHAINS[int(case.split("-")[1])]
        if "LZWDecode" in chain:  # LZW ahead of the last Flate: a second Flate keeps the encoder input small
            chain = ["ASCIIHexDecode", "RunLengthDecode", "FlateDecode", "FlateDecode"]
        data, filters = bomb_stream(title, inflated_mb, chain)
        return write_objects_pdf(path, _two_pages(data, filters, font_res))
    if case == "object-stream":
        # the statistics page's resources and font live in an object stream that inflates to the bomb
        objects = _two_pages(title, "", b"8 0 R")
        packed = {8: font_res, 9: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
        header = b"8 0 9 %d\n" % (len(font_res) + 1)
        stream = encode_chain(_spaces_bomb(header + font_res + b"\n" + packed[9] + b"\n", inflated_mb),
                              ["FlateDecode"])  # Flate inside Flate
        return write_objects_pdf(path, objects, packed=packed, packed_filters=["FlateDecode", "FlateDecode"],
                                 packed_stream=stream)
    if case == "nested-forms":
        # page -> form 8 -> form 9 -> form 10, whose content is the bomb
        data, filters = bomb_stream(title, inflated_mb, CHAINS[2])
        forms = {8: _stream_object(b"/X9 Do", "", " /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                   "/Resources << /XObject << /X9 9 0 R >> >>"),
                 9: _stream_object(b"/X10 Do", "", " /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                   "/Resources << /XObject << /X10 10 0 R >> >>"),
                 10: _stream_object(data, filters, " /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                    "/Resources << /Font << /F1 3 0 R >> >>")}
        return write_objects_pdf(path, _two_pages(title + b"/X8 Do\n", "",
                                                  b"<< /Font << /F1 3 0 R >> /XObject << /X8 8 0 R >> >>", forms))
    if case == "form-fanout":
        # a billion laughs: 7 levels of forms, each drawing the next 10 times; the last shows a line of text
        levels = 7
        forms = {}
        for level in range(levels):
            number = 8 + level
            if level == levels - 1:
                forms[number] = _stream_object(_text_ops(["1 2 3 4 5 6 7 8 9"], top=400), "",
                                               " /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                               "/Resources << /Font << /F1 3 0 R >> >>")
            else:
                forms[number] = _stream_object(f"/X{number + 1} Do\n".encode() * 10, "",
                                               " /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                               f"/Resources << /XObject << /X{number + 1} {number + 1} 0 R >> >>")
        return write_objects_pdf(path, _two_pages(title + b"/X8 Do\n", "",
                                                  b"<< /Font << /F1 3 0 R >> /XObject << /X8 8 0 R >> >>", forms))
    if case == "inline-image":
        data, filters = bomb_stream(b"", inflated_mb, CHAINS[2])
        side = int((inflated_mb * (1 << 20)) ** 0.5)
        image = (f"q 100 0 0 100 100 100 cm BI /W {side} /H {side} /BPC 8 /CS /G /F {filters.replace('FlateDecode', 'Fl')} "
                 f"/L {len(data)} ID ").encode() + data + b"\nEI Q\n"
        return write_objects_pdf(path, _two_pages(title + image, "", font_res))
    if case in ("font-program", "text-map"):
        data, filters = bomb_stream(b"", inflated_mb, CHAINS[2])
        if case == "font-program":
            font = (b"<< /Type /Font /Subtype /TrueType /BaseFont /Bomb /FirstChar 32 /LastChar 126 "
                    b"/FontDescriptor 9 0 R /Encoding /WinAnsiEncoding >>")
            extra = {8: font, 9: b"<< /Type /FontDescriptor /FontName /Bomb /Flags 32 /FontBBox [0 0 1000 1000] "
                               b"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 "
                               b"/FontFile2 10 0 R >>",
                     10: _stream_object(data, filters, f" /Length1 {inflated_mb << 20}")}
        else:
            extra = {8: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
                        b"/ToUnicode 10 0 R >>",
                     10: _stream_object(data, filters)}
        return write_objects_pdf(path, _two_pages(title.replace(b"/F1 ", b"/F2 "), "",
                                                  b"<< /Font << /F1 3 0 R /F2 8 0 R >> >>", extra))
    if case == "huge-picture":
        # a JPEG header declaring 100,000 x 100,000 RGB pixels: 30 GB once decoded (PDFium decodes to OCR)
        picture = _stream_object(b"\xff\xd8\xff\xe0" + b"\0" * 200, "/DCTDecode",
                                 " /Type /XObject /Subtype /Image /Width 100000 /Height 100000 "
                                 "/ColorSpace /DeviceRGB /BitsPerComponent 8")
        return write_objects_pdf(path, _two_pages(title + b"q 500 0 0 500 50 50 cm /Im1 Do Q\n", "",
                                                  b"<< /Font << /F1 3 0 R >> /XObject << /Im1 8 0 R >> >>",
                                                  {8: picture}))
    raise ValueError(case)
