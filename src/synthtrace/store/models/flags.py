"""List flags a reviewer sets on a media (VictimIdentified, IsDistributed, Series, Tags...).

Every setting is a row, never changed or deleted: the newest row of a flag is in force, and a row
whose value is null withdraws the reviewer's word (the hash lists' value shows again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class MediaFlag(Base):
    __tablename__ = "media_flags"
    __table_args__ = (Index("ix_media_flags_media", "media_id", "flag", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    flag: Mapped[str] = mapped_column(String(40))  # a VICS Media key: VictimIdentified, Tags, ...
    value: Mapped[Any] = mapped_column(JSON, nullable=True)  # bool, text, list of text, or null
    user: Mapped[str] = mapped_column(String(200))
    time: Mapped[str] = mapped_column(String(40))
    batch: Mapped[str] = mapped_column(String(36))  # one command or bulk action = one batch
