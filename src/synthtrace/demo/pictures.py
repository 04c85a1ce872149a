"""Benign pictures for the demo, the tests and the benchmarks: no people, ever.

Sample photos come from scikit-image's bundled data (a cat, coffee, a rocket, coins, textures,
the Hubble deep field); procedural pictures are drawn here. Without scikit-image installed, only
procedural pictures are used.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# scikit-image samples that show no person (astronaut, camera, lfw faces are left out on purpose).
SAMPLE_NAMES = (
    "chelsea",
    "coffee",
    "rocket",
    "coins",
    "brick",
    "grass",
    "gravel",
    "hubble_deep_field",
    "moon",
    "motorcycle_left",
    "immunohistochemistry",
    "colorwheel",
)


def sample_photo(name: str) -> Image.Image | None:
    """A scikit-image sample as an RGB picture, or None when scikit-image is absent."""
    try:
        from skimage import data
    except ImportError:
        return None
    if name not in SAMPLE_NAMES:
        raise ValueError(f"{name} is not one of the benign samples")
    loader = getattr(data, name, None)
    if loader is None:
        return None
    arr = loader()
    if arr.dtype != np.uint8:
        arr = (255 * (arr - arr.min()) / max(1e-9, float(arr.max() - arr.min()))).astype(np.uint8)
    img = Image.fromarray(arr)
    return img.convert("RGB")


def landscape(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A procedural landscape: sky gradient, sun, layered hills with texture. Distinct per seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    y = np.linspace(0, 1, h)[:, None, None]
    top = rng.uniform(60, 200, 3)
    bottom = rng.uniform(120, 255, 3)
    sky = top * (1 - y) + bottom * y
    arr = np.broadcast_to(sky, (h, w, 3)).copy()
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    sx, sy, r = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.4) * h, rng.uniform(0.04, 0.1) * w
    draw.ellipse(
        (sx - r, sy - r, sx + r, sy + r), fill=tuple(int(v) for v in rng.uniform(200, 255, 3))
    )
    for layer in range(4):
        base = h * (0.45 + 0.13 * layer)
        xs = np.linspace(0, w, 24)
        ys = base + rng.normal(0, h * 0.05, xs.size).cumsum() * 0.3
        color = tuple(int(v) for v in rng.uniform(20, 160, 3))
        draw.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)], fill=color)
    noise = rng.normal(0, 6, (h, w, 3))
    out = np.asarray(img).astype(np.float64) + noise
    return Image.fromarray(out.clip(0, 255).astype(np.uint8)).filter(ImageFilter.SMOOTH)


def texture(seed: int, size: tuple[int, int] = (512, 512)) -> Image.Image:
    """High-frequency procedural texture: where reduced-size PDQ drifts most, so tests use it."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 1, w)[None, :]
    y = np.linspace(0, 1, h)[:, None]
    fx, fy = rng.uniform(20, 90, 2)
    base = 128 + 60 * np.sin(x * fx + y * fy) + 40 * np.cos(y * fy * 1.7 - x * fx * 0.3)
    noise = rng.normal(0, 30, (h, w, 3))
    arr = np.stack([base, base * 0.7 + 40, 255 - base], axis=-1) + noise
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def photo_like(seed: int, size: tuple[int, int] = (4000, 3000)) -> Image.Image:
    """A phone-photo stand-in: a benign sample or landscape upscaled, with sensor-like noise."""
    names = [n for n in SAMPLE_NAMES if n not in ("colorwheel",)]
    base = sample_photo(names[seed % len(names)]) or landscape(seed)
    rng = np.random.default_rng(seed)
    img = base.resize(size, Image.Resampling.BICUBIC)
    arr = np.asarray(img).astype(np.int16)
    # Luminance grain plus a little chroma noise, as a phone sensor leaves after its own denoising.
    grain = rng.normal(0, 4.0, (size[1], size[0], 1)) + rng.normal(0, 1.5, (size[1], size[0], 3))
    return Image.fromarray((arr + grain).clip(0, 255).astype(np.uint8))


def jpeg_bytes(img: Image.Image, quality: int = 90, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"quality": quality}
    if exif is not None:
        kwargs["exif"] = exif
    img.convert("RGB").save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def camera_exif(
    make: str, model: str, when: str, gps: tuple[float, float] | None = None
) -> Image.Exif:
    """EXIF as a phone writes it: make, model, original time, optionally a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0131] = f"{model} firmware 1.0"
    exif[0x0132] = when
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when
    sub[0x9004] = when
    if gps is not None:
        lat, lon = gps
        g = exif.get_ifd(0x8825)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(abs(lat))
        g[3] = "E" if lon >= 0 else "W"
        g[4] = _dms(abs(lon))
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = round(((value - deg) * 60 - minutes) * 60, 4)
    return (float(deg), float(minutes), seconds)
