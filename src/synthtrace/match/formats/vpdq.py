"""vPDQ video hash lists: ThreatExchange's vpdq files, and CSV lists holding vPDQ signals.

- A vpdq file (`frame_number,quality,pdq_hex,timestamp` per line) is one video; its id is the file
  name without `.vpdq.txt` / `.txt`.
- A zip of such files (or a folder, which the importer packs into one: `packed_folder`) is one
  video per member, each named by its id.
- A CSV with a header and a `vpdq` column holding python-threatexchange's JSON vPDQ signal (a list
  of `{hash, quality, timestamp}`) is one video per row; `id`/`name`/`label`, `category` and
  `series` columns are read as in other CSV lists.

Each video is one list entry of kind `vpdq`: its value is the SHA-256 of its frames written in
ThreatExchange's format (so the same video listed twice is one entry), its frames are kept in the
entry's `extra`, and the video id is its label. Bad frame lines are counted as bad records; a video
without one usable frame is a bad record of its own.
"""

from __future__ import annotations

import csv
import hashlib
import lzma
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from synthtrace.match.formats.base import (
    CHUNK,
    BadRecord,
    FormatError,
    ListRecord,
    ParseItem,
    Readable,
    ReadOptions,
    bounded_lines,
    category_text,
    first_line,
)
from synthtrace.video.frames import FrameHash
from synthtrace.video.vpdqfile import (
    BadLine,
    VpdqFormatError,
    format_text,
    looks_like_text,
    parse_signal,
    read_text,
)

KIND = "vpdq"
ZIP_MAGIC = b"PK\x03\x04"
SIGNAL_COLUMNS = {"vpdq", "vpdq_signal", "video_vpdq", "vpdq signal", "signal"}
ID_COLUMNS = {"id", "video", "video_id", "name", "label", "filename", "file_name", "file name"}
SUFFIXES = (".vpdq.txt", ".vpdq", ".txt", ".csv")
# What zipfile raises on a damaged zip, and on a damaged member (with its decompressors; an
# encrypted member is a RuntimeError).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)
MEMBER_ERRORS = (*ZIP_ERRORS, RuntimeError, zlib.error, lzma.LZMAError)


