"""Opening evidence read-only, and reading archive members under the expansion limits."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from synthtrace.limits import Limits

CHUNK = 1024 * 1024


class NotRegularFile(OSError):
    """The path is no longer a regular file (replaced by a FIFO, device, ...): never read it."""


def open_evidence(path: bytes | str) -> io.FileIO:
    """Open a file of the evidence for reading only.

    O_NOFOLLOW: a link swapped in after the walk is not followed. O_NONBLOCK: a FIFO cannot hang
    the scan. O_NOATIME (when permitted): reading does not even change the access time.
    """
    base = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, base | noatime)
    except PermissionError:
        if not noatime:
            raise
        fd = os.open(path, base)  # O_NOATIME needs file ownership; fall back without it
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"not a regular file: {os.fsdecode(path)}")
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


@dataclass
class Budget:
    """How many bytes an archive (or one member) may expand to before reading stops."""

    limits: Limits
    compressed: int | None
    used: int = 0

    @property
    def allowed(self) -> int | None:
        if self.compressed is None:
            return None
        return max(
            self.limits.ratio_floor_bytes, int(self.limits.max_expansion_ratio * self.compressed)
        )

    def charge(self, n: int) -> str | None:
        self.used += n
        allowed = self.allowed
        if allowed is not None and self.used > allowed:
            return (
                f"expansion stopped after {self.used} bytes: more than "
                f"{self.limits.max_expansion_ratio:g}x the {self.compressed} compressed bytes "
                "(possible archive bomb)"
            )
        return None


class ExpansionLimit(Exception):
    """Reading stopped by the limits; the message says why."""


@dataclass
class MemberContent:
    data: bytes | None = None
    spool: BinaryIO | None = None
    size: int = 0
    errors: list[str] = field(default_factory=list)


class MemberSink:
    """Collects one member's bytes: in memory up to the limit, then in a spool file in the case."""

    def __init__(self, limits: Limits, spool_dir: Path, budgets: list[Budget]) -> None:
        self.limits = limits
        self.spool_dir = spool_dir
        self.budgets = budgets
        self.buf = bytearray()
        self.spool: BinaryIO | None = None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limits.max_member_bytes:
            raise ExpansionLimit(
                f"member larger than the {self.limits.max_member_bytes}-byte limit; not read"
            )
        for budget in self.budgets:
            why = budget.charge(len(chunk))
            if why:
                raise ExpansionLimit(why)
        if self.spool is None and len(self.buf) + len(chunk) <= self.limits.in_memory_bytes:
            self.buf += chunk
            return
        if self.spool is None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            self.spool = tempfile.TemporaryFile(dir=self.spool_dir)  # owned by the caller
            self.spool.write(self.buf)
            self.buf = bytearray()
        self.spool.write(chunk)

    def content(self) -> MemberContent:
        if self.spool is not None:
            self.spool.seek(0)
            return MemberContent(spool=self.spool, size=self.size)
        return MemberContent(data=bytes(self.buf), size=self.size)

    def discard(self) -> None:
        if self.spool is not None:
            self.spool.close()
        self.spool, self.buf = None, bytearray()


def read_member(
    stream: IO[bytes],
    limits: Limits,
    spool_dir: Path,
    budgets: list[Budget],
    claimed: int | None = None,
) -> MemberContent:
    """Read a member stream fully; limits turn into an error on the member, never a crash.

    `claimed` is the size the archive's header gives: a member that ends before it is truncated,
    and says so (its hashes are of the bytes that were there)."""
    sink = MemberSink(limits, spool_dir, budgets)
    try:
        while chunk := stream.read(CHUNK):
            sink.write(chunk)
    except ExpansionLimit as exc:
        sink.discard()
        return MemberContent(size=sink.size, errors=[str(exc)])
    except Exception as exc:  # any decoder failure on hostile data is that member's error
        # Corrupt data, bad CRC, truncated stream: keep what was read and say what went wrong.
        content = sink.content()
        of = f" of the {claimed} its header claims" if claimed is not None else ""
        content.errors.append(
            f"member could not be read completely ({exc}): "
            f"the hashes are of the {content.size} bytes read{of}"
        )
        return content
    content = sink.content()
    if claimed is not None and content.size < claimed:
        content.errors.append(
            f"member is truncated: the hashes are of the {content.size} bytes read "
            f"of the {claimed} its header claims"
        )
    return content
