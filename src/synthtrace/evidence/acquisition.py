"""The image object of a disk image's own record: format, geometry, what the acquisition stored,
and one sequential read of the whole media that computes MD5 and SHA-1 and feeds the carver.

EWF stores the acquisition's MD5/SHA-1 and the examiner's case data (read with pyewf, the library
dfvfs itself reads EWF with); other formats store no hash, so `verified` is null for them. A block
that cannot be read (a bad EWF chunk) is hashed as zeros, as acquisition tools do, and said.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyewf

from synthtrace.evidence.carving import SECTOR, Carved, Carver
from synthtrace.evidence.volumes import BACKEND_ERRORS, Media, short

BLOCK = 4 * 1024 * 1024
_EWF_HEADERS = {
    "case_number": "case_number",
    "evidence_number": "evidence_number",
    "examiner_name": "examiner",
    "acquiry_date": "acquisition_date",
    "notes": "notes",
    "description": "description",
    "acquiry_software": "acquisition_software",
    "acquiry_software_version": "acquisition_software_version",
}


def ewf_facts(segment_paths: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Acquisition metadata and stored hashes of an EWF image (nothing is read but headers)."""
    facts: dict[str, Any] = {}
    errors: list[str] = []
    handle = pyewf.handle()
    try:
        handle.open(segment_paths)
    except (OSError, ValueError, RuntimeError) as exc:
        return facts, [f"EWF headers could not be read: {short(exc)}"]
    try:
        for key, name in _EWF_HEADERS.items():
            try:
                value = handle.get_header_value(key)
            except (OSError, ValueError, RuntimeError):
                value = None
            facts[name] = value or None
        for key, name in (("MD5", "stored_md5"), ("SHA1", "stored_sha1")):
            try:
                value = handle.get_hash_value(key)
            except (OSError, ValueError, RuntimeError):
                value = None
            facts[name] = value.lower() if value else None
        facts["bytes_per_sector"] = int(handle.get_bytes_per_sector())
    finally:
        handle.close()
    return facts, errors


@dataclass
class MediaPass:
    """Read the media once, front to back: hash every byte, carve the free regions.

    `hash=False` (a raw image in one file, whose media hashes are the file's own digests, taken
    by the worker that hashes the file anyway) reads the free regions only, for the carver."""

    media: Media
    free: list[tuple[int, int]]  # sorted, disjoint, in media bytes
    carve: bool = True
    hash: bool = True
    errors: list[str] = field(default_factory=list)
    md5: str | None = None
    sha1: str | None = None
    unreadable: int = 0

    def __post_init__(self) -> None:
        self._stream = self.media.open()
        self.carver = Carver(self.read_at)

    def read_at(self, offset: int, size: int) -> bytes:
        try:
            self._stream.seek(offset)
            return bytes(self._stream.read(size))
        except BACKEND_ERRORS:
            return b""

    def _spans(self) -> Iterator[tuple[int, int]]:
        if self.hash:
            yield 0, self.media.size
        elif self.carve:
            for start, end in self.free:
                yield start - start % SECTOR, min(end, self.media.size)

    def run(self) -> Iterator[Carved]:
        md5, sha1 = hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)
        region = 0
        for span_start, span_end in self._spans():
            pos = span_start
            while pos < span_end:
                want = min(BLOCK, span_end - pos)
                block = self._read(pos, want)
                if self.hash:
                    md5.update(block)
                    sha1.update(block)
                if self.carve:
                    while region < len(self.free) and self.free[region][1] <= pos:
                        region += 1
                    r = region
                    while r < len(self.free) and self.free[r][0] < pos + want:
                        start, end = self.free[r]
                        lo = max(start, pos)
                        lo += -lo % SECTOR
                        hi = min(end, pos + want)
                        if hi > lo:
                            yield from self.carver.feed(lo, block[lo - pos : hi - pos], end)
                        r += 1
                pos += want
        if self.hash:
            self.md5, self.sha1 = md5.hexdigest(), sha1.hexdigest()
        if self.unreadable:
            self.errors.append(f"{self.unreadable} bytes of the media could not be read")

    def _read(self, pos: int, want: int) -> bytes:
        try:
            self._stream.seek(pos)
            block = bytes(self._stream.read(want))
        except BACKEND_ERRORS as exc:
            block = b""
            if self.unreadable == 0:
                self.errors.append(
                    f"media could not be read at byte {pos} ({short(exc)}); unreadable blocks "
                    "are hashed as zeros"
                )
        if len(block) < want:
            self.unreadable += want - len(block)
            block += bytes(want - len(block))
        return block
