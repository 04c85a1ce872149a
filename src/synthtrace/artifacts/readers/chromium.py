"""Chromium-family browsers (Chrome, Edge, Brave, Opera, Vivaldi, Chromium): `History` (visits,
downloads with their URL chains) and `Login Data` (saved logins: site and user name only).

Schemas across versions follow plaso's chrome_history plugin and pyhindsight: downloads carry
`full_path` and `url` up to Chrome 25, `target_path`/`current_path` and a separate
`downloads_url_chains` table since; `referrer`, `tab_url` and `tab_referrer_url` came later
still. Times are WebKit microseconds. The `password_value` column is never read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from synthtrace.artifacts import times
from synthtrace.artifacts.readers.base import (
    DOWNLOAD,
    LOGIN,
    VISIT,
    Found,
    Opened,
    Problems,
    columns,
    kept,
    pick,
    require,
    text,
)

# chromium/src/ui/base/page_transition_types.h: the core type is the low byte.
TRANSITIONS = {
    0: "link",
    1: "typed",
    2: "auto_bookmark",
    3: "auto_subframe",
    4: "manual_subframe",
    5: "generated",
    6: "auto_toplevel",
    7: "form_submit",
    8: "reload",
    9: "keyword",
    10: "keyword_generated",
}
# components/download/public/common/download_item.h DownloadState (history values).
DOWNLOAD_STATES = {0: "in_progress", 1: "complete", 2: "cancelled", 3: "bug_3", 4: "interrupted"}
OUT_OF_RANGE = "times out of range (kept without a time, raw value in extra)"


def _time(raw: object, problems: Problems, extra: dict[str, object]) -> str | None:
    iso = times.webkit(raw)
    if iso is None and raw not in (None, 0):
        problems.note(OUT_OF_RANGE)
        extra["raw_time"] = kept(raw) if isinstance(raw, int | float) else str(raw)
    return iso


class ChromiumHistory:
    name = "chromium-history"
    family = "chromium"
    file_names: tuple[str, ...] = ("History", "Archived History")
    sqlite = True

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        con = opened.db()
        tables = columns(con)
        require(
            tables,
            "Chromium history database",
            {"urls": {"id", "url"}, "visits": {"url", "visit_time"}},
        )
        yield from self._visits(con, tables, problems)
        if "downloads" in tables:
            yield from self._downloads(con, tables, problems)

    def _visits(
        self, con: sqlite3.Connection, tables: dict[str, set[str]], problems: Problems
    ) -> Iterator[Found]:
        title = "u.title" if "title" in tables["urls"] else "NULL"
        transition = "v.transition & 255" if "transition" in tables["visits"] else "NULL"
        sql = (
            f"SELECT v.visit_time, {times.sql_iso('v.visit_time', 'webkit')}, {transition}, "
            f"u.url, {title} FROM visits v JOIN urls u ON u.id = v.url ORDER BY v.id"
        )
        shapes: dict[int, dict[str, object]] = {
            k: {"transition": v} for k, v in TRANSITIONS.items()
        }
        for raw, iso, trans, url, page_title in con.execute(sql):
            extra: dict[str, object] | None = shapes.get(trans) if trans is not None else None
            if extra is None and isinstance(trans, int):
                extra = {"transition": str(trans)}
            if iso is None and raw not in (None, 0):
                problems.note(OUT_OF_RANGE)
                extra = {
                    **(extra or {}),
                    "raw_time": kept(raw) if isinstance(raw, int | float) else str(raw),
                }
            yield Found(
                VISIT,
                url=url if type(url) is str else text(url),
                title=page_title if type(page_title) is str else text(page_title),
                time=iso,
                extra=extra,
            )

    def _downloads(
        self, con: sqlite3.Connection, tables: dict[str, set[str]], problems: Problems
    ) -> Iterator[Found]:
        have = tables["downloads"]
        target = pick(have, "target_path", "full_path", "current_path")
        wanted = {
            "id": "id",
            "target": target,
            "current": "current_path" if "current_path" in have else None,
            "start": pick(have, "start_time"),
            "end": pick(have, "end_time"),
            "received": pick(have, "received_bytes"),
            "total": pick(have, "total_bytes"),
            "state": pick(have, "state"),
            "referrer": pick(have, "referrer"),
            "tab_url": pick(have, "tab_url"),
            "tab_referrer": pick(have, "tab_referrer_url"),
            "mime": pick(have, "mime_type"),
            "url": pick(have, "url"),  # Chrome 25 and before
        }
        if "id" not in have or target is None:
            problems.note("downloads table of an unknown shape: downloads not read")
            return
        keys = [k for k, c in wanted.items() if c is not None]
        sql = "SELECT " + ", ".join(f'"{wanted[k]}"' for k in keys) + " FROM downloads ORDER BY id"
        chains = (
            "downloads_url_chains" in tables
            and {"id", "chain_index", "url"} <= tables["downloads_url_chains"]
        )
        for values in con.execute(sql):
            row = dict(zip(keys, values, strict=True))
            extra: dict[str, object] = {}
            chain = self._chain(con, row["id"]) if chains else []
            url = text(chain[-1]) if chain else text(row.get("url"))
            if len(chain) > 1:
                extra["url_chain"] = [text(u) for u in chain]
            for key in ("received", "total", "mime", "tab_url", "tab_referrer"):
                if row.get(key) not in (None, ""):
                    extra[key if key != "mime" else "mime_type"] = kept(row[key])
            if isinstance(row.get("state"), int):
                extra["state"] = DOWNLOAD_STATES.get(row["state"], str(row["state"]))
            end = times.webkit(row.get("end"))
            if end:
                extra["end_time"] = end
            current = text(row.get("current"))
            target_path = text(row.get("target")) or current
            if current and current != target_path:
                extra["current_path"] = current
            yield Found(
                DOWNLOAD,
                url=url,
                time=_time(row.get("start"), problems, extra),
                target_path=target_path or None,
                referrer_url=text(row.get("referrer")) or None,
                extra=extra or None,
            )

    @staticmethod
    def _chain(con: sqlite3.Connection, download_id: object) -> list[object]:
        rows = con.execute(
            "SELECT url FROM downloads_url_chains WHERE id = ? ORDER BY chain_index",
            (download_id,),
        ).fetchall()
        return [r[0] for r in rows]


class ChromiumLogins:
    """Saved logins: the site and the user name. The password column is never selected."""

    name = "chromium-logins"
    family = "chromium"
    file_names: tuple[str, ...] = ("Login Data", "Login Data For Account")
    sqlite = True

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]:
        con = opened.db()
        tables = columns(con)
        require(tables, "Chromium Login Data database", {"logins": {"origin_url"}})
        have = tables["logins"]
        cols = {
            "url": "origin_url",
            "realm": pick(have, "signon_realm"),
            "user": pick(have, "username_value"),
            "created": pick(have, "date_created"),
            "used": pick(have, "date_last_used"),
            "times": pick(have, "times_used"),
            "never": pick(have, "blacklisted_by_user"),
        }
        keys = [k for k, c in cols.items() if c is not None]
        sql = "SELECT " + ", ".join(f'"{cols[k]}"' for k in keys) + " FROM logins"
        for values in con.execute(sql):
            row = dict(zip(keys, values, strict=True))
            if row.get("never"):
                continue  # "never save for this site": no login was saved
            extra: dict[str, object] = {}
            last = times.webkit(row.get("used"))
            if last:
                extra["last_used"] = last
            if isinstance(row.get("times"), int):
                extra["times_used"] = row["times"]
            realm = text(row.get("realm"))
            url = text(row.get("url")) or realm
            if realm and realm != url:
                extra["signon_realm"] = realm
            yield Found(
                LOGIN,
                url=url,
                username=text(row.get("user")) or None,
                time=_time(row.get("created"), problems, extra),
                extra=extra or None,
            )
