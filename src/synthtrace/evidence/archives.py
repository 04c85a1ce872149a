"""Archive openers: zip, tar (plain, gz, bz2, xz), 7z, and single compressed streams.

Each opener turns an archive stream into member entries. Nothing is ever extracted to disk: members
are read into memory (or a spool file inside the case) and only analysed.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import queue
import stat
import struct
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

import py7zr
from py7zr.io import Py7zIO, WriterFactory

from synthtrace.evidence.entry import FILE, SPECIAL, SYMLINK, Entry
from synthtrace.evidence.names import display_name, member_address, unsafe_member_name
from synthtrace.evidence.reading import (
    Budget,
    ExpansionLimit,
    MemberContent,
    MemberSink,
    read_member,
)
from synthtrace.timefmt import local_naive, utc_from_seconds

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext


class ArchiveError(Exception):
    """The archive as a whole could not be read (the message goes on the archive's record)."""


def _member(
    container: Entry, raw_name: str | bytes, kind: str, content: MemberContent | None, **attrs: Any
) -> Entry:
    name, name_error = display_name(raw_name)
    errors = [e for e in (name_error, unsafe_member_name(name)) if e]
    entry = Entry(
        path=member_address(container.path, name),
        kind=kind,
        depth=container.depth + 1,
        container=container.path,
        errors=errors,
        **attrs,
    )
    if content is not None:
        entry.data, entry.spool, entry.errors = content.data, content.spool, errors + content.errors
        if content.data is not None or content.spool is not None:
            entry.size = content.size  # what was actually read and hashed, not what the header says
    return entry


# --- zip ---------------------------------------------------------------------------------------


def _zip_times(info: zipfile.ZipInfo) -> dict[str, str | None]:
    """ZIP keeps local wall-clock time; the 'UT' extra field (0x5455), when present, has UTC."""
    times: dict[str, str | None] = {"mtime": local_naive(info.date_time)}
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            times["mtime"] = utc_from_seconds(struct.unpack_from("<i", body, 1)[0])
        pos += 4 + size
    return times


def read_zip(stream: BinaryIO, container: Entry, ctx: WalkContext) -> Iterator[Entry]:
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ArchiveError(f"zip archive could not be opened: {exc}") from exc
    with zf:
        for info in zf.infolist():
            if info.filename.endswith("/"):  # ZipInfo.is_dir() raises on an empty name
                continue
            mode = info.external_attr >> 16
            attrs: dict[str, Any] = {"size": info.file_size, **_zip_times(info)}
            if stat.S_ISLNK(mode):
                try:
                    with zf.open(info) as link:  # never more than a path's worth of a bomb
                        target = link.read(4096).decode("utf-8", "backslashreplace")
                except Exception as exc:  # zipfile and its decompressors raise many types
                    entry = _member(container, info.filename, SYMLINK, None, **attrs)
                    entry.errors.append(f"link target could not be read: {exc}")
                    yield entry
                    continue
                yield _member(container, info.filename, SYMLINK, None, link_target=target, **attrs)
                continue
            if info.flag_bits & 0x1:
                entry = _member(container, info.filename, FILE, None, **attrs)
                entry.errors.append("member is encrypted; its content was not read")
                yield entry
                continue
            budgets = [*ctx.budgets, Budget(ctx.limits, compressed=info.compress_size)]
            try:
                with zf.open(info) as member:
                    content = read_member(
                        member, ctx.limits, ctx.spool_dir, budgets, claimed=info.file_size
                    )
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
                content = MemberContent(errors=[f"member could not be read: {exc}"])
            yield _member(container, info.filename, FILE, content, **attrs)


# --- tar ---------------------------------------------------------------------------------------


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.issym() or info.islnk():
        return SYMLINK
    return FILE if info.isreg() else SPECIAL


class _Window(io.RawIOBase):
    """`size` bytes of `stream` from `offset`, ending early where the stream does."""

    def __init__(self, stream: BinaryIO, offset: int, size: int) -> None:
        self.stream, self.pos, self.left = stream, offset, size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = self.left if n < 0 else min(n, self.left)
        if want <= 0:
            return b""
        self.stream.seek(self.pos)
        data = self.stream.read(want)
        self.pos += len(data)
        self.left = self.left - len(data) if data else 0
        return data


_TAR_TYPES = {
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "FIFO",
}


def _tar_type(info: tarfile.TarInfo) -> str:
    return _TAR_TYPES.get(info.type, f"{info.type.decode('latin-1')!r}")


def read_tar(stream: BinaryIO, container: Entry, ctx: WalkContext) -> Iterator[Entry]:
    try:
        tf = tarfile.open(fileobj=stream, mode="r:", encoding="utf-8", errors="surrogateescape")
    except Exception as exc:  # tarfile, and a decompressor under it, raise many types
        raise ArchiveError(f"tar archive could not be opened: {exc}") from exc
    with tf:
        while True:
            try:
                info = tf.next()
            except Exception as exc:  # as above: zlib.error, LZMAError, OverflowError, ...
                raise ArchiveError(
                    f"tar archive is damaged after its last good member: {exc}"
                ) from exc
            if info is None:
                break
            tf.members = []  # type: ignore[attr-defined]  # tarfile keeps every header otherwise: memory would grow with the tar
            if info.isdir():
                continue
            times: dict[str, Any] = {"mtime": utc_from_seconds(info.mtime)}
            for key in ("atime", "ctime"):
                if key in info.pax_headers:
                    with contextlib.suppress(ValueError, OverflowError, OSError):
                        times[key] = utc_from_seconds(float(info.pax_headers[key]))
            kind = _tar_kind(info)
            if kind == SYMLINK:
                yield _member(
                    container, info.name, SYMLINK, None, link_target=info.linkname, size=0, **times
                )
                continue
            if kind == SPECIAL:
                entry = _member(container, info.name, SPECIAL, None, **times)
                entry.errors.append(
                    f"tar member of type {_tar_type(info)} is not a regular file; not read "
                    f"(its header claims {info.size} bytes)"
                )
                yield entry
                continue
            # A plain member is read straight from the archive, so a truncated one still yields
            # the bytes that are there (tarfile raises on a short read and returns none of them).
            member: IO[bytes] | None = (
                cast(IO[bytes], _Window(stream, info.offset_data, info.size))
                if not info.sparse
                else tf.extractfile(info)
            )
            if member is None:
                content = MemberContent(errors=["member has no readable content"])
            else:
                content = read_member(
                    member, ctx.limits, ctx.spool_dir, ctx.budgets, claimed=info.size
                )
            entry = _member(container, info.name, FILE, content, size=info.size, **times)
            yield entry
            if any("expansion stopped" in e for e in entry.errors):
                raise ArchiveError("reading stopped at the expansion limit; later members not read")


# --- single compressed streams (.gz that is not a tar, .bz2, .xz) --------------------------------

_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "gzip": lambda s: cast(BinaryIO, gzip.GzipFile(fileobj=s, mode="rb")),
    "bzip2": lambda s: cast(BinaryIO, bz2.BZ2File(s, mode="rb")),
    "xz": lambda s: cast(BinaryIO, lzma.LZMAFile(s, mode="rb")),
}
_SUFFIXES = {"gzip": (".gz", ".tgz"), "bzip2": (".bz2", ".tbz2", ".tbz"), "xz": (".xz", ".txz")}


