"""Offender traces: browser artifacts and wallet addresses per device, the case's indicators and
their hits (filled by the artifact passes, read by links, the export and the review app).

Artifacts are per place, not per content: a browser database's rows depend on the write-ahead log
found beside it, so they hang off the evidence item and the source file's address, never off
`media` (see docs/architecture.md, "Browser artifacts").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class ArtifactSource(Base):
    """One file artifacts were read from (a History database, a notes file with a wallet), done
    once: its rows and this row are committed together, so a killed pass redoes only this file."""

    __tablename__ = "artifact_sources"
    __table_args__ = (
        Index("ux_artifact_sources_place", "evidence_id", "path", "reader", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    path: Mapped[str] = mapped_column(Text)
    reader: Mapped[str] = mapped_column(String(40))  # chromium-history, firefox-places, wallets...
    browser: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str | None] = mapped_column(String(64))
    # The write-ahead log replayed into the working copy, when one was beside the database.
    wal_path: Mapped[str | None] = mapped_column(Text)
    wal_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # ok, partial (rows, then an error), error
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class WebArtifact(Base):
    """One visit, download, saved login (site and user name: never a password) or wallet address
    found on a device."""

    __tablename__ = "web_artifacts"
    __table_args__ = (
        Index("ix_web_artifacts_device", "evidence_id", "kind", "id"),
        Index("ix_web_artifacts_domain", "kind", "domain"),
        # Only wallets have a value: the index skips the visits (most rows).
        Index(
            "ix_web_artifacts_value",
            "kind",
            "value",
            sqlite_where=text("value IS NOT NULL"),
            postgresql_where=text("value IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("artifact_sources.id"))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    kind: Mapped[str] = mapped_column(String(10))  # visit, download, login, wallet
    browser: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(300))  # registrable domain of the host
    title: Mapped[str | None] = mapped_column(Text)
    time: Mapped[str | None] = mapped_column(String(40))  # ISO 8601 UTC
    username: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(200))  # wallet address
    currency: Mapped[str | None] = mapped_column(String(20))
    target_path: Mapped[str | None] = mapped_column(Text)
    referrer_url: Mapped[str | None] = mapped_column(Text)
    # The file a download wrote, found on the same device (its download_origin).
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ArtifactProgress(Base):
    """Files of an evidence item up to this id have been looked at by the artifact pass."""

    __tablename__ = "artifact_progress"
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    file_upto: Mapped[int] = mapped_column(Integer, default=0)


class Indicator(Base):
    """A case indicator: a domain, URL, user name, e-mail or wallet address the case looks for."""

    __tablename__ = "indicators"
    __table_args__ = (Index("ux_indicators_value", "kind", "value", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # domain, url, username, email, wallet
    value: Mapped[str] = mapped_column(Text)  # normalised as compared
    original: Mapped[str] = mapped_column(Text)  # as the file gave it
    note: Mapped[str | None] = mapped_column(Text)
    list_name: Mapped[str] = mapped_column(String(500))  # the file it was imported from
    imported_at: Mapped[str] = mapped_column(String(40))


class IndicatorHit(Base):
    """An artifact that matches an indicator (rebuilt by the indicator pass)."""

    __tablename__ = "indicator_hits"
    __table_args__ = (
        Index("ix_indicator_hits_device", "evidence_id", "indicator_id"),
        Index("ix_indicator_hits_artifact", "artifact_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    artifact_id: Mapped[int] = mapped_column(ForeignKey("web_artifacts.id"))
