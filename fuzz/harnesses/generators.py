"""Generator metadata formats (analyze/formats/*.py) and the stealth pixel payload (stealth.py).

A format reads the metadata the image decoder found, not bytes, so an input is a small framed
record of that metadata: fields separated by 0x1E, each `<tag><key>=<value>` where the tag says
where the field sits (T: PNG text by keyword, E: EXIF string tag by name, X: the XMP packet,
C: the comment, K: the container). The framing keeps libFuzzer's byte mutations meaningful:
a mutation changes one key or value, not the structure. As in the provenance analyzer, a format is
asked to parse only what its `detect` claims, and may raise FormatError; what it returns must be
JSON without NaN (it goes into the export).

The stealth target writes the input's bits into the least significant bits of a small picture's
alpha (or RGB) channel, reads them back with read_stealth (which may raise StealthError) and runs
every format on the payload's texts, as the analyzer does for NovelAI's alpha-channel metadata.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping

import numpy as np
from PIL import Image

from synthtrace.analyze.formats import FORMATS, FormatError, Metadata, MetadataFormat
from synthtrace.analyze.stealth import StealthError, read_stealth
from synthtrace.limits import Limits, MiB

LIMITS = Limits(max_text_bytes=1 * MiB)
SEP, EQ = b"\x1e", b"="
BY_NAME: dict[str, MetadataFormat] = {f.name: f for f in FORMATS}


def encode_metadata(meta: Metadata) -> bytes:
    """The framed form of `meta` (for seeds): the inverse of decode_metadata."""
    fields = [b"K" + EQ + meta.container.encode()]
    fields += [b"T" + k.encode() + EQ + v.encode() for k, v in meta.texts.items()]
    fields += [
        b"E" + k.encode() + EQ + v.encode() for k, v in meta.exif.items() if isinstance(v, str)
    ]
    if meta.xmp is not None:
        fields.append(b"X" + EQ + meta.xmp.encode())
    if meta.comment is not None:
        fields.append(b"C" + EQ + meta.comment.encode())
    return SEP.join(fields)


def decode_metadata(data: bytes) -> Metadata:
    container = "PNG"
    texts: dict[str, str] = {}
    exif: dict[str, str] = {}
    xmp: str | None = None
    comment: str | None = None
    for field in data.split(SEP):
        if not field:
            continue
        tag, (key_raw, _, value_raw) = field[:1], field[1:].partition(EQ)
        key, value = key_raw.decode("latin-1"), value_raw.decode("utf-8", "replace")
        if tag == b"T":
            texts.setdefault(key, value)  # the first of a repeated keyword, as image_metadata
        elif tag == b"E":
            exif.setdefault(key, value)
        elif tag == b"X":
            xmp = value
        elif tag == b"C":
            comment = value
        elif tag == b"K":
            container = value
    return Metadata(container=container, texts=texts, exif=exif, xmp=xmp, comment=comment)


def run_format(fmt: MetadataFormat, meta: Metadata) -> None:
    if not fmt.detect(meta):
        return
    try:
        facts = fmt.parse(meta, LIMITS)
    except FormatError:
        return
    json.dumps(facts.fields(), allow_nan=False)
    assert all(isinstance(n, str) for n in facts.notes), facts.notes


def _format_input(name: str) -> Callable[[bytes], None]:
    fmt = BY_NAME[name]

    def one_input(data: bytes) -> None:
        run_format(fmt, decode_metadata(data))

    one_input.__name__ = f"{name}_input"
    return one_input


a1111_input = _format_input("a1111")
comfyui_input = _format_input("comfyui")
invokeai_input = _format_input("invokeai")
novelai_input = _format_input("novelai")
fooocus_input = _format_input("fooocus")
swarmui_input = _format_input("swarmui")
easydiffusion_input = _format_input("easydiffusion")
drawthings_input = _format_input("drawthings")
midjourney_input = _format_input("midjourney")


# --- stealth --------------------------------------------------------------------------------------

HEIGHT = 64


def stealth_image(data: bytes) -> Image.Image:
    """A picture whose stealth bits are `data[1:]`: alpha when data[0] is even, else RGB."""
    rgb = bool(data[:1]) and data[0] % 2 == 1
    bits = np.unpackbits(np.frombuffer(data[1:], np.uint8))
    per_column = HEIGHT * (3 if rgb else 1)
    width = max(2, math.ceil(bits.size / per_column) + 1)
    channels = 3 if rgb else 4
    # A benign gradient; its low bits are then replaced, column by column, as the writers do.
    base = (np.arange(width * HEIGHT * channels, dtype=np.uint32) % 251).astype(np.uint8)
    if rgb:
        flat = base & 0xFE
        flat[: bits.size] |= bits
        arr = flat.reshape(width, HEIGHT, 3).transpose(1, 0, 2)
        return Image.fromarray(np.ascontiguousarray(arr), "RGB")
    pixels = base.reshape(HEIGHT, width, 4)
    alpha = np.full(width * HEIGHT, 0xFE, np.uint8)
    alpha[: bits.size] |= bits
    pixels[:, :, 3] = alpha.reshape(width, HEIGHT).T
    return Image.fromarray(pixels, "RGBA")


def stealth_input(data: bytes) -> None:
    im = stealth_image(data)
    try:
        payload = read_stealth(im, LIMITS.max_text_bytes)
    except StealthError:
        return
    if payload is None:
        return
    texts: Mapping[str, str] = payload.texts
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in texts.items())
    meta = Metadata(container="PNG", texts=texts, origin={k: payload.kind for k in texts})
    for fmt in FORMATS:
        run_format(fmt, meta)