def _is_tar(stream: BinaryIO) -> bool:
    try:
        head = stream.read(512)
    except Exception:  # a corrupt compressed stream is simply not a tar
        return False
    return (len(head) == 512 and head[257:262] == b"ustar") or tar_header_ok(head)


def tar_header_ok(block: bytes) -> bool:
    """Old (v7) tars have no 'ustar' magic: the header checksum is what tarfile itself checks."""
    if len(block) < 512:
        return False
    field = block[148:156].strip(b" \x00")
    if not field or field.strip(b"01234567"):  # not octal: no header (the common case, cheaply)
        return False
    return int(field, 8) == sum(block[:148]) + 256 + sum(block[156:512])


def read_compressed(kind: str) -> Callable[[BinaryIO, Entry, WalkContext], Iterator[Entry]]:
    def reader(stream: BinaryIO, container: Entry, ctx: WalkContext) -> Iterator[Entry]:
        start = stream.tell()
        is_tar = _is_tar(_DECOMPRESSORS[kind](stream))
        stream.seek(start)
        decompressed = _DECOMPRESSORS[kind](stream)
        if is_tar:
            yield from read_tar(decompressed, container, ctx)
            return
        base = container.name
        for suffix in _SUFFIXES[kind]:
            if base.lower().endswith(suffix):
                base = base[: -len(suffix)] + (".tar" if suffix.startswith(".t") else "")
                break
        else:
            base = base + ".decompressed"
        content = read_member(decompressed, ctx.limits, ctx.spool_dir, ctx.budgets)
        yield _member(container, base, FILE, content, mtime=container.mtime)

    return reader


