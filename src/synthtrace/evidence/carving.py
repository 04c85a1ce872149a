"""Carving pictures and videos out of unallocated space: a signature, its end, then a decode.

Files start at a cluster boundary, so, like PhotoRec, only the start of each 512-byte sector is
tested for a signature (numpy compares every sector of a 4 MiB block at once). The end of each
candidate is found by walking its own structure (JPEG markers and entropy-coded data, PNG chunks
with their CRCs, GIF blocks, the RIFF and BMP sizes, MP4/MOV boxes), then the candidate is
decoded: pictures by Pillow, fully and strictly (a truncated one is a false start); a video's box
tree must hold a track whose sample offsets lie inside the carved bytes. False starts are dropped,
never recorded. Hand-written because no maintained Python carver exists; PhotoRec is the
benchmark (benchmarks/carve_bench.py).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile

SECTOR = 512
MAX_PICTURE = 64 * 1024 * 1024
MAX_VIDEO = 4 * 1024 * 1024 * 1024
_WINDOW = 1024 * 1024
ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True)
class Carved:
    offset: int  # first byte, in the whole media
    length: int
    extension: str  # jpg, png, gif, webp, bmp, mp4, mov


class _Bytes:
    """Random access to [start, limit) of the media through 1 MiB windows."""

    def __init__(self, read_at: ReadAt, start: int, limit: int) -> None:
        self.read_at, self.start, self.limit = read_at, start, limit
        self._base, self._buf = -1, b""

    def get(self, pos: int, n: int) -> bytes:
        """n bytes at pos (relative to start); fewer at the end of the range."""
        if pos < 0 or self.start + pos >= self.limit:
            return b""
        n = min(n, self.limit - self.start - pos)
        if not (self._base <= pos and pos + n <= self._base + len(self._buf)):
            self._base = pos
            self._buf = self.read_at(self.start + pos, max(n, _WINDOW))
        return self._buf[pos - self._base : pos - self._base + n]


# --- structure walks: the candidate's length, or None ---


def _jpeg_end(b: _Bytes, limit: int) -> int | None:
    pos = 2
    while pos < limit:
        head = b.get(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:
            pos += 1  # fill byte
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if marker in (0xD8, 0x00) or len(head) < 4:
            return None
        length = struct.unpack(">H", head[2:4])[0]
        if length < 2:
            return None
        pos += 2 + length
        if marker != 0xDA:
            continue
        # Entropy-coded data: runs to the next marker that is not a stuffed 0xFF00 or a restart.
        while pos < limit:
            block = b.get(pos, _WINDOW)
            if not block:
                return None
            i = block.find(b"\xff")
            while i != -1 and i + 1 < len(block):
                nxt = block[i + 1]
                if nxt != 0x00 and not 0xD0 <= nxt <= 0xD7 and nxt != 0xFF:
                    break
                i = block.find(b"\xff", i + 1)
            if i != -1 and i + 1 < len(block):
                pos += i
                break
            pos += len(block) - 1 if len(block) > 1 else 1
    return None


def _png_end(b: _Bytes, limit: int) -> int | None:
    pos = 8
    first = True
    while pos < limit:
        head = b.get(pos, 8)
        if len(head) < 8:
            return None
        length, kind = struct.unpack(">I4s", head)
        length = int(length)
        if not kind.isalpha() or length > limit or (first and kind != b"IHDR"):
            return None
        first = False
        body = b.get(pos + 4, 4 + length + 4)
        if len(body) < length + 8:
            return None
        if zlib.crc32(body[: 4 + length]) != struct.unpack(">I", body[4 + length :])[0]:
            return None
        pos += 12 + length
        if kind == b"IEND":
            return pos
    return None


def _gif_end(b: _Bytes, limit: int) -> int | None:
    head = b.get(0, 13)
    if len(head) < 13:
        return None
    pos = 13
    if head[10] & 0x80:
        pos += 3 * (2 ** ((head[10] & 7) + 1))

    def sub_blocks(p: int) -> int | None:
        while p < limit:
            size = b.get(p, 1)
            if not size:
                return None
            p += 1 + size[0]
            if size[0] == 0:
                return p
        return None

    while pos < limit:
        kind = b.get(pos, 1)
        if not kind:
            return None
        if kind == b";":
            return pos + 1
        if kind == b"!":
            end = sub_blocks(pos + 2)
        elif kind == b",":
            desc = b.get(pos, 10)
            if len(desc) < 10:
                return None
            p = pos + 10
            if desc[9] & 0x80:
                p += 3 * (2 ** ((desc[9] & 7) + 1))
            end = sub_blocks(p + 1)  # after the LZW minimum code size
        else:
            return None
        if end is None:
            return None
        pos = end
    return None


def _webp_end(b: _Bytes, limit: int) -> int | None:
    head = b.get(0, 16)
    if len(head) < 16 or head[12:15] != b"VP8":
        return None
    size = struct.unpack("<I", head[4:8])[0] + 8
    return size if 16 < size <= limit else None


def _bmp_end(b: _Bytes, limit: int) -> int | None:
    head = b.get(0, 30)
    if len(head) < 30:
        return None
    size, reserved, data_offset, dib = struct.unpack("<IIII", head[2:18])
    if reserved != 0 or dib not in (12, 40, 52, 56, 64, 108, 124):
        return None
    if dib == 12:
        width, height, planes, bpp = struct.unpack("<HHHH", head[18:26])
    else:
        width, height, planes, bpp = struct.unpack("<iiHH", head[18:30])
    if planes != 1 or bpp not in (1, 4, 8, 16, 24, 32) or width <= 0 or height == 0:
        return None
    row = ((width * bpp + 31) // 32) * 4
    if not (14 + dib <= data_offset < size <= limit) or size < data_offset + row * abs(height) // 2:
        return None
    return int(size)


_TOP_BOXES = {
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"moof",
    b"mfra", b"pdin", b"styp", b"sidx", b"pnot", b"udta", b"prfl",
}  # fmt: skip


def _boxes(b: _Bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, box end) of the boxes in [start, end); stops at the first bad one."""
    pos = start
    while pos + 8 <= end:
        head = b.get(pos, 16)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head[:8])
        body = pos + 8
        if size == 1 and len(head) == 16:
            size, body = struct.unpack(">Q", head[8:16])[0], pos + 16
        if size < body - pos or pos + size > end:
            return
        yield kind, body, pos + size
        pos += size


