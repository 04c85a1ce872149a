"""Clustering benchmark: near-duplicate clusters over N pictures' PDQ hashes (all 8 orientations).

Synthetic hashes: every picture has 8 random orientation hashes; 5% are originals with 1-4
copies each, a copy's plain hash being one of the original's orientations with 0-25 bits
flipped (a rotated, re-encoded copy). The run checks the clusters are exactly the planted groups,
then times (1) the in-memory core (index, 8 queries per picture, connected components) and
(2) the whole clustering pass on a case database holding N media rows (read, cluster, write).
Baseline in the same run: faiss IndexBinaryMultiHash (16x16, nflip=1) answering a sample of the
same queries, extrapolated to all of them; the ratio is printed.

    .venv/bin/python benchmarks/cluster_bench.py             # 1,000,000 pictures
    .venv/bin/python benchmarks/cluster_bench.py --n 100000  # quick
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

RADIUS = 31


def synthetic(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(hashes (n, 8, 4), group label per picture: -1 alone, else its original's index)."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, (n, 8, 4), dtype=np.uint64, endpoint=False)
    group = np.full(n, -1, np.int64)
    order = rng.permutation(n)
    originals, pos = order[: n // 20], n // 20
    for o in originals:
        k = int(rng.integers(1, 5))
        if pos + k > n:
            break
        group[o] = o
        for c in order[pos : pos + k]:
            copy = hashes[o, int(rng.integers(0, 8))].copy()
            raw = copy.view(np.uint8)
            for bit in rng.choice(256, int(rng.integers(0, 26)), replace=False):
                raw[bit // 8] ^= np.uint8(1 << (bit % 8))
            hashes[c, 0] = copy
            group[c] = o
        pos += k
    return hashes, group


def check(labels: np.ndarray, group: np.ndarray) -> None:
    grouped = group >= 0
    pairs = {(int(g), int(lab)) for g, lab in zip(group[grouped], labels[grouped], strict=True)}
    by_group = {g for g, _ in pairs}
    assert len(pairs) == len(by_group), "a planted group was split"
    assert len({lab for _, lab in pairs}) == len(by_group), "two groups were merged"
    alone = labels[~grouped]
    assert len(np.unique(alone)) == len(alone), "unrelated pictures were merged"
    assert not set(alone.tolist()) & {lab for _, lab in pairs}, "a stray joined a group"


def core(hashes: np.ndarray) -> tuple[np.ndarray, float]:
    from synthtrace.match.clustering import cluster_labels

    n = len(hashes)
    queries = hashes.reshape(n * 8, 4)
    owners = np.stack([np.repeat(np.arange(n), 8), np.tile(np.arange(8), n)])
    t = time.perf_counter()
    labels = cluster_labels(queries, owners, n, RADIUS)
    return labels, time.perf_counter() - t


def faiss_estimate(hashes: np.ndarray, sample: int) -> float:
    """Seconds faiss MultiHash would take for all n*8 range queries (from a timed sample)."""
    import faiss

    n = len(hashes)
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(np.ascontiguousarray(hashes[:, 0]).view(np.uint8).reshape(n, 32))
    rng = np.random.default_rng(1)
    rows = rng.integers(0, n * 8, sample)
    q = np.ascontiguousarray(hashes.reshape(n * 8, 4)[rows]).view(np.uint8).reshape(sample, 32)
    t = time.perf_counter()
    index.range_search(q, RADIUS + 1)
    return (time.perf_counter() - t) / sample * n * 8


def database_pass(hashes: np.ndarray, group: np.ndarray, folder: Path) -> tuple[float, float]:
    """(seconds to fill, seconds for cluster_case) on a case with one media row per picture."""
    from sqlalchemy import insert

    from synthtrace.case import create_case
    from synthtrace.match.clustering import cluster_case
    from synthtrace.match.pdqindex import codes_to_hex
    from synthtrace.store.db import transaction
    from synthtrace.store.models import Media, MediaCluster

    n = len(hashes)
    t = time.perf_counter()
    with create_case(folder / "case", name="cluster bench") as case:
        for start in range(0, n, 50_000):
            part = hashes[start : start + 50_000]
            flat = codes_to_hex(part.reshape(-1, 4))
            rows = []
            for i in range(len(part)):
                dihedral = "".join(flat[i * 8 : i * 8 + 8])
                sha = f"{start + i:064x}"
                rows.append(
                    {
                        "sha256": sha,
                        "md5": sha[:32],
                        "sha1": sha[:40],
                        "size": 1000,
                        "mime": "image/jpeg",
                        "pdq": dihedral[:64],
                        "pdq_quality": 100,
                        "pdq_dihedral": dihedral,
                        "thumbnail": False,
                        "errors": [],
                        "facts": {},
                    }
                )
            with transaction(case.sessions) as s:
                s.execute(insert(Media), rows)
        fill = time.perf_counter() - t
        t = time.perf_counter()
        outcome = cluster_case(case)
        seconds = time.perf_counter() - t
        with case.sessions() as s:
            got = dict(s.query(MediaCluster.media_id, MediaCluster.cluster_id).all())
        labels = np.array([got[i + 1] for i in range(n)])
        check(labels, group)
        print(
            f"  clusters written: {outcome.clusters} of 2+ pictures, largest {outcome.largest}, "
            f"{outcome.changed} rows"
        )
    return fill, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="faiss queries timed")
    parser.add_argument("--no-db", action="store_true", help="skip the database pass")
    args = parser.parse_args()
    import numba

    hashes, group = synthetic(args.n)
    planted = int((group >= 0).sum())
    print(
        f"== {args.n:,} pictures ({planted:,} in {len(np.unique(group[group >= 0])):,} planted "
        f"groups), 8 orientations each, radius {RADIUS}, {numba.get_num_threads()} threads, "
        f"{os.cpu_count()} cores"
    )
    core(hashes[:1000])  # compile (or load the cache) first
    labels, seconds = core(hashes)
    check(labels, group)
    print(f"  ours, in memory: {seconds:.1f} s; clusters exactly the planted groups")
    if not args.no_db:
        with tempfile.TemporaryDirectory() as tmp:
            fill, db_seconds = database_pass(hashes, group, Path(tmp))
        print(
            f"  ours, whole pass on the case database: {db_seconds:.1f} s (filled in {fill:.0f} s)"
        )
    estimate = faiss_estimate(hashes, args.sample)
    print(
        f"  baseline faiss IndexBinaryMultiHash, same queries: about {estimate:.0f} s "
        f"(from {args.sample:,} timed) -> ours is {estimate / seconds:.1f}x faster"
    )
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
