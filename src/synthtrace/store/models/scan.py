"""What a scan records: case, evidence items, scans, media (per content), files (per place)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class CaseInfo(Base):
    """The one row naming the case; settings hold per-case choices (PDQ distance, categories)."""

    __tablename__ = "case_info"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    examiner: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[str] = mapped_column(String(40))
    created_with: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditHead(Base):
    """Last line of audit.jsonl as the database saw it: truncating the log can then be detected."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    line_sha256: Mapped[str] = mapped_column(String(64))


class Evidence(Base):
    """One seized item (a device image, a folder, an archive) under an investigator's label."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(500), unique=True)
    source: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[str | None] = mapped_column(String(40))
    # From an intake manifest (`synthtrace intake`): who seized it, when, and what they noted.
    examiner: Mapped[str | None] = mapped_column(String(500))
    seized_at: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)


class Scan(Base):
    """One run of `synthtrace scan`; a killed run stays 'running' until the next one resumes it."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    workers: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column()


class Media(Base):
    """One distinct content (SHA-256): what is true of the bytes wherever they were found."""

    __tablename__ = "media"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    # The 8 rotation/flip PDQ hashes, concatenated hex (8 x 64); the first is `pdq`.
    pdq_dihedral: Mapped[str | None] = mapped_column(String(512))
    exif: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    xmp: Mapped[str | None] = mapped_column(Text)
    png_text: Mapped[dict[str, str] | None] = mapped_column(JSON)
    thumbnail: Mapped[bool] = mapped_column(Boolean, default=False)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Outputs of further content analyzers (provenance, model files, ...), keyed by analyzer name.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class File(Base):
    """One place a content was found: evidence item + path. The same media may have many."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_evidence_path", "evidence_id", "path", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    path: Mapped[str] = mapped_column(Text)
    # Address of the archive this file was found in, or null on the evidence's own file system.
    container: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime: Mapped[str | None] = mapped_column(String(40))
    atime: Mapped[str | None] = mapped_column(String(40))
    ctime: Mapped[str | None] = mapped_column(String(40))
    btime: Mapped[str | None] = mapped_column(String(40))
    link_target: Mapped[str | None] = mapped_column(Text)
    extension_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Disk images: listed by its file system as deleted; carved from unallocated space, at this
    # byte of the whole image; where it was downloaded from ({source, zone_id, host_url,
    # referrer_url[, time]}: Zone.Identifier, macOS quarantine, later browser histories); on the
    # image file itself, the image object (format, acquisition data, hashes, verified, volumes).
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    carved: Mapped[bool] = mapped_column(Boolean, default=False)
    image_offset: Mapped[int | None] = mapped_column(BigInteger)
    download_origin: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    image: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ContainerDone(Base):
    """An archive all of whose members are committed: a resumed scan need not open it again."""

    __tablename__ = "containers_done"
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    path: Mapped[str] = mapped_column(Text, primary_key=True)
