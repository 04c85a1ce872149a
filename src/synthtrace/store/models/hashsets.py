"""Hash lists imported into the case, their entries, what matched them, and near-duplicate
clusters.

Entries keep the list's own hash values (lower-case hex) so matching is a join on the media's
digests; the unique (hash_type, value, hashset_id) index serves both that lookup and
de-duplication within a list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
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
    # SHA-256 of the imported file and the options it was read with: an unchanged re-import is a
    # no-op, a changed one replaces the entries.
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # bad or duplicate lines
    # Media with an id up to this one have been matched against this list (0: none yet).
    matched_upto: Mapped[int] = mapped_column(Integer, default=0)


class HashEntry(Base):
    """One hash of one list record (a VICS Media with MD5, SHA1 and PDQ gives three rows)."""

    __tablename__ = "hash_entries"
    __table_args__ = (
        Index("ux_hash_entries_lookup", "hash_type", "value", "hashset_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hashset_id: Mapped[int] = mapped_column(ForeignKey("hashsets.id"))
    hash_type: Mapped[str] = mapped_column(String(10))  # md5, sha1, sha256, pdq
    value: Mapped[str] = mapped_column(String(64))
    record: Mapped[int] = mapped_column(Integer)  # the list record (line, Media) it came from
    category: Mapped[str | None] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(Text)
    # What else the list says of the record: VictimIdentified, Tags, MediaID, other hashes...
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


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
    # The list's hash that matched, and for PDQ the rotation/flip of the media that matched it.
    list_hash: Mapped[str | None] = mapped_column(String(64))
    orientation: Mapped[str | None] = mapped_column(String(20))
    # vPDQ (hash_type "vpdq"): the share of the media's frames found in the list's video, and of
    # the list video's frames found in the media (ThreatExchange's query and compared match).
    query_match_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    compared_match_pct: Mapped[float | None] = mapped_column(Float, nullable=True)


class MediaCluster(Base):
    """Near-duplicate cluster of a media (connected components over exact + PDQ neighbours)."""

    __tablename__ = "media_clusters"
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    cluster_size: Mapped[int] = mapped_column(Integer)
