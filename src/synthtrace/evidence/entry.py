"""What a source yields: one file found in the evidence, and where its bytes can be had."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

# Kinds of entry. Directories are walked, not recorded, unless they cannot be read.
FILE, SYMLINK, SPECIAL, DIRECTORY = "file", "symlink", "special", "directory"


@dataclass
class Entry:
    """One file in the evidence, addressed `dir/outer.zip!/inner/file.jpg`.

    The bytes come from exactly one of: `fs_path` (a regular file on the evidence file system,
    opened read-only by whoever analyses it), `data` (an archive member held in memory) or `spool`
    (a large member spooled into the case folder; only the scanning process may read it).
    """

    path: str
    kind: str
    depth: int = 0
    container: str | None = None
    size: int | None = None
    mtime: str | None = None
    atime: str | None = None
    ctime: str | None = None
    btime: str | None = None
    link_target: str | None = None
    errors: list[str] = field(default_factory=list)
    fs_path: bytes | None = None
    data: bytes | None = None
    spool: BinaryIO | None = None
    # Disk images (evidence/diskimage.py): a file the file system lists as deleted, a file carved
    # from unallocated space at `image_offset` bytes into the whole image, where the file was
    # downloaded from, and, on the image file's own record, the `image` object.
    deleted: bool = False
    carved: bool = False
    image_offset: int | None = None
    download_origin: dict[str, Any] | None = None
    image: dict[str, Any] | None = None

    @property
    def has_content(self) -> bool:
        return self.kind == FILE and (
            self.fs_path is not None or self.data is not None or self.spool is not None
        )

    @property
    def name(self) -> str:
        """The last path segment, whose extension the type check compares with the content."""
        return self.path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class ContainerFinished:
    """Every member of the archive at `path` has been yielded (errors: what stopped the reading)."""

    path: str
    errors: list[str] = field(default_factory=list)
