"""C2PA manifests, made here with c2pa-python's Builder and a throwaway certificate; offline."""

from __future__ import annotations

import io
import struct

import pytest

from synthtrace.analyze.c2pa_reader import read_c2pa
from tests.provenance.builders import analyze, jpeg_user_comment, png, provenance
from tests.provenance.c2pa_fixtures import sign


@pytest.mark.parametrize(
    ("mime", "name", "make"),
    [("image/jpeg", "a.jpg", lambda: jpeg_user_comment(b"")), ("image/png", "a.png", png)],
)
def test_ai_manifest_makes_the_image_generated(mime: str, name: str, make: object) -> None:
    data = sign(make(), mime, "Adobe Firefly", "trainedAlgorithmicMedia")  # type: ignore[operator]
    prov = provenance(data, name)
    assert prov["generated"] is True and prov["tool"] == "firefly"
    c2pa = prov["c2pa"]
    assert c2pa["claim_generator"].startswith("Adobe Firefly")
    assert c2pa["actions"][0]["action"] == "c2pa.created"
    assert c2pa["digital_source_types"] == [
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    ]
    assert c2pa["validation_state"] in ("Valid", "Invalid")
    assert "signingCredential.untrusted" in c2pa["validation_failures"]  # no trust list offline
    assert c2pa["signer"]["common_name"] == "Test signer"
    assert any(s["kind"] == "c2pa" for s in prov["signals"])


def test_capture_manifest_is_camera_origin() -> None:
    data = sign(jpeg_user_comment(b""), "image/jpeg", "Camera firmware", "digitalCapture")
    prov = provenance(data, "c.jpg")
    assert prov["generated"] is False and prov["tool"] is None
    assert any(s["kind"] == "c2pa-capture" for s in prov["signals"])


def test_manifest_of_digital_art_decides_nothing() -> None:
    data = sign(png(), "image/png", "Photo editor", "digitalArt")
    prov = provenance(data)
    assert prov["generated"] is None and prov["c2pa"]["claim_generator"].startswith("Photo editor")


def test_tampered_image_is_reported_invalid() -> None:
    data = bytearray(sign(png(), "image/png", "Adobe Firefly", "trainedAlgorithmicMedia"))
    idat = data.index(b"IDAT")
    data[idat + 20] ^= 0xFF  # change a pixel byte the manifest's hash covers
    facts = read_c2pa("image/png", lambda: io.BytesIO(bytes(data)), bytes(data))
    assert facts is not None
    assert facts.summary["validation_state"] == "Invalid"
    assert any("mismatch" in code for code in facts.summary["validation_failures"])


def test_garbage_c2pa_segment_is_an_error_on_the_file() -> None:
    jpeg = jpeg_user_comment(b"")
    body = b"JP\x00\x01\x00\x00\x00\x01" + b"\x00\x00\x00\x30jumb" + b"\x00\x00\x00\x20jumdc2pa"
    body += b"garbage" * 20
    segment = b"\xff\xeb" + struct.pack(">H", len(body) + 2) + body
    media = analyze(jpeg[:2] + segment + jpeg[2:], "g.jpg")
    assert any("C2PA" in e for e in media.errors)
    assert media.image is not None and media.image.pdq is not None  # the rest of the analysis ran


def test_the_bytes_c2pa_by_chance_are_not_an_error() -> None:
    data = png({"Comment": "c2pa is a standard"})
    media = analyze(data)
    assert not media.errors and media.facts.get("provenance") is None


def test_offline_settings() -> None:
    from synthtrace.analyze.c2pa_reader import SETTINGS

    assert SETTINGS["verify"] == {"remote_manifest_fetch": False, "ocsp_fetch": False}
