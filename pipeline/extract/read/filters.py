"""Decoding a PDF stream's filter chain with a budget: never more than `budget` bytes out of any stage.

Why by hand: pdfminer and PDFium decode a whole stream at once, so a few KB compressed twice
(Flate inside Flate, or behind ASCII85, RunLength, LZW in any order) become gigabytes before
anything can look at them. Here each filter is a generator of chunks of at most `CHUNK` bytes
that pulls from the stage before it, so a chain of any depth holds a few chunks at a time and
stops as soon as the last stage has given `budget` bytes or the clock passes `deadline`.
Image codecs (DCT, JPX, ...) are not decoded here: the chain stops before them.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

CHUNK = 256 * 1024
FLATE = {"FlateDecode", "Fl"}
LZW = {"LZWDecode", "LZW"}
RUN_LENGTH = {"RunLengthDecode", "RL"}
ASCII_HEX = {"ASCIIHexDecode", "AHx"}
ASCII_85 = {"ASCII85Decode", "A85"}
IMAGE_CODECS = {"DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF", "Crypt"}
KNOWN = FLATE | LZW | RUN_LENGTH | ASCII_HEX | ASCII_85 | IMAGE_CODECS


@dataclass(frozen=True)
class Decoded:
    """What came out of a chain: at most `budget` bytes of it (or only its size when not kept)."""

    data: bytes
    size: int                  # bytes out of the last decoded stage, counted up to budget + 1
    over: bool = False         # the chain would give more than the budget (or ran past the deadline)
    damaged: str | None = None  # a stage ended early or failed: what came out is all a reader gets
    image_codec: str | None = None  # the chain ends in an image codec, not decoded here


class _Damaged(Exception):
    pass


def decode_chain(raw: bytes, filters: list[str], budget: int, keep: int | None = None,
                 deadline: float | None = None) -> Decoded:
    """`raw` through `filters` (names in /Filter order), counting at most `budget` + 1 bytes out.

    `keep` bytes of the output are returned (all up to the budget when None). An unknown filter
    is damage: nothing after it can be read. Image codecs end the chain; their input is the output.
    """
    keep = budget if keep is None else keep
    stages: Iterable[bytes] = _chunks(raw)
    damage: list[str] = []
    codec = None
    for name in filters:
        if name in IMAGE_CODECS:
            codec = name
            break
        stage = _STAGES.get(name)
        if stage is None:
            damage.append(f"an unknown filter {str(name)[:40]!r}")
            break
        stages = _guarded(stage(stages, budget), damage)
    out, size, over = bytearray(), 0, False
    for chunk in stages:
        size += len(chunk)
        if len(out) < keep:
            out += chunk[: keep - len(out)]
        if size > budget:
            over = True
            break
        if deadline is not None and time.monotonic() > deadline:
            over = True
            break
    if unknown := [d for d in damage if d.startswith("an unknown")]:
        return Decoded(bytes(out), size, over, unknown[0], codec)
    return Decoded(bytes(out), min(size, budget + 1), over, None if over or not damage else damage[0], codec)


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for at in range(0, len(data), CHUNK):
        yield bytes(view[at:at + CHUNK])


def _guarded(stage: Iterator[bytes], damage: list[str]) -> Iterator[bytes]:
    """The stage's chunks; a stage that fails or ends early notes damage and ends the chain there."""
    try:
        yield from stage
    except _Damaged as exc:
        damage.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - a decoder's error on hostile bytes is damage, not a crash
        damage.append(f"a filter failed ({type(exc).__name__})")


def _flate(source: Iterable[bytes], budget: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    for chunk in source:
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error:
                raise _Damaged("a compressed stream is damaged") from None
            if out:
                yield out
            if inflater.eof:
                return
            data = inflater.unconsumed_tail
    try:
        rest = inflater.flush()
    except zlib.error:
        rest = b""
    if rest:
        yield rest
    if not inflater.eof:
        raise _Damaged("a compressed stream is damaged or cut short")


def _collected(source: Iterable[bytes], budget: int) -> bytes:
    """The stage's whole input, at most `budget` + 1 bytes (for decoders that need it in one piece)."""
    out = bytearray()
    for chunk in source:
        out += chunk
        if len(out) > budget:
            break
    return bytes(out)


def _lzw(source: Iterable[bytes], budget: int) -> Iterator[bytes]:
    from io import BytesIO

    from pdfminer.lzw import LZWDecoder

    pending = bytearray()
    for piece in LZWDecoder(BytesIO(_collected(source, budget))).run():
        pending += piece
        if len(pending) >= CHUNK:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


def _run_length(source: Iterable[bytes], budget: int) -> Iterator[bytes]:
    data = _collected(source, budget)
    out, at = bytearray(), 0
    while at < len(data):
        length = data[at]
        if length == 128:
            break
        if length < 128:
            out += data[at + 1: at + 2 + length]
            at += 2 + length
        else:
            out += data[at + 1: at + 2] * (257 - length)
            at += 2
        if len(out) >= CHUNK:
            yield bytes(out)
            out.clear()
    if out:
        yield bytes(out)


def _ascii_hex(source: Iterable[bytes], budget: int) -> Iterator[bytes]:
    from pdfminer.ascii85 import asciihexdecode

    yield from _chunks(asciihexdecode(_collected(source, 2 * budget + 2)))


def _ascii_85(source: Iterable[bytes], budget: int) -> Iterator[bytes]:
    from pdfminer.ascii85 import ascii85decode

    data = _collected(source, budget)
    if data.count(b"z") * 4 > budget:  # each 'z' is four zero bytes
        raise _Damaged("an ASCII85 stream expands past any budget")
    yield from _chunks(ascii85decode(data))


_STAGES = {**{n: _flate for n in FLATE}, **{n: _lzw for n in LZW}, **{n: _run_length for n in RUN_LENGTH},
           **{n: _ascii_hex for n in ASCII_HEX}, **{n: _ascii_85 for n in ASCII_85}}
