"""Videos: the vPDQ frame hashes of each distinct video, and pictures found to be one of its frames.

Frame hashes are kept per media (one row per hashed frame, quality kept), not per file: a video
copied to three devices is hashed and stored once. They are PDQ hashes, so the PDQ index serves
matching them against lists, joining re-encoded copies into clusters and finding stills.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class VideoFrame(Base):
    __tablename__ = "video_frames"
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    frame: Mapped[int] = mapped_column(Integer, primary_key=True)  # in decoding order, from 0
    quality: Mapped[int] = mapped_column(Integer)
    pdq: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[float] = mapped_column(Float)  # seconds, as vpdq writes it


class FrameLink(Base):
    """A picture whose PDQ is within the case's distance of a frame of a video (the closest)."""

    __tablename__ = "video_frame_links"
    __table_args__ = (Index("ix_video_frame_links_video", "video_id"),)
    picture_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    frame: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[float] = mapped_column(Float)
    distance: Mapped[int] = mapped_column(Integer)
