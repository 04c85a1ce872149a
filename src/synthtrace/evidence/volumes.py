"""The layers of a disk image through dfvfs: the media stream, its partitions, what is on each.

The storage media format (EWF, raw, VMDK, VHD, QCOW) is known from the image's signature
(evidence/diskimage.py). Then: a file system on the whole media (a USB stick formatted without a
partition table), or a partition table (GPT, APM, MBR with its extended partitions), and in
each partition an encrypted volume (recorded as such, opened only with the investigator's key),
or a file system for The Sleuth Kit, or one for dfvfs' own back-ends (XFS, APFS, ...).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from dfvfs.analyzer import analyzer
from dfvfs.file_io import file_object_io
from dfvfs.lib import definitions as dfvfs_defs
from dfvfs.lib import errors as dfvfs_errors
from dfvfs.path import factory as path_factory
from dfvfs.resolver import context as dfvfs_context
from dfvfs.resolver import resolver
from dfvfs.volume import apm_volume_system, gpt_volume_system, tsk_volume_system

from synthtrace.errors import describe
from synthtrace.evidence.ewf import EwfError, EwfMedia

MEDIA_FORMATS = {
    "ewf": dfvfs_defs.TYPE_INDICATOR_EWF,
    "raw": dfvfs_defs.TYPE_INDICATOR_RAW,
    "vmdk": dfvfs_defs.TYPE_INDICATOR_VMDK,
    "vhd": dfvfs_defs.TYPE_INDICATOR_VHDI,
    "vhdx": dfvfs_defs.TYPE_INDICATOR_VHDI,
    "qcow": dfvfs_defs.TYPE_INDICATOR_QCOW,
}
_TABLES = {
    dfvfs_defs.TYPE_INDICATOR_GPT: ("GPT", gpt_volume_system.GPTVolumeSystem),
    dfvfs_defs.TYPE_INDICATOR_APM: ("APM", apm_volume_system.APMVolumeSystem),
    dfvfs_defs.TYPE_INDICATOR_TSK_PARTITION: ("MBR", tsk_volume_system.TSKVolumeSystem),
}
_ENCRYPTED = {
    dfvfs_defs.TYPE_INDICATOR_BDE: "BitLocker",
    dfvfs_defs.TYPE_INDICATOR_LUKSDE: "LUKS",
    dfvfs_defs.TYPE_INDICATOR_CS: "Core Storage (FileVault)",
}
# Back-ends tried when The Sleuth Kit cannot read a file system, in dfvfs' own preference.
_OTHER_FS = (
    dfvfs_defs.TYPE_INDICATOR_XFS,
    dfvfs_defs.TYPE_INDICATOR_EXT,
    dfvfs_defs.TYPE_INDICATOR_NTFS,
    dfvfs_defs.TYPE_INDICATOR_HFS,
    dfvfs_defs.TYPE_INDICATOR_FAT,
)
BACKEND_ERRORS = (dfvfs_errors.Error, OSError, ValueError, RuntimeError, TypeError)


def short(exc: BaseException) -> str:
    """The first sentence of a back-end error: libyal chains its whole call stack after it."""
    return describe(exc).split(". ")[0]


class ImageOpenError(Exception):
    """The image's media stream could not be opened at all."""


def new_spec(indicator: str, parent: Any = None, **kwargs: Any) -> Any:
    return path_factory.Factory.NewPathSpec(indicator, parent=parent, **kwargs)


@dataclass
class Volume:
    """One place a file system may be: a partition, or the whole media."""

    name: str | None  # "p1", "p2", ... in partition-table order; None for the whole media
    spec: Any  # dfvfs path spec of the volume's bytes
    offset: int | None  # where its bytes lie in the media (None when not a plain slice)
    size: int
    info: dict[str, Any] = field(default_factory=dict)  # for the image object
    encryption: str | None = None  # dfvfs type indicator of its encryption (BDE, LUKSDE, CS)


@dataclass
class Media:
    context: Any
    spec: Any
    size: int
    table: str | None = None
    volumes: list[Volume] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ewf: EwfMedia | None = None  # our EWF chunk reader, when it read the image (evidence/ewf.py)
    # dfvfs caches file objects by weak reference: the media's holds here while it is read.
    held: Any = None

    def open(self) -> Any:
        return resolver.Resolver.OpenFileObject(self.spec, resolver_context=self.context)

    def close(self) -> None:
        self.context.Empty()
        if self.ewf is not None:
            self.ewf.close()


