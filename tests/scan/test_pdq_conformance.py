"""PDQ conformance: our hashes interoperate with Meta's (python-threatexchange / HMA use pdqhash on
the full-resolution image). Reference images and hashes come from ../shared/anchors/."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from synthtrace.analyze.image import analyze_image
from synthtrace.analyze.pdq import hamming, pdq_dihedral, pdq_dihedral_full_geometry
from synthtrace.demo.pictures import landscape, sample_photo, texture
from synthtrace.limits import Limits
from tests.builders import textured_photo
from tests.conftest import anchors

MAX_DRIFT = 10


def _ours(data: bytes) -> tuple[str | None, int | None, list[str] | None]:
    facts, _ = analyze_image(io.BytesIO(data), Limits(), thumb_path=None)
    return facts.pdq, facts.pdq_quality, facts.pdq_dihedral


def _reference_rows() -> list[tuple[Path, str, int]]:
    root = anchors()
    rows = []
    with open(root / "ThreatExchange" / "pdq" / "pdqhash-0.2.8-measured.csv", newline="") as fh:
        for row in csv.reader(fh):
            if row[0] == "file":
                continue
            rows.append((root / "ThreatExchange" / "pdq" / row[0], row[2], int(row[3])))
    with open(root / "pdqhash-python" / "expected_pdq.csv", newline="") as fh:
        for rec in csv.DictReader(fh):
            rows.append(
                (root / "pdqhash-python" / rec["file"], rec["expected_pdq_hex_cpp_reference"], 100)
            )
    return rows


def test_threatexchange_and_pdqhash_python_references() -> None:
    checked = 0
    for path, expected, quality in _reference_rows():
        pdq, our_quality, _ = _ours(path.read_bytes())
        assert pdq is not None, path
        if quality >= 80:
            assert hamming(pdq, expected) <= MAX_DRIFT, (path.name, hamming(pdq, expected))
            assert our_quality is not None and our_quality >= 80
            checked += 1
        else:
            assert our_quality is not None and our_quality < 50, path.name
    assert checked >= 30


def test_dihedral_hashes_find_rotated_and_flipped_copies() -> None:
    dih = anchors() / "ThreatExchange" / "pdq" / "dih"
    _, _, original = _ours((dih / "bridge-1-original.jpg").read_bytes())
    assert original is not None and len(original) == 8
    for path in sorted(dih.glob("bridge-*.jpg")):
        pdq, _, _ = _ours(path.read_bytes())
        assert pdq is not None
        assert min(hamming(pdq, h) for h in original) <= 8, path.name


def _full_resolution(data: bytes) -> str:
    arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    vec, _ = pdqhash.compute(arr)
    return np.packbits(vec.astype(np.uint8)).tobytes().hex()


@pytest.mark.parametrize("seed,quality", [(1, 80), (4, 85), (5, 90), (7, 95), (8, 80)])
def test_reduced_decode_stays_close_on_12mp_textured_photos(seed: int, quality: int) -> None:
    # Textures are where a naive reduced-size hash drifts most (up to 30 bits on these seeds).
    data = textured_photo(seed, quality=quality)
    ours, q, _ = _ours(data)
    assert ours is not None and q is not None and q >= 80
    assert hamming(ours, _full_resolution(data)) <= MAX_DRIFT


def test_huge_non_jpeg_is_reduced_and_stays_close() -> None:
    img = texture(9, (4400, 4000))  # 17.6 MP: above the box-reduction threshold
    buf = io.BytesIO()
    img.save(buf, "TIFF")
    data = buf.getvalue()
    facts, content = analyze_image(io.BytesIO(data), Limits(), thumb_path=None)
    assert content is not None and content.reduced
    assert facts.pdq is not None and hamming(facts.pdq, _full_resolution(data)) <= MAX_DRIFT


@pytest.mark.parametrize(
    "make",
    [
        lambda: landscape(3, (640, 480)),
        lambda: texture(2, (800, 600)),
        lambda: sample_photo("chelsea") or landscape(4),
        lambda: sample_photo("coins") or landscape(5),
    ],
)
def test_full_geometry_port_equals_pdqhash_at_full_size(make: object) -> None:
    img = make()  # type: ignore[operator]
    arr = np.asarray(img.convert("RGB"))
    assert pdq_dihedral_full_geometry(arr, img.size) == pdq_dihedral(arr)
