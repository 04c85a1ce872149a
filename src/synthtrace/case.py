"""A case is a folder: its database, thumbnail store, spool space and audit log live together."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from synthtrace import __version__
from synthtrace.audit import AuditLog
from synthtrace.store.db import (
    make_engine,
    new_server_database,
    session_factory,
    transaction,
    upgrade,
)
from synthtrace.store.models import AuditHead, CaseInfo
from synthtrace.timefmt import now_utc

CASE_FILE = "case.json"
DB_FILE = "case.db"
AUDIT_FILE = "audit.jsonl"


class CaseError(Exception):
    """The case folder cannot be created or opened as asked."""


@dataclass
class Case:
    root: Path
    engine: Engine
    sessions: sessionmaker[Session]
    audit: AuditLog

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "thumbs"

    @property
    def tmp_dir(self) -> Path:
        """Spool space for large archive members: inside the case, never beside the evidence."""
        return self.root / "tmp"

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbs_dir / sha256[:2] / f"{sha256}.jpg"

    def info(self) -> CaseInfo:
        with self.sessions() as s:
            info = s.scalars(select(CaseInfo)).one()
            s.expunge(info)
            return info

    def settings(self) -> dict[str, Any]:
        return dict(self.info().settings or {})

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            info = s.scalars(select(CaseInfo)).one()
            merged = {**(info.settings or {}), **changes}
            info.settings = merged
        return merged

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _database_url(root: Path, configured: str | None) -> str:
    return configured or f"sqlite:///{(root / DB_FILE).resolve()}"


def _attach(root: Path, url: str) -> Case:
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)

    def write_head(seq: int, line_hash: str) -> None:
        with transaction(sessions) as s:
            head = s.get(AuditHead, 1)
            if head is None:
                s.add(AuditHead(id=1, seq=seq, line_sha256=line_hash))
            else:
                head.seq, head.line_sha256 = seq, line_hash

    def read_head() -> tuple[int, str] | None:
        with sessions() as s:
            head = s.get(AuditHead, 1)
            return None if head is None else (head.seq, head.line_sha256)

    audit = AuditLog(root / AUDIT_FILE, write_head, read_head)
    return Case(root=root, engine=engine, sessions=sessions, audit=audit)


def create_case(
    root: Path, name: str, examiner: str | None = None, database_url: str | None = None
) -> Case:
    root = Path(root)
    if (root / CASE_FILE).exists():
        raise CaseError(f"{root} is already a case")
    if root.exists() and any(root.iterdir()):
        raise CaseError(f"{root} exists and is not empty; a case needs a folder of its own")
    try:  # before the folder exists, so a server that says no leaves nothing behind
        database_url = database_url or new_server_database(name)
    except (ValueError, SQLAlchemyError) as exc:
        raise CaseError(f"cannot create the case database: {exc}") from exc
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("thumbs", "tmp"):
        (root / sub).mkdir(exist_ok=True)
    (root / CASE_FILE).write_text(
        json.dumps({"synthtrace_case": 1, "database_url": database_url}, indent=2) + "\n"
    )
    case = _attach(root, _database_url(root, database_url))
    with transaction(case.sessions) as s:
        s.add(
            CaseInfo(
                id=1,
                name=name,
                examiner=examiner,
                created_at=now_utc(),
                created_with=f"synthtrace {__version__}",
                settings={},
            )
        )
    case.audit.append(
        "case.create", name=name, examiner=examiner, synthtrace=__version__, folder=str(root)
    )
    return case


def open_case(root: Path) -> Case:
    root = Path(root)
    marker = root / CASE_FILE
    if not marker.is_file():
        raise CaseError(f"{root} is not a synthtrace case (no {CASE_FILE})")
    try:
        conf = json.loads(marker.read_text())
    except (OSError, ValueError) as exc:
        raise CaseError(f"{marker} is unreadable: {exc}") from exc
    for sub in ("thumbs", "tmp"):
        (root / sub).mkdir(exist_ok=True)
    return _attach(root, _database_url(root, conf.get("database_url")))


# Kept across runs: browser databases the walk staged for the artifact pass, which a killed scan
# has not consumed yet (see artifacts/staging.py).
KEPT_SPOOL = ("staged",)


def clear_spool(case: Case) -> None:
    """Spool files left by a killed scan are useless: remove them before a new run."""
    if case.tmp_dir.exists():
        for child in case.tmp_dir.iterdir():
            if child.name in KEPT_SPOOL:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    case.tmp_dir.mkdir(exist_ok=True)
