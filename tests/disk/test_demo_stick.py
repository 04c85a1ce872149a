"""The demo's E01 device: a deleted picture, a carved one, a downloaded one with its origin, the
acquisition hashes verified, and a picture shared with the laptop."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from synthtrace.demo.pictures import jpeg_bytes, landscape
from synthtrace.demo.stick import CARVED_AT, HOST_URL, REFERRER_URL, build_stick, missing_tools
from tests.disk.images import MiB, sha256


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.slow
def test_demo_stick(scan_image: Callable[..., dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    if missing_tools():
        pytest.skip(f"needs {', '.join(missing_tools())} (scripts/system-deps.sh installs them)")
    shared = jpeg_bytes(landscape(10), 88)
    e01 = build_stick(tmp_path / "stick-C", shared)
    assert e01 is not None and sorted(p.name for p in e01.parent.iterdir()) == ["stick-C.E01"]
    before = sha256(e01)
    recs = scan_image(e01, label="stick-C")
    assert sha256(e01) == before
    image = recs["stick-C.E01"]["image"]
    assert image["verified"] is True and image["case_number"] == "DEMO-2026-001"
    assert recs["stick-C.E01!/p1/DCIM/hills.jpg"]["sha256"] == _sha(shared)
    deleted = [r for r in recs.values() if r["deleted"]]
    assert [r["sha256"] for r in deleted] == [_sha(jpeg_bytes(landscape(21), 88))]
    carved = recs[f"stick-C.E01!/p1/$Carved/{MiB + CARVED_AT}.jpg"]
    assert carved["carved"] and carved["sha256"] == _sha(jpeg_bytes(landscape(22), 85))
    origin = recs["stick-C.E01!/p2/barn_at_dusk.jpg"]["download_origin"]
    assert origin["host_url"] == HOST_URL and origin["referrer_url"] == REFERRER_URL
    assert all(not r["errors"] for r in recs.values()), [
        (k, r["errors"]) for k, r in recs.items() if r["errors"]
    ]
