"""Browser timestamps to ISO 8601 UTC, defined by dfdatetime (the log2timeline project's library
of forensic time formats): WebKit (Chromium: microseconds since 1601), PRTime (Firefox:
microseconds since 1970), Cocoa (Safari: seconds since 2001), and JavaScript milliseconds
(logins.json).

WebKit and PRTime values are converted in integer arithmetic from dfdatetime's own epochs, read
once at import: a dfdatetime object per visit cost 6 us, a third of reading a Chromium history
(the tests check both give the same time over the whole range); for a history's visits SQLite
computes the same in the reading query (`sql_iso`). A value no calendar can show
(negative, past the year 9999, not a number) gives None and the raw value is kept by the caller:
an absurd clock is evidence too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from dfdatetime import cocoa_time, posix_time, webkit_time

# 0001-01-01 .. 9999-12-31 in POSIX seconds: what ISO 8601's four-digit year can hold.
_FIRST, _LAST = -62135596800, 253402300799
# Microseconds from each epoch to 1970-01-01, as dfdatetime defines the epochs.
_WEBKIT_OFFSET = -int(webkit_time.WebKitTime(timestamp=0).CopyToPosixTimestamp()) * 1_000_000
_PRTIME_OFFSET = -int(posix_time.PosixTimeInMicroseconds(timestamp=0).CopyToPosixTimestamp())
_DAYS: dict[int, str] = {}  # day number -> "YYYY-MM-DD": a history's visits share few days


def _format(seconds: int | None, micro: int) -> str | None:
    if seconds is None or not _FIRST <= seconds <= _LAST:
        return None
    day, rest = divmod(seconds, 86400)
    date = _DAYS.get(day)
    if date is None:
        if len(_DAYS) >= 100_000:
            _DAYS.clear()
        date = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{date}T{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{clock}.{micro:06d}Z" if micro else f"{clock}Z"


def sql_iso(column: str, epoch: str) -> str:
    """An SQLite expression giving what `webkit(column)` (epoch "webkit") or `prtime(column)`
    ("prtime") gives, computed by SQLite's own date functions in the reading query: a history's
    visits then cost no Python per time. NULL where the Python functions give None."""
    offset = {"webkit": _WEBKIT_OFFSET, "prtime": _PRTIME_OFFSET}[epoch]
    us = f"({column} - {offset})"
    micro = f"(({us} % 1000000 + 1000000) % 1000000)"  # floor modulo, for times before 1970
    seconds = f"(({us} - {micro}) / 1000000)"
    return (
        f"CASE WHEN typeof({column}) = 'integer' AND {column} > 0 AND {us} BETWEEN "
        f"{_FIRST * 1_000_000} AND {_LAST * 1_000_000 + 999_999} THEN "
        f"strftime('%Y-%m-%dT%H:%M:%S', {seconds}, 'unixepoch') || "
        f"CASE WHEN {micro} THEN printf('.%06dZ', {micro}) ELSE 'Z' END END"
    )


def _from_unix_us(us: int) -> str | None:
    seconds, micro = divmod(us, 1_000_000)
    return _format(seconds, micro)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _positive_int(value: Any) -> int | None:
    if type(value) is not int:  # bool is an int, and no time
        v = _number(value)
        if v is None:
            return None
        value = int(v)
    return value if value > 0 else None


def webkit(value: Any) -> str | None:
    """Chromium: microseconds since 1601-01-01 UTC; 0 means "no time"."""
    v = _positive_int(value)
    return None if v is None else _from_unix_us(v - _WEBKIT_OFFSET)


def prtime(value: Any) -> str | None:
    """Firefox: microseconds since 1970-01-01 UTC."""
    v = _positive_int(value)
    return None if v is None else _from_unix_us(v - _PRTIME_OFFSET)


def unix_ms(value: Any) -> str | None:
    """JavaScript time (Firefox logins.json): milliseconds since 1970-01-01 UTC."""
    v = _positive_int(value)
    return None if v is None else _from_unix_us(v * 1000 - _PRTIME_OFFSET)


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
