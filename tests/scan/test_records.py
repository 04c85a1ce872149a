"""What a scan records for every file: address, size, times, type, digests, image facts."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pillow_heif
import py7zr
import pytest
from PIL import Image

from synthtrace.case import Case
from synthtrace.demo.pictures import camera_exif, jpeg_bytes, landscape, sample_photo
from synthtrace.scan.service import scan_evidence
from tests.builders import (
    chunk,
    insert_before_iend,
    png,
    small_jpeg,
    tar_bytes,
    write,
    zip_bytes,
)
from tests.conftest import by_path

pillow_heif.register_heif_opener()


def _scan(case: Case, root: Path, label: str = "dev") -> dict[str, dict[str, object]]:
    scan_evidence(case, root, label, workers=0)
    return by_path(case)


def test_digests_size_and_content_addressing(case: Case, tmp_path: Path) -> None:
    data = small_jpeg(1)
    write(tmp_path / "ev" / "a" / "one.jpg", data)
    write(tmp_path / "ev" / "b" / "copy.jpg", data)
    recs = _scan(case, tmp_path / "ev")
    one, copy = recs["a/one.jpg"], recs["b/copy.jpg"]
    assert one["md5"] == hashlib.md5(data).hexdigest()
    assert one["sha1"] == hashlib.sha1(data).hexdigest()
    assert one["sha256"] == hashlib.sha256(data).hexdigest()
    assert one["size"] == len(data)
    assert copy["sha256"] == one["sha256"]
    with case.sessions() as s:
        from sqlalchemy import func, select

        from synthtrace.store.models import File, Media

        assert s.execute(select(func.count(Media.id))).scalar_one() == 1
        assert s.execute(select(func.count(File.id))).scalar_one() == 2


def test_type_by_content_and_extension_mismatch(case: Case, tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    write(ev / "photo.jpg", small_jpeg(2))
    write(ev / "photo.png", small_jpeg(3))  # a JPEG named .png
    write(ev / "notes.txt", b"plain words\n")
    write(ev / "noext", small_jpeg(4))
    recs = _scan(case, ev)
    assert recs["photo.jpg"]["mime"] == "image/jpeg"
    assert recs["photo.jpg"]["extension_mismatch"] is False
    assert recs["photo.png"]["mime"] == "image/jpeg"
    assert recs["photo.png"]["extension_mismatch"] is True
    assert recs["notes.txt"]["mime"] == "text/plain"
    assert recs["notes.txt"]["extension_mismatch"] is False
    assert recs["noext"]["extension_mismatch"] is True  # a picture with no extension is hidden


def test_times_as_the_source_has_them(case: Case, tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    f = write(ev / "x.jpg", small_jpeg(5))
    import os

    os.utime(f, ns=(1_600_000_000_123_456_789, 1_700_000_000_000_000_000))
    write(ev / "a.zip", zip_bytes({"m.txt": b"member"}))
    recs = _scan(case, ev)
    assert recs["x.jpg"]["mtime"] == "2023-11-14T22:13:20Z"
    assert recs["x.jpg"]["atime"] == "2020-09-13T12:26:40.123456789Z"
    assert recs["x.jpg"]["ctime"]
    # ZIP stores local wall-clock time without a zone: recorded without one.
    assert recs["a.zip!/m.txt"]["mtime"] == "2024-01-02T03:04:04"


def test_archive_addresses_nested_and_archive_records(case: Case, tmp_path: Path) -> None:
    jpg = small_jpeg(6)
    inner = zip_bytes({"c.jpg": jpg})
    middle = zip_bytes({"b.zip": inner, "dir/inner.jpg": jpg})
    ev = tmp_path / "ev"
    write(ev / "a.zip", middle)
    write(ev / "t.tar", tar_bytes({"in/tar.txt": b"tar member"}))
    write(ev / "t.tar.gz", tar_bytes({"gz.txt": b"gz member"}, "w:gz"))
    write(ev / "t.tar.bz2", tar_bytes({"bz.txt": b"bz member"}, "w:bz2"))
    write(ev / "t.tar.xz", tar_bytes({"xz.txt": b"xz member"}, "w:xz"))
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        z.writestr(b"seven", "s/seven.txt")
        z.writestr(zip_bytes({"in7.txt": b"zip in 7z"}), "s/z.zip")
    write(ev / "s.7z", buf.getvalue())
    recs = _scan(case, ev)
    for path in (
        "a.zip",
        "a.zip!/b.zip",
        "a.zip!/b.zip!/c.jpg",
        "a.zip!/dir/inner.jpg",
        "t.tar!/in/tar.txt",
        "t.tar.gz!/gz.txt",
        "t.tar.bz2!/bz.txt",
        "t.tar.xz!/xz.txt",
        "s.7z!/s/seven.txt",
        "s.7z!/s/z.zip!/in7.txt",
    ):
        assert path in recs, path
        assert recs[path]["status"] == "ok", recs[path]["errors"]
    assert recs["a.zip!/b.zip!/c.jpg"]["sha256"] == hashlib.sha256(jpg).hexdigest()
    assert recs["a.zip!/b.zip!/c.jpg"]["container"] == "a.zip!/b.zip"
    assert recs["a.zip"]["mime"] == "application/zip"
    assert recs["t.tar.gz!/gz.txt"]["sha256"] == hashlib.sha256(b"gz member").hexdigest()


def test_single_file_and_archive_as_evidence(case: Case, tmp_path: Path) -> None:
    jpg = write(tmp_path / "single.jpg", small_jpeg(7))
    arc = write(tmp_path / "bundle.zip", zip_bytes({"p/q.txt": b"q"}))
    scan_evidence(case, jpg, "one-file", workers=0)
    scan_evidence(case, arc, "one-archive", workers=0)
    recs = {(r["evidence"], r["path"]) for r in _records(case)}
    assert ("one-file", "single.jpg") in recs
    assert ("one-archive", "bundle.zip") in recs
    assert ("one-archive", "bundle.zip!/p/q.txt") in recs


def _records(case: Case) -> list[dict[str, object]]:
    from tests.conftest import records

    return records(case)


def test_gzip_single_stream_is_opened(case: Case, tmp_path: Path) -> None:
    import gzip

    write(tmp_path / "ev" / "log.txt.gz", gzip.compress(b"line\n" * 10))
    recs = _scan(case, tmp_path / "ev")
    assert recs["log.txt.gz!/log.txt"]["sha256"] == hashlib.sha256(b"line\n" * 10).hexdigest()


def test_image_facts_exif_gps_thumbnail(case: Case, tmp_path: Path) -> None:
    exif = camera_exif("Canon", "EOS 80D", "2023:06:01 10:15:00", gps=(48.8584, -2.2945))
    data = jpeg_bytes(landscape(8, (800, 600)), 90, exif)
    write(tmp_path / "ev" / "cam.jpg", data)
    rec = _scan(case, tmp_path / "ev")["cam.jpg"]
    assert (rec["width"], rec["height"]) == (800, 600)
    exif_rec = rec["exif"]
    assert isinstance(exif_rec, dict)
    assert exif_rec["Make"] == "Canon"
    assert exif_rec["Model"] == "EOS 80D"
    assert exif_rec["DateTimeOriginal"] == "2023:06:01 10:15:00"
    assert exif_rec["GPS"]["latitude"] == pytest.approx(48.8584, abs=1e-3)
    assert exif_rec["GPS"]["longitude"] == pytest.approx(-2.2945, abs=1e-3)
    assert isinstance(rec["pdq"], str) and len(rec["pdq"]) == 64
    assert rec["pdq"] == rec["pdq"].lower()
    assert isinstance(rec["pdq_quality"], int)
    thumb = case.thumbnail_path(str(rec["sha256"]))
    assert thumb.is_file()
    with Image.open(thumb) as t:
        assert max(t.size) <= 256


def test_png_text_chunks_verbatim_and_after_idat(case: Case, tmp_path: Path) -> None:
    base = png(
        landscape(9, (64, 48)),
        text={"Author": "a lighthouse on a cliff\nsecond line"},
        ztxt={"Copyright": "compressed words"},
        itxt={"Disclaimer": "ünïcödé text"},
    )
    late = insert_before_iend(base, chunk(b"tEXt", b"late\x00written after the pixels"))
    write(tmp_path / "ev" / "gen.png", late)
    rec = _scan(case, tmp_path / "ev")["gen.png"]
    assert rec["png_text"] == {
        "Author": "a lighthouse on a cliff\nsecond line",
        "Copyright": "compressed words",
        "Disclaimer": "ünïcödé text",
        "late": "written after the pixels",
    }
    assert rec["status"] == "ok"


def test_xmp_packet(case: Case, tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
        b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'dc:format="image/jpeg"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    buf = io.BytesIO()
    landscape(10, (100, 80)).save(buf, "JPEG", xmp=xmp)
    write(tmp_path / "ev" / "x.jpg", buf.getvalue())
    rec = _scan(case, tmp_path / "ev")["x.jpg"]
    assert isinstance(rec["xmp"], str) and 'dc:format="image/jpeg"' in rec["xmp"]


@pytest.mark.parametrize(
    "fmt,mime",
    [
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
        ("HEIF", "image/heic"),
        ("AVIF", "image/avif"),
        ("JPEG", "image/jpeg"),
    ],
)
def test_every_image_format_gets_size_and_pdq(
    case: Case, tmp_path: Path, fmt: str, mime: str
) -> None:
    img = sample_photo("coffee") or landscape(11)
    buf = io.BytesIO()
    img.save(buf, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP", "HEIF", "AVIF") else {}))
    write(tmp_path / "ev" / f"pic.{fmt.lower()}", buf.getvalue())
    rec = _scan(case, tmp_path / "ev")[f"pic.{fmt.lower()}"]
    assert rec["status"] == "ok", rec["errors"]
    assert rec["mime"] in (mime, "image/x-ms-bmp", "image/heif"), rec["mime"]
    assert (rec["width"], rec["height"]) == img.size
    assert isinstance(rec["pdq"], str) and len(rec["pdq"]) == 64


def test_workers_give_the_same_records_as_in_process(tmp_path: Path) -> None:
    from synthtrace.case import create_case
    from tests.conftest import records

    ev = tmp_path / "ev"
    for i in range(12):
        write(ev / f"p{i}.jpg", small_jpeg(20 + i))
    write(ev / "z.zip", zip_bytes({f"z{i}.jpg": small_jpeg(40 + i) for i in range(5)}))
    outs = []
    for workers in (0, 2):
        with create_case(tmp_path / f"case{workers}", name="w") as c:
            scan_evidence(c, ev, "dev", workers=workers)
            outs.append(json.dumps(records(c), sort_keys=True))
    assert outs[0] == outs[1]


def test_tar_member_names_not_utf8(case: Case, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tf:
        info = tarfile.TarInfo("caf\xe9.txt")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"abc"))
    write(tmp_path / "ev" / "n.tar", buf.getvalue())
    recs = _scan(case, tmp_path / "ev")
    rec = recs["n.tar!/caf\\xe9.txt"]
    assert rec["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert any("not valid UTF-8" in e for e in rec["errors"])  # type: ignore[union-attr]


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_thumbnail_is_upright(case: Case, tmp_path: Path, orientation: int) -> None:
    # A picture stored on its side with an EXIF orientation tag: the thumbnail turns it upright.
    img = Image.new("RGB", (300, 100), (255, 255, 255))
    img.paste((200, 0, 0), (0, 0, 30, 100))  # a red bar on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = orientation
    write(tmp_path / "ev" / "o.jpg", jpeg_bytes(img, 95, exif))
    rec = _scan(case, tmp_path / "ev")["o.jpg"]
    with Image.open(case.thumbnail_path(str(rec["sha256"]))) as t:
        wide = t.width > t.height
        assert wide == (orientation in (1, 3))
        px = t.convert("RGB")
        red_at = {
            1: (2, t.height // 2),
            3: (t.width - 3, t.height // 2),
            6: (t.width // 2, 2),
            8: (t.width // 2, t.height - 3),
        }[orientation]
        r, g, _ = px.getpixel(red_at)  # type: ignore[misc]
        assert r > 150 and g < 100
