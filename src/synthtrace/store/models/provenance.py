"""Links from generated images to the model files of the case that made them (filled by the
provenance link pass; read by the summary, the export and the review queue)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class ModelLink(Base):
    __tablename__ = "model_links"
    __table_args__ = (
        Index("ix_model_links_image", "image_media_id"),
        Index("ix_model_links_model", "model_media_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    model_media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    # What the image names: "checkpoint", "lora", "vae", "embedding", ...
    role: Mapped[str] = mapped_column(String(20))
    # How the link was made: "hash" (a content hash matched) or "name" (weaker: only the name).
    match: Mapped[str] = mapped_column(String(10))
    hash_kind: Mapped[str | None] = mapped_column(String(20))  # autov1, autov2, addnet, sshs, ...
    detail: Mapped[str | None] = mapped_column(Text)  # the value that matched, and caveats
