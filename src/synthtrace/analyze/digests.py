"""MD5, SHA-1 and SHA-256 in one pass over the bytes: the hashes hash lists are written in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Digests:
    md5: str
    sha1: str
    sha256: str
    size: int


class Hasher:
    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        self._md5.update(chunk)
        self._sha1.update(chunk)
        self._sha256.update(chunk)
        self.size += len(chunk)

    def result(self) -> Digests:
        return Digests(
            self._md5.hexdigest(), self._sha1.hexdigest(), self._sha256.hexdigest(), self.size
        )


def digest_bytes(data: bytes) -> Digests:
    h = Hasher()
    h.update(data)
    return h.result()


def digest_chunks(chunks: Iterable[bytes]) -> Digests:
    h = Hasher()
    for chunk in chunks:
        h.update(chunk)
    return h.result()
