"""PDQ perceptual hashes, interoperable with Meta's (python-threatexchange, HMA).

Images decoded at full size are hashed with pdqhash, the reference binding. Images decoded at
reduced size (JPEG DCT scaling, or a box reduction of a huge image) are hashed by
`pdq_dihedral_full_geometry`, written here because no library does it: PDQ's blur windows and
sample positions are integer-rounded from the pixel size, so hashing a quarter-size decode as if it
were an image of its own drifts by up to 30 bits on textured pictures. Replaying the
full-resolution filter geometry on the reduced pixels (each reduced pixel standing for the block
of source pixels it averages) stays within a few bits of pdqhash on the full image at a fraction
of the cost; tests/scan/test_pdq_conformance.py checks both paths against the references.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pdqhash

_SAMPLES = 64  # PDQ decimates to 64x64 before its 16x16 DCT


def _hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_dihedral(rgb: np.ndarray) -> tuple[list[str], int]:
    """The 8 rotation/flip hashes (the first is the plain PDQ) and the quality (0..100).

    pdqhash derives the 8 from one DCT, so they cost no more than the plain hash.
    """
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
    return [_hex(v) for v in vectors], int(quality)


# --- PDQ at full-resolution geometry from reduced pixels -------------------------------------
# The steps below follow Meta's reference (pdq/cpp/downscaling/downscaling.cpp and
# pdq/cpp/hashing/pdqhashing.cpp): two passes of 1-D box filters per axis (a tent), decimation at
# sample centres, a 64->16 DCT, bits above the median, quality from image-domain gradients.


def _jarosz_window(n: int) -> int:
    return (n + 2 * _SAMPLES - 1) // (2 * _SAMPLES)


def _box_bounds(n: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Inclusive source range each output of the reference box1DFloat averages (edges shrink)."""
    half = (window + 2) // 2
    k = np.arange(n)
    return np.maximum(0, k - (window - half)), np.minimum(n - 1, k + half - 1)


@lru_cache(maxsize=32)
def _axis_weights(full: int, reduced: int, scale: int) -> np.ndarray:
    """64 x reduced weights: PDQ's two box passes and decimation along one axis of a `full`-pixel
    image, folded onto the reduced pixels (reduced pixel m averages source pixels m*scale..)."""
    window = _jarosz_window(full)
    lo, hi = _box_bounds(full, window)
    count = (hi - lo + 1).astype(np.float64)
    centres = ((np.arange(_SAMPLES) + 0.5) * full / _SAMPLES).astype(np.int64)
    # First pass: the rows of the box matrix B at the sample centres.
    first = np.zeros((_SAMPLES, full))
    for row, k in enumerate(centres):
        first[row, lo[k] : hi[k] + 1] = 1.0 / count[k]
    # Second pass: first @ B, as a scatter of each output's uniform window (difference array).
    share = first / count
    diff = np.zeros((_SAMPLES, full + 1))
    np.add.at(diff.T, lo, share.T)
    np.add.at(diff.T, hi + 1, -share.T)
    both = np.cumsum(diff[:, :full], axis=1)
    groups = np.minimum(np.arange(full) // scale, reduced - 1)
    folded = np.zeros((_SAMPLES, reduced))
    np.add.at(folded.T, groups, both.T)
    return folded.astype(np.float32)


@lru_cache(maxsize=1)
def _dct16x64() -> np.ndarray:
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    matrix: np.ndarray = math.sqrt(2.0 / 64.0) * np.cos((math.pi / 2 / 64.0) * i * (2 * j + 1))
    return matrix


def _quality(buf: np.ndarray) -> int:
    # int() truncates toward zero, as the reference's float-to-int conversion does.
    down = np.trunc((buf[:-1, :] - buf[1:, :]) * 100 / 255)
    across = np.trunc((buf[:, :-1] - buf[:, 1:]) * 100 / 255)
    total = int(np.abs(down).sum() + np.abs(across).sum())
    return min(100, total // 90)


def _bits(dct16: np.ndarray) -> str:
    values = dct16.reshape(-1)
    median = np.sort(values)[127]  # Torben's median of 256 values: the lower middle one
    return _hex((values > median)[::-1])


def _odd(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 1, 1.0, -1.0)


def _dihedral(a: np.ndarray) -> list[np.ndarray]:
    """The reference's sign/transpose rules on the 16x16 DCT: original, rot90, rot180, rot270,
    flipX, flipY, flip+1, flip-1 (pdqhash.compute_dihedral's order)."""
    row_odd = _odd(16)[:, None]
    col_odd = _odd(16)[None, :]
    checker = row_odd * col_odd  # +1 where i+j is even
    return [
        a,
        (a * col_odd).T,
        a * checker,
        (a * row_odd).T,
        a * row_odd,
        a * col_odd,
        a.T,
        (a * checker).T,
    ]


def _scale(full: int, reduced: int) -> int:
    for s in (1, 2, 4, 8, 16, 32, 64):
        if -(-full // s) == reduced:
            return s
    raise ValueError(f"{reduced} pixels is no power-of-two reduction of {full}")


def pdq_dihedral_full_geometry(
    rgb: np.ndarray, full_size: tuple[int, int]
) -> tuple[list[str], int]:
    """PDQ (8 dihedral hashes and quality) of the full-size image, from its reduced pixels.

    `rgb` is the reduced image (rows x cols x 3); `full_size` is (width, height) of the original.
    Each reduced pixel must be the average of a power-of-two block of source pixels, which JPEG DCT
    scaling and Pillow's Image.reduce produce.
    """
    full_w, full_h = full_size
    rows, cols = rgb.shape[:2]
    wr = _axis_weights(full_h, rows, _scale(full_h, rows))
    wc = _axis_weights(full_w, cols, _scale(full_w, cols))
    px = rgb.astype(np.float32)
    luma = px[..., 0] * 0.299 + px[..., 1] * 0.587 + px[..., 2] * 0.114
    buf = ((wr @ luma) @ wc.T).astype(np.float64)
    dct = _dct16x64()
    dct16 = dct @ buf @ dct.T
    return [_bits(t) for t in _dihedral(dct16)], _quality(buf)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
