"""Pictures as the reviewer's browser receives them: blurred and small unless revealed.

Blurring happens here, on the server: the picture is first reduced to a few dozen pixels, blurred,
optionally turned grey, and only then enlarged to display size. What reaches the browser holds no
more detail than those few dozen pixels, whatever CSS or a saved file might do with it. Revealed
pictures are decoded and re-encoded by Pillow (bounded in pixels and size), so the browser never
decodes a byte of evidence itself and HEIC and other formats display everywhere.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from synthtrace.limits import Limits

# Blur level -> (long side the picture is reduced to before blurring, Gaussian radius there).
BLUR_STEPS: dict[int, tuple[int, float]] = {
    1: (96, 1.2),
    2: (64, 1.6),
    3: (44, 2.0),
    4: (32, 2.2),
    5: (20, 2.0),
}
CARD_SIZE = 176  # px, long side of a queue card's picture
LARGE_SIZE = 480  # px, the detail view's preview
REVEAL_MAX = 1600  # px, long side of a revealed picture


class PictureError(Exception):
    """The picture cannot be shown (the message says why); the page shows that instead."""


def _encode(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def blur(img: Image.Image, level: int, grey: bool, size: int) -> Image.Image:
    """The blurred stand-in of a picture: reduced, blurred, maybe grey, enlarged to `size`."""
    small_side, radius = BLUR_STEPS.get(level, BLUR_STEPS[max(BLUR_STEPS)])
    img = ImageOps.exif_transpose(img)
    img = img.convert("RGB")
    w, h = img.size
    scale = small_side / max(w, h, 1)
    small = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    small = small.filter(ImageFilter.GaussianBlur(radius))
    if grey:
        small = small.convert("L")
    big_scale = size / max(small.size)
    return small.resize(
        (max(1, round(small.width * big_scale)), max(1, round(small.height * big_scale))),
        Image.Resampling.BILINEAR,
    )


@lru_cache(maxsize=4096)
def _blurred_cached(path: str, mtime_ns: int, level: int, grey: bool, size: int) -> bytes:
    del mtime_ns  # part of the cache key only: a rewritten thumbnail is blurred again
    with Image.open(path) as im:
        im.draft("RGB", (size, size))
        return _encode(blur(im, level, grey, size), 70)


def blurred_thumbnail(thumb: Path, level: int, grey: bool, size: int = CARD_SIZE) -> bytes:
    """The blurred JPEG of a stored 256 px thumbnail (cached in memory: pages repeat)."""
    try:
        st = thumb.stat()
        return _blurred_cached(str(thumb), st.st_mtime_ns, level, grey, size)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PictureError(f"thumbnail unreadable: {exc}") from exc


@lru_cache(maxsize=16)
def placeholder(text: str, size: int = CARD_SIZE) -> bytes:
    """A plain grey tile saying why there is no picture (no thumbnail, a video, ...)."""
    img = Image.new("L", (size, size), 96)
    draw = ImageDraw.Draw(img)
    box = draw.textbbox((0, 0), text)
    x = (size - (box[2] - box[0])) // 2
    y = (size - (box[3] - box[1])) // 2
    draw.text((x, y), text, fill=220)
    return _encode(img, 80)


def revealed(data: bytes, grey: bool, limits: Limits | None = None) -> bytes:
    """A picture re-encoded for display: upright, at most REVEAL_MAX px, maybe grey."""
    limits = limits or Limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > limits.max_pixels:
                    raise PictureError(
                        f"{im.width}x{im.height} pixels is more than the "
                        f"{limits.max_pixels}-pixel limit"
                    )
                im.draft("RGB", (REVEAL_MAX, REVEAL_MAX))
                img = ImageOps.exif_transpose(im)
                img = img.convert("L" if grey else "RGB")
                img.thumbnail((REVEAL_MAX, REVEAL_MAX), Image.Resampling.LANCZOS)
                return _encode(img, 88)
    except PictureError:
        raise
    except Exception as exc:  # hostile or damaged evidence: an error on this picture only
        raise PictureError(f"the picture could not be decoded: {type(exc).__name__}") from exc
