"""An exact-recall PDQ index: every stored hash within the distance, none missed.

Multi-index hashing (Norouzi et al.): the 256 bits are cut into 16 slices of 16 bits. Two hashes
within distance D differ by at most D // 16 bits in at least one slice (pigeonhole), so probing,
in every slice, each bucket within D // 16 bits of the query's slice finds every neighbour.

Why not faiss's IndexBinaryMultiHash, which does the same? It keeps buckets in hash maps and
de-duplicates candidates in a hash set; measured here it takes ~1 ms a query at 1M hashes and
grows linearly, about 10x over our 1 ms target at 10M. This version keeps each slice's buckets
as one counting-sorted array with, beside each id, 96 other bits of its hash ("sketch"): a
candidate is rejected from the sketch, read in sequence, without touching the full hash at a
random address; a pair is reported only at its first qualifying slice, so no set is needed. The
loops are compiled with numba (benchmarks/index_bench.py compares both on the same data).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

SLICES = 16
SLICE_BITS = 16
BUCKETS = 1 << SLICE_BITS
WORDS = 4  # 256 bits as 4 x uint64


def _popcount_typing(typingctx: Any, x: Any) -> Any:
    """The CPU's popcount instruction (numba exposes none for integers)."""
    sig = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(fn, args)

    return sig, codegen


_popcount: Any = intrinsic(_popcount_typing)


@njit(cache=True, parallel=True)
def _build(codes, offsets, ids, sk64, sk32):  # type: ignore[no-untyped-def]
    n = codes.shape[0]
    mask = np.uint64(0xFFFF)
    for s in prange(SLICES):
        w = s // 4
        shift = np.uint64((s % 4) * 16)
        w64 = (w + 1) % 4
        w32 = (w + 2) % 4
        counts = np.zeros(BUCKETS + 1, np.int64)
        for i in range(n):
            counts[((codes[i, w] >> shift) & mask) + 1] += 1
        for b in range(BUCKETS):
            counts[b + 1] += counts[b]
        offsets[s, :] = counts
        pos = counts[:BUCKETS].copy()
        for i in range(n):
            k = (codes[i, w] >> shift) & mask
            p = pos[k]
            ids[s, p] = i
            sk64[s, p] = codes[i, w64]
            sk32[s, p] = np.uint32(codes[i, w32] >> np.uint64(32))
            pos[k] = p + 1


def _search_impl(  # type: ignore[no-untyped-def]
    codes,
    offsets,
    ids,
    sk64,
    sk32,
    queries,
    qorder,
    masks,
    slice_radius,
    radius,
    block,
    cap,
    out_q,
    out_i,
    out_d,
    counts,
):
    nq = queries.shape[0]
    nblk = (nq + block - 1) // block
    mask16 = np.uint64(0xFFFF)
    for s in range(SLICES):
        w = s // 4
        shift = np.uint64((s % 4) * 16)
        w64 = (w + 1) % 4
        w32 = (w + 2) % 4
        off = offsets[s]
        ids_s = ids[s]
        sk64_s = sk64[s]
        sk32_s = sk32[s]
        for blk in prange(nblk):
            n = counts[blk]
            for t in range(blk * block, min(nq, (blk + 1) * block)):
                qi = qorder[s, t]
                q0 = queries[qi, 0]
                q1 = queries[qi, 1]
                q2 = queries[qi, 2]
                q3 = queries[qi, 3]
                qk = (queries[qi, w] >> shift) & mask16
                q64 = queries[qi, w64]
                q32 = np.uint32(queries[qi, w32] >> np.uint64(32))
                for m in masks:
                    b = qk ^ m
                    for j in range(off[b], off[b + 1]):
                        lower = _popcount(sk64_s[j] ^ q64) + _popcount(np.uint64(sk32_s[j] ^ q32))
                        if lower > radius:
                            continue
                        c = ids_s[j]
                        d = (
                            _popcount(codes[c, 0] ^ q0)
                            + _popcount(codes[c, 1] ^ q1)
                            + _popcount(codes[c, 2] ^ q2)
                            + _popcount(codes[c, 3] ^ q3)
                        )
                        if d > radius:
                            continue
                        seen = False  # found already at an earlier slice?
                        for s2 in range(s):
                            w2 = s2 // 4
                            sh2 = np.uint64((s2 % 4) * 16)
                            x = ((codes[c, w2] ^ queries[qi, w2]) >> sh2) & mask16
                            if _popcount(x) <= slice_radius:
                                seen = True
                                break
                        if seen:
                            continue
                        if n < cap:
                            out_q[blk, n] = qi
                            out_i[blk, n] = c
                            out_d[blk, n] = d
                        n += 1
            counts[blk] = n


# One kernel, compiled twice: threads pay off on batches, cost more than they save on a few queries.
_search_parallel = njit(cache=True, parallel=True)(_search_impl)
_search_serial = njit(cache=True)(_search_impl)
PARALLEL_FROM = 64  # queries


