"""Bad videos: each one is a clear error on that file, in bounded time and memory, and the scan
goes on (the good clip beside them is analysed in full)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from synthtrace.analyze.pipeline import FileFacts, Task
from synthtrace.case import Case
from synthtrace.limits import Limits, MiB
from synthtrace.scan import pool
from synthtrace.scan.service import scan_evidence
from synthtrace.video.budget import Budget
from synthtrace.video.clips import Clip, Encoding, encode
from synthtrace.video.container import open_video
from synthtrace.video.frames import hash_frames
from tests.builders import write
from tests.conftest import by_path
from tests.video.hostile import jpeg, mkv

CLIP = Clip(seconds=2, fps=10, size=(160, 120))


def _scan(case: Case, files: dict[str, bytes], tmp_path: Path, **kw: Any) -> dict[str, Any]:
    for name, data in files.items():
        write(tmp_path / "ev" / name, data)
    scan_evidence(case, tmp_path / "ev", "ev", workers=1, **kw)
    return {p.rsplit("/", 1)[-1]: r for p, r in by_path(case).items()}


def _errors(rec: dict[str, Any]) -> str:
    return " | ".join(rec["errors"])


def test_broken_videos_are_errors_and_the_scan_goes_on(case: Case, tmp_path: Path) -> None:
    good = encode(CLIP)
    long_clip = encode(Clip(seconds=40, fps=10, size=(64, 48)), Encoding(options={"g": "10"}))
    faststart = encode(Clip(seconds=40, fps=10, size=(64, 48)), Encoding(faststart=True))
    mdat = faststart.find(b"mdat")
    assert 0 < faststart.find(b"moov") < mdat
    files = {
        "good.mp4": good,
        "empty.mp4": b"",
        "random.mp4": os.urandom(50_000),
        "ftyp-then-noise.mp4": good[:32] + os.urandom(20_000),
        "truncated.mp4": long_clip[: len(long_clip) // 2],  # moov at the end: gone
        "cut.mp4": faststart[: mdat + (len(faststart) - mdat) // 4],  # the index, a quarter of it
        "claims-100000x100000.mkv": mkv(100000, 100000, [b"\x00not a frame" * 8] * 3),
        "claims-12000x12000.mkv": mkv(12000, 12000, [jpeg(claim=(12000, 12000))]),
        "ten-hours.mkv": mkv(64, 48, [jpeg()] * 5, duration_ms=10 * 3600 * 1000),
        "header-lies.mkv": mkv(100000, 100000, [jpeg()] * 5),
    }
    recs = _scan(case, files, tmp_path)
    assert set(recs) == set(files)  # nothing lost
    assert recs["good.mp4"]["errors"] == [] and recs["good.mp4"]["video"]["frames_hashed"] == 2
    assert "zero-length file" in _errors(recs["empty.mp4"])
    assert "not a video" in _errors(recs["random.mp4"])
    assert "video: could not be opened" in _errors(recs["ftyp-then-noise.mp4"])
    assert "video: could not be opened" in _errors(recs["truncated.mp4"])
    cut = recs["cut.mp4"]
    assert "frames end at" in _errors(cut) and "container claims 40.0 s" in _errors(cut)
    assert 0 < cut["video"]["frames_hashed"] < 40  # what is there is hashed
    assert "no frame size FFmpeg accepts" in _errors(recs["claims-100000x100000.mkv"])
    huge = recs["claims-12000x12000.mkv"]
    assert "12000 x 12000 pixels are above the 64000000-pixel limit" in _errors(huge)
    assert huge["video"]["frames_hashed"] == 0
    ten = recs["ten-hours.mkv"]
    assert "claims 36000.0 s" in _errors(ten) and ten["video"]["duration"] == 36000.0
    assert ten["video"]["frames_decoded"] == 5
    # A container size that the frames contradict: FFmpeg takes the frames' own size.
    lies = recs["header-lies.mkv"]
    assert lies["errors"] == [] and (lies["video"]["width"], lies["video"]["height"]) == (64, 48)
    for rec in recs.values():
        assert rec["sha256"]  # every file keeps its digests


def test_memory_budget_stops_a_decode_that_would_take_more(case: Case, tmp_path: Path) -> None:
    """An 8000 x 8000 frame (a few hundred kilobytes of JPEG) decodes into hundreds of megabytes:
    with the pixel limit raised, the per-video memory budget is what stops it, in the worker."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    big = tmp_path / "big.jpg"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=8000x8000",
         "-frames:v", "1", "-q:v", "31", str(big)],
        check=True,
    )  # fmt: skip
    files = {"bomb.mkv": mkv(8000, 8000, [big.read_bytes()] * 2), "good.mp4": encode(CLIP)}
    limits = Limits(max_pixels=10**9, video_memory_bytes=384 * MiB)
    recs = _scan(case, files, tmp_path, limits=limits)
    assert "out of the per-video memory budget" in _errors(recs["bomb.mkv"])
    assert recs["good.mp4"]["video"]["frames_hashed"] == 2  # the same worker goes on


def test_time_budget_keeps_the_frames_hashed_so_far() -> None:
    data = encode(Clip(seconds=4, fps=10, size=(64, 48)))
    with open_video(io.BytesIO(data), Limits()) as c:
        fp = hash_frames(c, c.streams.video[0], Budget(1e-9))
    assert fp.stopped is not None and "per-video time limit" in fp.stopped
    assert fp.decoded < 40


def crash_in_the_video_decoder(task: Task) -> FileFacts:
    """Runs in the worker: the video decoder dies (as a segfault would) on the poisoned clip."""
    if task.path.endswith("poison.mp4"):
        import synthtrace.video.analyzer as analyzer

        def die(*args: object, **kwargs: object) -> object:
            os._exit(139)

        analyzer.hash_frames = die  # type: ignore[assignment]
    return pool._run(task)


def test_a_decoder_crash_is_an_error_on_that_video_only(tmp_path: Path) -> None:
    names = ["a.mp4", "poison.mp4", "b.mp4"]
    tasks = []
    for seq, name in enumerate(names, start=1):
        path = tmp_path / name
        path.write_bytes(encode(Clip(seconds=2, fps=10, size=(64, 48), seed=seq, start=seq)))
        tasks.append(Task(seq=seq, path=name, fs_path=os.fsencode(path), size=path.stat().st_size))
    p = pool.AnalysisPool(1, Limits(), tmp_path / "thumbs", runner=crash_in_the_video_decoder)
    try:
        results = []
        for task in tasks:
            results.extend(p.submit(task))
        results.extend(p.drain())
    finally:
        p.close()
    by_name = {r.path: r for r in results}
    assert sorted(by_name) == sorted(names) and len(results) == 3
    poisoned = by_name["poison.mp4"].media
    assert poisoned is not None and poisoned.sha256
    assert any("crashed its worker" in e for e in poisoned.errors)
    for name in ("a.mp4", "b.mp4"):
        media = by_name[name].media
        assert media is not None and media.facts["video"]["frames_hashed"] == 2
