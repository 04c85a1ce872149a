"""The hashes generation tools write for model files, computed in one more pass over the bytes.

- autov1: SHA-256 of the 64 KiB at offset 1 MiB, first 8 hex (A1111's old "Model hash");
- autov2: the first 10 hex of the file's SHA-256 (already computed by the scan's digests);
- addnet: SHA-256 of a safetensors file's data section (after the header), first 12 hex (A1111
  LoRA hashes, sd-webui-additional-networks, kohya's sshs_model_hash); the full value is kept as
  `tensor_sha256`, which is also SwarmUI's "0x..." hash;
- blake3: BLAKE3 of the whole file (InvokeAI 4's "blake3:" hashes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import blake3

CHUNK = 1024 * 1024
AUTOV1_OFFSET, AUTOV1_LENGTH = 0x100000, 0x10000


@dataclass(frozen=True)
class Fingerprint:
    autov1: str
    autov2: str
    blake3: str
    tensor_sha256: str | None  # safetensors only

    @property
    def addnet(self) -> str | None:
        return self.tensor_sha256[:12] if self.tensor_sha256 else None


def fingerprint(
    opener: Callable[[], BinaryIO], sha256: str, data_offset: int | None
) -> Fingerprint:
    """Hashes of the content; `data_offset` is where a safetensors data section starts."""
    whole = blake3.blake3(max_threads=1)
    tail = hashlib.sha256() if data_offset is not None else None
    v1 = hashlib.sha256()
    pos = 0
    with opener() as stream:
        while chunk := stream.read(CHUNK):
            end = pos + len(chunk)
            whole.update(chunk)
            if tail is not None and data_offset is not None and end > data_offset:
                tail.update(chunk[max(0, data_offset - pos) :])
            lo, hi = max(pos, AUTOV1_OFFSET), min(end, AUTOV1_OFFSET + AUTOV1_LENGTH)
            if lo < hi:
                v1.update(chunk[lo - pos : hi - pos])
            pos = end
    return Fingerprint(
        autov1=v1.hexdigest()[:8],
        autov2=sha256[:10],
        blake3=whole.hexdigest(),
        tensor_sha256=tail.hexdigest() if tail is not None else None,
    )
