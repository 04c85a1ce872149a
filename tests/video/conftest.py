"""Benign clips for the video tests, made once per session: a slow pan over scikit-image's coffee
photo, its copies (re-encoded to VP9 and resized, re-muxed, trimmed, a still taken from it), and
an unrelated pan over the rocket photo. Two devices hold them, as two suspects' phones would."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthtrace.case import Case, create_case, open_case
from synthtrace.scan.service import scan_evidence
from synthtrace.video.clips import Clip, encode


def ffmpeg(*args: str | Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (scripts/system-deps.sh test)")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("clips")
    encode(Clip(seconds=8), dest=d / "orig.mp4")
    encode(Clip(photo="rocket", seconds=6), dest=d / "other.mp4")
    ffmpeg("-i", d / "orig.mp4", "-vf", "scale=256:192", "-c:v", "libvpx-vp9", "-crf", "40",
           "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8", d / "reenc.webm")  # fmt: skip
    ffmpeg("-i", d / "orig.mp4", "-c", "copy", d / "remux.mkv")
    ffmpeg("-ss", "2.5", "-i", d / "orig.mp4", "-t", "4", "-c:v", "libx264", "-crf", "30",
           d / "trim.mp4")  # fmt: skip
    ffmpeg("-ss", "3", "-i", d / "orig.mp4", "-frames:v", "1", "-q:v", "2", d / "still.jpg")
    return d


@pytest.fixture(scope="session")
def video_devices(clip_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("devices")
    a, b = root / "phone-a", root / "phone-b"
    for dev, names in ((a, ["orig.mp4", "other.mp4"]),
                       (b, ["reenc.webm", "remux.mkv", "trim.mp4", "still.jpg"])):  # fmt: skip
        (dev / "DCIM").mkdir(parents=True)
        for name in names:
            shutil.copy(clip_dir / name, dev / "DCIM" / name)
    return [a, b]


@pytest.fixture(scope="session")
def video_case_dir(video_devices: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both phones scanned into one case (read-only for the tests that share it)."""
    root = tmp_path_factory.mktemp("videocase") / "case"
    with create_case(root, name="videos", examiner="tester") as c:
        for dev in video_devices:
            scan_evidence(c, dev, dev.name, workers=1)
    return root


@pytest.fixture
def video_case(video_case_dir: Path) -> Iterator[Case]:
    with open_case(video_case_dir) as c:
        yield c


@pytest.fixture
def fresh_video_case(video_devices: list[Path], tmp_path: Path) -> Iterator[Case]:
    """A case of its own with both phones scanned, for tests that change it (lists, settings)."""
    with create_case(tmp_path / "case", name="videos", examiner="tester") as c:
        for dev in video_devices:
            scan_evidence(c, dev, dev.name, workers=0)
        yield c
