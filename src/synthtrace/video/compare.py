"""ThreatExchange's vPDQ comparison: how much of one video's frames are found in another.

The algorithm of vpdq/README.md: of each video keep the distinct frame hashes of quality at least
F (50); a query frame is matched when some compared frame lies within distance D (31, inclusive);
the query-match percentage is the matched share of the query's frames, the compared-match
percentage the matched share of the compared video's frames. A trimmed copy matches its original
at (near) 100 % query-match and a lower compared-match; re-encoded copies near 100 % both ways.

`match_percentages` is the reference, pair by pair, written as the README states it. `all_pairs`
gives the same numbers for every pair of two sets of videos at once through the PDQ index (one
search for all frames), which is how the case's hash lists and clusters use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from synthtrace.match.pdqindex import PdqIndex, hex_to_codes

QUALITY = 50  # F: frames below this quality are not compared
DISTANCE = 31  # D: frames within this many bits match
MATCH_PCT = 80.0  # P: query-match percentage from which a video matches (a per-case setting)


def usable(frames: Iterable[tuple[str, int]], quality: int = QUALITY) -> list[str]:
    """The distinct hashes of quality >= `quality`, in first-seen order."""
    seen: dict[str, None] = {}
    for pdq, q in frames:
        if q >= quality and pdq not in seen:
            seen[pdq] = None
    return list(seen)


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def match_percentages(
    query: Iterable[tuple[str, int]],
    compared: Iterable[tuple[str, int]],
    distance: int = DISTANCE,
    quality: int = QUALITY,
) -> tuple[float, float]:
    """(query-match %, compared-match %) of two videos given as (pdq hex, quality) frames."""
    q, c = usable(query, quality), usable(compared, quality)
    if not q or not c:
        return 0.0, 0.0
    q_hits = sum(1 for a in q if any(_distance(a, b) <= distance for b in c))
    c_hits = sum(1 for b in c if any(_distance(a, b) <= distance for a in q))
    return q_hits * 100.0 / len(q), c_hits * 100.0 / len(c)


@dataclass
class FrameSets:
    """The usable frames of several videos: codes (N, 4) and, per frame, its video's row."""

    codes: np.ndarray
    owner: np.ndarray
    counts: np.ndarray  # usable frames per video row

    @classmethod
    def build(
        cls, videos: Sequence[Iterable[tuple[str, int]]], quality: int = QUALITY
    ) -> FrameSets:
        hexes: list[str] = []
        owner: list[int] = []
        counts = np.zeros(len(videos), np.int64)
        for row, frames in enumerate(videos):
            kept = usable(frames, quality)
            hexes += kept
            owner += [row] * len(kept)
            counts[row] = len(kept)
        return cls(hex_to_codes(hexes), np.asarray(owner, np.int64), counts)


@dataclass(frozen=True)
class PairMatch:
    query: int  # row in the query set
    compared: int  # row in the compared set
    query_match_pct: float
    compared_match_pct: float
    distance: int  # of the closest pair of frames


def _distinct_counts(pairs: np.ndarray, member: np.ndarray) -> dict[tuple[int, int], int]:
    """How many distinct `member` values each (query, compared) pair has."""
    rows = np.unique(np.stack([pairs[:, 0], pairs[:, 1], member], axis=1), axis=0)
    keys, counts = np.unique(rows[:, :2], axis=0, return_counts=True)
    return {(int(a), int(b)): int(n) for (a, b), n in zip(keys, counts, strict=True)}


def all_pairs(queries: FrameSets, compared: FrameSets, distance: int = DISTANCE) -> list[PairMatch]:
    """Every (query video, compared video) pair sharing at least one frame, with both
    percentages exactly as `match_percentages` computes them."""
    if len(queries.codes) == 0 or len(compared.codes) == 0:
        return []
    qi, ci, d = PdqIndex(compared.codes).search(queries.codes, distance)
    if len(qi) == 0:
        return []
    pairs = np.stack([queries.owner[qi], compared.owner[ci]], axis=1)
    q_hits = _distinct_counts(pairs, qi)
    c_hits = _distinct_counts(pairs, ci)
    closest: dict[tuple[int, int], int] = {}
    for (a, b), dist in zip(pairs.tolist(), d.tolist(), strict=True):
        if dist < closest.get((a, b), 256):
            closest[(a, b)] = dist
    out = []
    for (q, c), hits in sorted(q_hits.items()):
        out.append(
            PairMatch(
                q,
                c,
                hits * 100.0 / int(queries.counts[q]),
                c_hits[(q, c)] * 100.0 / int(compared.counts[c]),
                closest[(q, c)],
            )
        )
    return out
