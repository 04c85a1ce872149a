"""The invisible watermark of the Stable Diffusion reference scripts, read without PyTorch.

The scripts mark every output with the `invisible-watermark` package's "dwtDct" method, whose
package imports PyTorch at load time (the core install must not pull it), so the decoder is
reimplemented here with numpy, bit for bit after imwatermark/maxDct.py:

1. BGR to YUV (OpenCV's 8-bit formula), keep U, crop to a multiple of 4 rows and columns;
2. one level of the Haar DWT: the approximation band cA (each 2x2 block's sum / 2);
3. cA cut into 4x4 blocks, row by row; in each block the coefficient of largest magnitude other
   than the first carries one bit: |v| mod 36 > 18 means 1 (despite the method's name, no DCT is
   applied to the block in the shipped code);
4. bit k of an L-bit message is the average of every block numbered k mod L, rounded.

Payloads: SD 1.x writes the 17 bytes "StableDiffusionV1", SD 2.x the 4 bytes "SDV2", SDXL the 48
bits 0xB3EC907BB19E, judged as Stability's detection script does (bits agreeing out of 48; more
than 35 is "marked"), and only when the blocks also agree with the repeated payload far beyond
chance (agreement_z): on our benign test photos the SDXL levels alone called a HEIC photo "marked"
(36/48) at z=2, where marked images measure z>=19. Some pipelines (diffusers before its fix)
passed RGB where BGR was expected, so both channel orders are read.

Not readable: JPEGs decoded at reduced size (the DWT grid no longer lines up with the embedding),
images smaller than 256x256 (the scripts do not mark them), resized or cropped copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

SCALE = 36.0
BLOCK = 4
MIN_PIXELS = 256 * 256
# Larger images are not checked: generators write at most a few megapixels, and the cost grows
# with the area (an upscaled copy is no longer marked on the original grid anyway).
MAX_PIXELS = 24_000_000

SD1 = np.unpackbits(np.frombuffer(b"StableDiffusionV1", np.uint8))
SD2 = np.unpackbits(np.frombuffer(b"SDV2", np.uint8))
SDXL = np.array([int(b) for b in bin(0xB3EC907BB19E)[2:]], np.uint8)
# Stability's levels for SDXL (scripts/demo/detect.py): bits matching out of 48.
SDXL_MARKED = 35  # more than this: "Marked. All images in this category were marked in our test"
SDXL_LIKELY = 33  # more than this: "Very likely marked ... 2% ... are unmarked"
# Byte payloads tolerate a few flipped bits (recompression); chance agreement stays negligible.
SD1_MAX_ERRORS = 13  # of 136
SD2_MAX_ERRORS = 1  # of 32
# Agreement beyond chance (see agreement_z): marked images measure 20 to 50, unmarked ones below 3.
MIN_Z = 6.0
WEAK_Z = 10.0


@dataclass(frozen=True)
class WatermarkResult:
    mark: str | None  # "sd1", "sd2", "sdxl" or None
    detail: str
    weak: bool = False  # SDXL at the "very likely" level only: reported, not decisive


def _yuv_u(rgb: np.ndarray, bgr_order: bool) -> np.ndarray:
    """OpenCV's 8-bit BGR2YUV U channel; `bgr_order=False` reads it as a swapped writer wrote it."""
    r = rgb[:, :, 0].astype(np.float32)
    g = rgb[:, :, 1].astype(np.float32)
    b = rgb[:, :, 2].astype(np.float32)
    if not bgr_order:
        r, b = b, r
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u: np.ndarray = np.clip(np.rint(0.492 * (b - y) + 128.0), 0, 255)
    return u


def haar_ca(channel: np.ndarray) -> np.ndarray:
    """Approximation band of one Haar DWT level (pywt.dwt2(x, 'haar')[0])."""
    x = channel.astype(np.float64)
    return (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) / 2.0


