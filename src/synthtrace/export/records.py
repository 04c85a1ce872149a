"""The export record of one file: the keys other tools read. Never rename a key; add new ones.

Records stream from the database in (evidence label, path) byte order, so two scans of the same
evidence export identically and memory stays flat however large the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthtrace.evidence.entry import DIRECTORY, SYMLINK
from synthtrace.store.db import binary_collation
from synthtrace.store.models import Evidence, File, Media

BASE_KEYS = (
    "evidence",
    "path",
    "size",
    "mtime",
    "md5",
    "sha1",
    "sha256",
    "mime",
    "extension_mismatch",
    "status",
    "errors",
    "width",
    "height",
    "pdq",
    "pdq_quality",
    "exif",
    "xmp",
    "png_text",
    # Added beside the contract keys: where and what the entry is, and its other times.
    "kind",
    "container",
    "atime",
    "ctime",
    "btime",
    "link_target",
    # Disk images (docs/formats.md): deleted and carved files, where a carved one lay in the
    # image, where a file was downloaded from, and the image file's own `image` object.
    "deleted",
    "carved",
    "image_offset",
    "download_origin",
    "image",
)

_KIND_MIME = {SYMLINK: "inode/symlink", DIRECTORY: "inode/directory"}
BATCH = 1000


@dataclass
class Row:
    record: dict[str, Any]
    file: File
    media: Media | None


# Later passes (matches, clusters, links, categories) add their keys to a batch of rows at a time,
# so each costs one query per batch, not one per file. They are listed in synthtrace.builtins.
RecordExtension = Callable[[Session, list[Row]], None]


def base_record(label: str, f: File, m: Media | None) -> dict[str, Any]:
    errors = list(f.errors or []) + (list(m.errors or []) if m else [])
    return {
        "evidence": label,
        "path": f.path,
        "size": f.size,
        "mtime": f.mtime,
        "md5": m.md5 if m else None,
        "sha1": m.sha1 if m else None,
        "sha256": m.sha256 if m else None,
        "mime": m.mime if m else _KIND_MIME.get(f.kind),
        "extension_mismatch": bool(f.extension_mismatch),
        "status": "error" if errors else "ok",
        "errors": errors,
        "width": m.width if m else None,
        "height": m.height if m else None,
        "pdq": m.pdq if m else None,
        "pdq_quality": m.pdq_quality if m else None,
        "exif": m.exif if m else None,
        "xmp": m.xmp if m else None,
        "png_text": m.png_text if m else None,
        "kind": f.kind,
        "container": f.container,
        "atime": f.atime,
        "ctime": f.ctime,
        "btime": f.btime,
        "link_target": f.link_target,
        "deleted": bool(f.deleted),
        "carved": bool(f.carved),
        "image_offset": f.image_offset,
        "download_origin": f.download_origin,
        "image": f.image,
    }


def _analyzer_keys(record: dict[str, Any], m: Media | None) -> None:
    from synthtrace.builtins import CONTENT_ANALYZERS

    facts = (m.facts or {}) if m else {}
    for analyzer in CONTENT_ANALYZERS:
        record[analyzer.name] = facts.get(analyzer.name)


def iter_records(session: Session, evidence: str | None = None) -> Iterator[dict[str, Any]]:
    coll = binary_collation(session)
    stmt = (
        select(Evidence.label, File, Media)
        .join(Evidence, File.evidence_id == Evidence.id)
        .outerjoin(Media, File.media_id == Media.id)
        .order_by(Evidence.label.collate(coll), File.path.collate(coll))
        .execution_options(yield_per=BATCH)
    )
    if evidence is not None:
        stmt = stmt.where(Evidence.label == evidence)
    batch: list[Row] = []
    for label, f, m in session.execute(stmt):
        record = base_record(label, f, m)
        _analyzer_keys(record, m)
        batch.append(Row(record, f, m))
        if len(batch) >= BATCH:
            yield from _finish(session, batch)
            batch = []
    if batch:
        yield from _finish(session, batch)


def _finish(session: Session, batch: list[Row]) -> Iterator[dict[str, Any]]:
    from synthtrace.builtins import RECORD_EXTENSIONS

    for extend in RECORD_EXTENSIONS:
        extend(session, batch)
    for row in batch:
        yield row.record
