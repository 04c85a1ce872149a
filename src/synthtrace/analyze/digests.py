"""MD5, SHA-1 and SHA-256 in one pass over the bytes: the hashes hash lists are written in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1024 * 1024


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


def digest_content(
    data: bytes | None, stream: BinaryIO | None, head_size: int
) -> tuple[Digests, bytes]:
    """The three digests of the bytes (in memory, or read once from `stream`), and their first
    `head_size` bytes for type detection."""
    hasher = Hasher()
    if data is not None:
        hasher.update(data)
        return hasher.result(), data[:head_size]
    head = b""
    assert stream is not None
    while chunk := stream.read(CHUNK):
        if len(head) < head_size:
            head += chunk[: head_size - len(head)]
        hasher.update(chunk)
    return hasher.result(), head