class _Stream(file_object_io.FileObjectIO):  # type: ignore[misc]
    """A media stream of ours, as a dfvfs file object: what dfvfs reads for that path spec."""

    def __init__(self, context: Any, spec: Any, stream: EwfMedia) -> None:
        super().__init__(context, spec)
        self._stream = stream

    def _OpenFileObject(self, path_spec: Any) -> EwfMedia:
        return self._stream


def _ewf_reader(context: Any, spec: Any, segments: list[str]) -> tuple[EwfMedia, Any] | None:
    """Our zlib EWF reader in dfvfs' cache for the EWF path spec (and the dfvfs object to hold),
    or None to leave the image to libewf."""
    try:
        media = EwfMedia(segments)
    except (EwfError, OSError, ValueError, struct.error):
        return None
    stream = _Stream(context, spec, media)
    stream.Open()
    context.CacheFileObject(spec, stream)
    return media, stream


def open_media(
    location: str, media_format: str, segmented: bool, segments: list[str] | None = None
) -> Media:
    context = dfvfs_context.Context()
    os_spec = new_spec(dfvfs_defs.TYPE_INDICATOR_OS, location=location)
    # A raw image in one file is its own media stream (dfvfs' raw layer only adds the globbing
    # of segment names, and fails on names it does not know, like stick.ext4).
    if media_format == "raw" and not segmented:
        spec = os_spec
    else:
        spec = new_spec(MEDIA_FORMATS[media_format], parent=os_spec)
    ewf = _ewf_reader(context, spec, segments or [location]) if media_format == "ewf" else None
    size = 0
    try:
        stream = resolver.Resolver.OpenFileObject(spec, resolver_context=context)
        size = int(stream.get_size())
    except BACKEND_ERRORS as exc:
        stream, why = None, f": {short(exc)}"
    else:
        why = " (no segment found)"
    media = Media(context, spec, size, ewf=ewf[0] if ewf else None, held=ewf[1] if ewf else None)
    if stream is None:
        media.close()
        raise ImageOpenError(f"{media_format} image could not be opened{why}")
    _find_volumes(media)
    return media


def _tsk_fs(spec: Any, context: Any) -> Any | None:
    try:
        fs = resolver.Resolver.OpenFileSystem(
            new_spec(dfvfs_defs.TYPE_INDICATOR_TSK, location="/", parent=spec),
            resolver_context=context,
        )
        return fs.GetFsInfo()
    except BACKEND_ERRORS:
        return None


def _find_volumes(media: Media) -> None:
    # A file system on the whole media first: a FAT stick made by mformat carries a partition
    # entry pointing at itself, which TSK would otherwise read as a partition table.
    if _tsk_fs(media.spec, media.context) is not None or _other_fs(media.spec, media.context):
        media.volumes.append(Volume(None, media.spec, 0, media.size, {"offset": 0}))
        return
    try:
        found = analyzer.Analyzer.GetVolumeSystemTypeIndicators(
            media.spec, resolver_context=media.context
        )
    except BACKEND_ERRORS as exc:
        media.errors.append(f"partition table could not be read: {short(exc)}")
        found = []
    encrypted = [i for i in found if i in _ENCRYPTED]
    if encrypted:
        info = {"offset": 0, "encrypted": _ENCRYPTED[encrypted[0]]}
        media.volumes.append(Volume(None, media.spec, 0, media.size, info, encrypted[0]))
        return
    for indicator in [*[i for i in found if i in _TABLES], dfvfs_defs.TYPE_INDICATOR_TSK_PARTITION]:
        table, system_class = _TABLES[indicator]
        system = system_class()
        try:
            system.Open(new_spec(indicator, location="/", parent=media.spec))
            volumes = list(system.volumes)
        except BACKEND_ERRORS:
            continue
        if not volumes:
            continue
        media.table = table
        for number, volume in enumerate(volumes, start=1):
            media.volumes.append(_partition(media, indicator, volume, number))
        return
    if _primary_mbr(media):
        return
    if not media.volumes:
        # Nothing recognised: the whole media is still carved for pictures.
        media.volumes.append(Volume(None, media.spec, 0, media.size, {"offset": 0}))


