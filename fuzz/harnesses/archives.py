"""Archive openers (evidence/archives.py): each input is one archive, opened as the walker opens it.

The walker hands an opener the archive's stream, its entry and a WalkContext whose budgets already
hold the archive's own expansion budget; so does this harness, with a throwaway spool folder and
small limits (bombs stop after 1 MiB, members over 256 KiB spool) so every input stays cheap. An
opener may raise ArchiveError (the archive as a whole is unreadable); anything else escaping it
is a finding. Every member is checked against the no-silent-record rule: a file member has its
bytes or an error saying why, and its size is the bytes read.
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from synthtrace.evidence import archives
from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.entry import FILE, SPECIAL, SYMLINK, Entry
from synthtrace.evidence.reading import Budget
from synthtrace.evidence.walk import WalkContext
from synthtrace.limits import Limits, MiB

LIMITS = Limits(ratio_floor_bytes=1 * MiB, in_memory_bytes=256 * 1024, max_member_bytes=8 * MiB)
NAMES = {
    "zip": "evidence/x.zip",
    "tar": "evidence/x.tar",
    "gzip": "evidence/x.gz",
    "bzip2": "evidence/x.bz2",
    "xz": "evidence/x.xz",
    "7z": "evidence/x.7z",
}
Opener = Callable[[BinaryIO, Entry, WalkContext], Iterator[Entry]]

_SPOOL = Path(tempfile.mkdtemp(prefix="synthtrace-fuzz-spool-"))
atexit.register(shutil.rmtree, _SPOOL, True)


def _openers() -> dict[str, Opener]:
    """The openers by container kind, from the container registry (or the older OPENERS map)."""
    try:
        from synthtrace.evidence.containers import CONTAINERS
    except ImportError:  # before containers.py: archives.py held the map itself
        table: Any = archives
        return dict(table.OPENERS)
    return {kind.name: kind.open for kind in CONTAINERS}


OPENERS = _openers()


def _check(entry: Entry, container: Entry) -> None:
    assert entry.path.startswith(container.path + "!/"), entry.path
    assert entry.kind in (FILE, SYMLINK, SPECIAL), entry.kind
    if entry.kind == FILE:
        has_bytes = entry.data is not None or entry.spool is not None
        assert has_bytes or entry.errors, f"silent record: {entry.path} has no bytes and no error"
        if entry.data is not None:
            assert entry.size == len(entry.data), (entry.size, len(entry.data))


def open_archive(kind: str, data: bytes) -> int:
    """Every member of `data` read as a `kind` archive; returns how many were yielded."""
    ctx = WalkContext(limits=LIMITS, spool_dir=_SPOOL)
    ctx.budgets.append(Budget(LIMITS, compressed=len(data)))
    container = Entry(path=NAMES[kind], kind=FILE, size=len(data))
    members = 0
    try:
        for entry in OPENERS[kind](io.BytesIO(data), container, ctx):
            members += 1
            _check(entry, container)
            if entry.spool is not None:
                entry.spool.close()
    except ArchiveError:
        pass
    return members


def zip_input(data: bytes) -> None:
    open_archive("zip", data)


def tar_input(data: bytes) -> None:
    open_archive("tar", data)


def gzip_input(data: bytes) -> None:
    open_archive("gzip", data)


def bzip2_input(data: bytes) -> None:
    open_archive("bzip2", data)


def xz_input(data: bytes) -> None:
    open_archive("xz", data)


def sevenzip_input(data: bytes) -> None:
    open_archive("7z", data)
