"""Category decisions: every decision (who, when), and the category in force per media."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class Decision(Base):
    """One categorisation: by a reviewer, or pre-categorisation from a hash list. Never deleted;
    an undo marks it undone."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_media", "media_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    category: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))  # "user" or "hashset"
    detail: Mapped[str | None] = mapped_column(String(500))  # hash list name, for "hashset"
    user: Mapped[str] = mapped_column(String(200))
    time: Mapped[str] = mapped_column(String(40))
    batch: Mapped[str] = mapped_column(String(36), index=True)  # one bulk action = one batch
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class MediaCategory(Base):
    """The category in force for a media (derived from decisions; indexed for queue filters)."""

    __tablename__ = "media_category"
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500))
    user: Mapped[str] = mapped_column(String(200))
    time: Mapped[str] = mapped_column(String(40))
