"""The review app's tables: accounts, web sessions, login throttling and the precomputed queue.

The triage table holds one row per media with everything the queue filters and orders on, so a
page of 100 is one indexed range read even in a case of a million pictures (see triage.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthtrace.store.models.base import Base


class User(Base):
    """A person who may log in to the review app; never deleted (the audit names them)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # reviewer, investigator, admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(200))
    last_login: Mapped[str | None] = mapped_column(String(40))
    # Protection of the reviewer, per person: blur level 1 (light) .. 5 (strongest), greyscale,
    # and how many seconds a revealed picture stays unblurred.
    blur: Mapped[int] = mapped_column(Integer, default=4)
    greyscale: Mapped[bool] = mapped_column(Boolean, default=True)
    reveal_seconds: Mapped[int] = mapped_column(Integer, default=5)


class WebSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie is stored, so a copy of the database
    does not hand out sessions."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    client: Mapped[str | None] = mapped_column(String(200))
    # Unix seconds: the session ends at `expires`, or earlier when idle past `idle_until`.
    expires: Mapped[int] = mapped_column(BigInteger)
    idle_until: Mapped[int] = mapped_column(BigInteger)


class LoginThrottle(Base):
    """Consecutive failed logins per key ("name:<user>" or "client:<address>")."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[int] = mapped_column(BigInteger, default=0)  # Unix seconds


class RevealGrant(Base):
    """A one-time reveal grant (web/reveal.py), kept in the case database so that any of several
    review servers on the case honours it. Only the token's SHA-256 is stored."""

    __tablename__ = "reveal_grants"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    media_id: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # Unix seconds


class TriageRow(Base):
    """One media as the queue sees it. `sort_key` = bucket << 40 | media id: the default order,
    and the key every filter index ends with, so filtered pages are range reads too."""

    __tablename__ = "triage"
    __table_args__ = (
        Index("ix_triage_sort", "sort_key"),
        Index("ix_triage_mime", "mime", "sort_key"),
        Index("ix_triage_generated", "generated", "sort_key"),
        Index("ix_triage_tool", "tool", "sort_key"),
        Index("ix_triage_model", "model", "sort_key"),
        Index("ix_triage_matched", "matched", "sort_key"),
        Index("ix_triage_cluster", "cluster_id", "sort_key"),
        Index("ix_triage_category", "category", "sort_key"),
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    sort_key: Mapped[int] = mapped_column(BigInteger)
    bucket: Mapped[int] = mapped_column(Integer)  # 1..5 pictures, 6 other files
    kind: Mapped[str] = mapped_column(String(10))  # image, video, other
    mime: Mapped[str | None] = mapped_column(String(200))
    generated: Mapped[bool | None] = mapped_column(Boolean)
    tool: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(500))
    img2img: Mapped[bool] = mapped_column(Boolean, default=False)
    lora_on_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    model_on_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    matched: Mapped[bool] = mapped_column(Boolean, default=False)  # a list other than known-good
    known_good: Mapped[bool] = mapped_column(Boolean, default=False)
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    cluster_size: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(40))
    category_source: Mapped[str | None] = mapped_column(String(20))
    thumbnail: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str] = mapped_column(Text)  # first place found: "label: path"
    locations: Mapped[int] = mapped_column(Integer, default=1)


class TriageDevice(Base):
    """Which evidence items hold a media, with its sort key, so a device filter reads in order."""

    __tablename__ = "triage_devices"
    __table_args__ = (Index("ix_triage_devices_sort", "evidence_id", "sort_key"),)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    sort_key: Mapped[int] = mapped_column(BigInteger)


class TriageState(Base):
    """One row whose `generation` every change to the queue bumps: a process holding counts of
    the queue in memory knows they are stale when it has moved on (a scan, another server)."""

    __tablename__ = "triage_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
