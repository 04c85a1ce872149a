"""Our EWF chunk reader against libewf: the same bytes for compressed, stored and segmented
images, and damaged chunks named instead of read silently."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyewf
import pytest

from synthtrace.evidence.ewf import EwfError, EwfMedia
from tests.disk import images
from tests.disk.conftest import Reference


def _all(media: EwfMedia, block: int = 1 << 20) -> bytes:
    media.seek(0)
    out = bytearray()
    while chunk := media.read(block):
        out += chunk
    return bytes(out)


@pytest.mark.parametrize("fmt", ["ewf", "ewf segments"])
def test_same_bytes_as_libewf(formats: Reference, fmt: str) -> None:
    paths = [str(p) for p in pyewf.glob(str(formats.formats[fmt]))]
    media = EwfMedia(paths)
    handle = pyewf.handle()
    handle.open(paths)
    try:
        assert media.size == handle.get_media_size() == formats.raw.stat().st_size
        data = _all(media, block=12345)  # reads that straddle chunks
        assert data == formats.raw.read_bytes()
        assert hashlib.md5(data).hexdigest() == handle.get_hash_value("MD5")
        media.seek(1_000_001)
        handle.seek_offset(1_000_001, 0)
        assert media.read(70_000) == handle.read_buffer(70_000)
        assert media.bad_chunks == [] and media.errors == []
    finally:
        media.close()
        handle.close()


def test_a_chunk_that_does_not_inflate_reads_as_zeros_and_is_named(
    formats: Reference, tmp_path: Path
) -> None:
    source = formats.formats["ewf"]
    probe = EwfMedia([str(source)])
    chunk = next(c for c in probe.chunks[8:] if c.compressed and c.size > 64)
    index = probe.chunks.index(chunk)
    probe.close()
    damaged = tmp_path / "damaged.E01"
    data = bytearray(source.read_bytes())
    data[chunk.offset + 2 : chunk.offset + 40] = bytes(38)  # the zlib stream no longer inflates
    damaged.write_bytes(bytes(data))
    media = EwfMedia([str(damaged)])
    try:
        read = _all(media)
        raw = formats.raw.read_bytes()
        start = index * media.chunk_size
        assert read[start : start + media.chunk_size] == bytes(media.chunk_size)
        assert read[:start] == raw[:start]
        assert [offset for offset, _ in media.bad_chunks] == [start]
        assert "does not inflate" in media.bad_chunks[0][1]
    finally:
        media.close()


def test_not_an_ewf_file(tmp_path: Path) -> None:
    other = images.blank(tmp_path / "x.E01", 4096)
    with pytest.raises(EwfError):
        EwfMedia([str(other)])