def _primary_mbr(media: Media) -> bool:
    """The primary MBR entries, when The Sleuth Kit rejects the table as a whole (an extended
    table it cannot read, at the end of a truncated image). Hand-read: four 16-byte entries."""
    try:
        stream = media.open()
        stream.seek(0)
        sector = bytes(stream.read(512))
    except BACKEND_ERRORS:
        return False
    if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
        return False
    entries = []
    for i in range(4):
        entry = sector[446 + 16 * i : 462 + 16 * i]
        ptype = entry[4]
        start, count = int.from_bytes(entry[8:12], "little"), int.from_bytes(entry[12:16], "little")
        if entry[0] not in (0, 0x80):
            return False
        if ptype and ptype not in (0x05, 0x0F, 0x85, 0xEE) and start and count:
            entries.append((start * 512, count * 512, ptype))
    if not entries:
        return False
    media.table = "MBR"
    media.errors.append(
        "the partition table could not be read whole (an extended partition table is "
        "unreadable): only its primary partitions are read"
    )
    for number, (offset, size, ptype) in enumerate(entries, start=1):
        spec = new_spec(
            dfvfs_defs.TYPE_INDICATOR_DATA_RANGE,
            range_offset=offset,
            range_size=min(size, max(0, media.size - offset)),
            parent=media.spec,
        )
        info = {"name": f"p{number}", "offset": offset, "size": size, "type": f"0x{ptype:02x}"}
        media.volumes.append(
            Volume(f"p{number}", spec, offset, min(size, media.size - offset), info)
        )
    return True


def _partition(media: Media, indicator: str, volume: Any, number: int) -> Volume:
    # dfvfs' TSK back-end addresses the n-th allocated partition as /pn (its volume names follow
    # another count); GPT and APM address theirs by identifier. Ours: p1, p2, ... in table order.
    name = f"p{number}"
    location = name if indicator == dfvfs_defs.TYPE_INDICATOR_TSK_PARTITION else volume.identifier
    extent = volume.extents[0] if volume.extents else None
    offset = int(extent.offset) if extent is not None else None
    size = int(extent.size) if extent is not None else 0
    info: dict[str, Any] = {"name": name, "offset": offset, "size": size}
    description = volume.GetAttribute("description")
    if description is not None:
        info["type"] = str(description.value)
    spec = new_spec(indicator, location=f"/{location}", parent=media.spec)
    result = Volume(name, spec, offset, size, info)
    if offset is not None and offset + size > media.size:
        info["error"] = (
            f"partition {name} runs past the end of the disk ({offset} + {size} bytes "
            f"of a {media.size}-byte media); only what the disk holds is read"
        )
        result.size = max(0, media.size - offset)
    return result


def _other_fs(spec: Any, context: Any) -> str | None:
    try:
        found = analyzer.Analyzer.GetFileSystemTypeIndicators(spec, resolver_context=context)
    except BACKEND_ERRORS:
        return None
    for indicator in _OTHER_FS:
        if indicator in found and indicator != dfvfs_defs.TYPE_INDICATOR_FAT:
            return str(indicator)
    return None


def encryption(volume: Volume, context: Any) -> str | None:
    """The kind of encrypted volume this is (BitLocker, LUKS, FileVault), or None."""
    if volume.encryption is not None:
        return _ENCRYPTED[volume.encryption]
    try:
        found = analyzer.Analyzer.GetVolumeSystemTypeIndicators(
            volume.spec, resolver_context=context
        )
    except BACKEND_ERRORS:
        return None
    for indicator in found:
        if indicator in _ENCRYPTED:
            volume.info["encrypted"] = _ENCRYPTED[indicator]
            volume.encryption = indicator
            return _ENCRYPTED[indicator]
    return None


def unlock(volume: Volume, context: Any, credentials: dict[str, str]) -> Volume | None:
    """The decrypted volume, when one of the investigator's credentials opens it."""
    indicator = volume.encryption
    if indicator is None or not credentials:
        return None
    spec = new_spec(indicator, parent=volume.spec)
    for kind, value in credentials.items():
        resolver.Resolver.key_chain.SetCredential(spec, kind, value)
    try:
        stream = resolver.Resolver.OpenFileObject(spec, resolver_context=context)
        locked = getattr(stream, "is_locked", False)  # a property of dfvfs' BDE/LUKSDE files
        if callable(locked):
            locked = locked()
        if locked:
            return None  # a wrong password opens the header, never the volume
        size = int(stream.get_size())
    except BACKEND_ERRORS:
        return None
    return Volume(volume.name, spec, None, size, volume.info)


def tsk_file_system(volume: Volume, context: Any) -> Any | None:
    return _tsk_fs(volume.spec, context)


def other_file_system(volume: Volume, context: Any) -> tuple[str, Any] | None:
    """A file system of dfvfs' own back-ends (XFS, APFS, ...), as (name, dfvfs file system)."""
    indicator = _other_fs(volume.spec, context)
    if indicator is None:
        return None
    spec = new_spec(indicator, location="/", parent=volume.spec)
    try:
        return str(indicator), resolver.Resolver.OpenFileSystem(spec, resolver_context=context)
    except BACKEND_ERRORS:
        return None
