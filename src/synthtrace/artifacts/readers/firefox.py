"""Firefox (and Gecko browsers such as Tor Browser): `places.sqlite` (visits; downloads from
its annotations since Firefox 26), `downloads.sqlite` (downloads up to Firefox 25) and
`logins.json` (saved logins: the site only, since Firefox encrypts the user name too; neither
it nor the password is ever decrypted).

Schemas follow plaso's firefox_history and firefox_downloads plugins. Times are PRTime
(microseconds since 1970); logins.json uses JavaScript milliseconds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from synthtrace.artifacts import times
from synthtrace.artifacts.readers.base import (
    DOWNLOAD,
    LOGIN,
    VISIT,
    Found,
    NotThisFormat,
    Opened,
    Problems,
    columns,
    kept,
    pick,
    require,
    text,
)
from synthtrace.limits import MiB

# toolkit/components/places/nsINavHistoryService.idl TRANSITION_*.
TRANSITIONS = {
    1: "link",
    2: "typed",
    3: "bookmark",
    4: "embed",
    5: "redirect_permanent",
    6: "redirect_temporary",
    7: "download",
    8: "framed_link",
    9: "reload",
}
DOWNLOAD_STATES = {0: "in_progress", 1: "complete", 2: "failed", 3: "cancelled", 4: "paused"}
OUT_OF_RANGE = "times out of range (kept without a time, raw value in extra)"
MAX_JSON = 64 * MiB


def _time(raw: object, problems: Problems, extra: dict[str, Any], ms: bool = False) -> str | None:
    iso = times.unix_ms(raw) if ms else times.prtime(raw)
    if iso is None and raw not in (None, 0):
        problems.note(OUT_OF_RANGE)
        extra["raw_time"] = kept(raw) if isinstance(raw, int | float) else str(raw)
    return iso


def file_uri_path(uri: str | None) -> str | None:
    """`file:///C:/Users/a/Downloads/x.jpg` -> `C:/Users/a/Downloads/x.jpg` (plain paths kept)."""
    if not uri:
        return None
    if not uri.lower().startswith("file:"):
        return uri
    try:
        path = unquote(urlsplit(uri).path)
    except ValueError:  # `file://[...` is no URL urlsplit can read: keep what was written
        return uri
    if len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]  # /C:/... is a Windows drive path
    return path or None


class FirefoxPlaces:
    name = "firefox-places"
    family = "firefox"
    file_names: tuple[str, ...] = ("places.sqlite",)
    sqlite = True

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        con = opened.db()
        tables = columns(con)
        require(
            tables,
            "Firefox places database",
            {"moz_places": {"id", "url"}, "moz_historyvisits": {"place_id", "visit_date"}},
        )
        title = "p.title" if "title" in tables["moz_places"] else "NULL"
        vtype = "v.visit_type" if "visit_type" in tables["moz_historyvisits"] else "NULL"
        sql = (
            f"SELECT v.visit_date, {times.sql_iso('v.visit_date', 'prtime')}, {vtype}, p.url, "
            f"{title} FROM moz_historyvisits v JOIN moz_places p ON p.id = v.place_id ORDER BY v.id"
        )
        shapes = {k: {"transition": v} for k, v in TRANSITIONS.items()}
        for raw, iso, visit_type, url, page_title in con.execute(sql):
            extra: dict[str, Any] | None = shapes.get(visit_type)
            if extra is None and isinstance(visit_type, int):
                extra = {"transition": str(visit_type)}
            if iso is None and raw not in (None, 0):
                problems.note(OUT_OF_RANGE)
                extra = {
                    **(extra or {}),
                    "raw_time": kept(raw) if isinstance(raw, int | float) else str(raw),
                }
            yield Found(VISIT, url=text(url), title=text(page_title), time=iso, extra=extra)
        if {"moz_annos", "moz_anno_attributes"} <= set(tables):
            yield from self._downloads(con, problems)

    def _downloads(self, con: sqlite3.Connection, problems: Problems) -> Iterator[Found]:
        # One annotation row per download and attribute, on the download's place (its URL).
        sql = (
            "SELECT a.place_id, n.name, a.content, a.dateAdded, p.url FROM moz_annos a "
            "JOIN moz_anno_attributes n ON n.id = a.anno_attribute_id "
            "JOIN moz_places p ON p.id = a.place_id "
            "WHERE n.name IN ('downloads/destinationFileURI', 'downloads/metaData', "
            "'downloads/destinationFileName') ORDER BY a.place_id"
        )
        current: dict[str, Any] | None = None
        for place_id, name, content, added, url in con.execute(sql):
            if current is not None and current["place"] != place_id:
                yield self._download(current, problems)
                current = None
            if current is None:
                current = {"place": place_id, "url": text(url)}
            if name == "downloads/destinationFileURI":
                current["target"] = file_uri_path(text(content))
                current["added"] = added
            elif name == "downloads/destinationFileName":
                current.setdefault("name", text(content))
            elif name == "downloads/metaData":
                try:
                    meta = json.loads(text(content) or "{}")
                except ValueError:
                    problems.note("download metadata that is not JSON")
                    meta = {}
                current["meta"] = meta if isinstance(meta, dict) else {}
        if current is not None:
            yield self._download(current, problems)

    @staticmethod
    def _download(d: dict[str, Any], problems: Problems) -> Found:
        extra: dict[str, Any] = {}
        meta = d.get("meta") or {}
        if isinstance(meta.get("state"), int):
            extra["state"] = DOWNLOAD_STATES.get(meta["state"], str(meta["state"]))
        if isinstance(meta.get("fileSize"), int):
            extra["total"] = meta["fileSize"]
        end = times.unix_ms(meta.get("endTime"))
        if end:
            extra["end_time"] = end
        return Found(
            DOWNLOAD,
            url=d.get("url"),
            time=_time(d.get("added"), problems, extra),
            target_path=d.get("target") or d.get("name"),
            extra=extra or None,
        )


class FirefoxDownloadsLegacy:
    """`downloads.sqlite` of Firefox 3 to 25."""

    name = "firefox-downloads"
    family = "firefox"
    file_names: tuple[str, ...] = ("downloads.sqlite",)
    sqlite = True

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        con = opened.db()
        tables = columns(con)
        require(tables, "Firefox downloads database", {"moz_downloads": {"id", "source"}})
        have = tables["moz_downloads"]
        cols = {
            "url": "source",
            "target": pick(have, "target"),
            "name": pick(have, "name"),
            "start": pick(have, "startTime"),
            "end": pick(have, "endTime"),
            "referrer": pick(have, "referrer"),
            "state": pick(have, "state"),
            "total": pick(have, "maxBytes"),
            "mime": pick(have, "mimeType"),
        }
        keys = [k for k, c in cols.items() if c is not None]
        selected = ", ".join(f'"{cols[k]}"' for k in keys)
        sql = f"SELECT {selected} FROM moz_downloads ORDER BY id"
        for values in con.execute(sql):
            row = dict(zip(keys, values, strict=True))
            extra: dict[str, Any] = {}
            if isinstance(row.get("state"), int):
                extra["state"] = DOWNLOAD_STATES.get(row["state"], str(row["state"]))
            if isinstance(row.get("total"), int) and row["total"] >= 0:
                extra["total"] = row["total"]
            if row.get("mime"):
                extra["mime_type"] = text(row["mime"])
            end = times.prtime(row.get("end"))
            if end:
                extra["end_time"] = end
            yield Found(
                DOWNLOAD,
                url=text(row.get("url")),
                time=_time(row.get("start"), problems, extra),
                target_path=file_uri_path(text(row.get("target"))) or text(row.get("name")),
                referrer_url=text(row.get("referrer")) or None,
                extra=extra or None,
            )


class FirefoxLogins:
    """`logins.json`: the sites with a saved login. User names and passwords are encrypted with
    the profile's key (key4.db) and stay so: neither field is read."""

    name = "firefox-logins"
    family = "firefox"
    file_names: tuple[str, ...] = ("logins.json",)
    sqlite = False

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        size = opened.path.stat().st_size
        if size > MAX_JSON:
            raise NotThisFormat(f"logins.json of {size} bytes is larger than {MAX_JSON} bytes")
        try:
            doc = json.loads(opened.path.read_bytes())
        except (ValueError, RecursionError) as exc:
            raise NotThisFormat(f"not a Firefox logins.json: {exc}") from exc
        logins = doc.get("logins") if isinstance(doc, dict) else None
        if not isinstance(logins, list):
            raise NotThisFormat("not a Firefox logins.json: no list of logins")
        for login in logins:
            if not isinstance(login, dict):
                problems.note("login entries that are not objects")
                continue
            site = login.get("hostname")
            if not isinstance(site, str) or not site:
                problems.note("logins without a site")
                continue
            extra: dict[str, Any] = {"username": "encrypted (not decrypted)"}
            last = times.unix_ms(login.get("timeLastUsed"))
            if last:
                extra["last_used"] = last
            if isinstance(login.get("timesUsed"), int):
                extra["times_used"] = login["timesUsed"]
            form = login.get("formSubmitURL")
            if isinstance(form, str) and form and form != site:
                extra["form_submit_url"] = form
            yield Found(
                LOGIN,
                url=site,
                time=_time(login.get("timeCreated"), problems, extra, ms=True),
                extra=extra,
            )
