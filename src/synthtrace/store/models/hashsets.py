"""Hash lists imported into the case, what matched them, and near-duplicate clusters."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class HashSet(Base):
    __tablename__ = "hashsets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    format: Mapped[str] = mapped_column(String(20))
    known_good: Mapped[bool] = mapped_column(Boolean, default=False)
    default_category: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[str] = mapped_column(String(40))


class Match(Base):
    """One media matching one hash-list entry (exact, or PDQ within the case's distance)."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_media", "media_id"),
        Index("ix_matches_hashset", "hashset_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    hashset_id: Mapped[int] = mapped_column(ForeignKey("hashsets.id"))
    hash_type: Mapped[str] = mapped_column(String(10))  # md5, sha1, sha256, pdq
    distance: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str | None] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(500))


class MediaCluster(Base):
    """Near-duplicate cluster of a media (connected components over exact + PDQ neighbours)."""

    __tablename__ = "media_clusters"
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    cluster_size: Mapped[int] = mapped_column(Integer)
