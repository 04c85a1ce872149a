"""The scan's single writer: batches of results committed in one transaction each.

A batch holds whole records only, so a process killed at any moment leaves the database with every
committed file complete and no file half-written; the resumed scan skips exactly what is committed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from synthtrace.analyze.pipeline import FileFacts, MediaFacts
from synthtrace.evidence.entry import DIRECTORY, SYMLINK, Entry
from synthtrace.store.bulk import ids_for, insert_rows
from synthtrace.store.db import insert_ignore, table_of, transaction
from synthtrace.store.models import ContainerDone, File, Media, Scan


def media_row(m: MediaFacts) -> dict[str, Any]:
    img = m.image
    return {
        "sha256": m.sha256,
        "md5": m.md5,
        "sha1": m.sha1,
        "size": m.size,
        "mime": m.mime,
        "width": img.width if img else None,
        "height": img.height if img else None,
        "pdq": img.pdq if img else None,
        "pdq_quality": img.pdq_quality if img else None,
        "pdq_dihedral": "".join(img.pdq_dihedral) if img and img.pdq_dihedral else None,
        "exif": img.exif if img else None,
        "xmp": img.xmp if img else None,
        "png_text": img.png_text if img else None,
        "thumbnail": bool(img and img.thumbnail),
        "errors": (img.errors if img else []) + m.errors,
        "facts": m.facts,
    }


@dataclass
class WriterStats:
    files: int = 0
    bytes: int = 0
    errors: int = 0


@dataclass
class ScanWriter:
    sessions: sessionmaker[Session]
    evidence_id: int
    scan_id: int
    # False on a first scan of the evidence: nothing can be stored yet, so the walk's "is this
    # file stored already?" needs no query (one per file otherwise).
    resuming: bool = True
    batch_size: int = 2000
    max_delay: float = 2.0
    stats: WriterStats = field(default_factory=WriterStats)
    _media: dict[str, dict[str, Any]] = field(default_factory=dict)
    _files: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    _containers: list[tuple[str, list[str]]] = field(default_factory=list)
    _last_flush: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._lookup = self.sessions()

    def _exists(self, stmt: Any) -> bool:
        try:
            return self._lookup.execute(stmt).first() is not None
        finally:
            # End the read transaction at once: an open reader would stop SQLite from
            # checkpointing its write-ahead log, which would then grow with the scan.
            self._lookup.rollback()

    def file_done(self, path: str) -> bool:
        if not self.resuming:
            return False
        return self._exists(
            select(File.id).where(File.evidence_id == self.evidence_id, File.path == path)
        )

    def container_done(self, path: str) -> bool:
        if not self.resuming:
            return False
        return self._exists(
            select(ContainerDone.path).where(
                ContainerDone.evidence_id == self.evidence_id, ContainerDone.path == path
            )
        )

    def add(self, entry: Entry, facts: FileFacts | None) -> None:
        errors = list(entry.errors)
        sha256 = None
        mismatch = False
        size = entry.size
        read = 0
        media_errors: list[str] = []
        if facts is not None:
            errors.extend(facts.errors)
            mismatch = facts.extension_mismatch
            if facts.media is not None:
                if entry.image is not None and "format" in entry.image:
                    if entry.image.get("computed_by") == "file digests":
                        # A raw image in one file is its media: the file's digests are its hashes.
                        del entry.image["computed_by"]
                        entry.image["computed_md5"] = facts.media.md5
                        entry.image["computed_sha1"] = facts.media.sha1
                    # A disk image's acquisition facts hold for its bytes wherever they are found
                    # (the report reads them there); the File row keeps them too, for the export.
                    facts.media.facts["image"] = entry.image
                sha256 = facts.media.sha256
                size = read = facts.media.size
                self._media.setdefault(sha256, media_row(facts.media))
                media_errors = self._media[sha256]["errors"]
        if sha256 is None and not errors and entry.kind not in (DIRECTORY, SYMLINK):
            # Never a silent record: whatever left this one without content must be said.
            errors.append("content was not read (no reason was recorded: please report this)")
        row = {
            "evidence_id": self.evidence_id,
            "path": entry.path,
            "container": entry.container,
            "depth": entry.depth,
            "kind": entry.kind,
            "size": size,
            "mtime": entry.mtime,
            "atime": entry.atime,
            "ctime": entry.ctime,
            "btime": entry.btime,
            "link_target": entry.link_target,
            "extension_mismatch": mismatch,
            "errors": errors,
            "deleted": entry.deleted,
            "carved": entry.carved,
            "image_offset": entry.image_offset,
            "download_origin": entry.download_origin,
            "image": entry.image,
        }
        self._files.append((row, sha256))
        self.stats.files += 1
        self.stats.bytes += read  # bytes actually read, never what a header claims
        if errors or media_errors:
            self.stats.errors += 1
        self.maybe_flush()

    def container_finished(self, path: str, errors: list[str]) -> None:
        self._containers.append((path, errors))
        self.maybe_flush()

    def maybe_flush(self) -> None:
        pending = len(self._files) + len(self._containers)
        if pending >= self.batch_size or (
            pending and time.monotonic() - self._last_flush >= self.max_delay
        ):
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if not (self._files or self._containers):
            return
        with transaction(self.sessions) as s:
            conn = s.connection()
            ids: dict[str, int] = {}
            if self._media:
                insert_rows(
                    conn, table_of(Media), list(self._media.values()), ignore_conflicts=True
                )
                ids = ids_for(conn, table_of(Media), "sha256", list(self._media))
            if self._files:
                insert_rows(
                    conn,
                    table_of(File),
                    [
                        {**row, "media_id": ids.get(sha) if sha else None}
                        for row, sha in self._files
                    ],
                    ignore_conflicts=True,
                )
            for path, errors in self._containers:
                if errors:
                    self._append_errors(s, path, errors)
                s.execute(
                    insert_ignore(s, ContainerDone),
                    [{"evidence_id": self.evidence_id, "path": path}],
                )
            s.execute(
                update(Scan)
                .where(Scan.id == self.scan_id)
                .values(files=self.stats.files, bytes=self.stats.bytes, errors=self.stats.errors)
            )
        self._media.clear()
        self._files.clear()
        self._containers.clear()

    def _append_errors(self, s: Session, path: str, errors: list[str]) -> None:
        file = s.scalars(
            select(File).where(File.evidence_id == self.evidence_id, File.path == path)
        ).first()
        if file is None:
            return
        new = [e for e in errors if e not in (file.errors or [])]
        if new:
            file.errors = [*(file.errors or []), *new]

    def close(self) -> None:
        self.flush()
        self._lookup.close()
