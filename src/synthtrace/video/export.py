"""`export --format vpdq -o DIR`: the case's vPDQ hashes as ThreatExchange's vpdq files.

One file per distinct video, `DIR/<sha256>.vpdq.txt`, one line per hashed frame
(`frame_number,quality,pdq_hex,timestamp`), which ThreatExchange's tools, HMA and other agencies'
vPDQ readers take as they are. Files are written whole (temporary name, then renamed) in SHA-256
order, so an interrupted export leaves no half file and two exports of a case are identical.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def vpdq_signals(s: Session, media_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each video's frames as python-threatexchange's vPDQ signal ({hash, quality, timestamp}),
    for the VICS export's AlternativeHashes; one query per batch of media."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not media_ids:
        return out
    for f in s.scalars(
        select(VideoFrame)
        .where(VideoFrame.media_id.in_(media_ids))
        .order_by(VideoFrame.media_id, VideoFrame.frame)
    ):
        out[f.media_id].append(
            {"hash": f.pdq, "quality": f.quality, "timestamp": round(f.timestamp, 3)}
        )
    return out
