"""Decode an image once, reduced where that is safe, and derive size, PDQ, metadata and a thumbnail.

Speed: decoding dominates a scan. JPEGs are decoded with libjpeg's DCT scaling (Pillow's draft mode)
to the smallest power-of-two reduction that keeps at least 1000 px on the long side, with no further
resampling; PDQ is then computed with the full-resolution filter geometry (analyze/pdq.py), which
stays within a few bits of pdqhash on the full image at a fraction of the cost
(benchmarks/RESULTS.md).
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from synthtrace.analyze.content import ImageContent
from synthtrace.analyze.exif import exif_to_json
from synthtrace.analyze.pdq import pdq_dihedral, pdq_dihedral_full_geometry
from synthtrace.analyze.pngtext import read_png_text
from synthtrace.errors import describe
from synthtrace.limits import Limits

pillow_heif.register_heif_opener()
# Our own limit (Limits.max_pixels, checked after draft scaling and before any decoding) replaces
# Pillow's global bomb check, which would refuse even to report the size of a huge image.
Image.MAX_IMAGE_PIXELS = None

PDQ_MIN_LONG_SIDE = 1000
THUMB_SIZE = 256
IMAGE_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "DIB", "TIFF", "HEIF", "AVIF"}
DRAFT_FORMATS = {"JPEG", "MPO"}
# Other formats decode at full size; above this many pixels they are box-reduced before PDQ (as
# libjpeg's DCT scaling reduces JPEGs), which bounds pdqhash's float buffers on huge images.
REDUCE_ABOVE_PIXELS = 16_000_000


def is_image_mime(mime: str) -> bool:
    return mime.startswith("image/") and mime not in ("image/svg+xml", "image/x-icon")


@dataclass
class ImageFacts:
    width: int | None = None
    height: int | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_dihedral: list[str] | None = None
    exif: dict[str, Any] | None = None
    xmp: str | None = None
    png_text: dict[str, str] | None = None
    thumbnail: bool = False
    errors: list[str] = field(default_factory=list)


def draft_request(width: int, height: int) -> tuple[int, int] | None:
    """The size to ask libjpeg for: it scales by 1/2, 1/4 or 1/8 while staying at least this big."""
    long_side = max(width, height)
    if long_side <= PDQ_MIN_LONG_SIDE:
        return None
    scale = PDQ_MIN_LONG_SIDE / long_side
    return math.ceil(width * scale), math.ceil(height * scale)


def _xmp(im: Image.Image, png_text: dict[str, str], limit: int) -> str | None:
    raw: Any = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if raw is None and im.format == "TIFF":
        raw = getattr(im, "tag_v2", {}).get(700)
    if raw is None:
        raw = png_text.get("XML:com.adobe.xmp")
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if isinstance(raw, tuple | list):
        raw = bytes(raw)
    if len(raw) > limit:
        raise ValueError(f"XMP packet of {len(raw)} bytes exceeds the {limit}-byte limit")
    return bytes(raw).decode("utf-8", errors="replace")


# EXIF Orientation (tag 0x0112) values and the transpose that makes the picture upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def save_thumbnail(im: Image.Image, dest: Path) -> None:
    """A small upright JPEG for review, written atomically (a killed scan leaves no half file)."""
    thumb = im if im.mode in ("RGB", "L") else im.convert("RGB")
    scale = THUMB_SIZE / max(thumb.size)
    if scale < 1:
        size = (max(1, round(thumb.width * scale)), max(1, round(thumb.height * scale)))
        thumb = thumb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    # Upright for the reviewer; turned after shrinking, where it costs next to nothing.
    turn = _ORIENTATION.get(im.getexif().get(0x0112, 1))
    if turn is not None:
        thumb = thumb.transpose(turn)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            thumb.save(fh, "JPEG", quality=80)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def analyze_image(
    stream: BinaryIO, limits: Limits, thumb_path: Path | None
) -> tuple[ImageFacts, ImageContent | None]:
    """Everything the scan records of one image; problems are errors on it, never exceptions."""
    facts = ImageFacts()
    png = None
    start = stream.tell()
    if stream.read(8) == b"\x89PNG\r\n\x1a\n":
        stream.seek(start)
        png = read_png_text(stream, limits.max_text_bytes)
        facts.errors.extend(png.errors)
    stream.seek(start)
    png_text = png.as_dict() if png else {}
    facts.png_text = png_text if png else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(stream)
    except Image.DecompressionBombError as exc:
        facts.errors.append(f"image not decoded: {exc}")
        return facts, None
    except UnidentifiedImageError:
        facts.errors.append("content is typed as an image but no decoder recognises it")
        return facts, None
    except Exception as exc:  # Pillow and its plugins raise many types on hostile input
        facts.errors.append(f"image could not be opened: {describe(exc)}")
        return facts, None
    # Not closed here: the caller owns the stream, and closing would drop the decoded pixels that
    # later analyzers read.
    return _decode(im, facts, png_text, png, limits, thumb_path)


def _decode(
    im: Image.Image,
    facts: ImageFacts,
    png_text: dict[str, str],
    png: Any,
    limits: Limits,
    thumb_path: Path | None,
) -> tuple[ImageFacts, ImageContent | None]:
    facts.width, facts.height = im.size
    fmt = im.format or "unknown"
    if fmt not in IMAGE_FORMATS:
        facts.errors.append(f"image format {fmt} is not analysed")
        return facts, None
    try:
        exif_json, exif_errors = exif_to_json(im.getexif())
        facts.exif = exif_json or None
        facts.errors.extend(exif_errors)
    except Exception as exc:
        facts.errors.append(f"EXIF could not be read: {describe(exc)}")
    try:
        facts.xmp = _xmp(im, png_text, limits.max_text_bytes)
    except Exception as exc:
        facts.errors.append(f"XMP could not be read: {exc}")
    reduced = False
    if fmt in DRAFT_FORMATS:
        request = draft_request(*im.size)
        if request is not None and im.mode in ("RGB", "L", "CMYK", "YCbCr"):
            im.draft("RGB" if im.mode != "L" else "L", request)
            reduced = im.size != (facts.width, facts.height)
    width, height = im.size
    if width * height > limits.max_pixels:
        facts.errors.append(
            f"image of {facts.width}x{facts.height} pixels exceeds the decode limit of "
            f"{limits.max_pixels} pixels; not decoded"
        )
        return facts, None
    truncated = False
    # Pillow's switch is process-wide and other libraries set it (WeasyPrint does on import): a
    # truncated picture must be seen as truncated, whoever ran before in this process.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        im.load()
    except OSError as exc:
        if "truncated" not in str(exc) and "broken" not in str(exc):
            facts.errors.append(f"image could not be decoded: {exc}")
            return facts, None
        truncated = True
        facts.errors.append(f"image data is truncated ({exc}); no PDQ, partial thumbnail")
    except Exception as exc:
        facts.errors.append(f"image could not be decoded: {describe(exc)}")
        return facts, None
    if truncated:
        # Show the reviewer what is there; a hash of a partial picture would mislead matching.
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            im.load()
        except Exception:
            return facts, None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
    else:
        try:
            rgb = im if im.mode == "RGB" else im.convert("RGB")
            if fmt not in DRAFT_FORMATS and width * height > REDUCE_ABOVE_PIXELS:
                factor = 1 << ((max(width, height) // PDQ_MIN_LONG_SIDE).bit_length() - 1)
                rgb = rgb.reduce(factor)
                reduced = True
            if reduced:
                full = (facts.width or width, facts.height or height)
                facts.pdq_dihedral, facts.pdq_quality = pdq_dihedral_full_geometry(
                    np.asarray(rgb), full
                )
            else:
                facts.pdq_dihedral, facts.pdq_quality = pdq_dihedral(np.asarray(rgb))
            facts.pdq = facts.pdq_dihedral[0]
        except Exception as exc:
            facts.errors.append(f"PDQ could not be computed: {describe(exc)}")
    if thumb_path is not None:
        try:
            if not thumb_path.exists():
                save_thumbnail(im, thumb_path)
            facts.thumbnail = True
        except Exception as exc:
            facts.errors.append(f"thumbnail could not be made: {describe(exc)}")
    content = ImageContent(
        format=fmt,
        width=facts.width,
        height=facts.height,
        decoded=None if truncated else im,
        reduced=reduced,
        info={str(k): v for k, v in im.info.items()},
        exif=facts.exif or {},
        xmp=facts.xmp,
        png_text=png_text,
        png_chunks=list(png.chunks) if png else [],
    )
    return facts, content
