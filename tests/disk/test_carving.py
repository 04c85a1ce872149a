"""The carver on planted bytes: every picture kind and MP4/MOV found at its offset with its exact
length, false starts dropped, embedded thumbnails not carved twice, zeroed space skipped."""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator

import pytest
from PIL import Image

from synthtrace.demo.pictures import landscape
from synthtrace.evidence.carving import SECTOR, Carved, Carver
from synthtrace.evidence.extents import Ranges, from_pairs
from tests.builders import png, small_jpeg


def _encode(fmt: str, seed: int) -> bytes:
    buf = io.BytesIO()
    img = landscape(seed, (96, 64))
    if fmt == "GIF":
        img = img.convert("P")
    img.save(buf, fmt)
    return buf.getvalue()


def _mp4(brand: bytes = b"isom") -> bytes:
    """A minimal but coherent MP4: ftyp, mdat with samples, moov whose one track's chunk offset
    points into the mdat (what the box-tree check demands)."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", brand, 0, brand)
    payload = os.urandom(3000)
    mdat = struct.pack(">I4s", 8 + len(payload), b"mdat") + payload
    offset = len(ftyp) + 8

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), kind) + body

    stco = box(b"stco", struct.pack(">III", 0, 1, offset))
    stsz = box(b"stsz", struct.pack(">III", 0, len(payload), 1))
    trak = box(b"trak", box(b"mdia", box(b"minf", box(b"stbl", stsz + stco))))
    moov = box(b"moov", box(b"mvhd", bytes(100)) + trak)
    return ftyp + mdat + moov


def _carve(media: bytes, block: int = 64 * 1024) -> tuple[list[Carved], Carver]:
    carver = Carver(lambda off, n: media[off : off + n])
    found: list[Carved] = []
    for pos in range(0, len(media), block):
        found.extend(carver.feed(pos, media[pos : pos + block], len(media)))
    return found, carver


def _plant(size: int, items: dict[int, bytes], fill: bytes | None = None) -> bytes:
    media = bytearray(fill * (size // len(fill)) if fill else bytes(size))
    for offset, data in items.items():
        media[offset : offset + len(data)] = data
    return bytes(media)


KINDS = {
    "jpg": lambda: small_jpeg(11),
    "png": lambda: png(landscape(12, (80, 60))),
    "gif": lambda: _encode("GIF", 13),
    "webp": lambda: _encode("WEBP", 14),
    "bmp": lambda: _encode("BMP", 15),
    "mp4": _mp4,
    "mov": lambda: _mp4(b"qt  "),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_is_carved_whole_at_its_offset(kind: str) -> None:
    data = KINDS[kind]()
    offset = 37 * SECTOR  # not on a block boundary: found wherever a sector starts
    media = _plant(512 * 1024, {offset: data})
    found, _ = _carve(media)
    assert found == [Carved(offset, len(data), kind)]


def test_a_picture_across_two_read_blocks_is_whole() -> None:
    data = png(landscape(3, (200, 150)))
    block = 64 * 1024
    offset = block - 2 * SECTOR
    found, _ = _carve(_plant(4 * block, {offset: data}), block)
    assert found == [Carved(offset, len(data), "png")]


def test_false_starts_are_dropped_and_counted() -> None:
    jpeg = small_jpeg(21)
    broken_png = bytearray(png(landscape(22, (64, 48))))
    broken_png[40] ^= 0xFF  # a CRC that no longer matches
    items = {
        0: jpeg[: len(jpeg) // 2],  # truncated: the decoder must fail
        64 * SECTOR: b"\xff\xd8\xff\xe0" + os.urandom(2000),  # a bare header then noise
        128 * SECTOR: bytes(broken_png),
        192 * SECTOR: b"BM" + os.urandom(60),  # two letters are no bitmap
        256 * SECTOR: b"\x00\x00\x00\x18ftypisom" + os.urandom(100),  # no moov, no mdat
        320 * SECTOR: b"GIF89a" + os.urandom(300),
        400 * SECTOR: jpeg,  # the one real picture
    }
    found, carver = _carve(_plant(512 * 1024, items))
    assert found == [Carved(400 * SECTOR, len(jpeg), "jpg")]
    assert carver.false_starts == 6 and carver.candidates == 7


def test_pictures_inside_a_carved_file_are_not_carved_again() -> None:
    thumb = small_jpeg(31, (64, 48))
    # A "document" that embeds a picture at a sector start is one thing; a JPEG whose APP
    # segment holds another JPEG must be carved once, as itself.
    outer = small_jpeg(32, (320, 240))
    app = b"\xff\xe2" + struct.pack(">H", len(thumb) + 2) + thumb
    nested = outer[:2] + app + outer[2:]
    Image.open(io.BytesIO(nested)).load()
    found, _ = _carve(_plant(256 * 1024, {SECTOR: nested}))
    assert found == [Carved(SECTOR, len(nested), "jpg")]


def test_noise_and_zeros_give_nothing() -> None:
    noise = os.urandom(2 * 1024 * 1024)
    found, carver = _carve(noise + bytes(2 * 1024 * 1024))
    assert found == []
    assert carver.scanned == 4 * 1024 * 1024


def _gaps(ranges: Ranges, start: int, end: int) -> Iterator[tuple[int, int]]:
    return ranges.gaps(start, end)


def test_free_space_is_what_no_file_occupies() -> None:
    taken = from_pairs([(100, 200), (150, 300), (500, 600), (0, 10)])
    assert list(taken) == [(0, 10), (100, 300), (500, 600)]
    assert list(_gaps(taken, 0, 1000)) == [(10, 100), (300, 500), (600, 1000)]
    assert list(_gaps(taken, 120, 550)) == [(300, 500)]
    assert taken.overlap(250, 550) == 50 + 50
    assert taken.total() == 10 + 200 + 100
