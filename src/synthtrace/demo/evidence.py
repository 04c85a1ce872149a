"""Two benign seized "devices" that show the whole flow: duplicates across devices and inside
archives, near-duplicates (resized, recompressed), camera EXIF with GPS, a HEIC photo, and a few
broken files that must become errors without stopping the scan.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pillow_heif
import py7zr
from PIL import Image

from synthtrace.demo.pictures import (
    camera_exif,
    jpeg_bytes,
    landscape,
    png_bytes,
    sample_photo,
    texture,
)

pillow_heif.register_heif_opener()
FIXED_TIME = 1_700_000_000  # 2023-11-14: demo files get stable times, so demo exports repeat


def _picture(name: str, seed: int) -> Image.Image:
    return sample_photo(name) or landscape(seed)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (FIXED_TIME, FIXED_TIME))
    return path


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _targz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), FIXED_TIME
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _7z(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(data, name)
    return buf.getvalue()


def _heic(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="HEIF", quality=80)
    return buf.getvalue()


def build_demo_evidence(root: Path) -> list[tuple[str, Path]]:
    """Write the demo devices under `root`; returns (label, path) for each device."""
    cat = _picture("chelsea", 1)
    coffee = _picture("coffee", 2)
    rocket = _picture("rocket", 3)
    coins = _picture("coins", 4)
    hills = [landscape(seed) for seed in range(10, 16)]

    laptop = root / "laptop-A"
    cat_jpg = jpeg_bytes(cat, 92, camera_exif("Canon", "EOS 80D", "2023:06:01 10:15:00"))
    coffee_jpg = jpeg_bytes(coffee, 90)
    _write(laptop / "Pictures" / "cat.jpg", cat_jpg)
    _write(laptop / "Pictures" / "coffee.jpg", coffee_jpg)
    _write(laptop / "Pictures" / "rocket.png", png_bytes(rocket))
    _write(laptop / "Pictures" / "coins.webp", _webp(coins))
    for i, img in enumerate(hills[:4]):
        _write(laptop / "Pictures" / "walks" / f"hills_{i}.jpg", jpeg_bytes(img, 88))
    _write(laptop / "Pictures" / "pattern.png", png_bytes(texture(5)))
    inner = _zip({"old/hills_0_copy.jpg": jpeg_bytes(hills[0], 88)})
    _write(
        laptop / "Downloads" / "shared.zip",
        _zip(
            {
                "cat.jpg": cat_jpg,
                "misc/coffee_small.jpg": jpeg_bytes(coffee.resize((256, 192)), 70),
                "inner.zip": inner,
            }
        ),
    )
    _write(
        laptop / "Downloads" / "backup.tar.gz",
        _targz({"walks/hills_1.jpg": jpeg_bytes(hills[1], 88)}),
    )
    _write(
        laptop / "Documents" / "notes.txt", b"Shopping list: bread, coffee, film for the camera.\n"
    )
    _write(laptop / "Documents" / "report.csv", b"item,count\nphotos,12\n")
    # Broken and misleading files: each must end as an error on its record, never stop the scan.
    _write(laptop / "Trash" / "truncated.jpg", jpeg_bytes(hills[2], 88)[:5000])
    _write(laptop / "Trash" / "empty.png", b"")
    _write(laptop / "Trash" / "noise.png", bytes(range(256)) * 16)
    _write(laptop / "Trash" / "holiday.gif", jpeg_bytes(hills[3], 85))  # a JPEG named .gif

    phone = root / "phone-B"
    gps = (48.8584, 2.2945)
    _write(phone / "DCIM" / "IMG_0001.jpg", cat_jpg)  # the same file as on the laptop
    _write(
        phone / "DCIM" / "IMG_0002.jpg",
        jpeg_bytes(
            rocket.resize((rocket.width // 2, rocket.height // 2)),
            75,
            camera_exif("Google", "Pixel 7", "2023:07:04 18:30:00", gps),
        ),
    )
    _write(phone / "DCIM" / "IMG_0003.heic", _heic(coffee))
    _write(
        phone / "DCIM" / "IMG_0004.jpg",
        jpeg_bytes(hills[4], 80, camera_exif("Apple", "iPhone 13", "2023:08:09 07:45:00", gps)),
    )
    _write(
        phone / "Backup" / "old_phone.7z",
        _7z(
            {"DCIM/hills.jpg": jpeg_bytes(hills[0], 88), "DCIM/pattern.png": png_bytes(texture(5))}
        ),
    )
    from synthtrace.provenance.demo import add_generation_samples

    add_generation_samples(root)  # generated images, model files, a hash cache (issue 3)
    from synthtrace.artifacts.demo import add_browser_samples

    add_browser_samples(root)  # browser profiles, saved logins, a wallet in notes (issue 13)
    from synthtrace.video.demo import add_video_samples

    add_video_samples(root)  # a clip on each device, one re-encoded from the other (issue 10)
    return [("laptop-A", laptop), ("phone-B", phone)]


def _webp(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "WEBP", quality=85)
    return buf.getvalue()