def _mp4_end(b: _Bytes, limit: int) -> int | None:
    end, seen = 0, set[bytes]()
    for kind, _body, box_end in _boxes(b, 0, limit):
        if kind not in _TOP_BOXES or (not seen and kind != b"ftyp"):
            break
        seen.add(kind)
        end = box_end
    return end if {b"moov", b"mdat"} <= seen else None


# --- validation by decoding ---


def _decodes(data: bytes) -> bool:
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # process-wide; other libraries flip it
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format == "JPEG":
                im.draft("RGB", (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
            if im.size[0] * im.size[1] > 64_000_000:
                return False
            im.load()
            return True
    except Exception:  # any decoder failure means a false start
        return False


def _video_ok(b: _Bytes, length: int) -> bool:
    """A track whose chunk offsets lie inside the carved bytes: the box tree is real."""
    tracks = 0
    for kind, body, end in _boxes(b, 0, length):
        if kind != b"moov":
            continue
        for tkind, tbody, tend in _boxes(b, body, end):
            if tkind != b"trak":
                continue
            offsets = _chunk_offsets(b, tbody, tend)
            if offsets is None or not offsets or max(offsets) >= length:
                return False
            tracks += 1
    return tracks > 0


def _chunk_offsets(b: _Bytes, start: int, end: int) -> list[int] | None:
    for kind, body, box_end in _boxes(b, start, end):
        if kind in (b"mdia", b"minf", b"stbl"):
            found = _chunk_offsets(b, body, box_end)
            if found is not None:
                return found
        if kind in (b"stco", b"co64"):
            head = b.get(body, 8)
            if len(head) < 8:
                return None
            count = struct.unpack(">I", head[4:8])[0]
            width = 4 if kind == b"stco" else 8
            if count == 0 or 8 + count * width > box_end - body:
                return None
            raw = b.get(body + 8, min(count, 4096) * width)
            fmt = f">{len(raw) // width}{'I' if width == 4 else 'Q'}"
            return list(struct.unpack(fmt, raw[: len(raw) // width * width]))
    return None


# --- the scan ---

_STRUCTURES: dict[str, tuple[Callable[[_Bytes, int], int | None], int]] = {
    "jpg": (_jpeg_end, MAX_PICTURE),
    "png": (_png_end, MAX_PICTURE),
    "gif": (_gif_end, MAX_PICTURE),
    "webp": (_webp_end, MAX_PICTURE),
    "bmp": (_bmp_end, MAX_PICTURE),
    "mp4": (_mp4_end, MAX_VIDEO),
}


def _signatures(block: np.ndarray) -> Iterator[tuple[int, str]]:
    """(sector index, kind) of every sector of the block that starts with a signature."""
    s = block
    jpeg = (s[:, 0] == 0xFF) & (s[:, 1] == 0xD8) & (s[:, 2] == 0xFF)
    png = (s[:, 0] == 0x89) & (s[:, 1] == 0x50) & (s[:, 2] == 0x4E) & (s[:, 3] == 0x47)
    gif = (s[:, 0] == 0x47) & (s[:, 1] == 0x49) & (s[:, 2] == 0x46) & (s[:, 3] == 0x38)
    riff = (s[:, 0] == 0x52) & (s[:, 1] == 0x49) & (s[:, 2] == 0x46) & (s[:, 3] == 0x46)
    webp = riff & (s[:, 8] == 0x57) & (s[:, 9] == 0x45) & (s[:, 10] == 0x42) & (s[:, 11] == 0x50)
    bmp = (s[:, 0] == 0x42) & (s[:, 1] == 0x4D)
    ftyp = (s[:, 4] == 0x66) & (s[:, 5] == 0x74) & (s[:, 6] == 0x79) & (s[:, 7] == 0x70)
    hits: list[tuple[int, str]] = []
    for mask, kind in (
        (jpeg, "jpg"),
        (png, "png"),
        (gif, "gif"),
        (webp, "webp"),
        (bmp, "bmp"),
        (ftyp, "mp4"),
    ):
        hits.extend((int(i), kind) for i in np.flatnonzero(mask))
    hits.sort()
    yield from hits


@dataclass
class Carver:
    """Fed the media block by block (the hash pass's reads); yields what it carves."""

    read_at: ReadAt
    candidates: int = 0
    false_starts: int = 0
    scanned: int = 0

    def __post_init__(self) -> None:
        self._skip_to = 0  # inside a carved file: its embedded thumbnails are not carved again

    def feed(self, offset: int, block: bytes, region_end: int) -> Iterator[Carved]:
        """`block` starts at media `offset` (sector-aligned) inside a free region ending at
        `region_end`; a carved file never runs past its region."""
        usable = len(block) - len(block) % SECTOR
        if usable <= 0:
            return
        self.scanned += usable
        sectors = np.frombuffer(block, dtype=np.uint8, count=usable).reshape(-1, SECTOR)
        if not sectors[:, :12].any():
            return  # zeroed space, the common case
        for index, kind in _signatures(sectors):
            start = offset + index * SECTOR
            if start < self._skip_to:
                continue
            self.candidates += 1
            found = self._candidate(start, kind, region_end)
            if found is None:
                self.false_starts += 1
                continue
            self._skip_to = start + found.length
            yield found

    def _candidate(self, start: int, kind: str, region_end: int) -> Carved | None:
        walk, most = _STRUCTURES[kind]
        limit = min(most, region_end - start)
        b = _Bytes(self.read_at, start, start + limit)
        length = walk(b, limit)
        if not length or length > limit:
            return None
        if kind == "mp4":
            if not _video_ok(b, length):
                return None
            brand = b.get(8, 4)
            return Carved(start, length, "mov" if brand == b"qt  " else "mp4")
        if not _decodes(self.read_at(start, length)):
            return None
        return Carved(start, length, kind)
