"""Copies of one video in one cluster: re-encoded, re-muxed, resized and trimmed alike.

Two videos are joined when one's usable frames are found in the other at the case's vPDQ match
percentage or more, in either direction (a trimmed copy is found whole in its original, though the
original is only partly found in it). Frame hashes are PDQ hashes, so all frames of all videos go
through one PDQ-index self-search (video/compare.all_pairs). The clustering pass joins these pairs
to the picture clusters it computes (match/clustering.py).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.store.models import VideoFrame
from synthtrace.video.compare import FrameSets, all_pairs
from synthtrace.video.settings import vpdq_match_pct

CHUNK = 100_000


def copy_pairs(case: Case, distance: int) -> list[tuple[int, int]]:
    """(media id, media id) of every two videos that are copies of each other."""
    frames: dict[int, list[tuple[str, int]]] = defaultdict(list)
    with case.sessions() as s:
        stmt = (
            select(VideoFrame.media_id, VideoFrame.pdq, VideoFrame.quality)
            .order_by(VideoFrame.media_id, VideoFrame.frame)
            .execution_options(yield_per=CHUNK)
        )
        for mid, pdq, quality in s.execute(stmt):
            frames[mid].append((pdq, quality))
    if len(frames) < 2:
        return []
    ids = sorted(frames)
    sets = FrameSets.build([frames[m] for m in ids])
    threshold = vpdq_match_pct(case)
    found = set()
    for pair in all_pairs(sets, sets, distance):
        if pair.query == pair.compared:
            continue
        if max(pair.query_match_pct, pair.compared_match_pct) >= threshold:
            a, b = ids[pair.query], ids[pair.compared]
            found.add((min(a, b), max(a, b)))
    return sorted(found)


def join_video_copies(
    case: Case, media_ids: np.ndarray, labels: np.ndarray, distance: int
) -> np.ndarray:
    """Labels (one per media row, rows in `media_ids` order) with video copies joined."""
    pairs = copy_pairs(case, distance)
    if not pairs:
        return labels
    rows = np.searchsorted(media_ids, np.asarray(pairs, np.int64))
    n = len(media_ids)
    # Keep what the labels already join: each row to the first row of its label.
    _, first = np.unique(labels, return_index=True)
    _, inverse = np.unique(labels, return_inverse=True)
    src = np.concatenate([np.arange(n), rows[:, 0]])
    dst = np.concatenate([first[inverse.ravel()], rows[:, 1]])
    graph = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n)).tocsr()
    _, joined = connected_components(graph, directed=False)
    return np.asarray(joined, np.int64)
