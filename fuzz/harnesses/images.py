"""Image metadata parsers: PNG text chunks, EXIF, XMP, IPTC digital source types.

- png_text: the whole input is a PNG stream for read_png_text, which reports damage as errors and
  never raises.
- exif: the input is an EXIF block (TIFF header and IFDs, as in a JPEG APP1 segment). Pillow's own
  loader may refuse it (the image decoder turns that into an error on the file); what it loads,
  exif_to_json must turn into JSON without NaN and errors, never an exception.
- xmp / iptc: the input, decoded as the image decoder decodes XMP, is read for every property the
  formats look up; xmp_values is bounded (at most MAX_VALUES values) and linear by design, which
  libFuzzer's per-input timeout checks.
"""

from __future__ import annotations

import contextlib
import io
import json

from PIL import Image

from synthtrace.analyze.exif import UserCommentError, decode_user_comment, exif_to_json
from synthtrace.analyze.formats.xmp import MAX_VALUES, xmp_value, xmp_values
from synthtrace.analyze.iptc import classify, digital_source_types
from synthtrace.analyze.pngtext import TextChunk, read_png_text

TEXT_LIMIT = 1 << 20
XMP_PROPS = (
    "exif:UserComment",
    "dc:description",
    "xmp:CreatorTool",
    "Iptc4xmpExt:DigitalSourceType",
)


def png_text_input(data: bytes) -> None:
    result = read_png_text(io.BytesIO(data), TEXT_LIMIT)
    assert all(isinstance(c, TextChunk) and isinstance(c.text, str) for c in result.chunks)
    assert len(result.as_dict()) == len(result.chunks)


def exif_input(data: bytes) -> None:
    exif = Image.Exif()
    try:
        exif.load(data)
    except Exception:  # Pillow's loader; the image decoder records this as an error on the file
        return
    out, errors = exif_to_json(exif)
    json.dumps(out, allow_nan=False)
    assert all(isinstance(e, str) for e in errors)
    with contextlib.suppress(UserCommentError):
        assert isinstance(decode_user_comment(data), str)


def _xmp_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")  # as image._xmp decodes the packet


def xmp_input(data: bytes) -> None:
    text = _xmp_text(data)
    for prop in XMP_PROPS:
        values = xmp_values(text, prop)
        assert len(values) <= MAX_VALUES
        assert all(isinstance(v, str) for v in values)
        assert xmp_value(text, prop) == (values[0] if values else None)


def iptc_input(data: bytes) -> None:
    text = _xmp_text(data)
    for found in digital_source_types(text):
        assert found.verdict in (True, False, None)
        assert classify(found.uri) == found