def block_bits(ca: np.ndarray) -> np.ndarray:
    """One embedded bit per 4x4 block of cA, blocks numbered row by row."""
    rows, cols = ca.shape[0] // BLOCK, ca.shape[1] // BLOCK
    blocks = (
        ca[: rows * BLOCK, : cols * BLOCK]
        .reshape(rows, BLOCK, cols, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(-1, BLOCK * BLOCK)
    )
    mags = np.abs(blocks[:, 1:])
    pick = mags[np.arange(mags.shape[0]), np.argmax(mags, axis=1)]
    bits: np.ndarray = (np.mod(pick, SCALE) > 0.5 * SCALE).astype(np.uint8)
    return bits


def message(bits: np.ndarray, length: int) -> np.ndarray:
    """The L-bit message: the rounded average of the blocks that repeat each bit."""
    index = np.arange(bits.size) % length
    ones = np.bincount(index, weights=bits, minlength=length)
    count = np.bincount(index, minlength=length)
    return ((ones / np.maximum(count, 1)) * 255 > 127).astype(np.uint8)


def _cropped(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[: h // 4 * 4, : w // 4 * 4]


def decode_bits(rgb: np.ndarray, bgr_order: bool = True) -> np.ndarray:
    return block_bits(haar_ca(_yuv_u(_cropped(rgb), bgr_order)))


def agreement_z(bits: np.ndarray, payload: np.ndarray) -> float:
    """How far the blocks agree with the repeated payload beyond chance, in standard deviations.

    Under "not marked", a block's bit is independent of its position in the payload cycle, so it
    agrees with probability e = p*q + (1-p)*(1-q) (p: share of 1 bits read, q: share in the
    payload). A marked image sits tens of deviations above; natural pictures whose bits happen to
    decode near the payload (a biased, smooth U channel) stay within a few.
    """
    expected = np.resize(payload, bits.size)
    observed = float(np.mean(bits == expected))
    p, q = float(bits.mean()), float(payload.mean())
    e = p * q + (1 - p) * (1 - q)
    if e <= 0.0 or e >= 1.0:
        return 0.0
    return (observed - e) * float(np.sqrt(bits.size)) / float(np.sqrt(e * (1 - e)))


def _check(bits: np.ndarray, order: str) -> WatermarkResult | None:
    z1 = agreement_z(bits, SD1)
    errors = int(np.count_nonzero(message(bits, SD1.size) != SD1))
    if errors <= SD1_MAX_ERRORS and z1 >= MIN_Z:
        return WatermarkResult(
            "sd1", f'"StableDiffusionV1" ({errors}/136 bits differ, z={z1:.0f}{order})'
        )
    z2 = agreement_z(bits, SD2)
    errors = int(np.count_nonzero(message(bits, SD2.size) != SD2))
    if errors <= SD2_MAX_ERRORS and z2 >= MIN_Z:
        return WatermarkResult("sd2", f'"SDV2" ({errors}/32 bits differ, z={z2:.0f}{order})')
    zx = agreement_z(bits, SDXL)
    agree = int(np.count_nonzero(message(bits, SDXL.size) == SDXL))
    if agree > SDXL_MARKED and zx >= MIN_Z:
        return WatermarkResult(
            "sdxl", f"SDXL 0xB3EC907BB19E: {agree}/48 bits agree, z={zx:.0f}{order}"
        )
    for name, z in (("SD1", z1), ("SD2", z2), ("SDXL", zx)):
        if z >= WEAK_Z or (name == "SDXL" and agree > SDXL_LIKELY and z >= MIN_Z):
            return WatermarkResult(
                None,
                f"{name} watermark pattern present (z={z:.0f}{order}) but the message does not "
                "decode cleanly: reported, not decisive",
                weak=True,
            )
    return None


def detect_watermark(im: Image.Image) -> WatermarkResult | None:
    """The SD watermark in a full-resolution decoded image, or None (not marked or not checkable).

    Decisive only when both the upstream criterion (message bits) and the agreement statistic
    (agreement_z) say so: Stability's SDXL levels alone call some unmarked photos "marked".
    """
    w, h = im.size
    if w * h < MIN_PIXELS or w * h > MAX_PIXELS:
        return None
    rgb = np.asarray(im.convert("RGB"))
    weak: WatermarkResult | None = None
    for bgr_order in (True, False):
        bits = decode_bits(rgb, bgr_order)
        if bits.size < SD1.size:
            return None
        found = _check(bits, "" if bgr_order else ", RGB/BGR swapped writer")
        if found is not None and not found.weak:
            return found
        weak = weak or found
    return weak


def embed_watermark(im: Image.Image, payload: np.ndarray, bgr_order: bool = True) -> Image.Image:
    """Mark an image as the reference scripts do (for tests and the demo, never evidence).

    The embedding moves the chosen cA coefficient of each block to the middle of its bit's half of
    the 36-wide quantisation cell; since only cA changes, each 2x2 pixel block of U moves by a
    uniform delta/2 (the Haar detail bands are untouched), then YUV goes back to 8-bit RGB.
    """
    rgb = np.asarray(im.convert("RGB")).astype(np.float64)
    h, w = rgb.shape[0] // 4 * 4, rgb.shape[1] // 4 * 4
    r, g, b = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    if not bgr_order:
        r, b = b, r
    y = np.clip(np.rint(0.299 * r + 0.587 * g + 0.114 * b), 0, 255)
    u = np.clip(np.rint(0.492 * (b - y) + 128.0), 0, 255)
    v = np.clip(np.rint(0.877 * (r - y) + 128.0), 0, 255)
    ca = haar_ca(u[:h, :w])
    rows, cols = ca.shape[0] // BLOCK, ca.shape[1] // BLOCK
    new = ca.copy()
    for n in range(rows * cols):
        i, j = divmod(n, cols)
        blk = new[i * BLOCK : (i + 1) * BLOCK, j * BLOCK : (j + 1) * BLOCK]
        flat = blk.reshape(-1)
        pos = int(np.argmax(np.abs(flat[1:]))) + 1
        val = flat[pos]
        bit = float(payload[n % payload.size])
        mag = (abs(val) // SCALE + 0.25 + 0.5 * bit) * SCALE
        flat[pos] = mag if val >= 0 else -mag
        new[i * BLOCK : (i + 1) * BLOCK, j * BLOCK : (j + 1) * BLOCK] = flat.reshape(BLOCK, BLOCK)
    delta = np.repeat(np.repeat((new - ca) / 2.0, 2, axis=0), 2, axis=1)
    u2 = u.copy()
    u2[:h, :w] = np.floor(np.clip(u[:h, :w] + delta, 0, 255))  # upstream truncates to uint8
    r2 = y + 1.140 * (v - 128.0)
    g2 = y - 0.395 * (u2 - 128.0) - 0.581 * (v - 128.0)
    b2 = y + 2.032 * (u2 - 128.0)
    if not bgr_order:
        r2, b2 = b2, r2
    out = np.stack([r2, g2, b2], axis=-1)
    return Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8), "RGB")
