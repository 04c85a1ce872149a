"""The demo's third device, as a lab receives one: `stick-C.E01`, an EWF image of a USB stick.

p1 FAT32 holds holiday pictures (one of them the laptop's, byte for byte), a picture deleted
from DCIM whose directory entry and clusters are still there, and, in free clusters, a picture
no directory points to any more (carved); p2 NTFS holds a picture downloaded from a website,
whose Zone.Identifier stream names the site. Built without mounting by the Debian tools
scripts/system-deps.sh installs (mtools, dosfstools, ntfs-3g, fdisk, ewf-tools); all benign.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from synthtrace.demo.pictures import jpeg_bytes, landscape

MiB = 1024 * 1024
TOOLS = ("mkfs.vfat", "mmd", "mcopy", "mdel", "mkntfs", "ntfscp", "sfdisk", "ewfacquire")
HOST_URL = "https://images.example.com/uploads/2023/barn_at_dusk.jpg"
REFERRER_URL = "https://forum.example.net/thread/4242"
ZONE = f"[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl={REFERRER_URL}\r\nHostUrl={HOST_URL}\r\n"
FAT_SIZE, NTFS_SIZE = 40 * MiB, 12 * MiB
CARVED_AT = 30 * MiB  # inside p1, in clusters no file uses


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def _run(*cmd: str | Path, stdin: str | None = None) -> None:
    subprocess.run([str(c) for c in cmd], input=stdin, capture_output=True, text=True, check=True)


def _blank(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def build_stick(folder: Path, shared_jpeg: bytes) -> Path | None:
    """Write `folder/stick-C.E01`; None (and nothing written) when a tool is missing."""
    if missing_tools():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        work = Path(tmp)
        fat = _blank(work / "p1.fat", FAT_SIZE)
        _run("mkfs.vfat", "-F", "32", "-S", "512", "-s", "1", "-n", "STICK", fat)
        _run("mmd", "-i", fat, "::/DCIM")
        files = {
            "DCIM/hills.jpg": shared_jpeg,
            "DCIM/IMG_0101.jpg": jpeg_bytes(landscape(20), 88),
            "DCIM/IMG_0102.jpg": jpeg_bytes(landscape(21), 88),
        }
        for name, data in files.items():
            src = work / name.rsplit("/", 1)[1]
            src.write_bytes(data)
            _run("mcopy", "-i", fat, src, f"::/{name}")
        _run("mdel", "-i", fat, "::/DCIM/IMG_0102.jpg")  # deleted: entry and clusters remain
        with fat.open("r+b") as fh:
            fh.seek(CARVED_AT)
            fh.write(jpeg_bytes(landscape(22), 85))  # no directory entry points here
        ntfs = _blank(work / "p2.ntfs", NTFS_SIZE)
        _run("mkntfs", "-q", "-F", "-f", "-L", "DATA", ntfs)
        barn = work / "barn_at_dusk.jpg"
        barn.write_bytes(jpeg_bytes(landscape(23), 90))
        _run("ntfscp", "-q", "-f", ntfs, barn, "barn_at_dusk.jpg")
        zone = work / "zone.txt"
        zone.write_text(ZONE)
        _run("ntfscp", "-q", "-f", "-N", "Zone.Identifier", ntfs, zone, "barn_at_dusk.jpg")
        raw = _blank(work / "stick.raw", MiB + FAT_SIZE + MiB + NTFS_SIZE + MiB)
        table = (
            "label: dos\n"
            f"start=2048, size={FAT_SIZE // 512}, type=c\n"
            f"start={(2 * MiB + FAT_SIZE) // 512}, size={NTFS_SIZE // 512}, type=7\n"
        )
        _run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", raw, stdin=table)
        for volume, offset in ((fat, MiB), (ntfs, 2 * MiB + FAT_SIZE)):
            with volume.open("rb") as src_fh, raw.open("r+b") as dst:
                dst.seek(offset)
                shutil.copyfileobj(src_fh, dst, MiB)
        target = folder / "stick-C"
        _run(
            "ewfacquire", "-u", "-q", "-t", target, "-C", "DEMO-2026-001", "-E", "stick-C",
            "-e", "demo examiner", "-D", "USB stick seized with the laptop (benign demo)",
            "-N", "acquired for the demo, write-blocked", "-d", "sha1", "-c", "deflate:fast",
            raw,
        )  # fmt: skip
    return folder / "stick-C.E01"
