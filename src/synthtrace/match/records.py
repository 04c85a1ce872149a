"""Export keys: `matches`, `cluster` and `cluster_size` on every file record.

`cluster` is the SHA-256 of the cluster's first member in byte order, not the case's internal
cluster number: media ids depend on the order a scan committed, so two scans of the same
evidence must not export different names for the same cluster. One query per batch of 1000 rows
for each key, as export/records.py asks of its extensions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace.export.records import Row
from synthtrace.store.models import HashSet, Match, Media, MediaCluster


def add_match_keys(session: Session, rows: list[Row]) -> None:
    ids = sorted({row.media.id for row in rows if row.media is not None})
    matches: dict[int, list[dict[str, Any]]] = defaultdict(list)
    clusters: dict[int, tuple[str, int]] = {}
    if ids:
        found = session.execute(
            select(Match, HashSet.name, HashSet.known_good)
            .join(HashSet, Match.hashset_id == HashSet.id)
            .where(Match.media_id.in_(ids))
            .order_by(Match.media_id, HashSet.name, Match.hash_type)
        )
        for m, name, known_good in found:
            entry = {
                "hashset": name,
                "hash_type": m.hash_type,
                "distance": m.distance,
                "category": m.category,
                "series": m.series,
                "known_good": bool(known_good),
                "orientation": m.orientation,
            }
            if m.hash_type == "vpdq":  # a video matching a listed video (video/matching.py)
                entry["kind"] = "vpdq"
                entry["query_match_pct"] = m.query_match_pct
                entry["compared_match_pct"] = m.compared_match_pct
            matches[m.media_id].append(entry)
        member = MediaCluster.__table__.alias("member")
        first = (
            select(func.min(Media.sha256))
            .join(member, member.c.media_id == Media.id)
            .where(member.c.cluster_id == MediaCluster.cluster_id)
            .scalar_subquery()
        )
        clusters = {
            mid: (name, size)
            for mid, name, size in session.execute(
                select(MediaCluster.media_id, first, MediaCluster.cluster_size).where(
                    MediaCluster.media_id.in_(ids)
                )
            )
        }
    for row in rows:
        mid = row.media.id if row.media is not None else None
        row.record["matches"] = matches.get(mid, []) if mid is not None else []
        cluster = clusters.get(mid) if mid is not None else None
        row.record["cluster"] = cluster[0] if cluster else None
        row.record["cluster_size"] = cluster[1] if cluster else None
