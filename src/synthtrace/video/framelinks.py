"""Pictures that are frames of a video: "frame of video X at 00:01:12", on both detail pages.

A still saved from a video (a screenshot, an extracted frame, a thumbnail a phone made) has a PDQ
within the case's distance of one of the video's frame hashes, since frame hashes are PDQ hashes of
the decoded frames. All frame hashes of quality 50 or more go into one PDQ index, every picture's
PDQ (quality 50 or more) is searched in it, and each (picture, video) pair keeps its closest frame.
An animated picture is never linked to its own frames. Rebuilt when media, frames or the distance
change; the table is replaced in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select

from synthtrace.case import Case
from synthtrace.match.kinds import PDQ_MIN_QUALITY
from synthtrace.match.pdqindex import PdqIndex, hex_to_codes
from synthtrace.match.settings import pdq_distance
from synthtrace.store.db import table_of, transaction
from synthtrace.store.models import FrameLink, Media, VideoFrame

CHUNK = 100_000


@dataclass
class LinkOutcome:
    links: int
    pictures: int
    videos: int
    skipped: bool = False


def _frames(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """(codes, video ids, frame numbers, timestamps) of the usable frame hashes."""
    hexes: list[str] = []
    vids: list[int] = []
    nums: list[int] = []
    times: list[float] = []
    with case.sessions() as s:
        stmt = (
            select(VideoFrame.media_id, VideoFrame.frame, VideoFrame.pdq, VideoFrame.timestamp)
            .where(VideoFrame.quality >= PDQ_MIN_QUALITY)
            .order_by(VideoFrame.media_id, VideoFrame.frame)
            .execution_options(yield_per=CHUNK)
        )
        for mid, frame, pdq, ts in s.execute(stmt):
            hexes.append(pdq)
            vids.append(mid)
            nums.append(frame)
            times.append(ts)
    return hex_to_codes(hexes), np.asarray(vids, np.int64), np.asarray(nums, np.int64), times


def _pictures(case: Case) -> tuple[np.ndarray, np.ndarray]:
    ids: list[int] = []
    hexes: list[str] = []
    with case.sessions() as s:
        stmt = (
            select(Media.id, Media.pdq)
            .where(Media.pdq.is_not(None), Media.pdq_quality >= PDQ_MIN_QUALITY)
            .order_by(Media.id)
            .execution_options(yield_per=CHUNK)
        )
        for mid, pdq in s.execute(stmt):
            if pdq and len(pdq) == 64:
                ids.append(mid)
                hexes.append(pdq)
    return np.asarray(ids, np.int64), hex_to_codes(hexes)


def link_frames(case: Case, force: bool = False) -> LinkOutcome:
    distance = pdq_distance(case)
    with case.sessions() as s:
        state = [
            int(s.scalar(select(func.max(Media.id))) or 0),
            int(s.scalar(select(func.count()).select_from(VideoFrame)) or 0),
            distance,
        ]
    if not force and case.settings().get("frame_link_state") == state:
        return LinkOutcome(0, 0, 0, skipped=True)
    codes, vids, nums, times = _frames(case)
    pics, queries = _pictures(case)
    rows: list[dict[str, object]] = []
    if len(codes) and len(pics):
        qi, fi, d = PdqIndex(codes).search(queries, distance)
        keep = pics[qi] != vids[fi]  # an animated picture and its own frames
        qi, fi, d = qi[keep], fi[keep], d[keep]
        # Closest frame per (picture, video); ties go to the earliest frame.
        order = np.lexsort((nums[fi], d, vids[fi], pics[qi]))
        qi, fi, d = qi[order], fi[order], d[order]
        pairs = np.stack([pics[qi], vids[fi]], axis=1)
        first = np.ones(len(pairs), bool)
        first[1:] = np.any(pairs[1:] != pairs[:-1], axis=1)
        for q, f, dist in zip(qi[first], fi[first], d[first], strict=True):
            rows.append(
                {
                    "picture_id": int(pics[q]),
                    "video_id": int(vids[f]),
                    "frame": int(nums[f]),
                    "timestamp": float(times[f]),
                    "distance": int(dist),
                }
            )
    with transaction(case.sessions) as s:
        s.execute(delete(FrameLink))
        for start in range(0, len(rows), CHUNK):
            s.connection().execute(insert(table_of(FrameLink)), rows[start : start + CHUNK])
    case.update_settings(frame_link_state=state)
    return LinkOutcome(
        len(rows),
        len({r["picture_id"] for r in rows}),
        len({r["video_id"] for r in rows}),
    )


def frame_link_pass(case: Case) -> str | None:
    """Case pass (builtins.CASE_PASSES), after the frame hashes are stored."""
    outcome = link_frames(case)
    if outcome.skipped or not outcome.links:
        return None
    case.audit.append(
        "video.frame_links",
        links=outcome.links,
        pictures=outcome.pictures,
        videos=outcome.videos,
        pdq_distance=pdq_distance(case),
    )
    return (
        f"video frames: {outcome.pictures} pictures are frames of {outcome.videos} videos "
        f"({outcome.links} links)"
    )


def clock(seconds: float) -> str:
    """00:01:12 (hours always shown, as examiners read video times)."""
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
