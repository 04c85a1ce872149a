"""Which evidence files are containers, by signature, and which opener reads each kind.

The walker decides this for every file of a device, in the one scanning process, so it must cost
microseconds: the first bytes are compared with each kind's signature here (libmagic took a
quarter of a scan's time for it). A new container kind (a phone extraction) is one opener module
plus one entry in CONTAINERS; disk images (evidence/diskimage.py) are one entry per media format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from synthtrace.analyze.models.torchfile import torch_zip_head
from synthtrace.evidence import archives, diskimage
from synthtrace.evidence.entry import Entry

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext

Opener = Callable[[BinaryIO, Entry, "WalkContext"], Iterator[Entry]]


@dataclass(frozen=True)
class ContainerKind:
    name: str
    matches: Callable[[bytes], bool]  # given the file's first bytes (up to 8 KiB)
    open: Opener
    # The container's own record after its members (a disk image's record carries what reading
    # it found: its `image` object, hash verification).
    record_after: bool = False
    # Members are charged to the expansion budget (archive bombs); a disk image's members are
    # bounded by its volumes instead, and a sparse E01 legitimately expands far more.
    budgeted: bool = True
    # Other files of the evidence that are part of this one (segments .E02, .002): given the
    # container's path, theirs; the walker records them as segments and never opens them.
    segments: Callable[[bytes], list[bytes]] | None = None


def _zip(head: bytes) -> bool:
    # Office documents, EPUB, APK and JAR are ZIP inside and are opened as archives too; a PyTorch
    # checkpoint is one model file (analyze/models), not an archive.
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and not torch_zip_head(head)


def _tar(head: bytes) -> bool:
    return head[257:262] == b"ustar" or archives.tar_header_ok(head[:512])


def _bzip2(head: bytes) -> bool:
    return len(head) >= 4 and head.startswith(b"BZh") and head[3:4] in b"123456789"


# First match wins.
CONTAINERS: list[ContainerKind] = [
    ContainerKind("zip", _zip, archives.read_zip),
    ContainerKind("7z", lambda h: h.startswith(b"7z\xbc\xaf\x27\x1c"), archives.read_7z),
    ContainerKind("gzip", lambda h: h.startswith(b"\x1f\x8b\x08"), archives.read_gzip),
    ContainerKind("bzip2", _bzip2, archives.read_bzip2),
    ContainerKind("xz", lambda h: h.startswith(b"\xfd7zXZ\x00"), archives.read_xz),
    ContainerKind("tar", _tar, archives.read_tar),
    *(
        ContainerKind(
            f"disk image ({fmt})",
            diskimage.MATCHERS[fmt],
            diskimage.read_disk_image(fmt),
            record_after=True,
            budgeted=False,
            segments=diskimage.segment_claims(fmt) if fmt in ("ewf", "raw") else None,
        )
        for fmt in ("ewf", "vmdk", "vhd", "vhdx", "qcow", "raw")
    ),
]

# Said on files that match no kind but look like part of one (an EWF segment without its first).
NOTES: list[Callable[[bytes], str | None]] = [diskimage.later_segment_note]


def container_note(head: bytes) -> str | None:
    for note in NOTES:
        if (text := note(head)) is not None:
            return text
    return None


def container_kind(head: bytes) -> ContainerKind | None:
    """The container kind whose signature the content starts with, or None for a plain file."""
    for kind in CONTAINERS:
        if kind.matches(head):
            return kind
    return None
