"""The `video` export object: every field, from clips made here with the tags phones write, and
animated pictures as videos."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from synthtrace.case import Case, create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import Media
from synthtrace.video.clips import Clip, Encoding, animated, encode
from synthtrace.video.metadata import parse_iso6709
from synthtrace.video.store import strip_path
from tests.builders import write
from tests.conftest import by_path

IPHONE = {
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "com.apple.quicktime.software": "17.1",
    "com.apple.quicktime.creationdate": "2024-05-01T12:20:30+0200",
    "com.apple.quicktime.location.ISO6709": "+37.3349-122.0090+010.000/",
}
ANDROID = {
    "com.android.manufacturer": "Google",
    "com.android.model": "Pixel 7",
    "com.android.version": "14",
    "location": "+48.8584+002.2945/",
    "creation_time": "2024-06-02T08:00:00.000000Z",
}


def scanned(case: Case, files: dict[str, bytes], tmp_path: Path) -> dict[str, dict[str, Any]]:
    for name, data in files.items():
        write(tmp_path / "phone" / name, data)
    scan_evidence(case, tmp_path / "phone", "phone", workers=1)
    return {p.rsplit("/", 1)[-1]: r for p, r in by_path(case).items()}


@pytest.fixture(scope="module")
def phone_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    with create_case(tmp_path_factory.mktemp("meta") / "case", name="m", examiner="t") as c:
        yield c


@pytest.fixture(scope="module")
def records(
    phone_case: Case, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    case, tmp_path = phone_case, tmp_path_factory.mktemp("phone")
    clip = Clip(seconds=3, fps=25, size=(320, 240))
    files = {
        "IMG_0001.MOV": encode(clip, Encoding(format="mov", tags=IPHONE, rotation=-90)),
        "PXL_0001.mp4": encode(clip, Encoding(tags=ANDROID)),
        "plain.mkv": encode(clip, Encoding(format="matroska", tags={"title": "a red barn"})),
        "loop.gif": animated(clip, "GIF"),
        "loop.png": animated(clip, "PNG"),
        "loop.webp": animated(clip, "WEBP"),
        "still.png": _png(),
    }
    return scanned(case, files, tmp_path)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_every_field_of_an_iphone_clip(records: dict[str, dict[str, Any]]) -> None:
    rec = records["IMG_0001.MOV"]
    v = rec["video"]
    assert rec["errors"] == [] and rec["mime"] == "video/quicktime"
    assert v["duration"] == pytest.approx(3.0, abs=0.05)
    assert (v["width"], v["height"], v["codec"], v["fps"]) == (320, 240, "h264", 25.0)
    assert v["frames_hashed"] == 3 and v["frames_decoded"] == 75
    assert v["creation_time"] == "2024-05-01T12:20:30+0200"  # Apple's local time beats UTC
    assert (v["make"], v["model"], v["software"]) == ("Apple", "iPhone 12", "17.1")
    assert v["gps"] == {"lat": 37.3349, "lon": -122.009}
    assert v["rotation"] == -90
    assert v["container"].startswith("mov")
    for key, value in IPHONE.items():
        assert v["tags"][key] == value  # every container tag, verbatim
    stream = next(s for s in v["streams"] if s["type"] == "video")
    assert stream["rotation"] == -90 and stream["bit_rate"] and stream["fps"] == 25.0
    assert "pending" not in v  # stored by the case pass, not exported
    assert rec["provenance"]["generated"] is False  # a camera's make and model: a capture
    assert rec["width"] == 320 and rec["height"] == 240


def test_android_tags_and_a_plain_matroska(records: dict[str, dict[str, Any]]) -> None:
    v = records["PXL_0001.mp4"]["video"]
    assert (v["make"], v["model"], v["software"]) == ("Google", "Pixel 7", "14")
    assert v["gps"] == {"lat": 48.8584, "lon": 2.2945}
    assert v["creation_time"] == "2024-06-02T08:00:00.000000Z"
    plain = records["plain.mkv"]["video"]
    assert plain["gps"] is None and plain["make"] is None and plain["model"] is None
    assert plain["tags"]["title"] == "a red barn" and plain["codec"] == "h264"


def test_animated_pictures_are_videos_too(records: dict[str, dict[str, Any]]) -> None:
    for name, codec in (("loop.gif", "gif"), ("loop.png", "apng"), ("loop.webp", "webp")):
        rec = records[name]
        assert rec["pdq"], name  # still a picture: its first frame's PDQ
        v = rec["video"]
        # Pillow merges frames that quantise alike (GIF): the frame rate is what FFmpeg says.
        assert v["codec"] == codec and v["fps"] > 0, (name, v)
        assert 2 <= v["frames_hashed"] <= v["frames_decoded"], (name, v)
        assert v["decoded_until"] > 2.0, (name, v)
    assert records["still.png"]["video"] is None


def test_contact_sheet_is_the_thumbnail_and_the_strip_is_stored(
    phone_case: Case, records: dict[str, dict[str, Any]]
) -> None:
    case = phone_case
    rec = records["PXL_0001.mp4"]
    with case.sessions() as s:
        media = s.query(Media).filter_by(sha256=rec["sha256"]).one()
    assert media.thumbnail
    with Image.open(case.thumbnail_path(media.sha256)) as sheet:
        assert sheet.size == (256, 256)
    with Image.open(strip_path(case, media.sha256)) as strip:
        assert strip.size == (160 * len(rec["video"]["strip"]), 160)
    times = [s["seconds"] for s in rec["video"]["strip"]]
    assert times == sorted(times) and times[0] == 0.0 and times[-1] > 2.0


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("+48.8584+002.2945/", 48.8584, 2.2945),
        ("-33.8568+151.2153+005.0/", -33.8568, 151.2153),
        ("+4851.504+00217.670/", 48.8584, 2.29450),  # degrees and minutes
        ("+485130.24+0021740.20/", 48.858400, 2.294500),  # degrees, minutes and seconds
        ("+37.3349-122.0090+010.000/", 37.3349, -122.009),
    ],
)
def test_iso6709(text: str, lat: float, lon: float) -> None:
    gps = parse_iso6709(text)
    assert gps is not None
    assert gps.lat == pytest.approx(lat, abs=1e-4) and gps.lon == pytest.approx(lon, abs=1e-4)


@pytest.mark.parametrize("text", ["", "nowhere", "+95.0+010.0/", "+12+3/"])
def test_iso6709_rejects(text: str) -> None:
    assert parse_iso6709(text) is None
