"""Stealth PNG info (alpha and RGB, plain and gzip), and hostile payloads."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pytest
from PIL import Image

from synthtrace.analyze.stealth import StealthError, embed_stealth, read_stealth
from tests.provenance.builders import LIGHTHOUSE, analyze, picture, png, provenance


def _nai_payload() -> bytes:
    comment = {"prompt": "a glacier under stars", "seed": 271828, "steps": 28, "scale": 5.5}
    doc = {
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V4 E7F8A9B0",
        "Description": "a glacier under stars",
        "Comment": json.dumps(comment),
    }
    return json.dumps(doc).encode()


@pytest.mark.parametrize("kind", ["stealth_pnginfo", "stealth_pngcomp"])
def test_novelai_alpha_payload(kind: str) -> None:
    payload = _nai_payload()
    if kind.endswith("comp"):
        payload = gzip.compress(payload)
    data = png(img=embed_stealth(picture(), payload, kind))
    prov = provenance(data)
    assert prov["tool"] == "novelai" and prov["seed"] == 271828
    assert prov["model_name"] == "NovelAI Diffusion V4"
    assert any(s["kind"] == "stealth" and s["source"] == kind for s in prov["signals"])
    assert kind in prov["raw"]


@pytest.mark.parametrize("kind", ["stealth_rgbinfo", "stealth_rgbcomp"])
def test_a1111_rgb_payload(kind: str) -> None:
    payload = LIGHTHOUSE.encode()
    if kind.endswith("comp"):
        payload = gzip.compress(payload)
    prov = provenance(png(img=embed_stealth(picture(), payload, kind)))
    assert prov["tool"] == "a1111" and prov["seed"] == 42 and prov["generated"] is True


def test_payload_is_not_read_from_a_jpeg() -> None:
    """Lossy containers cannot keep the bits: no stealth check, no false reading."""
    img = embed_stealth(picture(), LIGHTHOUSE.encode(), "stealth_rgbinfo")
    im = Image.new("RGB", img.size)
    im.paste(img)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    assert analyze(buf.getvalue(), "x.jpg").facts.get("provenance") is None


def test_truncated_payload_is_an_error() -> None:
    img = embed_stealth(picture(size=(64, 64)), b"x" * 100, "stealth_pnginfo")
    arr = np.array(img)
    alpha = arr[:, :, 3].T.copy().reshape(-1)  # stealth bits run column by column
    alpha[120:152] |= 1  # the 32-bit length now claims 2^32 - 1 bits
    arr[:, :, 3] = alpha.reshape(64, 64).T
    bad = Image.fromarray(arr, "RGBA")
    with pytest.raises(StealthError, match="truncated"):
        read_stealth(bad, 1 << 20)
    media = analyze(png(img=bad))
    assert any("truncated" in e for e in media.errors)
    prov = media.facts["provenance"]
    assert prov["generated"] is None  # a broken payload decides nothing


def test_gzip_bomb_payload_is_stopped() -> None:
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024))  # 64 MB of zeros in ~64 KB
    img = embed_stealth(picture(size=(1024, 1024)), bomb, "stealth_pngcomp")
    with pytest.raises(StealthError, match="limit"):
        read_stealth(img, 1 << 20)


def test_damaged_gzip_payload_is_an_error() -> None:
    img = embed_stealth(picture(), b"\x1f\x8b\x08\x00garbage-not-deflate", "stealth_pngcomp")
    with pytest.raises(StealthError):
        read_stealth(img, 1 << 20)


def test_images_without_signature() -> None:
    assert read_stealth(picture(), 1 << 20) is None
    assert read_stealth(picture().convert("RGBA"), 1 << 20) is None
    assert read_stealth(Image.new("RGBA", (4, 4)), 1 << 20) is None  # too small to hold one
