"""The artifact pass: browser databases the walk staged, and wallet addresses the analyzer found,
into per-device rows (`web_artifacts`), after every scan.

It looks only at evidence items whose last scan finished (so a database and its `-wal` are both
committed) and, per item, only at files it has not seen (`artifact_progress`). Each source file is
one transaction: its rows stream in batches and commit together with its `artifact_sources` row,
so a killed pass redoes that one file and never doubles a row. Problems inside a file (a damaged
page, a foreign schema, times out of range) are errors on that file; the pass goes on.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.orm import Session

from synthtrace.artifacts.browsers import browser_of
from synthtrace.artifacts.readers.base import (
    WALLET,
    Found,
    NotThisFormat,
    Opened,
    Problems,
    Reader,
)
from synthtrace.artifacts.sqlitecopy import DatabaseError, open_readonly, working_copy
from synthtrace.artifacts.staging import WAL, staged_path
from synthtrace.artifacts.urls import domain_of
from synthtrace.artifacts.wallet_analyzer import NAME as WALLETS
from synthtrace.artifacts.wallets import MIN_RUN, find_wallets
from synthtrace.case import Case
from synthtrace.errors import describe
from synthtrace.store.bulk import insert_rows
from synthtrace.store.db import NUL_STORED, table_of, transaction
from synthtrace.store.models import (
    ArtifactProgress,
    ArtifactSource,
    File,
    Media,
    Scan,
    WebArtifact,
)

BATCH = 2000
WORK = "artifacts-work"  # working copies, under the case's spool; removed after each source
WALLET_READER = "wallets"


@dataclass
class PassStats:
    sources: int = 0
    failed: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def report(self) -> str | None:
        if not self.sources:
            return None
        kinds = ", ".join(f"{n} {k}s" for k, n in sorted(self.counts.items()))
        failed = f" ({self.failed} with errors)" if self.failed else ""
        return (
            f"browser artifacts and wallets: {kinds or 'nothing'} from {self.sources} files{failed}"
        )


def readers_by_name() -> dict[str, Reader]:
    from synthtrace.builtins import ARTIFACT_READERS

    return {name: reader for reader in ARTIFACT_READERS for name in reader.file_names}


def finished_evidence(s: Session) -> list[int]:
    """Evidence items whose latest scan finished: everything of theirs is committed."""
    latest = (
        select(Scan.evidence_id, func.max(Scan.id).label("scan_id"))
        .group_by(Scan.evidence_id)
        .subquery()
    )
    rows = s.execute(
        select(latest.c.evidence_id)
        .join(Scan, Scan.id == latest.c.scan_id)
        .where(Scan.status == "finished")
        .order_by(latest.c.evidence_id)
    )
    return [int(r[0]) for r in rows]


def extract_artifacts(case: Case) -> str | None:
    """The case pass (builtins.CASE_PASSES)."""
    readers = readers_by_name()
    stats = PassStats()
    with case.sessions() as s:
        evidence = finished_evidence(s)
    used: set[str] = set()
    for evidence_id in evidence:
        _evidence(case, evidence_id, readers, stats, used)
    for sha256 in used:  # consumed: the copies would only fill the case folder
        staged_path(case.tmp_dir, sha256).unlink(missing_ok=True)
    return stats.report()


def _name_filter(names: list[str]) -> Any:
    return or_(*(or_(File.path == n, File.path.endswith("/" + n, autoescape=True)) for n in names))


def _evidence(
    case: Case, evidence_id: int, readers: dict[str, Reader], stats: PassStats, used: set[str]
) -> None:
    from synthtrace.artifacts.downloads import link_downloads

    with case.sessions() as s:
        upto = s.scalar(
            select(ArtifactProgress.file_upto).where(ArtifactProgress.evidence_id == evidence_id)
        )
        upto = int(upto or 0)
        last = int(s.scalar(select(func.max(File.id)).where(File.evidence_id == evidence_id)) or 0)
        if last <= upto:
            return
        base = (
            select(File.id, File.path, Media.sha256)
            .join(Media, File.media_id == Media.id)
            .where(File.evidence_id == evidence_id, File.id > upto, File.id <= last)
        )
        browser_files = s.execute(base.where(_name_filter(list(readers))).order_by(File.id)).all()
        wallet_files = s.execute(
            select(File.id, File.path, Media.facts[WALLETS])
            .join(Media, File.media_id == Media.id)
            .where(
                File.evidence_id == evidence_id,
                File.id > upto,
                File.id <= last,
                Media.facts[WALLETS].as_string().is_not(None),
            )
            .order_by(File.id)
        ).all()
    for file_id, path, sha256 in browser_files:
        reader = readers.get(path.rsplit("/", 1)[-1])
        if reader is not None and not _done(case, evidence_id, path, reader.name):
            _browser_source(case, evidence_id, file_id, path, sha256, reader, stats, used)
    for file_id, path, wallets in wallet_files:
        if not _done(case, evidence_id, path, WALLET_READER):
            _wallet_source(case, evidence_id, file_id, path, wallets, stats)
    with transaction(case.sessions) as s:
        link_downloads(s, evidence_id)
        progress = s.get(ArtifactProgress, evidence_id)
        if progress is None:
            s.add(ArtifactProgress(evidence_id=evidence_id, file_upto=last))
        else:
            progress.file_upto = last


def _done(case: Case, evidence_id: int, path: str, reader: str) -> bool:
    with case.sessions() as s:
        return (
            s.scalar(
                select(ArtifactSource.id).where(
                    ArtifactSource.evidence_id == evidence_id,
                    ArtifactSource.path == path,
                    ArtifactSource.reader == reader,
                )
            )
            is not None
        )


# web_artifacts columns in the order rows are built (the fast SQLite path inserts tuples).
COLUMNS = (
    "source_id",
    "evidence_id",
    "kind",
    "browser",
    "url",
    "host",
    "domain",
    "title",
    "time",
    "username",
    "value",
    "currency",
    "target_path",
    "referrer_url",
    "file_id",
    "extra",
)
_EXTRA = COLUMNS.index("extra")
_TEXT = tuple(COLUMNS.index(c) for c in ("url", "title", "username", "target_path", "referrer_url"))
NUL = "\x00"
# Text that may hold a wallet address: a run of letters and digits as long as the shortest one.
_LONG_RUN = re.compile(f"[0-9A-Za-z]{{{MIN_RUN}}}")


def _text(value: str | None) -> str | None:
    """As the store keeps text on every database: NUL as U+FFFD (see store/db.py)."""
    if value is not None and NUL in value:
        return value.replace(NUL, NUL_STORED)
    return value


class _Sink:
    """Rows of one source, inserted in batches inside the source's transaction.

    On SQLite the batches go to the driver's executemany as tuples with their JSON already
    written (a row's `extra` is one of a few shapes, encoded once each): per-row dictionaries and
    SQLAlchemy's parameter processing took more time than reading the browser's database.
    """

    def __init__(
        self, conn: Connection, source_id: int, evidence_id: int, browser: str | None
    ) -> None:
        self.conn, self.source_id, self.evidence_id, self.browser = (
            conn,
            source_id,
            evidence_id,
            browser,
        )
        self.rows: list[tuple[Any, ...]] = []
        self.counts: Counter[str] = Counter()
        self.wallets: dict[str, tuple[Any, ...]] = {}
        self.wallet_counts: Counter[str] = Counter()
        self.table = table_of(WebArtifact)
        self.sqlite = conn.dialect.name == "sqlite"
        self._json: dict[int, tuple[dict[str, Any], str]] = {}

    def _extra(self, extra: dict[str, Any] | None) -> Any:
        if not self.sqlite or extra is None:
            return extra
        # Readers hand out one dict per shape ({"transition": "typed"} and the like): each is
        # encoded once, found again by identity.
        cached = self._json.get(id(extra))
        if cached is not None and cached[0] is extra:
            return cached[1]
        text = json.dumps(extra)
        if len(self._json) < 64:
            self._json[id(extra)] = (extra, text)
        return text

    def add(self, found: Found) -> None:
        url = found.url
        host, domain = domain_of(url)
        self.rows.append(
            (
                self.source_id,
                self.evidence_id,
                found.kind,
                self.browser,
                _text(url),
                host[:300] if host else None,
                domain[:300] if domain else None,
                _text(found.title),
                found.time,
                _text(found.username),
                None,
                None,
                _text(found.target_path),
                _text(found.referrer_url),
                None,
                self._extra(found.extra),
            )
        )
        self.counts[found.kind] += 1
        if url is not None and _LONG_RUN.search(url):
            self._wallets_in(url, found, "url")
        if found.title is not None and _LONG_RUN.search(found.title):
            self._wallets_in(found.title, found, "title")
        if len(self.rows) >= BATCH:
            self.flush()

    def _wallets_in(self, text: str, found: Found, where: str) -> None:
        for wallet in find_wallets(text.encode("utf-8", "replace")):
            self.wallet_counts[wallet.value] += 1
            if wallet.value not in self.wallets:
                self.wallets[wallet.value] = self.wallet_row(
                    wallet.value,
                    wallet.currency,
                    {"type": wallet.type, "checksum": wallet.checksum, "in": where},
                    url=found.url,
                    time=found.time,
                )

    def wallet_row(
        self,
        value: str,
        currency: str,
        extra: dict[str, Any],
        url: str | None = None,
        time: str | None = None,
    ) -> tuple[Any, ...]:
        host, domain = domain_of(url)
        return (
            self.source_id,
            self.evidence_id,
            WALLET,
            self.browser,
            _text(url),
            host[:300] if host else None,
            domain[:300] if domain else None,
            None,
            time,
            None,
            value[:200],
            currency,
            None,
            None,
            None,
            extra,
        )

    def flush(self) -> None:
        if not self.rows:
            return
        if self.sqlite:
            marks = ", ".join("?" for _ in COLUMNS)
            sql = f"INSERT INTO web_artifacts ({', '.join(COLUMNS)}) VALUES ({marks})"
            self.conn.connection.driver_connection.executemany(sql, self.rows)  # type: ignore[union-attr]
        else:
            insert_rows(
                self.conn, self.table, [dict(zip(COLUMNS, r, strict=True)) for r in self.rows]
            )
        self.rows = []

    def close(self) -> None:
        for value, row in self.wallets.items():
            extra = {**row[_EXTRA], "count": self.wallet_counts[value]}
            self.rows.append((*row[:_EXTRA], self._extra(extra) if self.sqlite else extra))
        self.counts[WALLET] += len(self.wallets)
        self.wallets = {}
        self.flush()


def _new_source(
    s: Session, evidence_id: int, path: str, reader: str, browser: str | None, sha256: str | None
) -> int:
    result = s.execute(
        insert(ArtifactSource)
        .values(
            evidence_id=evidence_id,
            path=path,
            reader=reader,
            browser=browser,
            sha256=sha256,
            status="ok",
            errors=[],
            counts={},
        )
        .returning(ArtifactSource.id)
    )
    return int(result.scalar_one())


def _wal_of(case: Case, evidence_id: int, path: str) -> tuple[str, str | None] | None:
    """The `-wal` file beside `path` on the same device: (its path, its SHA-256 or None)."""
    with case.sessions() as s:
        row = s.execute(
            select(File.path, Media.sha256)
            .outerjoin(Media, File.media_id == Media.id)
            .where(File.evidence_id == evidence_id, File.path == path + WAL)
        ).first()
    return None if row is None else (row[0], row[1])


def _browser_source(
    case: Case,
    evidence_id: int,
    file_id: int,
    path: str,
    sha256: str,
    reader: Reader,
    stats: PassStats,
    used: set[str],
) -> None:
    browser = browser_of(path, reader.family)
    errors: list[str] = []
    problems = Problems()
    wal = _wal_of(case, evidence_id, path) if reader.sqlite else None
    staged = staged_path(case.tmp_dir, sha256)
    wal_staged: Path | None = None
    if wal is not None:
        if wal[1] is None:
            errors.append(
                f"write-ahead log {wal[0]} could not be read; the database alone was read"
            )
        else:
            wal_staged = staged_path(case.tmp_dir, wal[1])
            if not wal_staged.exists():
                errors.append(
                    f"write-ahead log {wal[0]} was not staged by the scan; the database alone "
                    "was read"
                )
                wal_staged = None
    (case.tmp_dir / WORK).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=case.tmp_dir / WORK))
    status = "ok"
    with transaction(case.sessions) as s:
        source_id = _new_source(s, evidence_id, path, reader.name, browser, sha256)
        sink = _Sink(s.connection(), source_id, evidence_id, browser)
        con: sqlite3.Connection | None = None
        wal_frames = 0
        try:
            if not staged.exists():
                raise DatabaseError(
                    "its copy for extraction is missing (not staged by the scan, or the scan "
                    "was interrupted and resumed); scan the evidence under a new label to "
                    "extract it"
                )
            name = path.rsplit("/", 1)[-1]
            if reader.sqlite:
                copy, report = working_copy(staged, wal_staged, work, name)
                wal_frames = report.frames
                if report.note:
                    errors.append(report.note)
                con = open_readonly(copy)
            else:
                copy = work / name
                shutil.copyfile(staged, copy)
            for found in reader.read(Opened(copy, path, con), problems):
                sink.add(found)
        except (NotThisFormat, DatabaseError) as exc:
            errors.append(str(exc))
            status = "error"
        except sqlite3.Error as exc:
            errors.append(f"reading stopped: {describe(exc)}")
            status = "partial" if sink.counts else "error"
        except Exception as exc:  # a reader failing on hostile input is that file's error
            errors.append(f"reading stopped: {describe(exc)}")
            status = "partial" if sink.counts else "error"
        finally:
            if con is not None:
                con.close()
            shutil.rmtree(work, ignore_errors=True)
        sink.close()
        errors.extend(problems.messages())
        if status == "ok" and errors:
            status = "partial"
        counts = {k: v for k, v in sink.counts.items() if v}
        if wal_frames:
            counts["wal_frames"] = wal_frames
        s.execute(
            update(ArtifactSource)
            .where(ArtifactSource.id == source_id)
            .values(
                status=status,
                errors=errors,
                counts=counts,
                wal_path=wal[0] if wal and wal_staged is not None else None,
                wal_sha256=wal[1] if wal and wal_staged is not None else None,
            )
        )
        if status == "error":
            _file_error(s, file_id, f"{reader.name}: {'; '.join(errors)}")
    used.add(sha256)
    if wal_staged is not None and wal is not None and wal[1]:
        used.add(wal[1])
    stats.sources += 1
    stats.failed += status != "ok"
    stats.counts.update({k: v for k, v in sink.counts.items() if v})


def _file_error(s: Session, file_id: int, message: str) -> None:
    """The file's record says why its artifacts are missing (never silent)."""
    file = s.get(File, file_id)
    if file is not None and message not in (file.errors or []):
        file.errors = [*(file.errors or []), message]


def _wallet_source(
    case: Case,
    evidence_id: int,
    file_id: int,
    path: str,
    wallets: Any,
    stats: PassStats,
) -> None:
    with transaction(case.sessions) as s:
        source_id = _new_source(s, evidence_id, path, WALLET_READER, None, None)
        sink = _Sink(s.connection(), source_id, evidence_id, None)
        for w in wallets if isinstance(wallets, list) else []:
            if not isinstance(w, dict) or not isinstance(w.get("value"), str):
                continue
            extra = {k: w[k] for k in ("type", "checksum", "count") if k in w}
            row = sink.wallet_row(w["value"], str(w.get("currency")), extra)
            sink.rows.append((*row[:_EXTRA], sink._extra(extra) if sink.sqlite else extra))
            sink.counts[WALLET] += 1
        sink.flush()
        s.execute(
            update(ArtifactSource)
            .where(ArtifactSource.id == source_id)
            .values(counts=dict(sink.counts))
        )
    stats.sources += 1
    stats.counts.update(sink.counts)
