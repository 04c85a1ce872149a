"""Reading one disk image (see evidence/diskimage.py): volumes, file systems, the media pass.

Imported only when an image is opened: it needs the `disk` extra (dfvfs, pytsk3, pyewf).
"""

from __future__ import annotations

import bisect
import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from synthtrace.evidence.acquisition import MediaPass, ewf_facts
from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.carving import SECTOR, Carved
from synthtrace.evidence.diskimage import ewf_segment, segments
from synthtrace.evidence.entry import FILE, Entry
from synthtrace.evidence.extents import Ranges
from synthtrace.evidence.names import member_address
from synthtrace.evidence.reading import CHUNK, ExpansionLimit, MemberSink
from synthtrace.evidence.tskfs import TskWalk
from synthtrace.evidence.vfsfs import VfsWalk
from synthtrace.evidence.volumes import (
    ImageOpenError,
    Volume,
    encryption,
    open_media,
    other_file_system,
    tsk_file_system,
    unlock,
)

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext

CARVED_DIR = "$Carved"


class _Location:
    """A file-system path dfvfs can open for the image: the evidence file itself, or, for an image
    found inside an archive, a link to its spool file (or a copy of its bytes) in the case."""

    def __init__(self, container: Entry, stream: BinaryIO, ctx: WalkContext) -> None:
        self.temp: str | None = None
        if container.fs_path is not None:
            self.path = os.fsdecode(container.fs_path)
            return
        ctx.spool_dir.mkdir(parents=True, exist_ok=True)
        folder = tempfile.mkdtemp(dir=ctx.spool_dir, prefix="image-")
        self.temp = folder
        suffix = os.path.splitext(container.name)[1] or ".img"
        self.path = os.path.join(folder, f"image{suffix}")
        if container.spool is not None:
            os.symlink(f"/proc/self/fd/{container.spool.fileno()}", self.path)
        else:
            with open(self.path, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)

    def close(self) -> None:
        if self.temp is not None:
            for name in os.listdir(self.temp):
                os.unlink(os.path.join(self.temp, name))
            os.rmdir(self.temp)


def _format_label(media_format: str, head: bytes, paths: list[str]) -> str:
    if media_format == "ewf":
        found = ewf_segment(head)
        return found[0] if found else "ewf"
    if media_format == "raw":
        return "split raw" if len(paths) > 1 else "raw"
    return {"qcow": "qcow2"}.get(media_format, media_format)


def read_image(
    media_format: str, stream: BinaryIO, container: Entry, ctx: WalkContext
) -> Iterator[Entry]:
    location = _Location(container, stream, ctx)
    try:
        yield from _read(media_format, location.path, stream, container, ctx)
    finally:
        location.close()


def _read(
    media_format: str, location: str, stream: BinaryIO, container: Entry, ctx: WalkContext
) -> Iterator[Entry]:
    stream.seek(0)
    head = stream.read(64)
    paths = segments(media_format, location)
    image: dict[str, Any] = {"format": _format_label(media_format, head, paths)}
    if len(paths) > 1:
        image["segments"] = [os.path.basename(p) for p in paths]
    container.image = image
    if media_format == "ewf":
        facts, errors = ewf_facts(paths)
        image.update(facts)
        container.errors.extend(errors)
    try:
        media = open_media(location, media_format, segmented=len(paths) > 1, segments=paths)
    except ImageOpenError as exc:
        raise ArchiveError(str(exc)) from exc
    try:
        image["media_size"] = media.size
        image.setdefault("bytes_per_sector", SECTOR)  # what the partition tables assume
        image["partition_table"] = media.table
        image["volumes"] = [v.info for v in media.volumes]
        container.errors.extend(media.errors)
        free: list[tuple[int, int, str]] = []
        for volume in media.volumes:
            yield from _volume(volume, media.context, container, ctx, free)
        if media.table is not None:
            taken = Ranges()
            for volume in media.volumes:
                if volume.offset is not None:
                    taken.add(volume.offset, volume.offset + volume.size)
            free.extend((s, e, "") for s, e in taken.gaps(0, media.size))
        free.sort()
        yield from _media_pass(media, free, image, container, ctx)
    finally:
        media.close()


