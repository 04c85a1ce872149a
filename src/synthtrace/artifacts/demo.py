"""Benign browser traces for the demo devices (reserved `.invalid` domains only), and the demo's
case indicators: so `synthtrace links demo-out/case` shows what ties the laptop to the phone.

- laptop-A: Chrome on Windows visited forum.platform.invalid, saved the login "riverbank" there
  and downloaded Downloads/shared.zip from it; a note holds a Bitcoin address;
- phone-B: Chrome on Android visited the same forum and saved the same login; a receipt holds the
  same address.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

LAPTOP_CHROME = "Users/alex/AppData/Local/Google/Chrome/User Data/Default"
PHONE_CHROME = "data/data/com.android.chrome/app_chrome/Default"
USER = "riverbank"
WALLET = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"  # the Bitcoin wiki's example address
INDICATORS = f"# demo case indicators\nplatform.invalid\n{USER}\n{WALLET}\n"
_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

_HISTORY = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT, url INTEGER NOT NULL,
  visit_time INTEGER NOT NULL, from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL,
  segment_id INTEGER, visit_duration INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE downloads (id INTEGER PRIMARY KEY, guid VARCHAR NOT NULL,
  current_path LONGVARCHAR NOT NULL, target_path LONGVARCHAR NOT NULL, start_time INTEGER NOT NULL,
  received_bytes INTEGER NOT NULL, total_bytes INTEGER NOT NULL, state INTEGER NOT NULL,
  danger_type INTEGER NOT NULL, interrupt_reason INTEGER NOT NULL, hash BLOB NOT NULL,
  end_time INTEGER NOT NULL, opened INTEGER NOT NULL, last_access_time INTEGER NOT NULL,
  transient INTEGER NOT NULL, referrer VARCHAR NOT NULL, site_url VARCHAR NOT NULL,
  embedder_download_data VARCHAR NOT NULL, tab_url VARCHAR NOT NULL,
  tab_referrer_url VARCHAR NOT NULL, http_method VARCHAR NOT NULL, by_ext_id VARCHAR NOT NULL,
  by_ext_name VARCHAR NOT NULL, etag VARCHAR NOT NULL, last_modified VARCHAR NOT NULL,
  mime_type VARCHAR(255) NOT NULL, original_mime_type VARCHAR(255) NOT NULL);
CREATE TABLE downloads_url_chains (id INTEGER NOT NULL, chain_index INTEGER NOT NULL,
  url LONGVARCHAR NOT NULL, PRIMARY KEY (id, chain_index));
INSERT INTO meta VALUES ('version', '69');
"""
_LOGINS = """
CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, username_element VARCHAR,
  username_value VARCHAR, password_element VARCHAR, password_value BLOB,
  signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL,
  blacklisted_by_user INTEGER NOT NULL, scheme INTEGER NOT NULL, times_used INTEGER,
  id INTEGER PRIMARY KEY AUTOINCREMENT, date_last_used INTEGER NOT NULL DEFAULT 0);
"""


def _webkit(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(microseconds=1)


def _history(
    path: Path, visits: list[tuple[str, str, datetime]], download: tuple[str, str, datetime] | None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(_HISTORY)
    for url, title, when in visits:
        cur = con.execute(
            "INSERT INTO urls (url, title, visit_count, last_visit_time) VALUES (?, ?, 1, ?)",
            (url, title, _webkit(when)),
        )
        con.execute(
            "INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, ?)",
            (cur.lastrowid, _webkit(when), 0x30000000),
        )
    if download is not None:
        url, target, when = download
        cur = con.execute(
            "INSERT INTO downloads VALUES (NULL, 'demo', ?, ?, ?, 1, 1, 1, 0, 0, x'', ?, 0, 0, 0, "
            "?, '', '', '', '', 'GET', '', '', '', '', 'application/zip', 'application/zip')",
            (target, target, _webkit(when), _webkit(when) + 2_000_000, visits[0][0]),
        )
        con.execute("INSERT INTO downloads_url_chains VALUES (?, 0, ?)", (cur.lastrowid, url))
    con.commit()
    con.close()


def _logins(path: Path, url: str, when: datetime) -> None:
    con = sqlite3.connect(path)
    con.executescript(_LOGINS)
    con.execute(
        "INSERT INTO logins (origin_url, action_url, username_element, username_value, "
        "password_element, password_value, signon_realm, date_created, blacklisted_by_user, "
        "scheme, times_used, date_last_used) VALUES (?, ?, 'user', ?, 'pass', ?, ?, ?, 0, 0, 4, ?)",
        (url, url, USER, b"v10-encrypted-by-the-browser", url, _webkit(when), _webkit(when)),
    )
    con.commit()
    con.close()


def add_browser_samples(root: Path) -> None:
    """Write the demo's browser profiles and notes into the devices under `root`."""
    day = datetime(2023, 9, 14, 20, 5, 0, tzinfo=UTC)
    forum = "https://forum.platform.invalid"
    laptop, phone = root / "laptop-A", root / "phone-B"
    _history(
        laptop / LAPTOP_CHROME / "History",
        [
            (f"{forum}/login", "Forum - log in", day),
            (f"{forum}/t/landscapes", "Landscapes - Forum", day + timedelta(minutes=3)),
            ("https://www.example.org/weather", "Weather", day - timedelta(days=2)),
        ],
        (
            "https://files.platform.invalid/shared.zip",
            "C:\\Users\\alex\\Downloads\\shared.zip",
            day + timedelta(minutes=5),
        ),
    )
    _logins(laptop / LAPTOP_CHROME / "Login Data", f"{forum}/login", day)
    notes = laptop / "Documents" / "donation.txt"
    notes.write_text(f"Forum membership, pay to {WALLET}\n")
    later = day + timedelta(days=6, hours=3)
    _history(
        phone / PHONE_CHROME / "History",
        [(f"{forum}/login", "Forum - log in", later), (f"{forum}/t/rockets", "Rockets", later)],
        None,
    )
    _logins(phone / PHONE_CHROME / "Login Data", f"{forum}/login", later)
    receipt = phone / "Documents" / "receipt.txt"
    receipt.parent.mkdir(parents=True, exist_ok=True)
    receipt.write_text(f"Paid 0.0001 BTC to {WALLET}. Thank you!\n")


def demo_indicators(case_dir: Path, evidence_root: Path) -> None:
    """DEMO_STEPS: import the demo's indicators (the hits appear on both devices)."""
    from synthtrace.artifacts.indicators import import_indicators
    from synthtrace.case import open_case

    listing = evidence_root.parent / "indicators.txt"
    listing.write_text(INDICATORS)
    with open_case(case_dir) as case:
        import_indicators(case, listing, name="demo indicators", user="demo")
