"""Stealth PNG info: generation metadata hidden in the least significant bits of the pixels.

Written by NovelAI (always, alpha channel, gzip) and by the A1111 "stealth pnginfo" extension. The
bits run column by column (x outer, y inner). A 15-byte signature says the mode: `stealth_pnginfo`
(alpha, plain UTF-8), `stealth_pngcomp` (alpha, gzip), `stealth_rgbinfo` / `stealth_rgbcomp` (the
R, G and B bits of each pixel in turn); then a 32-bit big-endian payload length in bits, then the
payload: NovelAI's is a JSON object of its PNG text keys, the extension's an A1111 infotext.

Hand-written: no maintained library reads these without its whole application around it. Only the
signature is read first (a couple of pixel columns), so an image without a payload costs almost
nothing; payload size and gzip expansion are bounded by the text limit.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

SIGNATURES = {
    b"stealth_pnginfo": ("alpha", False),
    b"stealth_pngcomp": ("alpha", True),
    b"stealth_rgbinfo": ("rgb", False),
    b"stealth_rgbcomp": ("rgb", True),
}
SIG_BITS = 15 * 8
LEN_BITS = 32
# Lossless containers only: a lossy encoder destroys the low bits (and a JPEG decoded reduced).
LOSSLESS_FORMATS = {"PNG", "WEBP", "TIFF", "BMP"}


class StealthError(ValueError):
    """A stealth signature is present but its payload cannot be read."""


@dataclass
class StealthPayload:
    kind: str  # the signature, e.g. "stealth_pngcomp"
    texts: dict[str, str] = field(default_factory=dict)  # as PNG text keys
    raw: str = ""


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)


def _bits(im: Image.Image, mode: str, count: int) -> np.ndarray:
    """The first `count` stealth bits of `im` in column-major order (only the columns needed)."""
    w, h = im.size
    per_column = h * (3 if mode == "rgb" else 1)
    columns = min(w, math.ceil(count / per_column))
    crop = im.crop((0, 0, columns, h))
    if mode == "alpha":
        arr = np.asarray(crop.convert("RGBA"))[:, :, 3]
        flat = arr.T.reshape(-1)
    else:
        arr = np.asarray(crop.convert("RGB"))
        flat = arr.transpose(1, 0, 2).reshape(-1)
    return (flat[:count] & 1).astype(np.uint8)


def _signature(im: Image.Image, mode: str) -> bytes | None:
    if im.size[0] * im.size[1] * (3 if mode == "rgb" else 1) < SIG_BITS + LEN_BITS:
        return None
    sig = np.packbits(_bits(im, mode, SIG_BITS)).tobytes()
    return sig if sig in SIGNATURES and SIGNATURES[sig][0] == mode else None


def _gunzip(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise StealthError(f"compressed stealth payload is damaged: {exc}") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise StealthError(
            f"compressed stealth payload expands beyond the {limit}-byte limit (possible bomb)"
        )
    if not d.eof:
        raise StealthError("compressed stealth payload is truncated")
    return out


def read_stealth(im: Image.Image, limit: int) -> StealthPayload | None:
    """The stealth payload of a decoded image, None when there is no signature."""
    modes = ["alpha", "rgb"] if _has_alpha(im) else ["rgb"]
    for mode in modes:
        sig = _signature(im, mode)
        if sig is None:
            continue
        _, compressed = SIGNATURES[sig]
        header = _bits(im, mode, SIG_BITS + LEN_BITS)[SIG_BITS:]
        length = int(np.packbits(header).view(">u4")[0])
        capacity = im.size[0] * im.size[1] * (3 if mode == "rgb" else 1) - SIG_BITS - LEN_BITS
        kind = sig.decode()
        if length > capacity:
            raise StealthError(
                f"{kind} payload claims {length} bits but the image holds {capacity}: truncated"
            )
        if length > 8 * limit:
            raise StealthError(f"{kind} payload of {length // 8} bytes exceeds the text limit")
        bits = _bits(im, mode, SIG_BITS + LEN_BITS + length)[SIG_BITS + LEN_BITS :]
        data = np.packbits(bits).tobytes()[: length // 8]
        if compressed:
            data = _gunzip(data, limit)
        text = data.decode("utf-8", errors="replace")
        return StealthPayload(kind=kind, texts=_as_texts(text), raw=text)
    return None


def _as_texts(text: str) -> dict[str, str]:
    """NovelAI's payload is a JSON object of PNG text keys; the extension's is an infotext."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            return {
                str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for k, v in doc.items()
            }
    return {"parameters": text}


def embed_stealth(im: Image.Image, payload: bytes, kind: str) -> Image.Image:
    """Write a stealth payload (the writers' algorithm): for tests and the demo, never evidence."""
    mode, _ = SIGNATURES[kind.encode()]
    bits = np.unpackbits(
        np.frombuffer(kind.encode() + (len(payload) * 8).to_bytes(4, "big") + payload, np.uint8)
    )
    if mode == "alpha":
        arr = np.array(im.convert("RGBA"))
        col = arr[:, :, 3].T.copy().reshape(-1)
        if bits.size > col.size:
            raise ValueError("image too small for the payload")
        col[: bits.size] = (col[: bits.size] & 0xFE) | bits
        arr[:, :, 3] = col.reshape(arr.shape[1], arr.shape[0]).T
        return Image.fromarray(arr, "RGBA")
    arr = np.array(im.convert("RGB"))
    flat = arr.transpose(1, 0, 2).copy().reshape(-1)
    if bits.size > flat.size:
        raise ValueError("image too small for the payload")
    flat[: bits.size] = (flat[: bits.size] & 0xFE) | bits
    arr = flat.reshape(arr.shape[1], arr.shape[0], 3).transpose(1, 0, 2)
    return Image.fromarray(np.ascontiguousarray(arr), "RGB")
