"""Hostile videos, written byte by byte: headers that lie about size and length."""

from __future__ import annotations

import io
import struct

from PIL import Image


def _size(n: int) -> bytes:
    """EBML's variable-length size, as short as it goes (libmagic reads fixed offsets)."""
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return ((1 << (7 * length)) | n).to_bytes(length, "big")
    raise ValueError("too large")


def el(ident: int, body: bytes) -> bytes:
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + _size(len(body)) + body


def uint(ident: int, value: int) -> bytes:
    return el(ident, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def text(ident: int, value: str) -> bytes:
    return el(ident, value.encode())


def jpeg(width: int = 64, height: int = 48, claim: tuple[int, int] | None = None) -> bytes:
    """A small JPEG; with `claim`, its frame header (SOF0) says that size instead."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buf, "JPEG", quality=80)
    data = bytearray(buf.getvalue())
    if claim is not None:
        at = data.index(b"\xff\xc0") + 5  # SOF0: length (2), precision (1), height, width
        data[at : at + 4] = struct.pack(">HH", claim[1], claim[0])
    return bytes(data)


def mkv(
    width: int,
    height: int,
    frames: list[bytes],
    duration_ms: float | None = None,
    codec: str = "V_MJPEG",
    frame_ms: int = 40,
) -> bytes:
    """A Matroska file of one video track; its header says `width` x `height` and
    `duration_ms`, whatever the frames hold."""
    header = el(
        0x1A45DFA3,
        uint(0x4286, 1) + uint(0x42F7, 1) + uint(0x42F2, 4) + uint(0x42F3, 8)
        + text(0x4282, "matroska") + uint(0x4287, 4) + uint(0x4285, 2),
    )  # fmt: skip
    info = uint(0x2AD7B1, 1_000_000) + text(0x4D80, "test") + text(0x5741, "test")
    if duration_ms is not None:
        info += el(0x4489, struct.pack(">d", duration_ms))
    video = uint(0xB0, width) + uint(0xBA, height)
    track = el(
        0xAE,
        uint(0xD7, 1) + uint(0x73C5, 1) + uint(0x83, 1) + text(0x86, codec)
        + uint(0x23E383, frame_ms * 1_000_000) + el(0xE0, video),
    )  # fmt: skip
    blocks = b"".join(
        el(0xA3, b"\x81" + struct.pack(">h", k * frame_ms) + b"\x80" + f)
        for k, f in enumerate(frames)
    )
    cluster = el(0x1F43B675, uint(0xE7, 0) + blocks)
    segment = el(0x18538067, el(0x1549A966, info) + el(0x1654AE6B, track) + cluster)
    return header + segment
