# ruff: noqa: E501  (the schemas are written as the browsers write them)
"""Benign browser profiles with the browsers' own schemas, built on the fly (reserved domains only:
`.invalid`, example.org, example.com).

Each builder writes the files a browser keeps in a profile folder. `wal=True` leaves some rows
only in the `-wal` beside the database, as a browser that was running (or killed) leaves them.
Raw times are computed here from datetimes with plain arithmetic, independently of the code
under test.
"""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

WEBKIT_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)


def webkit(dt: datetime) -> int:
    return (dt - WEBKIT_EPOCH) // timedelta(microseconds=1)


def prtime(dt: datetime) -> int:
    return (dt - UNIX_EPOCH) // timedelta(microseconds=1)


def cocoa(dt: datetime) -> float:
    return (dt - COCOA_EPOCH) / timedelta(seconds=1)


def iso(dt: datetime) -> str:
    """How the export writes a UTC time."""
    text = dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return text.replace(".000000Z", "Z")


@dataclass
class Visit:
    url: str
    title: str
    time: datetime
    typed: bool = False


@dataclass
class Download:
    url: str
    target: str  # as the browser stores it (a Windows path for Chrome on Windows, ...)
    time: datetime
    referrer: str = ""
    chain: list[str] = field(default_factory=list)  # redirects before `url`


@dataclass
class Login:
    url: str
    username: str
    time: datetime
    password: bytes = b"v10\x8f\x1c\x00secret-never-read"  # what an encrypted value looks like


def _sqlite_file(
    path: Path,
    schema: str,
    fill: Callable[[sqlite3.Connection], None],
    wal_fill: Callable[[sqlite3.Connection], None] | None,
) -> Path:
    """Write a database at `path`; with `wal_fill`, leave those rows in `path`-wal only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / path.name
        con = sqlite3.connect(db, isolation_level=None)
        try:
            if wal_fill is not None:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA wal_autocheckpoint=0")
            con.executescript(schema)
            con.execute("BEGIN")
            fill(con)
            con.execute("COMMIT")
            if wal_fill is not None:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                con.execute("BEGIN")
                wal_fill(con)
                con.execute("COMMIT")
                # Copied while the connection is open: the WAL is not checkpointed yet.
                shutil.copyfile(db, path)
                shutil.copyfile(f"{db}-wal", f"{path}-wal")
            else:
                con.close()
                shutil.copyfile(db, path)
        finally:
            con.close()
    return path


CHROME_SCHEMA = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,
  visit_time INTEGER NOT NULL,from_visit INTEGER,external_referrer_url TEXT,
  transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,visit_duration INTEGER DEFAULT 0 NOT NULL,
  incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,opener_visit INTEGER,
  originator_cache_guid TEXT,originator_visit_id INTEGER,originator_from_visit INTEGER,
  originator_opener_visit INTEGER,is_known_to_sync BOOLEAN DEFAULT FALSE NOT NULL,
  consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,
  visited_link_id INTEGER DEFAULT 0 NOT NULL, app_id TEXT);
CREATE TABLE visit_source(id INTEGER PRIMARY KEY,source INTEGER NOT NULL);
CREATE TABLE keyword_search_terms (keyword_id INTEGER NOT NULL,url_id INTEGER NOT NULL,
  term LONGVARCHAR NOT NULL,normalized_term LONGVARCHAR NOT NULL);
CREATE TABLE segments (id INTEGER PRIMARY KEY,name VARCHAR,url_id INTEGER NON NULL);
CREATE TABLE downloads (id INTEGER PRIMARY KEY,guid VARCHAR NOT NULL,current_path LONGVARCHAR NOT NULL,
  target_path LONGVARCHAR NOT NULL,start_time INTEGER NOT NULL,received_bytes INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL,state INTEGER NOT NULL,danger_type INTEGER NOT NULL,
  interrupt_reason INTEGER NOT NULL,hash BLOB NOT NULL,end_time INTEGER NOT NULL,
  opened INTEGER NOT NULL,last_access_time INTEGER NOT NULL,transient INTEGER NOT NULL,
  referrer VARCHAR NOT NULL,site_url VARCHAR NOT NULL,embedder_download_data VARCHAR NOT NULL,
  tab_url VARCHAR NOT NULL,tab_referrer_url VARCHAR NOT NULL,http_method VARCHAR NOT NULL,
  by_ext_id VARCHAR NOT NULL,by_ext_name VARCHAR NOT NULL,by_web_app_id VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,last_modified VARCHAR NOT NULL,mime_type VARCHAR(255) NOT NULL,
  original_mime_type VARCHAR(255) NOT NULL);
CREATE TABLE downloads_url_chains (id INTEGER NOT NULL,chain_index INTEGER NOT NULL,
  url LONGVARCHAR NOT NULL, PRIMARY KEY (id, chain_index));
INSERT INTO meta VALUES ('version', '69'), ('last_compatible_version', '16');
"""

