"""The walk tap: copies the few files the artifact readers name into the case's spool, where the
artifact pass finds them after the scan (see docs/architecture.md, "Browser artifacts").

A browser database is two files at once (`History` and the `History-wal` beside it), must be read
from a copy, and may sit in an archive or a disk image whose bytes the scan sees only once, while
walking. So the walker shows every file to this tap (`WalkContext.taps`) before it yields it, and
the tap copies those whose name a reader takes: a set lookup per file, a copy for a handful.

Copies are content-addressed (`tmp/staged/ab/<sha256>`), written to a temporary name and renamed
once complete, before the walk yields the entry: so whenever a file row is committed its copy is
complete. `clear_spool` keeps `tmp/staged/` (a killed scan's copies wait for the pass), and the
tap also sees files a resumed walk skips, so their copies are made again if missing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from synthtrace.evidence.entry import FILE, Entry
from synthtrace.evidence.reading import CHUNK, open_evidence
from synthtrace.limits import GiB

if TYPE_CHECKING:
    from synthtrace.evidence.walk import WalkContext

STAGED = "staged"  # under the case's spool folder (case.tmp_dir); kept by clear_spool
MAX_STAGED = 8 * GiB  # a browser database larger than this is recorded, not extracted
WAL = "-wal"


@cache
def staged_names() -> frozenset[str]:
    """Every file name a reader takes, with `-wal` for the SQLite ones."""
    from synthtrace.builtins import ARTIFACT_READERS

    names: set[str] = set()
    for reader in ARTIFACT_READERS:
        for name in reader.file_names:
            names.add(name)
            if reader.sqlite:
                names.add(name + WAL)
    return frozenset(names)


def staged_path(spool_dir: Path, sha256: str) -> Path:
    return spool_dir / STAGED / sha256[:2] / sha256


def _source(entry: Entry) -> BinaryIO | None:
    if entry.spool is not None:
        entry.spool.seek(0)
        return entry.spool
    if entry.fs_path is not None:
        return open_evidence(entry.fs_path)
    return None


def _copy(entry: Entry, folder: Path) -> tuple[str, Path]:
    """Copy the entry's bytes to a temporary file in `folder`; (SHA-256, temporary path)."""
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            if entry.data is not None:
                digest.update(entry.data)
                out.write(entry.data)
            else:
                stream = _source(entry)
                if stream is None:
                    raise OSError("no content to copy")
                written = 0
                try:
                    while chunk := stream.read(CHUNK):
                        written += len(chunk)
                        if written > MAX_STAGED:
                            raise OSError(f"larger than {MAX_STAGED} bytes")
                        digest.update(chunk)
                        out.write(chunk)
                finally:
                    if stream is entry.spool:
                        stream.seek(0)  # the walker and the analysis read it again
                    else:
                        stream.close()
    except BaseException:
        os.unlink(tmp)
        raise
    return digest.hexdigest(), Path(tmp)


def stage_entry(entry: Entry, ctx: WalkContext) -> None:
    """The tap: stage `entry` when a reader takes its name; a failure is an error on the file."""
    if entry.kind != FILE or entry.name not in staged_names():
        return
    root = ctx.spool_dir / STAGED
    try:
        root.mkdir(parents=True, exist_ok=True)
        sha256, tmp = _copy(entry, root)
        final = staged_path(ctx.spool_dir, sha256)
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp, final)  # complete before the entry is yielded: never half a copy
    except OSError as exc:
        entry.errors.append(
            f"could not be copied for browser-artifact extraction: {exc.strerror or exc}"
        )
