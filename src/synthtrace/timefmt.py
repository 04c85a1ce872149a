"""Timestamps as evidence records them: UTC when the source knows its zone, else local."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


def utc_from_ns(ns: int) -> str | None:
    """ISO 8601 UTC, nanoseconds kept (file systems store them; rounding would lose evidence).

    None for a time no calendar can show (a hostile archive header's year 10^12): the record keeps
    no time rather than the scan losing the archive. time.gmtime, not datetime: three per file.
    """
    secs, frac = divmod(ns, 1_000_000_000)
    try:
        base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    except (OverflowError, OSError, ValueError):
        return None
    return f"{base}.{frac:09d}Z" if frac else f"{base}Z"


def utc_from_seconds(seconds: float) -> str | None:
    if not math.isfinite(seconds):
        return None
    return utc_from_ns(round(seconds * 1_000_000_000))


def local_naive(dt: tuple[int, int, int, int, int, int]) -> str | None:
    """A zone-less wall-clock time (ZIP's DOS times): written without a zone on purpose."""
    try:
        return datetime(*dt).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def now_utc() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