# Chrome 8 to 25: downloads carry their URL and a full_path, no URL chains.
CHROME_OLD_SCHEMA = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY,value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY,url LONGVARCHAR,title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL,favicon_id INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY,url INTEGER NOT NULL,visit_time INTEGER NOT NULL,
  from_visit INTEGER,transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,is_indexed BOOLEAN);
CREATE TABLE downloads (id INTEGER PRIMARY KEY,full_path LONGVARCHAR NOT NULL,url LONGVARCHAR NOT NULL,
  start_time INTEGER NOT NULL,received_bytes INTEGER NOT NULL,total_bytes INTEGER NOT NULL,
  state INTEGER NOT NULL,end_time INTEGER NOT NULL,opened INTEGER NOT NULL);
INSERT INTO meta VALUES ('version', '20');
"""


def _chrome_visits(con: sqlite3.Connection, visits: Iterable[Visit]) -> None:
    for v in visits:
        row = con.execute("SELECT id FROM urls WHERE url = ?", (v.url,)).fetchone()
        if row is None:
            cur = con.execute(
                "INSERT INTO urls (url, title, visit_count, typed_count, last_visit_time, hidden) "
                "VALUES (?, ?, 1, ?, ?, 0)",
                (v.url, v.title, int(v.typed), webkit(v.time)),
            )
            url_id = cur.lastrowid
        else:
            url_id = row[0]
        # PAGE_TRANSITION_TYPED (1) or LINK (0), with the CHAIN_START|CHAIN_END qualifiers.
        transition = (1 if v.typed else 0) | 0x30000000
        con.execute(
            "INSERT INTO visits (url, visit_time, from_visit, transition, segment_id, visit_duration) "
            "VALUES (?, ?, 0, ?, 0, 0)",
            (url_id, webkit(v.time), transition),
        )


def _chrome_downloads(con: sqlite3.Connection, downloads: Iterable[Download]) -> None:
    for i, d in enumerate(downloads, 1):
        cur = con.execute(
            "INSERT INTO downloads (guid, current_path, target_path, start_time, received_bytes, "
            "total_bytes, state, danger_type, interrupt_reason, hash, end_time, opened, "
            "last_access_time, transient, referrer, site_url, embedder_download_data, tab_url, "
            "tab_referrer_url, http_method, by_ext_id, by_ext_name, by_web_app_id, etag, "
            "last_modified, mime_type, original_mime_type) VALUES "
            "(?, ?, ?, ?, 1000, 1000, 1, 0, 0, x'', ?, 0, 0, 0, ?, '', '', ?, '', 'GET', '', '', "
            "'', '', '', 'image/jpeg', 'image/jpeg')",
            (
                f"guid-{i}",
                d.target,
                d.target,
                webkit(d.time),
                webkit(d.time + timedelta(seconds=3)),
                d.referrer,
                d.referrer,
            ),
        )
        for index, url in enumerate([*d.chain, d.url]):
            con.execute(
                "INSERT INTO downloads_url_chains (id, chain_index, url) VALUES (?, ?, ?)",
                (cur.lastrowid, index, url),
            )


def chrome_history(
    path: Path,
    visits: list[Visit],
    downloads: list[Download] = (),  # type: ignore[assignment]
    wal_visits: list[Visit] = (),  # type: ignore[assignment]
) -> Path:
    def fill(con: sqlite3.Connection) -> None:
        _chrome_visits(con, visits)
        _chrome_downloads(con, downloads)

    wal = (lambda con: _chrome_visits(con, wal_visits)) if wal_visits else None
    return _sqlite_file(path, CHROME_SCHEMA, fill, wal)


def chrome_old_history(path: Path, visits: list[Visit], downloads: list[Download]) -> Path:
    def fill(con: sqlite3.Connection) -> None:
        for v in visits:
            cur = con.execute(
                "INSERT INTO urls (url, title, visit_count, typed_count, last_visit_time) "
                "VALUES (?, ?, 1, 0, ?)",
                (v.url, v.title, webkit(v.time)),
            )
            con.execute(
                "INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, 0)",
                (cur.lastrowid, webkit(v.time)),
            )
        for d in downloads:
            con.execute(
                "INSERT INTO downloads (full_path, url, start_time, received_bytes, total_bytes, "
                "state, end_time, opened) VALUES (?, ?, ?, 10, 10, 1, 0, 0)",
                (d.target, d.url, webkit(d.time)),
            )

    return _sqlite_file(path, CHROME_OLD_SCHEMA, fill, None)


LOGIN_DATA_SCHEMA = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, username_element VARCHAR,
  username_value VARCHAR, password_element VARCHAR, password_value BLOB, submit_element VARCHAR,
  signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL, blacklisted_by_user INTEGER NOT NULL,
  scheme INTEGER NOT NULL, password_type INTEGER, times_used INTEGER, form_data BLOB,
  display_name VARCHAR, icon_url VARCHAR, federation_url VARCHAR, skip_zero_click INTEGER,
  generation_upload_status INTEGER, possible_username_pairs BLOB,
  id INTEGER PRIMARY KEY AUTOINCREMENT, date_last_used INTEGER NOT NULL DEFAULT 0,
  moving_blocked_for BLOB, date_password_modified INTEGER NOT NULL DEFAULT 0,
  UNIQUE (origin_url, username_element, username_value, password_element, signon_realm));
INSERT INTO meta VALUES ('version', '35');
"""


