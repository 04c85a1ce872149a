"""`export --format vpdq -o DIR`: the case's vPDQ hashes as ThreatExchange's vpdq files.

One file per distinct video, `DIR/<sha256>.vpdq.txt`, one line per hashed frame
(`frame_number,quality,pdq_hex,timestamp`), which ThreatExchange's tools, HMA and other agencies'
vPDQ readers take as they are. Files are written whole (temporary name, then renamed) in SHA-256
order, so an interrupted export leaves no half file and two exports of a case are identical.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.store.models import Media, VideoFrame
from synthtrace.video.frames import FrameHash
from synthtrace.video.vpdqfile import format_text


def _write(dest: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def write_vpdq_files(case: Case, directory: Path) -> int:
    """Write one vpdq file per video that has frame hashes; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    with case.sessions() as s:
        videos = s.execute(
            select(Media.id, Media.sha256)
            .where(Media.id.in_(select(VideoFrame.media_id).distinct()))
            .order_by(Media.sha256)
        ).all()
        for media_id, sha256 in videos:
            frames = [
                FrameHash(f.frame, f.quality, f.pdq, f.timestamp)
                for f in s.scalars(
                    select(VideoFrame)
                    .where(VideoFrame.media_id == media_id)
                    .order_by(VideoFrame.frame)
                )
            ]
            _write(directory / f"{sha256}.vpdq.txt", format_text(frames))
            written += 1
    return written
