"""Benign and hostile test evidence, built on the fly (no binaries in the repository)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin

from synthtrace.demo.pictures import jpeg_bytes, landscape, texture


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def small_jpeg(seed: int, size: tuple[int, int] = (320, 240), quality: int = 88) -> bytes:
    return jpeg_bytes(landscape(seed, size), quality)


def png(
    img: Image.Image,
    text: dict[str, str] | None = None,
    ztxt: dict[str, str] | None = None,
    itxt: dict[str, str] | None = None,
) -> bytes:
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    for k, v in (ztxt or {}).items():
        info.add_text(k, v, zip=True)
    for k, v in (itxt or {}).items():
        info.add_itxt(k, v, lang="en", tkey=k)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def insert_before_iend(png_data: bytes, raw_chunk: bytes) -> bytes:
    """Put a chunk after the image data, where Pillow does not look until the image is decoded."""
    at = png_data.rindex(b"IEND") - 4
    return png_data[:at] + raw_chunk + png_data[at:]


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size while the file is tiny (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 5)), data, compress_type=method
            )
    return buf.getvalue()


def zip_of_zeros(path: Path, megabytes: int) -> Path:
    """A zip bomb: hundreds of MB of zeros in a file of a few hundred KB, written in a stream."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("zeros.bin", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            block = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                out.write(block)
    return path


def nested_zip(depth: int, payload: bytes, name: str = "deep.jpg") -> bytes:
    data, inner = payload, name
    for level in range(depth, 0, -1):
        data = zip_bytes({inner: data})
        inner = f"level{level}.zip"
    return data


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def tree_fingerprint(root: Path) -> dict[bytes, tuple[object, ...]]:
    """Everything about a tree that a scan must not change: names, kinds, sizes, times, bytes."""
    out: dict[bytes, tuple[object, ...]] = {}
    broot = os.fsencode(root)
    for dirpath, dirnames, filenames in os.walk(broot, followlinks=False):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            digest = None
            if os.path.isfile(full) and not os.path.islink(full) and os.access(full, os.R_OK):
                # O_NOATIME: taking the fingerprint must not itself change the access times.
                fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
                with os.fdopen(fd, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            out[os.path.relpath(full, broot)] = (
                st.st_mode,
                st.st_size,
                st.st_mtime_ns,
                st.st_atime_ns,
                st.st_ctime_ns,
                digest,
            )
    return out


def textured_photo(seed: int, size: tuple[int, int] = (4000, 3000), quality: int = 90) -> bytes:
    """A 12 MP textured JPEG: where reduced-size PDQ drifts most."""
    return jpeg_bytes(texture(seed, size), quality)
