"""The reference disk, built once per session, in every media format; and scans of it.

Layout (MBR): p1 FAT16 with a picture, a deleted picture and a text file, and in its free
clusters a planted picture plus two false starts; p2 NTFS with a downloaded picture carrying its
Zone.Identifier stream; p3 ext4 as a logical partition inside an extended one, with a deleted
file; and a PNG in the space after the last partition.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from synthtrace.case import create_case
from synthtrace.demo.pictures import landscape
from synthtrace.export.records import iter_records
from synthtrace.scan.service import scan_evidence
from tests.builders import png, small_jpeg
from tests.disk import images
from tests.disk.images import MiB, Part

ZONE = (
    b"[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://pictures.example.org/gallery\r\n"
    b"HostUrl=https://cdn.example.org/a/barn.jpg\r\n"
)


@dataclass
class Reference:
    raw: Path
    disk: images.Disk
    pictures: dict[str, bytes]
    planted: dict[int, bytes]  # whole-disk offset -> the picture planted there
    formats: dict[str, Path] = field(default_factory=dict)
    segments: dict[str, list[Path]] = field(default_factory=dict)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("disk")
    pics = {
        "cat": small_jpeg(1),
        "gone": small_jpeg(2),
        "planted": small_jpeg(3, (256, 192)),
        "download": small_jpeg(4),
        "lake": png(landscape(5, (160, 120))),
        "outside": png(landscape(6, (128, 96))),
        "ext_gone": small_jpeg(7, (200, 150)),
    }
    fat = images.fat_volume(
        root / "p1.fat",
        16 * MiB,
        {
            "Pictures/cat.jpg": pics["cat"],
            "Pictures/gone.jpg": pics["gone"],
            "docs/readme.txt": b"a red barn in a field\n" * 20,
        },
        deleted=("Pictures/gone.jpg",),
    )
    # Free clusters near the end of the FAT volume: a picture, a truncated one, a bare header.
    images.put(fat, 12 * MiB, pics["planted"])
    images.put(fat, 13 * MiB, small_jpeg(8)[:1500])
    images.put(fat, 14 * MiB, b"\xff\xd8\xff\xe0" + os.urandom(4000))
    ntfs = images.ntfs_volume(
        root / "p2.ntfs",
        16 * MiB,
        {"barn.jpg": pics["download"], "notes.txt": b"shopping list: apples\n"},
        {("barn.jpg", "Zone.Identifier"): ZONE},
    )
    folder = root / "extfiles"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "lake.png").write_bytes(pics["lake"])
    (folder / "old.jpg").write_bytes(pics["ext_gone"])
    ext = images.ext_volume(root / "p3.ext4", 8 * MiB, folder)
    images.debugfs(ext, "rm /old.jpg")
    disk = images.disk(
        root / "disk.raw",
        [Part(fat, 16 * MiB, "6"), Part(ntfs, 16 * MiB, "7"), Part(ext, 8 * MiB, "83")],
        logical=1,
    )
    size = disk.path.stat().st_size
    outside = size - MiB
    images.put(disk.path, outside, pics["outside"])
    planted = {disk.parts[0].start + 12 * MiB: pics["planted"], outside: pics["outside"]}
    ref = Reference(disk.path, disk, pics, planted)
    ref.formats["raw"] = disk.path
    return ref


@pytest.fixture(scope="session")
def formats(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The reference disk as E01 (compressed, and in segments), split raw, VMDK, VHD, VHDX and
    QCOW2."""
    root = tmp_path_factory.mktemp("formats")
    raw = reference.raw
    (root / "e01").mkdir()
    reference.formats["ewf"] = images.ewf(raw, root / "e01" / "disk")
    (root / "e01seg").mkdir()
    first = images.ewf(raw, root / "e01seg" / "disk", segment_size="20MiB", compress=False)
    reference.formats["ewf segments"] = first
    reference.segments["ewf segments"] = sorted((root / "e01seg").glob("disk.E0*"))
    (root / "split").mkdir()
    parts = images.split_raw(raw, root / "split" / "disk", 20 * MiB)
    reference.formats["split raw"] = parts[0]
    reference.segments["split raw"] = parts
    (root / "alpha").mkdir()
    parts = images.split_raw(raw, root / "alpha" / "disk", 20 * MiB, numeric=False)
    reference.formats["split raw (aa)"] = parts[0]
    reference.segments["split raw (aa)"] = parts
    for fmt, ext in (("vmdk", "vmdk"), ("vpc", "vhd"), ("vhdx", "vhdx"), ("qcow2", "qcow2")):
        reference.formats[fmt] = images.convert(raw, root / f"disk.{ext}", fmt)
    return reference


Records = dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def scan_image(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Records]:
    """Scan a path into a new case (cached per path): its records by address."""
    done: dict[tuple[str, str], Records] = {}

    def scan(path: Path, label: str = "disk", **kwargs: Any) -> Records:
        key = (str(path), repr(sorted(kwargs.items())))
        if key not in done:
            root = tmp_path_factory.mktemp("case") / "case"
            with create_case(root, name="disk test", examiner="tester") as case:
                scan_evidence(case, path, label, workers=1, **kwargs)
                with case.sessions() as s:
                    done[key] = {str(r["path"]): r for r in iter_records(s)}
        return done[key]

    return scan


def sha_of(record: dict[str, Any]) -> str | None:
    value = record.get("sha256")
    return str(value) if value else None