def chrome_logins(path: Path, logins: list[Login], never_saved: list[str] = ()) -> Path:  # type: ignore[assignment]
    def fill(con: sqlite3.Connection) -> None:
        for lg in logins:
            con.execute(
                "INSERT INTO logins (origin_url, action_url, username_element, username_value, "
                "password_element, password_value, signon_realm, date_created, "
                "blacklisted_by_user, scheme, times_used, date_last_used) "
                "VALUES (?, ?, 'user', ?, 'pass', ?, ?, ?, 0, 0, 3, ?)",
                (
                    lg.url,
                    lg.url,
                    lg.username,
                    lg.password,
                    lg.url,
                    webkit(lg.time),
                    webkit(lg.time),
                ),
            )
        for url in never_saved:
            con.execute(
                "INSERT INTO logins (origin_url, signon_realm, date_created, blacklisted_by_user, "
                "scheme, username_value, password_value) VALUES (?, ?, 0, 1, 0, '', x'')",
                (url, url),
            )

    return _sqlite_file(path, LOGIN_DATA_SCHEMA, fill, None)


FIREFOX_SCHEMA = """
CREATE TABLE moz_origins (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, host TEXT NOT NULL,
  frecency INTEGER NOT NULL, UNIQUE (prefix, host));
CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR,
  rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL,
  typed INTEGER DEFAULT 0 NOT NULL, frecency INTEGER DEFAULT -1 NOT NULL, last_visit_date INTEGER,
  guid TEXT, foreign_count INTEGER DEFAULT 0 NOT NULL, url_hash INTEGER DEFAULT 0 NOT NULL,
  description TEXT, preview_image_url TEXT, site_name TEXT,
  origin_id INTEGER REFERENCES moz_origins(id), recalc_frecency INTEGER NOT NULL DEFAULT 0);
CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER, place_id INTEGER,
  visit_date INTEGER, visit_type INTEGER, session INTEGER, source INTEGER DEFAULT 0 NOT NULL,
  triggeringPlaceId INTEGER);
CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER DEFAULT NULL,
  parent INTEGER, position INTEGER, title LONGVARCHAR, keyword_id INTEGER, folder_type TEXT,
  dateAdded INTEGER, lastModified INTEGER, guid TEXT);
CREATE TABLE moz_anno_attributes (id INTEGER PRIMARY KEY, name VARCHAR(32) UNIQUE NOT NULL);
CREATE TABLE moz_annos (id INTEGER PRIMARY KEY, place_id INTEGER NOT NULL,
  anno_attribute_id INTEGER, content LONGVARCHAR, flags INTEGER DEFAULT 0,
  expiration INTEGER DEFAULT 0, type INTEGER DEFAULT 0, dateAdded INTEGER DEFAULT 0,
  lastModified INTEGER DEFAULT 0);
CREATE TABLE moz_meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
INSERT INTO moz_anno_attributes (id, name) VALUES (1, 'downloads/destinationFileURI'),
  (2, 'downloads/metaData');
"""


