"""What the detail page shows of a video: its metadata, its frame strip, its vPDQ matches, and the
frame-of links both ways ("frame of video X at 00:01:12")."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from synthtrace.store.models import FrameLink, HashSet, Match, Media
from synthtrace.video.analyzer import NAME
from synthtrace.video.framelinks import clock
from synthtrace.video.sheet import strip_tile
from synthtrace.web.imaging import PictureError, blur

SHOWN_LINKS = 50
METADATA = (
    ("duration", "Duration"),
    ("container", "Container"),
    ("codec", "Codec"),
    ("size", "Frame size"),
    ("fps", "Frames per second"),
    ("rotation", "Rotation"),
    ("frames", "Frames decoded / hashed"),
    ("creation_time", "Created"),
    ("make", "Make"),
    ("model", "Model"),
    ("software", "Software"),
    ("encoder", "Encoder"),
    ("gps", "GPS"),
)


@dataclass
class FrameRef:
    media_id: int
    frame: int
    time: str
    distance: int


@dataclass
class StripFrame:
    index: int
    frame: int
    time: str


@dataclass
class VpdqMatch:
    hashset: str
    query_match_pct: float | None
    compared_match_pct: float | None


@dataclass
class VideoDetail:
    metadata: list[tuple[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    strip: list[StripFrame] = field(default_factory=list)
    matches: list[VpdqMatch] = field(default_factory=list)
    frame_of: list[FrameRef] = field(default_factory=list)  # this picture is a frame of these
    frames_found: list[FrameRef] = field(default_factory=list)  # these pictures are its frames


def _metadata(v: dict[str, Any]) -> list[tuple[str, Any]]:
    values: dict[str, Any] = dict(v)
    if v.get("duration") is not None:
        values["duration"] = f"{clock(float(v['duration']))} ({v['duration']} s)"
    if v.get("width"):
        values["size"] = f"{v['width']} × {v['height']} px"
    values["frames"] = f"{v.get('frames_decoded', 0)} / {v.get('frames_hashed', 0)}"
    gps = v.get("gps")
    values["gps"] = f"{gps['lat']}, {gps['lon']}" if isinstance(gps, dict) else None
    return [(label, values[key]) for key, label in METADATA if values.get(key) not in (None, "")]


def video_detail(s: Session, media: Media) -> VideoDetail | None:
    """None for a media that is neither a video nor the frame of one."""
    facts = (media.facts or {}).get(NAME)
    frame_of = [
        FrameRef(link.video_id, link.frame, clock(link.timestamp), link.distance)
        for link in s.scalars(
            select(FrameLink)
            .where(FrameLink.picture_id == media.id)
            .order_by(FrameLink.distance, FrameLink.video_id)
            .limit(SHOWN_LINKS)
        )
    ]
    if not isinstance(facts, dict) and not frame_of:
        return None
    out = VideoDetail(frame_of=frame_of)
    if isinstance(facts, dict):
        out.metadata = _metadata(facts)
        out.tags = {str(k): str(v) for k, v in (facts.get("tags") or {}).items()}
        out.strip = [
            StripFrame(k, int(item.get("frame", 0)), clock(float(item.get("seconds", 0))))
            for k, item in enumerate(facts.get("strip") or [])
            if isinstance(item, dict)
        ]
        out.frames_found = [
            FrameRef(link.picture_id, link.frame, clock(link.timestamp), link.distance)
            for link in s.scalars(
                select(FrameLink)
                .where(FrameLink.video_id == media.id)
                .order_by(FrameLink.timestamp, FrameLink.picture_id)
                .limit(SHOWN_LINKS)
            )
        ]
        out.matches = [
            VpdqMatch(name, m.query_match_pct, m.compared_match_pct)
            for m, name in s.execute(
                select(Match, HashSet.name)
                .join(HashSet, Match.hashset_id == HashSet.id)
                .where(Match.media_id == media.id, Match.hash_type == "vpdq")
                .order_by(HashSet.name)
            )
        ]
    return out


@lru_cache(maxsize=1024)
def _tile(path: str, mtime_ns: int, index: int, level: int, grey: bool, size: int) -> bytes:
    del mtime_ns  # part of the cache key only
    with Image.open(path) as strip:
        tile = strip_tile(strip.convert("RGB"), index)
    buf = io.BytesIO()
    blur(tile, level, grey, size).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def blurred_strip_frame(strip: Path, index: int, level: int, grey: bool, size: int) -> bytes:
    """Frame `index` of a video's stored strip, blurred (and grey) exactly as a picture is."""
    try:
        return _tile(str(strip), strip.stat().st_mtime_ns, index, level, grey, size)
    except IndexError as exc:
        raise LookupError(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise PictureError(f"frame strip unreadable: {exc}") from exc