def video_id(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    for suffix in SUFFIXES:
        if base.lower().endswith(suffix):
            return base[: -len(suffix)] or base
    return base


def entry(
    number: int, frames: list[FrameHash], label: str | None, **more: str | None
) -> ListRecord:
    """One list record: the video's digest as the value, its frames in `extra`."""
    frames = sorted(frames, key=lambda f: f.frame)
    digest = hashlib.sha256(format_text(frames).encode()).hexdigest()
    return ListRecord(
        number,
        [(KIND, digest)],
        category=category_text(more.get("category")),
        series=more.get("series"),
        label=label,
        extra={"frames": [[f.frame, f.quality, f.pdq, f.timestamp] for f in frames]},
    )


def _signal_column(header: list[str]) -> int | None:
    for i, name in enumerate(header):
        if name.strip().strip('"').lower() in SIGNAL_COLUMNS:
            return i
    return None


def _delimiter(line: str) -> str:
    return max((",", ";", "\t"), key=line.count)


class _Chained:
    """A stream with bytes already read put back in front."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head, self.rest = head, rest

    def read(self, n: int = -1, /) -> bytes:
        if self.head:
            out = self.head if n < 0 else self.head[:n]
            self.head = self.head[len(out) :]
            return out
        return self.rest.read(n)


class VpdqList:
    name = KIND

    def detect(self, head: bytes) -> bool:
        if head.startswith(ZIP_MAGIC):
            return False  # a zip is only read as vPDQ when asked (--format vpdq)
        line = first_line(head)
        if looks_like_text(line):
            return True
        try:
            header = next(csv.reader([line], delimiter=_delimiter(line)), [])
        except csv.Error:
            return False
        return _signal_column(header) is not None

    def parse(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        head = stream.read(CHUNK)
        chained = _Chained(head, stream)
        if head.startswith(ZIP_MAGIC):
            yield from self._zip(chained, options)
            return
        line = first_line(head)
        if looks_like_text(line):
            label = video_id(options.source) if options.source else None
            yield from self._text(chained, options, 1, label)
            return
        yield from self._csv(chained, options)

    def _text(
        self, stream: Readable, options: ReadOptions, number: int, label: str | None
    ) -> Iterator[ParseItem]:
        frames: list[FrameHash] = []
        bad: list[BadLine] = []
        for item in read_text(bounded_lines(stream, options.limits.max_line_bytes)):
            if isinstance(item, BadLine):
                bad.append(item)
            else:
                frames.append(item)
        where = f"{label}: " if label else ""
        for b in bad[:1000]:
            yield BadRecord(number, f"{where}line {b.number}: {b.reason}")
        if not frames:
            yield BadRecord(number, f"{where}no vPDQ frame line")
            return
        yield entry(number, frames, label)

    def _zip(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        limit = options.limits.max_token_bytes
        with tempfile.TemporaryFile() as spool:
            while chunk := stream.read(CHUNK):
                spool.write(chunk)
            spool.seek(0)
            try:
                archive = zipfile.ZipFile(spool)
            except ZIP_ERRORS as exc:  # a name not UTF-8 is a ValueError (UnicodeDecodeError)
                raise FormatError(f"not a readable zip: {exc}") from exc
            with archive:
                members = sorted(  # (ZipInfo.is_dir raises on an empty name)
                    (i for i in archive.infolist() if not i.filename.endswith("/")),
                    key=lambda i: i.filename,
                )
                if not members:
                    raise FormatError("the zip holds no file")
                for number, info in enumerate(members, start=1):
                    label = video_id(info.filename)
                    if info.file_size > limit:
                        yield BadRecord(number, f"{label}: larger than {limit} bytes")
                        continue
                    try:
                        with archive.open(info) as fh:
                            data = fh.read(limit + 1)
                    except MEMBER_ERRORS as exc:
                        yield BadRecord(number, f"{label}: unreadable member: {exc}")
                        continue
                    if len(data) > limit:
                        yield BadRecord(number, f"{label}: larger than {limit} bytes")
                        continue
                    yield from self._text(_Chained(data, _Empty()), options, number, label)

    def _csv(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        limit = options.limits.max_line_bytes
        columns: dict[str, int] | None = None
        delimiter = ","
        for number, line in bounded_lines(stream, max(limit, options.limits.max_token_bytes)):
            if line is None:
                yield BadRecord(number, "line too long")
                continue
            if not line.strip():
                continue
            if columns is None:
                delimiter = _delimiter(line)
                try:
                    header = next(csv.reader([line], delimiter=delimiter))
                except csv.Error as exc:
                    raise FormatError(f"unreadable header: {exc}") from exc
                column = _signal_column(header)
                if column is None:
                    raise FormatError(
                        "neither vpdq lines (frame,quality,pdq,timestamp) nor a CSV header with "
                        "a `vpdq` column"
                    )
                columns = {"vpdq": column}
                for i, raw in enumerate(header):
                    name = raw.strip().strip('"').lower()
                    if name in ID_COLUMNS:
                        columns.setdefault("label", i)
                    elif name in ("category", "cat"):
                        columns.setdefault("category", i)
                    elif name == "series":
                        columns.setdefault("series", i)
                continue
            try:
                row = next(csv.reader([line], delimiter=delimiter))
            except csv.Error as exc:
                yield BadRecord(number, f"unreadable row: {exc}")
                continue

            def cell(
                role: str, row: list[str] = row, columns: dict[str, int] = columns
            ) -> str | None:
                i = columns.get(role)
                return row[i].strip() or None if i is not None and i < len(row) else None

            signal = cell("vpdq")
            if signal is None:
                yield BadRecord(number, "no vPDQ signal on this row")
                continue
            try:
                frames = parse_signal(signal)
            except VpdqFormatError as exc:
                yield BadRecord(number, f"vPDQ signal: {exc}")
                continue
            if not frames:
                yield BadRecord(number, "the vPDQ signal has no frame")
                continue
            yield entry(
                number, frames, cell("label"), category=cell("category"), series=cell("series")
            )


class _Empty:
    def read(self, n: int = -1, /) -> bytes:
        return b""


@contextmanager
def packed_folder(folder: Path, tmp_dir: Path) -> Iterator[Path]:
    """A folder of vpdq files as one zip in the case's spool space, members in name order with a
    fixed date, so the same folder packs to the same bytes (an unchanged re-import is a no-op)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    dest = tmp_dir / f"{folder.name or 'folder'}.vpdq.zip"  # the list's recorded source
    try:
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as zf:
            files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
            for path in files:
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
                with path.open("rb") as src, zf.open(info, "w") as out:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
        yield dest
    finally:
        dest.unlink(missing_ok=True)


def signal_hash(text: str) -> tuple[tuple[str, str], list[list[object]]] | None:
    """A vPDQ signal (JSON) found inside another list format (VICS `AlternativeHashes` with
    `HashName` vPDQ) as (the entry's hash, its frames for `extra`); None when it is not one."""
    try:
        frames = parse_signal(text)
    except VpdqFormatError:
        return None
    if not frames:
        return None
    record = entry(0, frames, None)
    return record.hashes[0], (record.extra or {})["frames"]
