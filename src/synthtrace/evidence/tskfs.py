"""One file system of a disk image through The Sleuth Kit: live files, deleted files, orphans and
NTFS alternate data streams.

dfvfs opens the image and its partitions; its TSK back-end hides unallocated names, which are the
deleted files an investigator needs, so the directory walk here uses pytsk3 itself on the file
system dfvfs opened. Every file's data runs go into `allocated` (the carver needs what files
occupy); deleted entries are read after the whole tree is walked, so whether their clusters now
belong to a live file (overwritten) is known when they are recorded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytsk3

from synthtrace.evidence.entry import DIRECTORY, FILE, SPECIAL, SYMLINK, Entry
from synthtrace.evidence.extents import Ranges
from synthtrace.evidence.names import display_name, member_address
from synthtrace.evidence.origin import (
    MAX_ORIGIN_BYTES,
    QUARANTINE,
    WHERE_FROMS,
    ZONE_STREAM,
    merge,
    parse_quarantine,
    parse_where_froms,
    parse_zone_identifier,
)
from synthtrace.evidence.reading import CHUNK, ExpansionLimit, MemberContent, MemberSink
from synthtrace.timefmt import local_naive, utc_from_ns

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext

MAX_DIR_DEPTH = 256
NAME_ALLOC = int(pytsk3.TSK_FS_NAME_FLAG_ALLOC)
META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
NONRES = int(pytsk3.TSK_FS_ATTR_NONRES)
RUN_SKIP = int(pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE) | int(pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER)
NTFS_DATA = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA)
HFS_XATTR = int(pytsk3.TSK_FS_ATTR_TYPE_HFS_EXT_ATTR)
T_REG, T_DIR, T_LNK = (
    int(pytsk3.TSK_FS_META_TYPE_REG),
    int(pytsk3.TSK_FS_META_TYPE_DIR),
    int(pytsk3.TSK_FS_META_TYPE_LNK),
)
T_VIRT, T_VIRT_DIR = int(pytsk3.TSK_FS_META_TYPE_VIRT), int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR)

_FS_NAMES = {
    int(pytsk3.TSK_FS_TYPE_NTFS): "NTFS",
    int(pytsk3.TSK_FS_TYPE_FAT12): "FAT12",
    int(pytsk3.TSK_FS_TYPE_FAT16): "FAT16",
    int(pytsk3.TSK_FS_TYPE_FAT32): "FAT32",
    int(pytsk3.TSK_FS_TYPE_EXFAT): "exFAT",
    int(pytsk3.TSK_FS_TYPE_EXT2): "ext2",
    int(pytsk3.TSK_FS_TYPE_EXT3): "ext3",
    int(pytsk3.TSK_FS_TYPE_EXT4): "ext4",
    int(pytsk3.TSK_FS_TYPE_HFS): "HFS+",
    int(pytsk3.TSK_FS_TYPE_APFS): "APFS",
    int(pytsk3.TSK_FS_TYPE_ISO9660): "ISO 9660",
}
# Windows' own files at the root of NTFS: file-system structures, not evidence files. Their
# clusters still count as allocated.
_NTFS_SYSTEM = {
    b"$MFT",
    b"$MFTMirr",
    b"$LogFile",
    b"$Volume",
    b"$AttrDef",
    b"$Bitmap",
    b"$Boot",
    b"$BadClus",
    b"$Secure",
    b"$UpCase",
    b"$Extend",
}


_NTFS_RESERVED = 24  # MFT entries 0-23 belong to NTFS itself


def fs_name(fs_info: Any) -> str:
    return _FS_NAMES.get(int(fs_info.info.ftype), f"TSK type {int(fs_info.info.ftype)}")


@dataclass
class _Stream:
    """One data stream of a file: the default one (name None) or an NTFS alternate one."""

    name: str | None
    attr_type: int
    attr_id: int
    size: int


@dataclass
class _Deferred:
    entry: Entry
    inode: int
    stream: _Stream | None


@dataclass
class TskWalk:
    """Walks one file system; iterate `entries()`, then read `allocated` and `errors`."""

    fs_info: Any
    container: Entry
    prefix: str  # "p2/" inside a partition, "" for a file system on the whole disk
    volume_size: int
    ctx: WalkContext
    allocated: Ranges = field(default_factory=Ranges)
    errors: list[str] = field(default_factory=list)
    deleted: int = 0
    files: int = 0

    def __post_init__(self) -> None:
        self.block_size = int(self.fs_info.info.block_size)
        self.kind = fs_name(self.fs_info)
        self.is_ntfs = self.kind == "NTFS"
        self.is_fat = self.kind.startswith("FAT") or self.kind == "exFAT"
        self._deferred: list[_Deferred] = []
        self._visited: set[int] = set()

    # --- the tree ------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        root = int(self.fs_info.info.root_inum)
        stack: list[tuple[int, bytes, int]] = [(root, b"", 0)]
        self._visited.add(root)
        while stack:
            inode, rel_dir, depth = stack.pop()
            subdirs: list[tuple[int, bytes, int]] = []
            yield from self._directory(inode, rel_dir, depth, subdirs)
            stack.extend(reversed(subdirs))
        yield from self._deleted_entries()

    def _address(self, rel: bytes) -> tuple[str, list[str]]:
        text, error = display_name(rel)
        return member_address(self.container.path, self.prefix + text), [error] if error else []

    def _directory(
        self, inode: int, rel_dir: bytes, depth: int, subdirs: list[tuple[int, bytes, int]]
    ) -> Iterator[Entry]:
        try:
            listing = [f for f in self.fs_info.open_dir(inode=inode) if f.info.name is not None]
        except OSError as exc:
            if rel_dir:
                path, errors = self._address(rel_dir)
                yield Entry(
                    path=path,
                    kind=DIRECTORY,
                    depth=self.container.depth + 1,
                    container=self.container.path,
                    errors=[*errors, f"directory could not be listed: {exc}"],
                )
            else:
                self.errors.append(f"{self.prefix or 'file system'}: root directory: {exc}")
            return
        live_names: set[bytes] = set()
        deleted: list[Any] = []
        for f in sorted(listing, key=lambda f: bytes(f.info.name.name or b"")):
            name = bytes(f.info.name.name or b"")
            if name in (b"", b".", b".."):
                continue
            meta = f.info.meta
            if not int(f.info.name.flags) & NAME_ALLOC or (
                meta is not None and not int(meta.flags) & META_ALLOC
            ):
                deleted.append(f)
                continue
            live_names.add(name)
            rel = rel_dir + b"/" + name if rel_dir else name
            if self.is_fat and name.endswith(b"(Volume Label Entry)"):
                continue  # a FAT volume label is a directory entry, not a file
            if meta is None:
                path, errors = self._address(rel)
                errors.append(
                    f"its metadata entry ({int(f.info.name.meta_addr)}) could not be read: "
                    "damaged, or not what the directory says; content not read"
                )
                yield Entry(
                    path=path,
                    kind=FILE,
                    depth=self.container.depth + 1,
                    container=self.container.path,
                    errors=errors,
                )
                continue
            mtype = int(meta.type)
            if mtype == T_VIRT or (self.is_ntfs and not rel_dir and name in _NTFS_SYSTEM):
                self._record_runs(f)  # $Extend is a directory of such files: not walked
                continue
            if mtype in (T_DIR, T_VIRT_DIR):
                self._record_runs(f)
                self._descend(f, rel, depth, subdirs)
                continue
            yield from self._file(f, rel)
        seen: set[bytes] = set(live_names)
        for f in deleted:
            yield from self._deleted_name(f, rel_dir, depth, seen, subdirs)

    def _descend(
        self, f: Any, rel: bytes, depth: int, subdirs: list[tuple[int, bytes, int]]
    ) -> None:
        addr = int(f.info.meta.addr)
        if addr in self._visited:
            return  # a directory loop (or a hard-linked directory): walked once
        if depth + 1 > MAX_DIR_DEPTH:
            self.errors.append(
                f"{self.prefix}{display_name(rel)[0]}: nested deeper than {MAX_DIR_DEPTH} "
                "directories; not walked further"
            )
            return
        self._visited.add(addr)
        subdirs.append((addr, rel, depth + 1))

    def _deleted_name(
        self,
        f: Any,
        rel_dir: bytes,
        depth: int,
        seen: set[bytes],
        subdirs: list[tuple[int, bytes, int]],
    ) -> Iterator[Entry]:
        name = bytes(f.info.name.name or b"")
        meta = f.info.meta
        inode = int(meta.addr) if meta is not None else int(f.info.name.meta_addr)
        if self.is_ntfs and inode < _NTFS_RESERVED:
            return  # the MFT's reserved entries, which TSK lists among the orphans
        if name in seen:
            name = name + f" (deleted, entry {inode})".encode()
            if name in seen:
                return  # the same deleted name listed twice
        seen.add(name)
        rel = rel_dir + b"/" + name if rel_dir else name
        path, errors = self._address(rel)
        entry = Entry(
            path=path,
            kind=FILE,
            depth=self.container.depth + 1,
            container=self.container.path,
            errors=errors,
            deleted=True,
        )
        if meta is None:
            entry.errors.append("deleted entry without metadata: its content is gone")
            self.deleted += 1
            yield entry
            return
        self._times(entry, meta)
        entry.size = int(meta.size)
        mtype = int(meta.type)
        if mtype == T_DIR:
            if int(meta.flags) & META_ALLOC:
                return  # the name is gone; its entry is a live directory elsewhere
            self._descend(f, rel, depth, subdirs)
            return
        if int(meta.flags) & META_ALLOC:
            entry.errors.append(
                f"deleted name whose metadata entry ({inode}) now belongs to another file: "
                "its content was not recovered"
            )
            self.deleted += 1
            yield entry
            return
        if mtype not in (T_REG, 0):
            entry.kind = SYMLINK if mtype == T_LNK else SPECIAL
            if entry.kind == SPECIAL:
                entry.errors.append(f"deleted entry of type {mtype}; not read")
            self.deleted += 1
            yield entry
            return
        self._deferred.append(_Deferred(entry, inode, None))
        for stream in self._streams(f)[1]:
            ads = self._stream_entry(entry, stream)
            ads.deleted = True
            self._deferred.append(_Deferred(ads, inode, stream))

    # --- one live file ------------------------------------------------------------------------

    def _times(self, entry: Entry, meta: Any) -> None:
        def stamp(secs: int, nanos: int) -> str | None:
            if not secs:
                return None
            if self.is_fat:  # FAT keeps local wall-clock time; TSK turned it into seconds
                try:
                    t = time.localtime(secs)
                except (OverflowError, OSError, ValueError):
                    return None
                return local_naive((t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec))
            return utc_from_ns(secs * 1_000_000_000 + nanos)

        entry.mtime = stamp(int(meta.mtime), int(getattr(meta, "mtime_nano", 0)))
        entry.atime = stamp(int(meta.atime), int(getattr(meta, "atime_nano", 0)))
        entry.ctime = stamp(int(meta.ctime), int(getattr(meta, "ctime_nano", 0)))
        entry.btime = stamp(int(meta.crtime), int(getattr(meta, "crtime_nano", 0)))

    def _streams(self, f: Any) -> tuple[list[tuple[int, int]], list[_Stream], list[_Stream]]:
        """The file's data runs (volume byte ranges), its alternate streams, its xattrs."""
        runs: list[tuple[int, int]] = []
        alternate: list[_Stream] = []
        xattrs: list[_Stream] = []
        try:
            attrs = list(f)
        except OSError:
            return runs, alternate, xattrs
        for attr in attrs:
            info = attr.info
            atype = int(info.type)
            raw_name = info.name
            name = bytes(raw_name).decode("utf-8", "replace") if raw_name else None
            if atype == HFS_XATTR and name:
                xattrs.append(_Stream(name, atype, int(info.id), int(info.size)))
                continue
            if self.is_ntfs and atype == NTFS_DATA and name and name != "$Data":
                alternate.append(_Stream(name, atype, int(info.id), int(info.size)))
            if int(info.flags) & NONRES:
                with contextlib.suppress(OSError):
                    for run in attr:
                        if not int(run.flags) & RUN_SKIP and int(run.len) > 0:
                            start = int(run.addr) * self.block_size
                            runs.append((start, start + int(run.len) * self.block_size))
        return runs, alternate, xattrs

    def _record_runs(self, f: Any) -> None:
        for start, end in self._streams(f)[0]:
            self.allocated.add(start, end)

    def _stream_entry(self, entry: Entry, stream: _Stream) -> Entry:
        return Entry(
            path=f"{entry.path}:{stream.name}",
            kind=FILE,
            depth=entry.depth,
            container=entry.container,
            size=stream.size,
            mtime=entry.mtime,
            atime=entry.atime,
            ctime=entry.ctime,
            btime=entry.btime,
        )

    def _file(self, f: Any, rel: bytes) -> Iterator[Entry]:
        meta = f.info.meta
        path, errors = self._address(rel)
        entry = Entry(
            path=path,
            kind=FILE,
            depth=self.container.depth + 1,
            container=self.container.path,
            size=int(meta.size),
            errors=errors,
        )
        self._times(entry, meta)
        runs, alternate, xattrs = self._streams(f)
        for start, end in runs:
            self.allocated.add(start, end)
        mtype = int(meta.type)
        self.files += 1
        if mtype == T_LNK:
            entry.kind = SYMLINK
            entry.link_target = self._link_target(f, meta)
            if not self.ctx.skip_file(entry.path):
                yield entry
            return
        if mtype != T_REG:
            entry.kind = SPECIAL
            entry.errors.append(f"special file (TSK type {mtype}); not read")
            if not self.ctx.skip_file(entry.path):
                yield entry
            return
        entry.download_origin = self._origin(f, alternate, xattrs)
        if not self.ctx.skip_file(entry.path):
            self._fill(entry, f, None)
            yield entry
        for stream in alternate:
            ads = self._stream_entry(entry, stream)
            if not self.ctx.skip_file(ads.path):
                self._fill(ads, f, stream)
                yield ads

    def _link_target(self, f: Any, meta: Any) -> str | None:
        link = getattr(meta, "link", None)
        if link:
            return display_name(bytes(link))[0]
        try:  # ext keeps long targets in a data block
            return display_name(bytes(f.read_random(0, min(int(meta.size), 4096))))[0]
        except OSError:
            return None

    def _origin(self, f: Any, alternate: list[_Stream], xattrs: list[_Stream]) -> Any:
        origin = None
        for stream in alternate:
            if stream.name == ZONE_STREAM:
                origin = parse_zone_identifier(self._small(f, stream))
        quarantine = where = None
        for stream in xattrs:
            if stream.name == QUARANTINE:
                quarantine = parse_quarantine(self._small(f, stream))
            elif stream.name == WHERE_FROMS:
                where = parse_where_froms(self._small(f, stream))
        return merge(origin, merge(quarantine, where))

    def _small(self, f: Any, stream: _Stream) -> bytes:
        try:
            size = min(stream.size, MAX_ORIGIN_BYTES)
            return bytes(f.read_random(0, size, stream.attr_type, stream.attr_id)) if size else b""
        except OSError:
            return b""

    # --- content --------------------------------------------------------------------------------

    def _fill(self, entry: Entry, f: Any, stream: _Stream | None) -> None:
        size = int(f.info.meta.size) if stream is None else stream.size
        if size > self.volume_size and self.volume_size:
            entry.errors.append(
                f"its metadata claims {size} bytes, more than the {self.volume_size} bytes of "
                "its volume; not read"
            )
            return
        content = self._read(f, stream, size)
        entry.data, entry.spool = content.data, content.spool
        entry.errors.extend(content.errors)
        if content.data is not None or content.spool is not None:
            entry.size = content.size

    def _read(self, f: Any, stream: _Stream | None, size: int) -> MemberContent:
        if 0 < size <= self.ctx.limits.in_memory_bytes:
            whole = self._read_whole(f, stream, size)
            if whole is not None:
                return whole
        sink = MemberSink(self.ctx.limits, self.ctx.spool_dir, self.ctx.budgets)
        offset = 0
        try:
            while offset < size:
                want = min(CHUNK, size - offset)
                if stream is None:
                    chunk = f.read_random(offset, want)
                else:
                    chunk = f.read_random(offset, want, stream.attr_type, stream.attr_id)
                if not chunk:
                    break
                sink.write(bytes(chunk))
                offset += len(chunk)
        except ExpansionLimit as exc:
            sink.discard()
            return MemberContent(size=sink.size, errors=[str(exc)])
        except OSError as exc:
            content = sink.content()
            content.errors.append(
                f"file could not be read completely ({exc}): the hashes are of the "
                f"{content.size} bytes read of the {size} its metadata gives"
            )
            return content
        content = sink.content()
        if content.size < size:
            content.errors.append(
                f"file is truncated: the hashes are of the {content.size} bytes read "
                f"of the {size} its metadata gives"
            )
        return content

    def _read_whole(self, f: Any, stream: _Stream | None, size: int) -> MemberContent | None:
        """A file that travels in memory anyway, in one read: no chunks to join (most files)."""
        try:
            if stream is None:
                data = bytes(f.read_random(0, size))
            else:
                data = bytes(f.read_random(0, size, stream.attr_type, stream.attr_id))
        except OSError:
            return None  # read again in chunks, which keeps what can be read
        for budget in self.ctx.budgets:
            why = budget.charge(len(data))
            if why:
                return MemberContent(size=len(data), errors=[why])
        content = MemberContent(data=data, size=len(data))
        if len(data) < size:
            content.errors.append(
                f"file is truncated: the hashes are of the {len(data)} bytes read "
                f"of the {size} its metadata gives"
            )
        return content

    # --- deleted files, once every live file's clusters are known --------------------------------

    def _deleted_entries(self) -> Iterator[Entry]:
        self.allocated.freeze()
        deferred, self._deferred = self._deferred, []
        recovered: list[tuple[int, int]] = []
        for item in deferred:
            entry = item.entry
            self.deleted += 1
            if self.ctx.skip_file(entry.path):
                continue
            try:
                f = self.fs_info.open_meta(inode=item.inode)
            except OSError as exc:
                entry.errors.append(f"deleted file's metadata could not be read: {exc}")
                yield entry
                continue
            runs, alternate, _ = self._streams(f)
            size = int(f.info.meta.size) if item.stream is None else item.stream.size
            if item.stream is None:
                entry.download_origin = self._origin(f, alternate, [])
            else:
                runs = []  # an alternate stream's runs are not told apart here; no check
            resident = not runs
            if size == 0:
                entry.errors.append(
                    "deleted file: the file system no longer records its size or clusters; "
                    "its content is gone"
                )
                yield entry
                continue
            on_disk = sum(end - start for start, end in runs)
            taken = sum(self.allocated.overlap(start, end) for start, end in runs)
            self._fill(entry, f, item.stream)
            if taken:
                entry.errors.append(
                    f"deleted file partly or wholly overwritten: {taken} of its {on_disk} bytes "
                    "on disk now belong to live files; the hashes are of what is there now"
                )
            elif self.is_fat and not resident and item.stream is None and on_disk < size:
                entry.errors.append(
                    "deleted file recovered only in part: FAT keeps its first cluster, and the "
                    f"{on_disk} bytes found there are less than its {size} bytes"
                )
            if not taken:
                recovered.extend(runs)  # the carver need not find these bytes again
            yield entry
        for start, end in recovered:
            self.allocated.add(start, end)
        self.allocated.freeze()
