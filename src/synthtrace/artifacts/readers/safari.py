"""Safari: `History.db` (visits; Cocoa seconds since 2001) and `Downloads.plist` (downloads,
binary or XML property list). Schemas follow plaso's safari sqlite and plist plugins."""

from __future__ import annotations

import plistlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from synthtrace.artifacts import times
from synthtrace.artifacts.readers.base import (
    DOWNLOAD,
    VISIT,
    Found,
    NotThisFormat,
    Opened,
    Problems,
    columns,
    kept,
    require,
    text,
)
from synthtrace.limits import MiB

OUT_OF_RANGE = "times out of range (kept without a time, raw value in extra)"
MAX_PLIST = 64 * MiB


class SafariHistory:
    name = "safari-history"
    family = "safari"
    file_names: tuple[str, ...] = ("History.db",)
    sqlite = True

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        con = opened.db()
        tables = columns(con)
        require(
            tables,
            "Safari history database",
            {
                "history_items": {"id", "url"},
                "history_visits": {"history_item", "visit_time"},
            },
        )
        title = "v.title" if "title" in tables["history_visits"] else "NULL"
        ok = "v.load_successful" if "load_successful" in tables["history_visits"] else "NULL"
        sql = (
            f"SELECT v.visit_time, i.url, {title}, {ok} FROM history_visits v "
            "JOIN history_items i ON i.id = v.history_item ORDER BY v.id"
        )
        for visit_time, url, page_title, loaded in con.execute(sql):
            extra: dict[str, Any] = {}
            if loaded == 0:
                extra["load_successful"] = False
            iso = times.cocoa(visit_time)
            if iso is None and visit_time is not None:
                problems.note(OUT_OF_RANGE)
                number = isinstance(visit_time, int | float)
                extra["raw_time"] = kept(visit_time) if number else None
            yield Found(VISIT, url=text(url), title=text(page_title), time=iso, extra=extra or None)


def _plist_time(value: Any) -> str | None:
    """plistlib gives dates as naive datetimes in UTC (binary plists store Cocoa seconds)."""
    if isinstance(value, datetime):
        try:
            return (
                value.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
            )
        except ValueError:
            return None
    if isinstance(value, int | float):
        return times.cocoa(value)
    return None


class SafariDownloads:
    name = "safari-downloads"
    family = "safari"
    file_names: tuple[str, ...] = ("Downloads.plist",)
    sqlite = False

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        size = opened.path.stat().st_size
        if size > MAX_PLIST:
            raise NotThisFormat(f"Downloads.plist of {size} bytes is larger than {MAX_PLIST} bytes")
        try:
            with open(opened.path, "rb") as fh:
                doc = plistlib.load(fh)
        except Exception as exc:  # plistlib raises many types on damaged input
            raise NotThisFormat(f"not a property list: {type(exc).__name__}: {exc}") from exc
        entries = doc.get("DownloadHistory") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise NotThisFormat("not a Safari Downloads.plist: no DownloadHistory list")
        for entry in entries:
            if not isinstance(entry, dict):
                problems.note("download entries that are not dictionaries")
                continue
            extra: dict[str, Any] = {}
            total = entry.get("DownloadEntryProgressTotalToLoad")
            if isinstance(total, int):
                extra["total"] = total
            done = entry.get("DownloadEntryProgressBytesSoFar")
            if isinstance(done, int):
                extra["received"] = done
            finished = _plist_time(entry.get("DownloadEntryDateFinishedKey"))
            if finished:
                extra["end_time"] = finished
            url = entry.get("DownloadEntryURL")
            path = entry.get("DownloadEntryPath")
            yield Found(
                DOWNLOAD,
                url=url if isinstance(url, str) else None,
                time=_plist_time(entry.get("DownloadEntryDateAddedKey")),
                target_path=path if isinstance(path, str) else None,
                extra=extra or None,
            )
