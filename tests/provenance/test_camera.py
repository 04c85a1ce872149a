"""A camera photo is never called generated; the demo shows every provenance feature."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from synthtrace.case import Case
from synthtrace.demo.pictures import (
    SAMPLE_NAMES,
    camera_exif,
    jpeg_bytes,
    photo_like,
    sample_photo,
)
from synthtrace.provenance.service import NOTHING, triage_signals
from tests.conftest import by_path
from tests.provenance.builders import analyze

CAMERAS = [
    ("Canon", "EOS 80D", "2023:06:01 10:15:00", None),
    ("Google", "Pixel 7", "2023:07:04 18:30:00", (48.8584, 2.2945)),
    ("Apple", "iPhone 13", "2023:08:09 07:45:00", (51.5, -0.12)),
]


@pytest.mark.parametrize(("make", "model", "when", "gps"), CAMERAS)
def test_camera_jpegs_are_camera_origin(
    make: str, model: str, when: str, gps: tuple[float, float] | None
) -> None:
    for name in ("chelsea", "coffee", "rocket"):
        img = sample_photo(name) or photo_like(1, (640, 480))
        media = analyze(jpeg_bytes(img, 90, camera_exif(make, model, when, gps)), "IMG.jpg")
        prov = media.facts["provenance"]
        assert prov["generated"] is False, name
        assert [s["kind"] for s in prov["signals"]] == ["camera"]


def test_large_camera_photo_is_camera_origin() -> None:
    img = photo_like(3, (4000, 3000))
    exif = camera_exif("Samsung", "SM-G991B", "2024:01:02 03:04:05")
    prov = analyze(jpeg_bytes(img, 88, exif), "big.jpg").facts["provenance"]
    assert prov["generated"] is False and prov["watermark"] is None


def test_sample_photos_without_exif_are_never_generated() -> None:
    for name in SAMPLE_NAMES:
        img = sample_photo(name)
        if img is None:
            continue
        for fmt in ("JPEG", "PNG", "WEBP"):
            buf = io.BytesIO()
            img.save(buf, fmt)
            prov = analyze(buf.getvalue(), f"x.{fmt.lower()}").facts.get("provenance")
            assert prov is None or prov["generated"] is not True, (name, fmt)


def test_generator_metadata_beats_camera_exif() -> None:
    exif = camera_exif("Canon", "EOS 80D", "2023:06:01 10:15:00")
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00a pier\nSteps: 20, Seed: 4, Size: 8x8"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 150)).save(buf, "JPEG", exif=exif)
    prov = analyze(buf.getvalue(), "x.jpg").facts["provenance"]
    assert prov["generated"] is True
    assert {s["kind"] for s in prov["signals"]} == {"camera", "metadata"}


def test_demo_case_shows_provenance(demo_case: Case) -> None:
    recs = by_path(demo_case)
    a1111 = recs["AI/outputs/txt2img/00001-1234567.png"]["provenance"]
    assert isinstance(a1111, dict) and a1111["generated"] is True
    assert {f["match"] for f in a1111["model_files"]} == {"hash"}
    assert recs["AI/outputs/sdxl/00002.png"]["provenance"]["watermark"] == "sdxl"  # type: ignore[index]
    phone = recs["Download/render_from_laptop.jpg"]["provenance"]
    assert isinstance(phone, dict) and phone["model_files"][0]["evidence"] == "laptop-A"
    assert recs["Pictures/cat.jpg"]["provenance"]["generated"] is False  # type: ignore[index]
    for path, rec in recs.items():
        prov = rec.get("provenance")
        if isinstance(prov, dict) and path.startswith(("DCIM/", "Pictures/")):
            assert prov["generated"] is not True, path


def test_triage_signals_for_unknown_ids(demo_case: Case) -> None:
    with demo_case.sessions() as s:
        assert triage_signals(s, [10**9]) == {10**9: NOTHING}
        assert triage_signals(s, []) == {}