# --- 7z ----------------------------------------------------------------------------------------

_DONE = object()


class _Handoff:
    """A one-slot queue from py7zr's thread to the walker that the walker can abandon."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self.cancelled = threading.Event()

    def put(self, item: Any) -> None:
        while not self.cancelled.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def cancel(self) -> None:
        self.cancelled.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()


class _Cancelled(Exception):
    pass


class _Member7z(Py7zIO):
    """py7zr writes each member here; close() hands it to the walking thread."""

    def __init__(self, name: str, sink: MemberSink, out: _Handoff) -> None:
        self.name, self.sink, self.out = name, sink, out

    def write(self, s: bytes | bytearray) -> int:
        if self.out.cancelled.is_set():
            raise _Cancelled
        self.sink.write(bytes(s))  # ExpansionLimit stops py7zr, and so the whole archive
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self.sink.size

    def close(self) -> None:
        self.out.put((self.name, self.sink.content()))


class _Factory7z(WriterFactory):
    def __init__(self, ctx: WalkContext, out: _Handoff) -> None:
        self.ctx, self.out = ctx, out

    def create(self, filename: str) -> Py7zIO:
        sink = MemberSink(self.ctx.limits, self.ctx.spool_dir, self.ctx.budgets)
        return _Member7z(filename, sink, self.out)


def read_7z(stream: BinaryIO, container: Entry, ctx: WalkContext) -> Iterator[Entry]:
    try:
        archive = py7zr.SevenZipFile(stream, mode="r")
    except Exception as exc:  # py7zr raises many types on damaged headers
        raise ArchiveError(f"7z archive could not be opened: {exc}") from exc
    with archive:
        if archive.needs_password():
            raise ArchiveError("7z archive is encrypted; members not read")
        infos = {i.filename: i for i in archive.list()}
        for info in infos.values():
            if info.is_symlink:
                yield _member(container, info.filename, SYMLINK, None, size=info.uncompressed)
        out = _Handoff()  # one member in flight: memory stays bounded
        failure: list[BaseException] = []

        def extract() -> None:
            try:
                archive.extract(factory=_Factory7z(ctx, out))
            except BaseException as exc:  # reported to the walking thread
                failure.append(exc)
            finally:
                out.put(_DONE)

        worker = threading.Thread(target=extract, name="7z-reader", daemon=True)
        worker.start()
        try:
            while (item := out.queue.get()) is not _DONE:
                name, content = item
                meta = infos.get(name)
                if meta is not None and (meta.is_directory or meta.is_symlink):
                    continue
                mtime = None
                if meta is not None and meta.creationtime is not None:
                    mtime = utc_from_seconds(meta.creationtime.timestamp())
                size = meta.uncompressed if meta is not None else content.size
                yield _member(container, name, FILE, content, size=size, mtime=mtime)
        finally:
            out.cancel()
            worker.join()
        if failure:
            err = failure[0]
            if isinstance(err, ExpansionLimit):
                raise ArchiveError(f"reading stopped: {err}")
            raise ArchiveError(f"7z archive could not be read completely: {err}")


read_gzip = read_compressed("gzip")
read_bzip2 = read_compressed("bzip2")
read_xz = read_compressed("xz")
