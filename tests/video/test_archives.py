"""Videos inside archives are hashed from the member's bytes (in memory, or the case's spool file
when large), never from a copy beside the evidence, with the same frames as the file itself."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.limits import Limits
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import File, VideoFrame
from synthtrace.video.clips import Clip, encode


def _frames(case: Case) -> dict[str, list[tuple[int, int, str]]]:
    out = {}
    with case.sessions() as s:
        for path, mid in s.execute(select(File.path, File.media_id)):
            out[path] = [
                (f.frame, f.quality, f.pdq)
                for f in s.scalars(
                    select(VideoFrame).where(VideoFrame.media_id == mid).order_by(VideoFrame.frame)
                )
            ]
    return out


@pytest.mark.parametrize("in_memory_bytes", [64 << 20, 1024])  # in memory; spooled
def test_a_clip_in_a_zip_has_the_frames_of_the_file(
    case: Case, tmp_path: Path, in_memory_bytes: int
) -> None:
    clip = encode(Clip(seconds=3, fps=10, size=(160, 120)))
    other = encode(Clip(photo="rocket", seconds=3, fps=10, size=(160, 120)))
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "clip.mp4").write_bytes(clip)
    with zipfile.ZipFile(ev / "backup.zip", "w") as zf:
        zf.writestr("DCIM/other.mp4", other)
        zf.writestr("DCIM/same.mp4", clip + b"\0")  # other bytes, the same frames
    before = sorted(p.name for p in ev.iterdir())
    scan_evidence(case, ev, "ev", workers=1, limits=Limits(in_memory_bytes=in_memory_bytes))
    frames = _frames(case)
    assert len(frames["clip.mp4"]) == 3
    assert frames["backup.zip!/DCIM/same.mp4"] == frames["clip.mp4"]
    assert len(frames["backup.zip!/DCIM/other.mp4"]) == 3
    assert sorted(p.name for p in ev.iterdir()) == before  # nothing written beside the evidence
