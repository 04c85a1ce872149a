"""Timestamps as evidence records them: UTC when the source knows its zone, else local."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_from_ns(ns: int) -> str:
    """ISO 8601 UTC, nanoseconds kept (file systems store them; rounding would lose evidence)."""
    secs, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(secs, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z" if frac else f"{base}Z"


def utc_from_seconds(seconds: float) -> str:
    return utc_from_ns(round(seconds * 1_000_000_000))


def local_naive(dt: tuple[int, int, int, int, int, int]) -> str | None:
    """A zone-less wall-clock time (ZIP's DOS times): written without a zone on purpose."""
    try:
        return datetime(*dt).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def now_utc() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
