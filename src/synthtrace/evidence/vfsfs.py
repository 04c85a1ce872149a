"""A file system The Sleuth Kit cannot read (XFS, ...), walked through dfvfs' own back-ends.

These back-ends list live files only: deleted files are not recovered here, and the image object
says so for the volume. Times come as dfdatetime values, written as ISO 8601 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synthtrace.errors import describe
from synthtrace.evidence.entry import DIRECTORY, FILE, SPECIAL, SYMLINK, Entry
from synthtrace.evidence.extents import Ranges
from synthtrace.evidence.names import display_name, member_address
from synthtrace.evidence.origin import ZONE_STREAM, parse_zone_identifier
from synthtrace.evidence.reading import read_member
from synthtrace.evidence.tskfs import MAX_DIR_DEPTH
from synthtrace.evidence.volumes import BACKEND_ERRORS

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext


def iso(value: Any) -> str | None:
    """A dfdatetime value as ISO 8601 UTC (None when the file system has no such time)."""
    if value is None:
        return None
    try:
        text = value.CopyToDateTimeStringISO8601()
    except (ValueError, OverflowError, AttributeError):
        return None
    if not text:
        return None
    return str(text).replace("+00:00", "Z")


@dataclass
class VfsWalk:
    file_system: Any
    container: Entry
    prefix: str
    volume_size: int
    ctx: WalkContext
    allocated: Ranges = field(default_factory=Ranges)
    errors: list[str] = field(default_factory=list)
    files: int = 0
    deleted: int = 0
    extents_known: bool = True

    def entries(self) -> Iterator[Entry]:
        root = self.file_system.GetRootFileEntry()
        stack: list[tuple[Any, str, int]] = [(root, "", 0)]
        while stack:
            directory, rel_dir, depth = stack.pop()
            try:
                children = sorted(directory.sub_file_entries, key=lambda e: str(e.name))
            except BACKEND_ERRORS as exc:
                yield self._entry(
                    rel_dir, DIRECTORY, [f"directory could not be listed: {describe(exc)}"]
                )
                continue
            subdirs = []
            for child in children:
                name = str(child.name)
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    if child.IsDirectory():
                        if depth + 1 <= MAX_DIR_DEPTH:
                            subdirs.append((child, rel, depth + 1))
                        continue
                    yield from self._file(child, rel)
                except BACKEND_ERRORS as exc:
                    yield self._entry(rel, FILE, [f"file could not be read: {describe(exc)}"])
            stack.extend(reversed(subdirs))
        self.allocated.freeze()

    def _entry(self, rel: str, kind: str, errors: list[str]) -> Entry:
        text, error = display_name(rel)
        return Entry(
            path=member_address(self.container.path, self.prefix + text),
            kind=kind,
            depth=self.container.depth + 1,
            container=self.container.path,
            errors=[e for e in (error, *errors) if e],
        )

    def _file(self, fe: Any, rel: str) -> Iterator[Entry]:
        entry = self._entry(rel, FILE, [])
        entry.size = int(fe.size or 0)
        entry.mtime = iso(fe.modification_time)
        entry.atime = iso(fe.access_time)
        entry.ctime = iso(fe.change_time)
        entry.btime = iso(fe.creation_time)
        self.files += 1
        try:
            extents = list(fe.GetExtents())
        except BACKEND_ERRORS:
            extents = []
        if fe.IsFile() and entry.size and not extents:
            self.extents_known = False  # the back-end does not say where files lie: no carving
        for extent in extents:
            if extent.extent_type != "sparse":
                self.allocated.add(int(extent.offset), int(extent.offset) + int(extent.size))
        if fe.IsLink():
            entry.kind, entry.link_target = SYMLINK, str(fe.link or "")
            yield entry
            return
        if not fe.IsFile():
            entry.kind = SPECIAL
            entry.errors.append("special file; not read")
            yield entry
            return
        streams = [str(s.name) for s in fe.data_streams if s.name]
        if ZONE_STREAM in streams:
            stream = fe.GetFileObject(data_stream_name=ZONE_STREAM)
            if stream is not None:
                entry.download_origin = parse_zone_identifier(stream.read(64 * 1024))
        if not self.ctx.skip_file(entry.path):
            self._fill(entry, fe, "")
            yield entry
        for name in streams:
            ads = Entry(
                path=f"{entry.path}:{name}",
                kind=FILE,
                depth=entry.depth,
                container=entry.container,
                mtime=entry.mtime,
            )
            if not self.ctx.skip_file(ads.path):
                self._fill(ads, fe, name)
                yield ads

    def _fill(self, entry: Entry, fe: Any, stream_name: str) -> None:
        if self.volume_size and (entry.size or 0) > self.volume_size:
            entry.errors.append(
                f"its metadata claims {entry.size} bytes, more than the {self.volume_size} "
                "bytes of its volume; not read"
            )
            return
        stream = fe.GetFileObject(data_stream_name=stream_name)
        if stream is None:
            entry.errors.append("no content stream")
            return
        content = read_member(
            stream, self.ctx.limits, self.ctx.spool_dir, self.ctx.budgets, claimed=entry.size
        )
        entry.data, entry.spool = content.data, content.spool
        entry.errors.extend(content.errors)
        if content.data is not None or content.spool is not None:
            entry.size = content.size