def hex_to_codes(values: Sequence[str]) -> np.ndarray:
    """PDQ hex strings (64 digits each, already validated) as an (N, 4) uint64 array."""
    if not values:
        return np.zeros((0, WORDS), np.uint64)
    raw = bytes.fromhex("".join(values))
    return np.frombuffer(raw, dtype=np.uint64).reshape(-1, WORDS).copy()


def codes_to_hex(codes: np.ndarray) -> list[str]:
    raw = np.ascontiguousarray(codes, dtype=np.uint64).tobytes().hex()
    return [raw[i : i + 64] for i in range(0, len(raw), 64)]


@functools.cache
def _masks(slice_radius: int) -> np.ndarray:
    pops = np.array([bin(m).count("1") for m in range(BUCKETS)])
    found = np.nonzero(pops <= slice_radius)[0]
    return found[np.argsort(pops[found], kind="stable")].astype(np.uint64)


class PdqIndex:
    """Stored PDQ hashes, searchable by Hamming radius up to 63 with exact recall."""

    CHUNK = 1 << 18  # queries per kernel call: bounds the result buffers
    BLOCK = 1024

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.ascontiguousarray(codes, dtype=np.uint64)
        if codes.ndim != 2 or codes.shape[1] != WORDS:
            raise ValueError("codes must be an (N, 4) uint64 array")
        if codes.shape[0] >= 1 << 32:
            raise ValueError("at most 2**32 - 1 hashes in one index")
        n = codes.shape[0]
        self.codes = codes
        self.offsets = np.zeros((SLICES, BUCKETS + 1), np.int64)
        self.ids = np.empty((SLICES, n), np.uint32)
        self.sk64 = np.empty((SLICES, n), np.uint64)
        self.sk32 = np.empty((SLICES, n), np.uint32)
        if n:
            _build(codes, self.offsets, self.ids, self.sk64, self.sk32)

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.codes, self.offsets, self.ids, self.sk64, self.sk32))

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (query row, stored row, distance) with distance <= radius, each pair once."""
        if not 0 <= radius < SLICES * 4:
            raise ValueError("radius must be between 0 and 63")
        queries = np.ascontiguousarray(queries, dtype=np.uint64)
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        if len(self) == 0 or queries.shape[0] == 0:
            return empty
        slice_radius = radius // SLICE_BITS
        masks = _masks(slice_radius)
        parts = [
            self._search_chunk(queries[i : i + self.CHUNK], i, masks, slice_radius, radius)
            for i in range(0, queries.shape[0], self.CHUNK)
        ]
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def _search_chunk(
        self, queries: np.ndarray, base: int, masks: np.ndarray, slice_radius: int, radius: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nq = queries.shape[0]
        keys = queries.view(np.uint16).reshape(nq, SLICES)
        qorder = np.ascontiguousarray(np.argsort(keys, axis=0, kind="stable").T)
        nblk = (nq + self.BLOCK - 1) // self.BLOCK
        cap = 2 * self.BLOCK
        while True:
            out_q = np.empty((nblk, cap), np.int64)
            out_i = np.empty((nblk, cap), np.int64)
            out_d = np.empty((nblk, cap), np.int64)
            counts = np.zeros(nblk, np.int64)
            kernel = _search_parallel if nq >= PARALLEL_FROM else _search_serial
            kernel(
                self.codes, self.offsets, self.ids, self.sk64, self.sk32, queries, qorder,
                masks, slice_radius, radius, self.BLOCK, cap, out_q, out_i, out_d, counts,
            )  # fmt: skip
            most = int(counts.max())
            if most <= cap:
                break
            cap = most  # a block found more than the buffer holds: run again with room for all
        keep = np.arange(cap)[None, :] < counts[:, None]
        return out_q[keep] + base, out_i[keep], out_d[keep]


def brute_force(
    codes: np.ndarray, queries: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference: every pair compared (numpy popcount), for tests and the benchmark."""
    codes = np.ascontiguousarray(codes, dtype=np.uint64)
    found_q, found_i, found_d = [], [], []
    for start in range(0, queries.shape[0], 256):
        q = np.ascontiguousarray(queries[start : start + 256], dtype=np.uint64)
        d = np.bitwise_count(q[:, None, :] ^ codes[None, :, :]).sum(axis=2)
        qi, ci = np.nonzero(d <= radius)
        found_q.append(qi + start)
        found_i.append(ci)
        found_d.append(d[qi, ci])
    if not found_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        np.concatenate(found_q).astype(np.int64),
        np.concatenate(found_i).astype(np.int64),
        np.concatenate(found_d).astype(np.int64),
    )


def set_threads(n: int | None) -> None:
    """Threads the index may use (default: numba's, all cores)."""
    if n:
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
