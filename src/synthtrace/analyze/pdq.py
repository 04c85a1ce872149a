"""PDQ perceptual hashes: computed with pdqhash on what we decode, compared by Hamming distance."""

from __future__ import annotations

import numpy as np
import pdqhash

HEX_LEN = 64


def _hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_dihedral(rgb: np.ndarray) -> tuple[list[str], int]:
    """The 8 rotation/flip hashes (the first is the plain PDQ) and the quality (0..100).

    pdqhash derives the 8 from one DCT, so they cost no more than the plain hash.
    """
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
    return [_hex(v) for v in vectors], int(quality)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_pdq_hex(value: str) -> bool:
    if len(value) != HEX_LEN:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True
