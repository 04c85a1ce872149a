"""Type by content, once per file: the fast paths agree with libmagic, and the name rules hold."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sqlite3
import struct
import zipfile
from pathlib import Path

import magic
import numpy as np
import py7zr
import pytest
from PIL import Image

from synthtrace.analyze import filetype
from synthtrace.analyze.filetype import (
    detect_mime,
    extension_mismatch,
    name_claim_error,
    signature_mime,
)
from synthtrace.case import Case
from synthtrace.scan.service import scan_evidence
from tests.builders import small_jpeg, write, zip_bytes
from tests.conftest import by_path


def _full_libmagic(data: bytes) -> str:
    return str(magic.Magic(mime=True).from_buffer(data[: filetype.MAGIC_HEAD]))


def _image(fmt: str, **kw: object) -> bytes:
    rng = np.random.default_rng(7)
    img = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:])
    return buf.getvalue()


def pe_dll() -> bytes:
    """A PE32 DLL header followed by zeros: the layout libmagic checks, no program."""
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x2102)
    opt = bytearray(0xE0)
    struct.pack_into("<H", opt, 0, 0x10B)
    return bytes(dos) + coff + bytes(opt) + bytes(2048)


def _sqlite(tmp_path: Path) -> bytes:
    db = tmp_path / "t.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    return db.read_bytes()


def _sevenzip(tmp_path: Path) -> bytes:
    path = tmp_path / "a.7z"
    with py7zr.SevenZipFile(path, "w") as z:
        z.writestr(b"member", "m.txt")
    return path.read_bytes()


def _signature_samples(tmp_path: Path) -> dict[str, bytes]:
    return {
        "jpeg": small_jpeg(1),
        "progressive jpeg": _image("JPEG", progressive=True),
        "png": _image("PNG"),
        "apng": _animated("PNG"),
        "gif": _image("GIF"),
        "animated gif": _animated("GIF"),
        "webp": _image("WEBP"),
        "lossless webp": _image("WEBP", lossless=True),
        "animated webp": _animated("WEBP"),
        "sqlite": _sqlite(tmp_path),
        "pe dll": pe_dll(),
        "7z": _sevenzip(tmp_path),
        "xz": lzma.compress(b"some text\n" * 50),
    }


def test_every_signature_gives_what_libmagic_gives(tmp_path: Path) -> None:
    for name, data in _signature_samples(tmp_path).items():
        fast = signature_mime(data)
        assert fast is not None, name
        assert fast == _full_libmagic(data), name


def test_signatures_leave_the_rest_to_libmagic() -> None:
    for data in (b"MZ" + bytes(100), b"plain words\n", b"PK\x03\x04", gzip.compress(b"x")):
        assert signature_mime(data) is None


TEXTS = {
    "prose": b"The quick brown fox jumps over the lazy dog.\n" * 200,
    "log": b"".join(b"2024-03-01 10:00:%02d INFO started pid=%d\n" % (i, i) for i in range(60)),
    "shell": b"#!/bin/sh\nset -e\necho hello\n",
    "python": b'"""A module."""\n\nimport os\nimport sys\n\n\ndef main():\n    return 0\n',
    "c": b"/* licence */\n#include <stdio.h>\n\nint main(void) { return 0; }\n",
    "html": b"<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>x</p></body></html>\n",
    "xml": b'<?xml version="1.0" encoding="utf-8"?>\n<settings><a key="b"/></settings>\n',
    "svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4"></svg>\n',
    "json": b'{"items": [1, 2, 3], "name": "x"}\n',
    "csv": b"date,host,bytes\n2024-01-01,a,10\n2024-01-02,b,20\n2024-01-03,c,30\n",
    "mail": b"From: a@example.org\nTo: b@example.org\nSubject: hello\n\nbody\n",
    "pem": b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n",
    "postscript": b"%!PS-Adobe-3.0\n%%Title: page\nshowpage\n",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_text_types_agree_with_libmagic(name: str) -> None:
    assert detect_mime(TEXTS[name]) == _full_libmagic(TEXTS[name])


def test_binary_without_signature_goes_to_libmagic(tmp_path: Path) -> None:
    for data in (gzip.compress(b"x" * 100), bz2.compress(b"y" * 100), zip_bytes({"a.txt": b"a"})):
        assert detect_mime(data) == _full_libmagic(data)
    assert detect_mime(b"") == "application/x-empty"


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        # pictures and videos hidden under another name: the classic concealment
        ("holiday.dat", "image/png", True),
        ("x.tmp", "image/jpeg", True),
        ("cache.bin", "image/png", True),
        ("IMG_1.db", "image/jpeg", True),
        ("no_extension", "image/jpeg", True),
        ("clip.dat", "video/mp4", True),
        ("photo.gif", "image/jpeg", True),
        ("setup.exe", "image/jpeg", True),
        # their own names
        ("IMG_0001.JPG", "image/jpeg", False),
        ("a.jpeg", "image/jpeg", False),
        ("scan.TIF", "image/tiff", False),
        ("DSC_0001.NEF", "image/tiff", False),
        ("IMG_2.HEIC", "image/heic", False),
        ("clip.MOV", "video/quicktime", False),
        ("clip.mp4", "video/mp4", False),
        ("a.m2ts", "video/mp2t", False),
        # other content: only a contradiction counts
        ("notes.csv", "text/plain", False),
        ("page.html", "text/plain", False),
        ("app.ts", "text/plain", False),
        ("report.docx", "application/zip", False),
        ("book.epub", "application/zip", False),
        ("old.doc", "application/CDFV2", False),
        ("libfoo.dll", "application/vnd.microsoft.portable-executable", False),
        ("data.bin", "application/octet-stream", False),
        ("x.db", "text/plain", False),
        ("readme", "text/plain", False),
        ("empty.png", "application/x-empty", False),
        ("photo.jpg", "application/vnd.microsoft.portable-executable", True),
        ("a.pdf", "text/plain", True),
    ],
)
def test_extension_mismatch(name: str, mime: str, expected: bool) -> None:
    assert extension_mismatch(name, mime) is expected


def test_a_name_claiming_a_picture_or_video_the_content_is_not() -> None:
    error = name_claim_error("Trash/random.png", "application/octet-stream", 4096)
    assert error == (
        "name says image/png (.png) but the content is application/octet-stream: not a picture"
    )
    assert "not a video" in str(name_claim_error("a.mp4", "text/plain", 10))
    assert name_claim_error("photo.png", "image/jpeg", 10) is None  # a picture, only misnamed
    assert name_claim_error("app.ts", "text/plain", 10) is None  # TypeScript
    assert name_claim_error("voice.mp4", "audio/mp4", 10) is None  # sound alone in MP4
    assert name_claim_error("logo.svg", "text/xml", 10) is None  # SVG is text
    assert name_claim_error("notes.txt", "text/plain", 10) is None
    assert name_claim_error("zero.jpg", "application/x-empty", 0) == (
        "zero-length file, though its name says image/jpeg"
    )
    assert name_claim_error("zero.txt", "application/x-empty", 0) is None


def test_hidden_pictures_are_flagged_in_a_scan(case: Case, tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    png = _image("PNG")
    write(ev / "holiday.dat", png)
    write(ev / "x.tmp", small_jpeg(2))
    write(ev / "cache.bin", png)
    write(ev / "IMG_1.db", small_jpeg(3))
    write(ev / "IMG_1.jpg", small_jpeg(4))
    write(ev / "notes.csv", b"a,b\n1,2\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    write(ev / "letter.docx", buf.getvalue())
    scan_evidence(case, ev, "dev", workers=0)
    recs = by_path(case)
    for hidden in ("holiday.dat", "x.tmp", "cache.bin", "IMG_1.db"):
        assert recs[hidden]["extension_mismatch"] is True, hidden
        assert recs[hidden]["pdq"], hidden  # analysed as the picture it is
    for plain in ("IMG_1.jpg", "notes.csv", "letter.docx"):
        assert recs[plain]["extension_mismatch"] is False, plain
