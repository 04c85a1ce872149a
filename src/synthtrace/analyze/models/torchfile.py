"""PyTorch checkpoints (.ckpt, .pt, .pth, .bin): a ZIP with `<name>/data.pkl` and the tensor
storages under `<name>/data/`, or the legacy format (several pickles back to back, then the raw
storages). Only the pickles are read, statically (models/pickles.py): nothing is ever unpickled.
"""

from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from synthtrace.analyze.models.pickles import PickleError, PickleSummary, summarize_pickle

MODEL_EXTENSIONS = (".ckpt", ".pt", ".pth", ".bin", ".pkl")
# torch.save's legacy format starts with this magic number, pickled (protocol 2, LONG1).
LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."


# What reading a damaged ZIP member raises: RuntimeError covers an encrypted member (and
# NotImplementedError, an unknown method); the decompressors raise their own types.
_MEMBER_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
)


class TorchFileError(ValueError):
    """The checkpoint's structure cannot be read."""


@dataclass
class TorchFile:
    format: str  # "torch-zip", "torch-legacy" or "pickle"
    summary: PickleSummary
    members: int = 0


def torch_zip_head(head: bytes) -> bool:
    """A ZIP whose first member is `<dir>/data.pkl`: how torch.save starts its archives."""
    if len(head) < 30 or not head.startswith(b"PK\x03\x04"):
        return False
    (name_len,) = struct.unpack_from("<H", head, 26)
    name = head[30 : 30 + name_len]
    return name.endswith(b"/data.pkl") and name.count(b"/") == 1


def looks_like_pickle(head: bytes, name: str) -> bool:
    if head.startswith(LEGACY_MAGIC):
        return True
    return (
        len(head) > 2
        and head[0] == 0x80
        and 2 <= head[1] <= 5
        and name.lower().endswith(MODEL_EXTENSIONS)
    )


def read_torch_zip(stream: BinaryIO, limit: int) -> TorchFile:
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise TorchFileError(f"checkpoint ZIP could not be opened: {exc}") from exc
    with zf:
        infos = zf.infolist()
        pkl = [i for i in infos if i.filename.endswith("/data.pkl") and i.filename.count("/") == 1]
        if not pkl:
            raise TorchFileError("checkpoint ZIP has no data.pkl")
        if pkl[0].file_size > limit:
            raise TorchFileError(f"data.pkl of {pkl[0].file_size} bytes exceeds the limit")
        try:
            with zf.open(pkl[0]) as member:
                data = member.read(limit + 1)
        except _MEMBER_ERRORS as exc:
            raise TorchFileError(f"data.pkl could not be read: {exc}") from exc
        if len(data) > limit:
            raise TorchFileError("data.pkl expands beyond the limit")
        try:
            summary, _ = summarize_pickle(data)
        except PickleError as exc:
            raise TorchFileError(f"data.pkl: {exc}") from exc
        return TorchFile("torch-zip", summary, members=len(infos))


def read_pickle_file(stream: BinaryIO, limit: int) -> TorchFile:
    """A raw pickle: legacy torch.save (magic, version, sys info, then the object) or plain."""
    data = stream.read(limit + 1)
    legacy = data.startswith(LEGACY_MAGIC)
    try:
        summary, _ = summarize_pickle(data[:limit], pickles=4 if legacy else 1)
    except PickleError as exc:
        if len(data) > limit:
            raise TorchFileError(f"pickle larger than the {limit}-byte limit: {exc}") from exc
        raise TorchFileError(str(exc)) from exc
    return TorchFile("torch-legacy" if legacy else "pickle", summary)
