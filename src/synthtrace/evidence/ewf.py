"""The media stream of an EWF image (E01, E02, ...; EWF-E01 and SMART layouts), read with zlib.

Hand-written on purpose: libewf-python, the EWF back-end dfvfs uses, is published on PyPI built
without zlib, and its own inflate read 7-10 MiB/s here (benchmarks/disk_bench.py), which made
an E01 cost five times its raw image. This reader follows the format as libyal documents it:
segment files of sections (76-byte descriptors chained by their next offset); `volume`/`disk`
holds the geometry; each `table` lists its chunks' offsets (the top bit marks a compressed
chunk, EnCase 6+ adds a base offset); a compressed chunk is a zlib stream, a stored one carries
an Adler-32. It only reads the chunks: headers and stored hashes still come from libewf
(evidence/acquisition.py), and dfvfs still reads everything above the media stream, through
this object (evidence/volumes.py puts it in dfvfs' resolver cache for the EWF path spec).

A chunk that does not inflate, or whose checksum is wrong, reads as zeros (like libewf) and is
listed in `bad_chunks`, so the image's record can say which bytes could not be trusted.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import BinaryIO

SIGNATURES = (b"EVF\x09\x0d\x0a\xff\x00", b"LVF\x09\x0d\x0a\xff\x00")
DESCRIPTOR = 76
CACHE_CHUNKS = 256  # 8 MiB of 32 KiB chunks
CACHE_BYTES = 8 << 20  # and never more than this, whatever size the chunks are
# Writers use 32 KiB chunks (64 sectors), EnCase up to a few MiB: a volume section claiming more
# is left to libewf, rather than read a chunk at a time into memory here.
MAX_CHUNK = 64 << 20


class EwfError(Exception):
    """The segment files do not form an EWF image this reader can read."""


@dataclass
class _Chunk:
    segment: int
    offset: int
    size: int
    compressed: bool


@dataclass
class EwfMedia:
    paths: list[str]
    chunk_size: int = 0
    bytes_per_sector: int = 512
    size: int = 0
    chunks: list[_Chunk] = field(default_factory=list, repr=False)
    bad_chunks: list[tuple[int, str]] = field(default_factory=list)  # (media offset, why)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._files: list[BinaryIO] = []
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._pos = 0
        self._bad: set[int] = set()
        self._ends: list[int] = []  # each segment file's size
        try:
            for number, path in enumerate(self.paths):
                fh = open(path, "rb")
                self._files.append(fh)
                self._read_segment(number, fh)
        except BaseException:
            self.close()
            raise
        if not self.chunk_size or not self.size:
            self.close()
            raise EwfError("no volume section: the image geometry is unknown")
        if self.chunk_size > MAX_CHUNK:
            self.close()
            raise EwfError(f"chunks of {self.chunk_size} bytes: more than this reader takes")
        missing = -(-self.size // self.chunk_size) - len(self.chunks)
        if missing > 0:
            self.errors.append(
                f"{missing} of the image's chunks are in no table (a segment is missing or cut): "
                "they read as zeros"
            )

    # --- parsing -----------------------------------------------------------------------------

    def _read_segment(self, number: int, fh: BinaryIO) -> None:
        head = fh.read(13)
        if head[:8] not in SIGNATURES:
            raise EwfError(f"{os.path.basename(self.paths[number])} is not an EWF segment file")
        end = os.fstat(fh.fileno()).st_size
        self._ends.append(end)
        pos, seen = 13, set()
        sectors: list[tuple[int, int]] = []
        tables: list[tuple[str, int, int]] = []
        while pos + DESCRIPTOR <= end and pos not in seen:
            seen.add(pos)
            fh.seek(pos)
            desc = fh.read(DESCRIPTOR)
            kind = desc[:16].rstrip(b"\x00").decode("ascii", "replace")
            nxt, size = struct.unpack_from("<QQ", desc, 16)
            body = pos + DESCRIPTOR
            if kind in ("volume", "disk") and not self.chunk_size:
                self._volume(fh, body, size - DESCRIPTOR)
            elif kind == "sectors":
                sectors.append((body, pos + size if size else nxt))
            elif kind in ("table", "table2"):
                tables.append((kind, body, pos + size if size else nxt))
            if kind in ("next", "done") or nxt <= pos:
                break
            pos = nxt
        else:
            if pos + DESCRIPTOR > end:
                self.errors.append(
                    f"{os.path.basename(self.paths[number])} ends inside its sections "
                    "(the segment is cut)"
                )
        first = [t for t in tables if t[0] == "table"] or [t for t in tables if t[0] == "table2"]
        for _kind, body, limit in first:
            self._table(number, fh, body, min(limit, end), sectors)

    def _volume(self, fh: BinaryIO, body: int, size: int) -> None:
        fh.seek(body)
        data = fh.read(max(0, min(size, 1052)))
        if len(data) < 24:
            return
        _chunks, per_chunk, bytes_per_sector = struct.unpack_from("<III", data, 4)
        sectors = struct.unpack_from("<Q" if len(data) >= 1052 else "<I", data, 16)[0]
        if per_chunk and bytes_per_sector:
            self.chunk_size = per_chunk * bytes_per_sector
            self.bytes_per_sector = bytes_per_sector
            self.size = sectors * bytes_per_sector

    def _table(
        self,
        segment: int,
        fh: BinaryIO,
        body: int,
        limit: int,
        sectors: list[tuple[int, int]],
    ) -> None:
        fh.seek(body)
        header = fh.read(24)
        if len(header) < 24:
            return
        count = struct.unpack_from("<I", header, 0)[0]
        base = struct.unpack_from("<Q", header, 8)[0]
        raw = fh.read(4 * max(0, min(count, (limit - body - 24) // 4)))  # no more than it holds
        count = len(raw) // 4
        entries = struct.unpack(f"<{count}I", raw[: 4 * count])
        starts = [base + (e & 0x7FFFFFFF) for e in entries]
        for i, entry in enumerate(entries):
            start = starts[i]
            if i + 1 < count:
                stop = starts[i + 1]
            else:  # the last chunk ends with its sectors section, or with this table section
                # when the chunks are inside it (EWF-S01, SMART), else where the table starts
                inside = limit if body <= start < limit else body - DESCRIPTOR
                stop = next((e for s, e in sectors if s <= start < e), inside)
            self.chunks.append(_Chunk(segment, start, max(0, stop - start), bool(entry >> 31)))

    # --- reading ---------------------------------------------------------------------------------

    def _chunk(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        data = self._load(index)
        self._cache[index] = data
        if len(self._cache) > min(CACHE_CHUNKS, max(1, CACHE_BYTES // self.chunk_size)):
            self._cache.popitem(last=False)
        return data

    def _load(self, index: int) -> bytes:
        want = min(self.chunk_size, self.size - index * self.chunk_size)
        if index >= len(self.chunks):
            return bytes(max(0, want))  # said once, in `errors`: no table lists it
        chunk = self.chunks[index]
        fh, end = self._files[chunk.segment], self._ends[chunk.segment]
        if chunk.offset >= end:
            return self._zeros(index, want, "lies past the end of its segment file")
        fh.seek(chunk.offset)
        # A chunk takes at most a chunk's bytes and a checksum (zlib's worst case is a little
        # more, with margin here); a damaged table can claim gigabytes.
        stored = fh.read(min(chunk.size, end - chunk.offset, want + 4 + want // 16 + 64))
        if chunk.compressed:
            try:
                data = zlib.decompressobj().decompress(stored, want)
            except zlib.error as exc:
                return self._zeros(index, want, f"does not inflate ({exc})")
            if len(data) < want:
                return self._zeros(index, want, "inflates to fewer bytes than a chunk")
            return data
        data, checksum = stored[:want], stored[want : want + 4]
        if len(data) < want:
            return self._zeros(index, want, "is cut short")
        if len(checksum) == 4 and zlib.adler32(data) != struct.unpack("<I", checksum)[0]:
            self._note(index, "fails its Adler-32 checksum")
        return data

    def _note(self, index: int, why: str) -> None:
        if index not in self._bad:
            self._bad.add(index)
            self.bad_chunks.append((index * self.chunk_size, why))

    def _zeros(self, index: int, want: int, why: str) -> bytes:
        self._note(index, why)
        return bytes(max(0, want))

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self._pos
        size = max(0, min(size, self.size - self._pos))
        out = bytearray()
        while size > 0:
            index, skip = divmod(self._pos, self.chunk_size)
            piece = self._chunk(index)[skip : skip + size]
            if not piece:
                break
            out += piece
            self._pos += len(piece)
            size -= len(piece)
        return bytes(out)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the media")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def get_offset(self) -> int:
        return self._pos

    def get_size(self) -> int:
        return self.size

    def close(self) -> None:
        for fh in self._files:
            fh.close()
        self._files = []
        self._cache.clear()
