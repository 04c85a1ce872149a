"""The SD invisible watermark: marks embedded by our own encoder of the upstream algorithm are read
back (both channel orders, all three payloads); unmarked benign pictures are never called marked."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from synthtrace.analyze.watermark import (
    SD1,
    SD2,
    SDXL,
    agreement_z,
    decode_bits,
    detect_watermark,
    embed_watermark,
    haar_ca,
    message,
)
from synthtrace.demo.pictures import SAMPLE_NAMES, landscape, photo_like, sample_photo, texture
from tests.provenance.builders import analyze, jpeg_user_comment, png, provenance

pillow_heif.register_heif_opener()
PAYLOADS = {"sd1": SD1, "sd2": SD2, "sdxl": SDXL}


def _png_roundtrip(img: Image.Image) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return Image.open(io.BytesIO(buf.getvalue()))


def test_haar_matches_the_definition() -> None:
    x = np.arange(16, dtype=np.float64).reshape(4, 4)
    ca = haar_ca(x)
    assert ca.shape == (2, 2)
    assert ca[0, 0] == (0 + 1 + 4 + 5) / 2  # pywt.dwt2(x, "haar")[0]: 2x2 sums / 2


def test_payload_constants() -> None:
    assert np.packbits(SD1).tobytes() == b"StableDiffusionV1"
    assert np.packbits(SD2).tobytes() == b"SDV2"
    assert int("".join(map(str, SDXL)), 2) == 0xB3EC907BB19E and SDXL.size == 48


@pytest.mark.parametrize("mark", ["sd1", "sd2", "sdxl"])
@pytest.mark.parametrize("bgr_order", [True, False], ids=["bgr", "swapped"])
def test_embedded_marks_are_detected(mark: str, bgr_order: bool) -> None:
    img = _png_roundtrip(embed_watermark(texture(11), PAYLOADS[mark], bgr_order))
    found = detect_watermark(img)
    assert found is not None and found.mark == mark and not found.weak
    assert ("swapped" in found.detail) is (not bgr_order)


def test_mark_on_a_photo_through_the_scan_path() -> None:
    marked = embed_watermark(sample_photo("rocket") or texture(3), SDXL)
    prov = provenance(png(img=marked))
    assert prov["watermark"] == "sdxl" and prov["generated"] is True
    assert any(s["kind"] == "watermark" for s in prov["signals"])


def test_message_decoding_reads_majorities() -> None:
    bits = np.resize(SD2, 32 * 50).copy()
    bits[::7] ^= 1  # one block in seven misread
    assert (message(bits, 32) == SD2).all()
    assert agreement_z(bits, SD2) > 20


def _unmarked() -> list[tuple[str, Image.Image, tuple[str, ...]]]:
    """Benign pictures and the containers each is tried in (lossy ones for the photos)."""
    pics: list[tuple[str, Image.Image, tuple[str, ...]]] = []
    for name in SAMPLE_NAMES:
        img = sample_photo(name)
        if img is not None:
            pics.append((name, img, ("PNG", "HEIF", "WEBP")))
    pics += [(f"texture{s}", texture(s), ("PNG",)) for s in range(10)]
    pics += [(f"landscape{s}", landscape(s, (640, 480)), ("PNG",)) for s in range(10)]
    pics += [(f"photo{s}", photo_like(s, (640, 480)), ("PNG", "WEBP")) for s in range(4)]
    return pics


def test_no_false_positives_on_unmarked_pictures() -> None:
    """Sample photos (also as HEIC and WebP), textures, landscapes and photo-like pictures."""
    checked = 0
    for name, img, formats in _unmarked():
        for fmt in formats:
            buf = io.BytesIO()
            img.save(buf, fmt, **({"quality": 80} if fmt != "PNG" else {}))
            found = detect_watermark(Image.open(io.BytesIO(buf.getvalue())))
            assert found is None or (found.weak and found.mark is None), (name, fmt, found)
            checked += 1
    assert checked >= 50


def test_upstream_levels_alone_would_misfire() -> None:
    """Why the agreement statistic is there: an unmarked HEIC photo that Stability's SDXL level
    alone would call marked (36/48 bits) sits at z~2, far below any marked image."""
    buf = io.BytesIO()
    (sample_photo("coffee") or texture(2)).save(buf, "HEIF", quality=80)
    img = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    bits = decode_bits(img)
    assert agreement_z(bits, SDXL) < 6
    assert detect_watermark(Image.fromarray(img)) is None


def test_reduced_jpeg_is_not_checked() -> None:
    """A JPEG the decoder reduced (draft mode) cannot carry a readable mark: not checked at all."""
    big = embed_watermark(texture(4, (2400, 1800)), SDXL)
    data = jpeg_user_comment(b"", big)
    media = analyze(data, "big.jpg")
    assert media.facts.get("provenance") is None


def test_small_images_are_not_checked() -> None:
    assert detect_watermark(embed_watermark(texture(1, (200, 200)), SDXL)) is None
