"""Export keys of the frame-of links: `frame_of` on a picture (the videos it is a frame of) and
`frames_found` on a video (the pictures that are its frames), each with the frame's time.

Media are named by SHA-256, never by the case's internal id, so two scans of the same evidence
export the same links. One query per batch of rows, as export/records.py asks.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from synthtrace.export.records import Row
from synthtrace.store.models import FrameLink, Media
from synthtrace.video.analyzer import NAME, PENDING
from synthtrace.video.framelinks import clock


def _link(sha256: str, key: str, link: FrameLink) -> dict[str, Any]:
    return {
        key: sha256,
        "frame": link.frame,
        "timestamp": round(link.timestamp, 3),
        "time": clock(link.timestamp),
        "distance": link.distance,
    }


def add_video_keys(session: Session, rows: list[Row]) -> None:
    ids = sorted({row.media.id for row in rows if row.media is not None})
    frame_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        video, picture = aliased(Media), aliased(Media)
        stmt = (
            select(FrameLink, picture.sha256, video.sha256)
            .join(picture, FrameLink.picture_id == picture.id)
            .join(video, FrameLink.video_id == video.id)
            .where(FrameLink.picture_id.in_(ids) | FrameLink.video_id.in_(ids))
            .order_by(video.sha256, picture.sha256)
        )
        for link, picture_sha, video_sha in session.execute(stmt):
            frame_of[link.picture_id].append(_link(video_sha, "video_sha256", link))
            found[link.video_id].append(_link(picture_sha, "picture_sha256", link))
    for row in rows:
        mid = row.media.id if row.media is not None else None
        row.record["frame_of"] = frame_of.get(mid, []) if mid is not None else []
        row.record["frames_found"] = found.get(mid, []) if mid is not None else []
        video_facts = row.record.get(NAME)
        if isinstance(video_facts, dict) and PENDING in video_facts:  # not stored yet: not exported
            row.record[NAME] = {k: v for k, v in video_facts.items() if k != PENDING}
