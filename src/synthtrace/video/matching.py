"""vPDQ hash-list matching: the case's videos against the videos its lists hold.

Part of the matching pass (match/matching.py calls `vpdq_matches` beside exact and PDQ matching, so
the incremental bookkeeping, pre-categorisation and withdrawal are the same for every kind). The
media video is the query, the listed video the compared one: a video on the evidence matches when
at least the case's percentage (80 by default) of its usable frames are found in a listed video,
so a trimmed copy of a listed video matches, and so does a re-encoded one. Both percentages are
stored on the match. One PDQ-index search covers every frame of every new video.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthtrace.match.formats.vpdq import KIND
from synthtrace.store.models import HashEntry, VideoFrame
from synthtrace.video.compare import FrameSets, PairMatch, all_pairs

CHUNK = 50_000


def _entries(s: Session, set_ids: Sequence[int]) -> list[tuple[int, int, str, Any, Any, Any]]:
    """(entry id, list id, value, category, series, frames) of the lists' vPDQ entries."""
    stmt = (
        select(
            HashEntry.id,
            HashEntry.hashset_id,
            HashEntry.value,
            HashEntry.category,
            HashEntry.series,
            HashEntry.extra,
        )
        .where(HashEntry.hash_type == KIND, HashEntry.hashset_id.in_(set_ids))
        .order_by(HashEntry.id)
    )
    return [
        (eid, hsid, value, category, series, (extra or {}).get("frames") or [])
        for eid, hsid, value, category, series, extra in s.execute(stmt)
    ]


def _videos(s: Session, upto: int, top: int) -> dict[int, list[tuple[str, int]]]:
    frames: dict[int, list[tuple[str, int]]] = defaultdict(list)
    stmt = (
        select(VideoFrame.media_id, VideoFrame.pdq, VideoFrame.quality)
        .where(VideoFrame.media_id > upto, VideoFrame.media_id <= top)
        .order_by(VideoFrame.media_id, VideoFrame.frame)
        .execution_options(yield_per=CHUNK)
    )
    for mid, pdq, quality in s.execute(stmt):
        frames[mid].append((pdq, quality))
    return frames


def _frames_of(listed: Any) -> list[tuple[str, int]]:
    out = []
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, list) and len(item) == 4 and isinstance(item[2], str):
            out.append((item[2], int(item[1])))
    return out


def vpdq_matches(
    s: Session, set_ids: Sequence[int], upto: int, top: int, distance: int, min_pct: float
) -> list[dict[str, Any]]:
    """Match rows (the `matches` table's columns) of the videos with id in (upto, top]."""
    entries = _entries(s, set_ids)
    if not entries:
        return []
    videos = _videos(s, upto, top)
    if not videos:
        return []
    media_ids = sorted(videos)
    queries = FrameSets.build([videos[m] for m in media_ids])
    listed = FrameSets.build([_frames_of(e[5]) for e in entries])
    # The best entry per (video, list): most of the video found, then most of the entry, then
    # the closest frames, then the first entry.
    best: dict[tuple[int, int], tuple[tuple[float, float, int, int], PairMatch]] = {}
    for pair in all_pairs(queries, listed, distance):
        if pair.query_match_pct < min_pct:
            continue
        eid, hsid = entries[pair.compared][0], entries[pair.compared][1]
        score = (pair.query_match_pct, pair.compared_match_pct, -pair.distance, -eid)
        key = (media_ids[pair.query], hsid)
        if key not in best or score > best[key][0]:
            best[key] = (score, pair)
    rows = []
    for (media_id, hsid), (_score, pair) in sorted(best.items()):
        _eid, _hsid, value, category, series, _frames = entries[pair.compared]
        q_pct, c_pct, dist = pair.query_match_pct, pair.compared_match_pct, pair.distance
        rows.append(
            {
                "media_id": media_id,
                "hashset_id": hsid,
                "hash_type": KIND,
                "distance": dist,
                "category": category,
                "series": series,
                "list_hash": value,
                "orientation": None,
                "query_match_pct": round(q_pct, 2),
                "compared_match_pct": round(c_pct, 2),
            }
        )
    return rows
