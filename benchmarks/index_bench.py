"""PDQ index benchmark: build time, query latency, recall against brute force, peak memory.

Random 256-bit hashes with planted neighbours (each query is a stored hash with 0..40 bits
flipped, so about 3/4 of them have a neighbour within 31). Each size runs in fresh processes,
ours and the baselines apart, so peak memory is each one's own. Recall is measured against
faiss's IndexBinaryFlat (exhaustive: brute force) on the same data; faiss's IndexBinaryMultiHash
(16 slices x 16 bits, nflip=1) is the second baseline; the ratios are printed.

    .venv/bin/python benchmarks/index_bench.py                 # 1M and 10M
    .venv/bin/python benchmarks/index_bench.py --sizes 200000  # quick
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
from typing import Any

import numpy as np

RADIUS = 31
SEED = 20261124


def data(n: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + n)
    codes = rng.integers(0, 2**64, (n, 4), dtype=np.uint64, endpoint=False)
    picks = rng.integers(0, n, queries)
    q = codes[picks].copy()
    raw = q.view(np.uint8).reshape(queries, 32)
    for i in range(queries):
        for bit in rng.choice(256, int(rng.integers(0, 41)), replace=False):
            raw[i, bit // 8] ^= np.uint8(1 << (bit % 8))
    return codes, q


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(n: int, queries: int, singles: int) -> dict[str, Any]:
    import numba

    from synthtrace.match.pdqindex import PdqIndex

    codes, q = data(n, queries)
    PdqIndex(codes[:1000]).search(q[:10], RADIUS)  # compile (or load the cache) first
    t = time.perf_counter()
    index = PdqIndex(codes)
    build = time.perf_counter() - t
    t = time.perf_counter()
    found = index.search(q, RADIUS)
    batch = time.perf_counter() - t
    lat = []
    for i in range(singles):
        t = time.perf_counter()
        index.search(q[i : i + 1], RADIUS)
        lat.append(time.perf_counter() - t)
    return {
        "build_s": build,
        "batch_ms": batch / queries * 1e3,
        "single_p50_ms": float(np.percentile(lat, 50)) * 1e3,
        "single_p99_ms": float(np.percentile(lat, 99)) * 1e3,
        "index_mb": index.nbytes / 2**20,
        "peak_mb": peak_mb(),
        "threads": numba.get_num_threads(),
        "pairs": set(zip(*(a.tolist() for a in found), strict=True)),
    }


def faiss_runs(n: int, queries: int, multihash_queries: int) -> dict[str, Any]:
    import faiss

    codes, q = data(n, queries)
    xb = codes.view(np.uint8).reshape(n, 32)
    xq = q.view(np.uint8).reshape(queries, 32)
    out: dict[str, Any] = {"threads": faiss.omp_get_max_threads()}
    flat = faiss.IndexBinaryFlat(256)
    flat.add(xb)
    t = time.perf_counter()
    lims, dist, ids = flat.range_search(xq, RADIUS + 1)
    out["flat_ms"] = (time.perf_counter() - t) / queries * 1e3
    out["truth"] = {
        (i, int(ids[j]), int(dist[j])) for i in range(queries) for j in range(lims[i], lims[i + 1])
    }
    del flat
    if multihash_queries:
        t = time.perf_counter()
        mh = faiss.IndexBinaryMultiHash(256, 16, 16)
        mh.nflip = 1
        mh.add(xb)
        out["mh_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        mh.range_search(xq[:multihash_queries], RADIUS + 1)
        out["mh_ms"] = (time.perf_counter() - t) / multihash_queries * 1e3
    out["peak_mb"] = peak_mb()
    return out


def in_child(fn: Any, *args: Any) -> Any:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--singles", type=int, default=200, help="queries timed one at a time")
    parser.add_argument(
        "--multihash-max", type=int, default=2_000_000, help="largest size for faiss MultiHash"
    )
    parser.add_argument("--multihash-queries", type=int, default=500)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        mine = in_child(ours, n, args.queries, args.singles)
        mhq = args.multihash_queries if n <= args.multihash_max else 0
        base = in_child(faiss_runs, n, args.queries, mhq)
        truth, got = base["truth"], mine["pairs"]
        recall = len(truth & got) / len(truth) if truth else 1.0
        print(f"== {n:,} hashes, {args.queries} queries, radius {RADIUS}")
        print(
            f"  ours (synthtrace PdqIndex, {mine['threads']} threads): "
            f"build {mine['build_s']:.2f} s, "
            f"{mine['batch_ms']:.4f} ms/query batched, single query p50 "
            f"{mine['single_p50_ms']:.3f} ms p99 {mine['single_p99_ms']:.3f} ms, "
            f"index {mine['index_mb']:.0f} MiB, peak RSS {mine['peak_mb']:.0f} MiB"
        )
        print(
            f"  recall vs brute force (faiss IndexBinaryFlat): {recall:.6f} "
            f"({len(truth & got)}/{len(truth)} pairs, {len(got - truth)} extra)"
        )
        print(
            f"  baseline faiss IndexBinaryFlat ({base['threads']} threads): "
            f"{base['flat_ms']:.3f} ms/query batched -> ours is "
            f"{base['flat_ms'] / mine['batch_ms']:.1f}x faster"
        )
        if "mh_ms" in base:
            print(
                f"  baseline faiss IndexBinaryMultiHash(16x16, nflip=1): build "
                f"{base['mh_build_s']:.2f} s, {base['mh_ms']:.3f} ms/query batched -> ours is "
                f"{base['mh_ms'] / mine['batch_ms']:.1f}x faster"
            )
        print(f"  baseline process peak RSS {base['peak_mb']:.0f} MiB")


if __name__ == "__main__":
    main()