def _place(con: sqlite3.Connection, url: str, title: str | None) -> int:
    row = con.execute("SELECT id FROM moz_places WHERE url = ?", (url,)).fetchone()
    if row is not None:
        return int(row[0])
    cur = con.execute(
        "INSERT INTO moz_places (url, title, rev_host, visit_count, guid) VALUES (?, ?, '', 1, ?)",
        (url, title, f"g{abs(hash(url)) % 10**10}"),
    )
    return int(cur.lastrowid or 0)


def _firefox_visits(con: sqlite3.Connection, visits: Iterable[Visit]) -> None:
    for v in visits:
        place = _place(con, v.url, v.title)
        con.execute(
            "INSERT INTO moz_historyvisits (from_visit, place_id, visit_date, visit_type, session) "
            "VALUES (0, ?, ?, ?, 0)",
            (place, prtime(v.time), 2 if v.typed else 1),
        )


def firefox_places(
    path: Path,
    visits: list[Visit],
    downloads: list[Download] = (),  # type: ignore[assignment]
    wal_visits: list[Visit] = (),  # type: ignore[assignment]
) -> Path:
    def fill(con: sqlite3.Connection) -> None:
        _firefox_visits(con, visits)
        for d in downloads:
            place = _place(con, d.url, None)
            con.execute(
                "INSERT INTO moz_historyvisits (place_id, visit_date, visit_type) VALUES (?, ?, 7)",
                (place, prtime(d.time)),
            )
            uri = (
                "file://"
                + ("/" if not d.target.startswith("/") else "")
                + d.target.replace("\\", "/").replace(" ", "%20")
            )
            con.execute(
                "INSERT INTO moz_annos (place_id, anno_attribute_id, content, dateAdded, "
                "lastModified) VALUES (?, 1, ?, ?, ?)",
                (place, uri, prtime(d.time), prtime(d.time)),
            )
            meta = {"state": 1, "endTime": prtime(d.time) // 1000 + 2000, "fileSize": 1000}
            con.execute(
                "INSERT INTO moz_annos (place_id, anno_attribute_id, content, dateAdded, "
                "lastModified) VALUES (?, 2, ?, ?, ?)",
                (place, json.dumps(meta), prtime(d.time), prtime(d.time)),
            )

    wal = (lambda con: _firefox_visits(con, wal_visits)) if wal_visits else None
    return _sqlite_file(path, FIREFOX_SCHEMA, fill, wal)


def firefox_logins(path: Path, sites: list[tuple[str, datetime]]) -> Path:
    logins = [
        {
            "id": i,
            "hostname": site,
            "httpRealm": None,
            "formSubmitURL": site,
            "usernameField": "user",
            "passwordField": "pass",
            "encryptedUsername": "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECNotARealKey=",
            "encryptedPassword": "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECNeverDecrypted=",
            "guid": f"{{0000000{i}-0000-0000-0000-000000000000}}",
            "encType": 1,
            "timeCreated": prtime(when) // 1000,
            "timeLastUsed": prtime(when) // 1000,
            "timePasswordChanged": prtime(when) // 1000,
            "timesUsed": 1,
        }
        for i, (site, when) in enumerate(sites, 1)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nextId": len(logins) + 1, "logins": logins, "version": 3}))
    return path


SAFARI_SCHEMA = """
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT,url TEXT NOT NULL UNIQUE,
  domain_expansion TEXT NULL,visit_count INTEGER NOT NULL,daily_visit_counts BLOB NOT NULL,
  weekly_visit_counts BLOB NULL,autocomplete_triggers BLOB NULL,
  should_recompute_derived_visit_counts INTEGER NOT NULL,visit_count_score INTEGER NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE,
  visit_time REAL NOT NULL,title TEXT NULL,load_successful BOOLEAN NOT NULL DEFAULT 1,
  http_non_get BOOLEAN NOT NULL DEFAULT 0,synthesized BOOLEAN NOT NULL DEFAULT 0,
  redirect_source INTEGER NULL UNIQUE,redirect_destination INTEGER NULL UNIQUE,
  origin INTEGER NOT NULL DEFAULT 0,generation INTEGER NOT NULL DEFAULT 0,
  attributes INTEGER NOT NULL DEFAULT 0,score INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
"""


def _safari_visits(con: sqlite3.Connection, visits: Iterable[Visit]) -> None:
    for v in visits:
        row = con.execute("SELECT id FROM history_items WHERE url = ?", (v.url,)).fetchone()
        if row is None:
            cur = con.execute(
                "INSERT INTO history_items (url, visit_count, daily_visit_counts, "
                "should_recompute_derived_visit_counts, visit_count_score) VALUES (?, 1, x'', 0, 0)",
                (v.url,),
            )
            item = cur.lastrowid
        else:
            item = row[0]
        con.execute(
            "INSERT INTO history_visits (history_item, visit_time, title) VALUES (?, ?, ?)",
            (item, cocoa(v.time), v.title),
        )


def safari_history(
    path: Path,
    visits: list[Visit],
    wal_visits: list[Visit] = (),  # type: ignore[assignment]
) -> Path:
    wal = (lambda con: _safari_visits(con, wal_visits)) if wal_visits else None
    return _sqlite_file(path, SAFARI_SCHEMA, lambda con: _safari_visits(con, visits), wal)


def safari_downloads(path: Path, downloads: list[Download]) -> Path:
    entries = [
        {
            "DownloadEntryIdentifier": f"0000000{i}-AAAA-BBBB-CCCC-DDDDDDDDDDDD",
            "DownloadEntryURL": d.url,
            "DownloadEntryPath": d.target,
            "DownloadEntryProgressBytesSoFar": 1000,
            "DownloadEntryProgressTotalToLoad": 1000,
            "DownloadEntryDateAddedKey": d.time.astimezone(UTC).replace(tzinfo=None),
            "DownloadEntryDateFinishedKey": (d.time + timedelta(seconds=2))
            .astimezone(UTC)
            .replace(tzinfo=None),
            "DownloadEntryRemoveWhenDoneKey": False,
        }
        for i, d in enumerate(downloads, 1)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        plistlib.dump({"DownloadHistory": entries}, fh, fmt=plistlib.FMT_BINARY)
    return path


def remove_wal(path: Path) -> None:
    os.unlink(f"{path}-wal")
