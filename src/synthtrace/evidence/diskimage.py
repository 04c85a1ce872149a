"""Disk images as containers: EWF (E01, Ex01), raw and split raw, VMDK, VHD/VHDX and QCOW2.

An image is opened like an archive (the walker calls the opener with the image's entry), through
dfvfs: the media stream, its partitions (p1, p2, ... in partition-table order; none when the file
system fills the disk), and each file system through The Sleuth Kit (live, deleted and orphan
files, NTFS streams) or dfvfs' own back-ends. Then one read of the whole media computes its MD5
and SHA-1 (checked against what EWF stored) and carves pictures and videos from every byte no
file occupies, inside partitions and outside them. The image's own record is written after its
members (`record_after`), so it carries the finished `image` object.

Segments after the first (`.E02`, `.002`, `.ab`) are part of their image: the walker records
each with `image: {segment_of, segment}` and never opens it on its own.

This module holds what the walker needs for every file (signatures, segment names) and imports
nothing heavy; the reading itself (evidence/diskread.py) needs the `disk` extra (dfvfs, pytsk3).
"""

from __future__ import annotations

import importlib.util
import os
import struct
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.entry import Entry

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext

_EVF = b"EVF\x09\x0d\x0a\xff\x00"
_LVF = b"LVF\x09\x0d\x0a\xff\x00"
_EVF2 = b"EVF2\x0d\x0a\x81\x00"

# --- signatures (the walker gives the first 8 KiB) ---


def ewf_segment(head: bytes) -> tuple[str, int] | None:
    """(format, segment number) of an EWF segment file."""
    if head.startswith((_EVF, _LVF)) and len(head) >= 11:
        label = "ewf" if head.startswith(_EVF) else "ewf-logical"
        return label, struct.unpack_from("<H", head, 9)[0]
    if head.startswith(_EVF2) and len(head) >= 16:
        return "ewf2", struct.unpack_from("<I", head, 12)[0]
    return None


def is_ewf(head: bytes) -> bool:
    found = ewf_segment(head)
    return found is not None and found[1] == 1 and found[0] != "ewf-logical"


def later_segment_note(head: bytes) -> str | None:
    """Said on a later EWF segment found without its first segment (so not read as part of it)."""
    found = ewf_segment(head)
    if found is None or found[1] == 1:
        return None
    return (
        f"EWF segment {found[1]} found without the image's first segment (.E01 or .Ex01) "
        "beside it; hashed as a file, not read as an image"
    )


def _mbr(head: bytes) -> bool:
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    used = 0
    for i in range(4):
        entry = head[446 + 16 * i : 462 + 16 * i]
        if entry[0] not in (0x00, 0x80):
            return False
        ptype = entry[4]
        start, count = struct.unpack_from("<II", entry, 8)
        if ptype and start and count:
            used += 1
        elif ptype and not (start and count):
            return False
    return used > 0


def _ext(head: bytes) -> bool:
    sb = head[1024:2048]
    if len(sb) < 100 or sb[56:58] != b"\x53\xef":
        return False
    inodes, blocks = (int(v) for v in struct.unpack_from("<II", sb, 0))
    log_block, per_group = (
        int(struct.unpack_from("<I", sb, 24)[0]),
        int(struct.unpack_from("<I", sb, 32)[0]),
    )
    rev = int(struct.unpack_from("<I", sb, 76)[0])
    return inodes > 0 and blocks > 0 and log_block <= 6 and 0 < per_group <= 524288 and rev <= 1


def _fat(head: bytes) -> bool:
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    sector = struct.unpack_from("<H", head, 11)[0]
    return sector in (512, 1024, 2048, 4096) and (
        head[54:59] in (b"FAT12", b"FAT16", b"FAT  ") or head[82:87] == b"FAT32"
    )


def is_raw_disk(head: bytes) -> bool:
    """A partition table or a file system at the start: a raw image of a disk or volume."""
    return (
        head[512:520] == b"EFI PART"
        or head[4096:4104] == b"EFI PART"
        or head[3:11] in (b"NTFS    ", b"EXFAT   ", b"-FVE-FS-")
        or head.startswith(b"LUKS\xba\xbe")
        or head[1024:1028] in (b"H+\x00\x04", b"HX\x00\x05")
        or (
            head.startswith(b"XFSB")
            and struct.unpack_from(">I", head + bytes(8), 4)[0] in {512 << i for i in range(8)}
        )
        or head[32:36] == b"NXSB"
        or (head.startswith(b"ER") and head[512:514] == b"PM")
        or _fat(head)
        or _ext(head)
        or _mbr(head)
    )


MATCHERS: dict[str, Callable[[bytes], bool]] = {
    "ewf": is_ewf,
    "vmdk": lambda h: h.startswith(b"KDMV"),
    "vhd": lambda h: h.startswith(b"conectix"),
    "vhdx": lambda h: h.startswith(b"vhdxfile"),
    "qcow": lambda h: h.startswith(b"QFI\xfb"),
    "raw": is_raw_disk,
}

# --- segments ---


def segments(media_format: str, location: str) -> list[str]:
    """Every segment file of the image whose first segment is at `location`, first included."""
    try:
        if media_format == "ewf" and available():
            import pyewf

            return [str(p) for p in pyewf.glob(location)]
        if media_format == "raw" and available():
            import pysmraw

            return [str(p) for p in pysmraw.glob(location)]
    except (OSError, ValueError, RuntimeError, TypeError, MemoryError):
        pass  # libewf's glob raises MemoryError on names it cannot parse (.Ex01 in this version)
    return [location]


def segment_claims(media_format: str) -> Callable[[bytes], list[bytes]]:
    def claims(fs_path: bytes) -> list[bytes]:
        found = segments(media_format, os.fsdecode(fs_path))
        return [os.fsencode(os.path.abspath(p)) for p in found[1:]]

    return claims


def available() -> bool:
    """Whether the `disk` extra (dfvfs and its back-ends) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("dfvfs", "pytsk3", "pyewf"))


def read_disk_image(media_format: str) -> Callable[[BinaryIO, Entry, WalkContext], Iterator[Entry]]:
    def reader(stream: BinaryIO, container: Entry, ctx: WalkContext) -> Iterator[Entry]:
        if not available():
            raise ArchiveError(
                "disk image not opened: reading disk images needs the 'disk' extra "
                "(pip install 'synthtrace[disk]')"
            )
        from synthtrace.evidence.diskread import read_image

        yield from read_image(media_format, stream, container, ctx)

    return reader
