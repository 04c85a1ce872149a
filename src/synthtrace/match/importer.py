"""`hashset import`: a hash list into the case, streamed, counted, in one transaction.

The list is never held in memory: records are parsed from a stream and written in batches.
Lines that cannot be used are counted and a few are quoted in the report; only a file that
cannot be read as its format at all (truncated JSON, no header, nothing valid) fails the import,
and then the transaction leaves the case exactly as it was. Re-importing an unchanged file under
the same name is a no-op; a changed file (a new release of the list) replaces the old entries.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.categories import case_scheme
from synthtrace.errors import describe
from synthtrace.match.formats import HEAD_BYTES, detect_format, get_format
from synthtrace.match.formats.base import (
    BadRecord,
    FormatError,
    ListLimits,
    ListRecord,
    ReadOptions,
)
from synthtrace.match.kinds import KINDS
from synthtrace.store.db import insert_ignore, transaction
from synthtrace.store.models import HashEntry, HashSet, Match
from synthtrace.timefmt import now_utc

BATCH = 5000
MAX_PROBLEMS = 20  # bad lines quoted in the report (all are counted)
Progress = Callable[[int, int], None]  # bytes read, file size


class HashListError(Exception):
    """The list cannot be imported; the case is unchanged."""


@dataclass
class ImportReport:
    name: str
    format: str
    path: str
    records: int = 0  # list records read (lines, Media)
    entries: int = 0  # distinct hashes stored
    by_type: dict[str, int] = field(default_factory=dict)
    bad: int = 0  # records skipped, with reasons in `problems`
    duplicates: int = 0  # hashes the list holds more than once (kept once)
    problems: list[str] = field(default_factory=list)
    unchanged: bool = False
    replaced: bool = False
    outside_scheme: list[str] = field(default_factory=list)  # categories the case does not use
    seconds: float = 0.0
    passes: list[str] = field(default_factory=list)  # what matching found afterwards


class _Reader:
    """A read-only stream that hashes what passes through and reports progress."""

    def __init__(self, fh: BinaryIO, size: int, progress: Progress | None) -> None:
        self.fh, self.size, self.progress = fh, size, progress
        self.sha256 = hashlib.sha256()
        self.done = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha256.update(data)
        self.done += len(data)
        if self.progress is not None:
            self.progress(self.done, self.size)
        return data


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _validate(case: Case, name: str, hash_type: str | None, category: str | None) -> None:
    if not name.strip():
        raise HashListError("the hash list needs a name (--name)")
    if hash_type is not None and hash_type not in KINDS:
        raise HashListError(f"unknown hash type {hash_type!r}; choose {', '.join(KINDS)}")
    if category is not None:
        scheme_name, scheme = case_scheme(case)
        if category not in {c.code for c in scheme}:
            codes = ", ".join(c.code for c in scheme)
            raise HashListError(
                f"category {category!r} is not in this case's {scheme_name} scheme ({codes})"
            )


def import_hashset(
    case: Case,
    path: Path,
    name: str,
    fmt: str = "auto",
    hash_type: str | None = None,
    category: str | None = None,
    known_good: bool = False,
    progress: Progress | None = None,
    user: str | None = None,
    limits: ListLimits | None = None,
    run_passes: bool = True,
) -> ImportReport:
    started = time.perf_counter()
    path = Path(path)
    if path.is_dir() and fmt == "vpdq":  # vpdq files, one video each: one zip of them
        from synthtrace.match.formats.vpdq import packed_folder

        with packed_folder(path, case.tmp_dir) as packed:
            case.audit.append(
                "hashset.import.folder", user=user, folder=str(path), packed=packed.name
            )
            return import_hashset(
                case, packed, name, "vpdq", hash_type, category, known_good, progress, user,
                limits, run_passes,
            )  # fmt: skip
    _validate(case, name, hash_type, category)
    if not path.is_file():
        raise HashListError(f"{path} is not a file")
    options = {
        "format": fmt,
        "hash_type": hash_type,
        "category": category,
        "known_good": known_good,
    }
    try:
        report = _import(case, path, name.strip(), options, progress, limits or ListLimits())
    except (FormatError, HashListError, OSError) as exc:
        reason = str(exc) if not isinstance(exc, OSError) else describe(exc)
        case.audit.append(
            "hashset.import.failed", user=user, name=name, file=str(path), reason=reason
        )
        raise HashListError(f"{path.name}: {reason}; the case is unchanged") from exc
    report.seconds = time.perf_counter() - started
    case.audit.append(
        "hashset.import",
        user=user,
        name=report.name,
        file=str(path),
        format=report.format,
        known_good=known_good,
        category=category,
        records=report.records,
        entries=report.entries,
        by_type=report.by_type,
        bad=report.bad,
        duplicates=report.duplicates,
        unchanged=report.unchanged,
        replaced=report.replaced,
    )
    if run_passes and not report.unchanged:
        from synthtrace.scan.service import run_case_passes

        report.passes = run_case_passes(case)
    return report


def _import(
    case: Case,
    path: Path,
    name: str,
    options: dict[str, Any],
    progress: Progress | None,
    limits: ListLimits,
) -> ImportReport:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    parser = detect_format(head) if options["format"] == "auto" else get_format(options["format"])
    report = ImportReport(name=name, format=parser.name, path=str(path))
    with case.sessions() as s:
        existing = s.scalars(select(HashSet).where(HashSet.name == name)).first()
    if existing is not None:
        if existing.file_sha256 == _file_sha256(path) and existing.options == options:
            report.unchanged = True
            report.entries = existing.entry_count
            report.bad = existing.skipped
            return report
        report.replaced = True
    size = os.path.getsize(path)
    read_options = ReadOptions(hash_type=options["hash_type"], limits=limits, source=path.name)
    with transaction(case.sessions) as s, open(path, "rb") as raw:
        _bulk_mode(s)
        hs = s.scalars(select(HashSet).where(HashSet.name == name)).first()
        if hs is None:
            hs = HashSet(name=name, format=parser.name, imported_at=now_utc())
            s.add(hs)
        else:
            s.execute(delete(Match).where(Match.hashset_id == hs.id))
            s.execute(delete(HashEntry).where(HashEntry.hashset_id == hs.id))
        hs.format = parser.name
        hs.known_good = bool(options["known_good"])
        hs.default_category = options["category"]
        hs.source = str(path)
        hs.imported_at = now_utc()
        hs.options = options
        hs.matched_upto = 0
        s.flush()
        reader = _Reader(raw, size, progress)
        hashes = _store(s, hs.id, parser.parse(reader, read_options), options["category"], report)
        stored = dict(
            s.execute(
                select(HashEntry.hash_type, func.count())
                .where(HashEntry.hashset_id == hs.id)
                .group_by(HashEntry.hash_type)
            ).all()
        )
        report.by_type = {k: int(v) for k, v in sorted(stored.items())}
        report.entries = sum(report.by_type.values())
        report.duplicates = hashes - report.entries
        if report.entries == 0:
            detail = f" ({'; '.join(report.problems[:3])})" if report.problems else ""
            raise HashListError(
                f"no valid hash in {report.records + report.bad} records{detail}; "
                "is this the right --format or --type?"
            )
        hs.file_sha256 = reader.sha256.hexdigest()
        hs.entry_count = report.entries
        hs.skipped = report.bad + report.duplicates
        codes = {c.code for c in case_scheme(case)[1]}
        used = s.scalars(
            select(HashEntry.category)
            .where(HashEntry.hashset_id == hs.id, HashEntry.category.is_not(None))
            .distinct()
        )
        report.outside_scheme = sorted(c for c in used if c is not None and c not in codes)
    return report


def _bulk_mode(s: Session) -> None:
    """A larger page cache for the import's index inserts (SQLite only; per connection)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("PRAGMA cache_size=-262144"))


