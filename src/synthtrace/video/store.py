"""The first case pass after a scan: each new video's frame hashes into `video_frames`, its contact
sheet and frame strip into the thumbnail folder.

Analyzers are pure (bytes in, facts out), so the `video` analyzer hands these over inside its facts,
under `pending`; this pass stores them and removes `pending` in the same transaction, a batch at a
time. A scan killed in between leaves `pending` in place, and the next pass (after the resumed scan)
stores it: nothing is lost, and a video's frames are replaced as a whole, so nothing is doubled.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.db import insert_ignore, transaction
from synthtrace.store.models import Media, VideoFrame
from synthtrace.video.analyzer import NAME, PENDING
from synthtrace.video.animated import ANIMATED_MIMES

BATCH = 100
INSERT_CHUNK = 5000


def strip_path(case: Case, sha256: str) -> Path:
    return case.thumbs_dir / sha256[:2] / f"{sha256}.strip.jpg"


def video_media(column: Any = Media.mime) -> Any:
    """Media that may be videos: a video type, or a picture type that can be animated."""
    return or_(column.like("video/%"), column.in_(ANIMATED_MIMES))


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def _picture(text: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _frame_rows(media_id: int, frames: Any) -> list[dict[str, Any]]:
    rows = []
    for item in frames if isinstance(frames, list) else []:
        if isinstance(item, list) and len(item) == 4:
            frame, quality, pdq, ts = item
            rows.append(
                {
                    "media_id": media_id,
                    "frame": int(frame),
                    "quality": int(quality),
                    "pdq": str(pdq),
                    "timestamp": float(ts),
                }
            )
    return rows


def _store_one(s: Session, case: Case, media: Media) -> int:
    facts = dict(media.facts or {})
    video = facts.get(NAME)
    if not isinstance(video, dict) or PENDING not in video:
        return 0
    video = dict(video)
    pending = video.pop(PENDING) or {}
    rows = _frame_rows(media.id, pending.get("frames"))
    # A new analysis (reanalyze) replaces the frames of an earlier one.
    s.execute(delete(VideoFrame).where(VideoFrame.media_id == media.id))
    table = insert_ignore(s, VideoFrame)
    for start in range(0, len(rows), INSERT_CHUNK):
        s.execute(table, rows[start : start + INSERT_CHUNK])
    sheet = _picture(pending.get("sheet"))
    if sheet is not None and not media.thumbnail:  # an animated picture keeps its own thumbnail
        _write(case.thumbnail_path(media.sha256), sheet)
        media.thumbnail = True
    strip = _picture(pending.get("strip"))
    if strip is not None:
        _write(strip_path(case, media.sha256), strip)
    if media.width is None and isinstance(video.get("width"), int):
        media.width, media.height = video["width"], video.get("height")
    facts[NAME] = video
    media.facts = facts
    return len(rows)


def store_pending(case: Case) -> tuple[int, int]:
    """(videos, frames) stored by this run."""
    videos = frames = 0
    pending = Media.facts[(NAME, PENDING)].as_string()  # SQL NULL when absent, on both
    after = 0  # media ids go up, so every batch makes progress
    while True:
        with transaction(case.sessions) as s:
            batch = list(
                s.scalars(
                    select(Media)
                    .where(Media.id > after, video_media(), pending.is_not(None))
                    .order_by(Media.id)
                    .limit(BATCH)
                )
            )
            for media in batch:
                frames += _store_one(s, case, media)
        videos += len(batch)
        if len(batch) < BATCH:
            return videos, frames
        after = batch[-1].id


def video_store_pass(case: Case) -> str | None:
    """Case pass (builtins.CASE_PASSES), first: matching, clusters and the queue read what it
    stores."""
    videos, frames = store_pending(case)
    if not videos:
        return None
    case.audit.append("video.frames", videos=videos, frames=frames)
    return f"videos: {frames} vPDQ frame hashes of {videos} videos stored"
