"""The clustering pass: near-duplicate groups across every device of the case.

Nodes are media (one per distinct content, so identical files on several devices are one node
already); edges join two pictures whose PDQs are within the case's distance under any of the 8
rotations/flips (both of quality 50 or more). Clusters are the connected components. A cluster
is named by its smallest media id, so names stay put as devices are added, unless two clusters
merge. Every media gets a row (a singleton has size 1), and only rows that change are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.match.matching import media_pdq_batches
from synthtrace.match.pdqindex import PdqIndex
from synthtrace.match.settings import pdq_distance
from synthtrace.store.db import table_of, transaction
from synthtrace.store.models import Media, MediaCluster
from synthtrace.video.clusters import join_video_copies
from synthtrace.video.settings import vpdq_match_pct

WRITE_CHUNK = 10_000


@dataclass
class ClusterOutcome:
    media: int
    clusters: int  # with more than one media
    largest: int
    changed: int  # media whose cluster row was written
    skipped: bool = False  # nothing changed since the last run


def cluster_labels(
    queries: np.ndarray, owners: np.ndarray, n_media: int, distance: int
) -> np.ndarray:
    """Component label per media, from each media's query hashes (row 0 of each is its plain
    PDQ, marked by `owners[1] == 0`).

    The index holds each distinct plain PDQ once (node n_media + k); every media is joined to
    its own plain hash's node and to every node one of its orientations falls near.
    """
    plain = owners[1] == 0
    plain_codes = queries[plain]
    plain_owner = owners[0][plain]
    uniq, inverse = np.unique(plain_codes, axis=0, return_inverse=True)
    index = PdqIndex(uniq)
    qi, ui, _ = index.search(queries, distance)
    src = np.concatenate([plain_owner, owners[0][qi]])
    dst = np.concatenate([n_media + inverse.ravel(), n_media + ui])
    size = n_media + len(uniq)
    graph = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(size, size)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[:n_media])


def cluster_case(case: Case, force: bool = False) -> ClusterOutcome:
    distance = pdq_distance(case)
    with case.sessions() as s:
        media_ids = np.fromiter(s.scalars(select(Media.id).order_by(Media.id)), np.int64)
    top = int(media_ids[-1]) if len(media_ids) else 0
    state = [top, len(media_ids), distance, vpdq_match_pct(case)]
    if not force and case.settings().get("cluster_state") == state:
        return ClusterOutcome(len(media_ids), 0, 0, 0, skipped=True)
    n = len(media_ids)
    labels = np.arange(n, dtype=np.int64)
    with case.sessions() as s:
        parts, owners = [], []
        for ids, codes, meta in media_pdq_batches(s, 0, top, chunk=65536):
            rows = np.searchsorted(media_ids, ids)
            parts.append(codes)
            owners.append(np.stack([rows[meta[0]], meta[1]]))
    if parts:
        queries = np.concatenate(parts)
        owner = np.concatenate(owners, axis=1)
        pictures = np.unique(owner[0])
        comp = cluster_labels(queries, owner, n, distance)
        labels[pictures] = n + comp[pictures]  # pictures share labels; others stay alone
    labels = join_video_copies(case, media_ids, labels, distance)  # video/clusters.py
    # Name each cluster by its smallest media id; size = media in it.
    _, first, inverse, sizes = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    cluster_id = media_ids[first][inverse]
    cluster_size = sizes[inverse]
    with transaction(case.sessions) as s:
        changed = _write(s, media_ids, cluster_id, cluster_size)
    case.update_settings(cluster_state=state)
    multi = sizes[sizes > 1]
    return ClusterOutcome(n, len(multi), int(multi.max()) if len(multi) else 1, changed)


def _write(
    s: Session, media_ids: np.ndarray, cluster_id: np.ndarray, cluster_size: np.ndarray
) -> int:
    before = {
        m: (c, z)
        for m, c, z in s.execute(
            select(MediaCluster.media_id, MediaCluster.cluster_id, MediaCluster.cluster_size)
        )
    }
    rows = [
        {"media_id": m, "cluster_id": c, "cluster_size": z}
        for m, c, z in zip(
            media_ids.tolist(), cluster_id.tolist(), cluster_size.tolist(), strict=True
        )
        if before.get(m) != (c, z)
    ]
    stale = [r["media_id"] for r in rows if r["media_id"] in before]
    for start in range(0, len(stale), WRITE_CHUNK):
        s.execute(
            delete(MediaCluster).where(
                MediaCluster.media_id.in_(stale[start : start + WRITE_CHUNK])
            )
        )
    for start in range(0, len(rows), WRITE_CHUNK):
        s.connection().execute(insert(table_of(MediaCluster)), rows[start : start + WRITE_CHUNK])
    return len(rows)


def clustering_pass(case: Case) -> str | None:
    """Case pass (builtins.CASE_PASSES), after matching."""
    outcome = cluster_case(case)
    if outcome.skipped:
        return None
    case.audit.append(
        "cluster",
        media=outcome.media,
        clusters=outcome.clusters,
        largest=outcome.largest,
        changed=outcome.changed,
        pdq_distance=pdq_distance(case),
    )
    if not outcome.clusters:
        return "near-duplicates: no cluster of two or more pictures"
    return (
        f"near-duplicates: {outcome.clusters} clusters of two or more pictures "
        f"(largest {outcome.largest})"
    )


def cluster_count(s: Session) -> int:
    return int(
        s.scalar(
            select(func.count(func.distinct(MediaCluster.cluster_id))).where(
                MediaCluster.cluster_size > 1
            )
        )
        or 0
    )