def _store(
    s: Session,
    hashset_id: int,
    items: Iterable[ListRecord | BadRecord],
    default_category: str | None,
    report: ImportReport,
) -> int:
    """Write records in batches; returns how many hashes were offered (duplicates included)."""
    rows: list[dict[str, Any]] = []
    offered = 0
    table = insert_ignore(s, HashEntry)
    for item in items:
        if isinstance(item, BadRecord):
            report.bad += 1
            if len(report.problems) < MAX_PROBLEMS:
                report.problems.append(f"record {item.number}: {item.reason}")
            continue
        report.records += 1
        for kind, value in item.hashes:
            rows.append(
                {
                    "hashset_id": hashset_id,
                    "hash_type": kind,
                    "value": value,
                    "record": item.number,
                    "category": item.category or default_category,
                    "series": item.series[:500] if item.series else None,
                    "label": item.label,
                    "extra": item.extra,
                }
            )
        if len(rows) >= BATCH:
            s.execute(table, rows)
            offered += len(rows)
            rows = []
    if rows:
        s.execute(table, rows)
        offered += len(rows)
    return offered


@dataclass
class ListSummary:
    name: str
    format: str
    known_good: bool
    category: str | None
    entries: int
    skipped: int
    imported_at: str
    matched_media: int


def list_hashsets(case: Case) -> list[ListSummary]:
    with case.sessions() as s:
        counts = dict(
            s.execute(
                select(Match.hashset_id, func.count(func.distinct(Match.media_id))).group_by(
                    Match.hashset_id
                )
            ).all()
        )
        return [
            ListSummary(
                hs.name,
                hs.format,
                hs.known_good,
                hs.default_category,
                hs.entry_count,
                hs.skipped,
                hs.imported_at,
                int(counts.get(hs.id, 0)),
            )
            for hs in s.scalars(select(HashSet).order_by(HashSet.name))
        ]


def remove_hashset(case: Case, name: str, user: str | None = None) -> int:
    """Remove a list, its entries and its matches; pre-categorisations it made are withdrawn."""
    from synthtrace.match.matching import withdraw_unsupported

    with transaction(case.sessions) as s:
        hs = s.scalars(select(HashSet).where(HashSet.name == name)).first()
        if hs is None:
            raise HashListError(f"no hash list named {name!r}")
        entries = hs.entry_count
        s.execute(delete(Match).where(Match.hashset_id == hs.id))
        s.execute(delete(HashEntry).where(HashEntry.hashset_id == hs.id))
        s.delete(hs)
        s.flush()
        withdrawn = withdraw_unsupported(s, case)
    case.audit.append("hashset.remove", user=user, name=name, entries=entries, withdrawn=withdrawn)
    from synthtrace.scan.service import run_case_passes

    run_case_passes(case)
    return entries
