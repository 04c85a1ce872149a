"""PNG text chunks (tEXt, zTXt, iTXt), all of them, verbatim, wherever they sit (also after IDAT).

Written by hand because Pillow only sees text chunks after the image data once the whole image is
decoded, caps each at 1 MB, and folds duplicate keywords: generation tools put their parameters in
these chunks, and an investigator needs every one exactly as written.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")


@dataclass(frozen=True)
class TextChunk:
    type: str
    keyword: str
    text: str
    after_idat: bool
    language: str = ""
    translated_keyword: str = ""


@dataclass
class PngText:
    chunks: list[TextChunk] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        """keyword -> text; a repeated keyword is kept as `keyword#2`, `keyword#3`, ..."""
        out: dict[str, str] = {}
        for chunk in self.chunks:
            key, n = chunk.keyword, 1
            while key in out:
                n += 1
                key = f"{chunk.keyword}#{n}"
            out[key] = chunk.text
        return out


def _inflate(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError(f"decompresses to more than the {limit}-byte limit")
    return out


def _latin1(raw: bytes) -> str:
    return raw.decode("latin-1")


def _parse(ctype: bytes, body: bytes, after_idat: bool, limit: int) -> TextChunk:
    keyword_raw, sep, rest = body.partition(b"\x00")
    if not sep:
        raise ValueError("no keyword separator")
    keyword = _latin1(keyword_raw)
    if ctype == b"tEXt":
        return TextChunk("tEXt", keyword, _latin1(rest), after_idat)
    if ctype == b"zTXt":
        if not rest or rest[0] != 0:
            raise ValueError("unknown compression method")
        return TextChunk("zTXt", keyword, _latin1(_inflate(rest[1:], limit)), after_idat)
    if len(rest) < 2:
        raise ValueError("truncated iTXt header")
    compressed, method = rest[0], rest[1]
    lang_raw, _, rest = rest[2:].partition(b"\x00")
    tkey_raw, _, text_raw = rest.partition(b"\x00")
    if compressed:
        if method != 0:
            raise ValueError("unknown compression method")
        text_raw = _inflate(text_raw, limit)
    return TextChunk(
        "iTXt",
        keyword,
        text_raw.decode("utf-8", errors="replace"),
        after_idat,
        language=_latin1(lang_raw),
        translated_keyword=tkey_raw.decode("utf-8", errors="replace"),
    )


def read_png_text(stream: BinaryIO, limit: int) -> PngText:
    """Every text chunk of the PNG in `stream`; damage and oversize chunks become errors."""
    result = PngText()
    if stream.read(8) != PNG_SIGNATURE:
        result.errors.append("not a PNG stream")
        return result
    seen_idat = False
    while True:
        header = stream.read(8)
        if len(header) < 8:
            if header:
                result.errors.append("PNG truncated inside a chunk header")
            else:
                result.errors.append("PNG ends without an IEND chunk")
            break
        length, ctype = struct.unpack(">I4s", header)
        if ctype == b"IEND":
            break
        if ctype == b"IDAT":
            seen_idat = True
        if ctype not in TEXT_TYPES:
            stream.seek(length + 4, 1)
            continue
        name = ctype.decode("ascii")
        if length > limit:
            result.errors.append(
                f"PNG {name} chunk of {length} bytes exceeds the {limit}-byte limit; not read"
            )
            stream.seek(length + 4, 1)
            continue
        body = stream.read(length)
        crc = stream.read(4)
        if len(body) < length or len(crc) < 4:
            result.errors.append(f"PNG truncated inside a {name} chunk")
            break
        if zlib.crc32(ctype + body) != struct.unpack(">I", crc)[0]:
            result.errors.append(f"PNG {name} chunk has a bad CRC (kept as read)")
        try:
            result.chunks.append(_parse(ctype, body, seen_idat, limit))
        except (ValueError, zlib.error) as exc:
            result.errors.append(f"PNG {name} chunk could not be read: {exc}")
    return result