def _volume(
    volume: Volume,
    context: Any,
    container: Entry,
    ctx: WalkContext,
    free: list[tuple[int, int, str]],
) -> Iterator[Entry]:
    info = volume.info
    prefix = f"{volume.name}/" if volume.name else ""
    where = f"partition {volume.name}" if volume.name else "the disk"
    if "error" in info:
        container.errors.append(str(info["error"]))
    kind = encryption(volume, context)
    if kind is not None:
        info["file_system"] = None
        opened = unlock(volume, context, ctx.credentials)
        if opened is None:
            info["locked"] = True
            how = (
                "none of the keys or passwords given opens it"
                if ctx.credentials
                else "give its password or recovery key to read it"
            )
            container.errors.append(f"{where} is a {kind}-encrypted volume; not read ({how})")
            return
        info["locked"] = False
        volume = opened
    fs_info = tsk_file_system(volume, context)
    walker: TskWalk | VfsWalk | None = None
    if fs_info is not None:
        walker = TskWalk(fs_info, container, prefix, volume.size, ctx)
        info["file_system"] = walker.kind
    else:
        other = other_file_system(volume, context)
        if other is not None:
            walker = VfsWalk(other[1], container, prefix, volume.size, ctx)
            # libfsxfs gives XFS extents as encoded AG block numbers, not volume offsets (checked
            # against the bytes): carving from them would find live files again.
            walker.extents_known = other[0] != "XFS"
            info["file_system"] = other[0]
            info["deleted_files"] = "not listed by this back-end"
    if walker is None:
        info["file_system"] = None
        if volume.offset is not None:
            free.append((volume.offset, volume.offset + volume.size, prefix))
        return
    try:
        yield from walker.entries()
    except Exception as exc:  # a back-end failing on a hostile file system: the rest is read
        walker.errors.append(f"{where}: file system walk stopped: {exc}")
    container.errors.extend(walker.errors)
    info["files"], info["deleted"] = walker.files, walker.deleted
    if not getattr(walker, "extents_known", True):
        info["carving"] = "not done: this back-end does not say where files lie"
    elif volume.offset is not None:
        free.extend(
            (volume.offset + s, volume.offset + e, prefix)
            for s, e in walker.allocated.gaps(0, volume.size)
        )


def _media_pass(
    media: Any,
    free: list[tuple[int, int, str]],
    image: dict[str, Any],
    container: Entry,
    ctx: WalkContext,
) -> Iterator[Entry]:
    # A raw image in one file is its own media: the worker hashing the file computes the media's
    # MD5 and SHA-1 in its read (the writer copies them here); this pass then only carves.
    one_file = image["format"] == "raw"
    media_pass = MediaPass(media, [(s, e) for s, e, _ in free], carve=ctx.carve, hash=not one_file)
    starts = [s for s, _, _ in free]
    carved = 0
    for found in media_pass.run():
        region = free[bisect.bisect_right(starts, found.offset) - 1]
        carved += 1
        yield _carved_entry(found, region[2], container, media_pass, ctx)
    image["computed_md5"], image["computed_sha1"] = media_pass.md5, media_pass.sha1
    if one_file:
        image["computed_by"] = "file digests"  # filled in by the writer from this record's hashes
    image["carving"] = (
        {
            "free_bytes": sum(e - s for s, e, _ in free),
            "candidates": media_pass.carver.candidates,
            "false_starts": media_pass.carver.false_starts,
            "carved": carved,
        }
        if ctx.carve
        else None
    )
    container.errors.extend(media_pass.errors)
    if media.ewf is not None:
        container.errors.extend(media.ewf.errors)
        bad = media.ewf.bad_chunks
        if bad:
            first, why = bad[0]
            container.errors.append(
                f"{len(bad)} EWF chunks are damaged (the first at media byte {first}: it {why}); "
                "a chunk that does not inflate reads as zeros"
            )
    stored = {k: image.get(f"stored_{k}") for k in ("md5", "sha1")}
    checks = [stored[k] == image[f"computed_{k}"] for k in stored if stored[k] and not one_file]
    image["verified"] = all(checks) if checks else None
    if image["verified"] is False:
        container.errors.append(
            "acquisition hash mismatch: the media read now does not match the hash stored at "
            f"acquisition (stored MD5 {stored['md5']}, computed {image['computed_md5']}; stored "
            f"SHA-1 {stored['sha1']}, computed {image['computed_sha1']})"
        )


def _carved_entry(
    found: Carved, prefix: str, container: Entry, media_pass: MediaPass, ctx: WalkContext
) -> Entry:
    entry = Entry(
        path=member_address(
            container.path, f"{prefix}{CARVED_DIR}/{found.offset}.{found.extension}"
        ),
        kind=FILE,
        depth=container.depth + 1,
        container=container.path,
        size=found.length,
        carved=True,
        image_offset=found.offset,
    )
    if ctx.skip_file(entry.path):
        return entry
    sink = MemberSink(ctx.limits, ctx.spool_dir, ctx.budgets)
    try:
        pos = 0
        while pos < found.length:
            chunk = media_pass.read_at(found.offset + pos, min(CHUNK, found.length - pos))
            if not chunk:
                break
            sink.write(chunk)
            pos += len(chunk)
    except ExpansionLimit as exc:
        sink.discard()
        entry.errors.append(str(exc))
        return entry
    content = sink.content()
    entry.data, entry.spool, entry.size = content.data, content.spool, content.size
    return entry
