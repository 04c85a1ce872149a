"""Hostile metadata in one scan: each is an error on its own file, the scan goes on, memory stays
bounded (a 50 MB text chunk is skipped, never held twice)."""

from __future__ import annotations

import gzip
import io
import json
import struct
import tracemalloc
from pathlib import Path

import numpy as np
from PIL import Image

from synthtrace.analyze.pipeline import analyze_stream
from synthtrace.analyze.stealth import embed_stealth
from synthtrace.case import Case
from synthtrace.limits import Limits
from synthtrace.scan.service import scan_evidence
from tests.builders import chunk, insert_before_iend, write
from tests.conftest import by_path
from tests.provenance.builders import LIGHTHOUSE, analyze, jpeg_user_comment, picture, png

MB = 1024 * 1024


def _truncated_stealth() -> bytes:
    img = embed_stealth(picture(size=(64, 64)), b"abc", "stealth_pnginfo")
    arr = np.array(img)
    alpha = arr[:, :, 3].T.copy().reshape(-1)
    alpha[120:152] |= 1
    arr[:, :, 3] = alpha.reshape(64, 64).T
    return png(img=Image.fromarray(arr, "RGBA"))


def _garbage_c2pa() -> bytes:
    jpeg = jpeg_user_comment(b"")
    body = b"JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x30jumb\x00\x00\x00\x20jumdc2pa" + b"\xff" * 99
    return jpeg[:2] + b"\xff\xeb" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def test_hostile_metadata_scan(case: Case, tmp_path: Path) -> None:
    ev = tmp_path / "evidence"
    big = insert_before_iend(png(), chunk(b"tEXt", b"parameters\x00" + b"a" * (50 * MB)))
    write(ev / "huge_text.png", big)
    write(ev / "bad_json.png", png({"prompt": '{"3": {"class_type": "KSampler", '}))
    write(ev / "bad_utf16.jpg", jpeg_user_comment(b"UNICODE\x00" + b"\x00\xd8\x00\xd8abc"))
    write(ev / "stealth_truncated.png", _truncated_stealth())
    bomb = gzip.compress(b"\x00" * (80 * MB))
    write(
        ev / "stealth_bomb.png",
        png(img=embed_stealth(picture(size=(1024, 1024)), bomb, "stealth_pngcomp")),
    )
    write(ev / "huge_header.safetensors", struct.pack("<Q", 2**63) + b'{"x": 1}' + bytes(32))
    write(ev / "garbage_c2pa.jpg", _garbage_c2pa())
    write(ev / "fine.png", png({"parameters": LIGHTHOUSE}))
    outcome = scan_evidence(case, ev, "hostile", workers=0)
    assert outcome.files == 8
    recs = by_path(case)
    expect = {
        "huge_text.png": "exceeds the",
        "bad_json.png": "not valid JSON",
        "bad_utf16.jpg": "UTF-16",
        "stealth_truncated.png": "truncated",
        "stealth_bomb.png": "limit",
        "huge_header.safetensors": "claims",
        "garbage_c2pa.jpg": "C2PA",
    }
    for name, text in expect.items():
        errors = recs[name]["errors"]
        assert isinstance(errors, list) and any(text in e for e in errors), (name, errors)
        assert recs[name]["status"] == "error"
    fine = recs["fine.png"]
    assert fine["status"] == "ok" and fine["provenance"]["generated"] is True  # type: ignore[index]
    assert recs["bad_json.png"]["provenance"]["generated"] is None  # type: ignore[index]


def _peak(data: bytes, analyzers: bool) -> tuple[int, list[str]]:
    tracemalloc.start()
    try:
        media, _ = analyze_stream(
            "huge.png", lambda: io.BytesIO(data), Limits(), None, data=data, analyzers=analyzers
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, (media.image.errors if media.image else []) + media.errors


def test_big_text_chunk_costs_provenance_no_memory() -> None:
    """With a 50 MB text chunk, the content analyzers add almost nothing to what decoding takes
    (the chunk is skipped by the text reader; the formats never see or copy it)."""
    data = insert_before_iend(png(), chunk(b"tEXt", b"parameters\x00" + b"a" * (50 * MB)))
    _peak(data, True)  # warm up imports and caches
    without, _ = _peak(data, False)
    with_analyzers, errors = _peak(data, True)
    assert any("exceeds" in e for e in errors)
    assert with_analyzers - without < 5 * MB, (with_analyzers, without)


def test_json_bomb_nesting_is_an_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    media = analyze(png({"prompt": "{" + json.dumps("x")[:-1] + '": ' + deep + "}"}), "deep.png")
    assert media.errors  # RecursionError or invalid JSON, reported, never raised
