"""Browser timestamps to ISO 8601 UTC, through dfdatetime (the log2timeline project's library of
forensic time formats): WebKit (Chromium: microseconds since 1601), PRTime (Firefox: microseconds
since 1970), Cocoa (Safari: seconds since 2001), and JavaScript milliseconds (logins.json).

A value no calendar can show (negative, past the year 9999, not a number) gives None and the raw
value is kept by the caller: an absurd clock is evidence too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from dfdatetime import cocoa_time, posix_time, webkit_time
from dfdatetime.interface import DateTimeValues

# 0001-01-01 .. 9999-12-31 in POSIX seconds: what ISO 8601's four-digit year can hold.
_FIRST, _LAST = -62135596800, 253402300799


def _format(seconds: int | None, micro: int) -> str | None:
    if seconds is None or not _FIRST <= seconds <= _LAST:
        return None
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{base}.{micro:06d}Z" if micro else f"{base}Z"


def _iso(values: DateTimeValues) -> str | None:
    """A microsecond-precision dfdatetime value (non-negative: browsers write no earlier time)."""
    seconds, fraction = values.CopyToPosixTimestampWithFractionOfSecond()
    return _format(seconds, int(fraction or 0))


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def webkit(value: Any) -> str | None:
    """Chromium: microseconds since 1601-01-01 UTC; 0 means "no time"."""
    v = _number(value)
    if not v or v < 0:
        return None
    return _iso(webkit_time.WebKitTime(timestamp=int(v)))


def prtime(value: Any) -> str | None:
    """Firefox: microseconds since 1970-01-01 UTC."""
    v = _number(value)
    if not v or v < 0:
        return None
    return _iso(posix_time.PosixTimeInMicroseconds(timestamp=int(v)))


def unix_ms(value: Any) -> str | None:
    """JavaScript time (Firefox logins.json): milliseconds since 1970-01-01 UTC."""
    v = _number(value)
    if not v or v < 0:
        return None
    return _iso(posix_time.PosixTimeInMicroseconds(timestamp=int(v) * 1000))


def cocoa(value: Any) -> str | None:
    """Safari: seconds since 2001-01-01 UTC (a float: fractions of a second kept)."""
    v = _number(value)
    if v is None or abs(v) > 1e12:
        return None
    # dfdatetime's Cocoa time has whole-second precision: it converts the epoch, the fraction
    # (Safari writes doubles) is added here, rounded to the microsecond.
    whole = math.floor(v)
    micro = round((v - whole) * 1_000_000)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    return _format(cocoa_time.CocoaTime(timestamp=whole).CopyToPosixTimestamp(), micro)


Converter = Callable[[Any], str | None]
