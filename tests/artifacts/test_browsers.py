"""Browser artifacts from real profiles: visits and their UTC times per browser (rows only in the
write-ahead log included), downloads tied to the files they wrote, saved logins without
passwords, wallet addresses, and what the case folder keeps of the databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from synthtrace.artifacts.export import KEYS, iter_artifacts
from synthtrace.case import Case
from synthtrace.store.models import ArtifactSource, File
from tests.artifacts.devices import (
    BRAVE_C,
    BTC,
    BTC_MISTYPED,
    CHROME_A,
    CHROME_B,
    FIREFOX_A,
    MONERO,
    SAFARI_B,
    TAPROOT,
    USER,
    T,
)
from tests.artifacts.profiles import Login, iso
from tests.conftest import by_path


def artifacts(case: Case, **match: Any) -> list[dict[str, Any]]:
    with case.sessions() as s:
        rows = list(iter_artifacts(s))
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def visits(case: Case, evidence: str, browser: str) -> dict[str, str]:
    return {
        r["url"]: r["time"]
        for r in artifacts(case, evidence=evidence, kind="visit", browser=browser)
    }


def test_chrome_visits_with_utc_times_including_the_wal(traces_case: Case) -> None:
    got = visits(traces_case, "laptop-A", "chrome")
    assert got["https://platform.invalid/login"] == "2024-03-05T14:30:15.123456Z"
    assert got["https://platform.invalid/gallery?page=2"] == iso(T["a_gallery"])
    assert got["https://www.example.org/news/today"] == iso(T["a_news"])
    # Only in History-wal: read because the WAL was replayed into the working copy.
    assert got["https://platform.invalid/members"] == "2024-03-05T14:40:00.500000Z"
    assert len(got) == 6
    with traces_case.sessions() as s:
        source = s.scalars(
            select(ArtifactSource).where(ArtifactSource.path == f"{CHROME_A}/History")
        ).one()
    assert source.status == "ok", source.errors
    assert source.wal_path == f"{CHROME_A}/History-wal"
    assert source.counts["visit"] == 6 and source.counts["wal_frames"] > 0


def test_chrome_visit_details(traces_case: Case) -> None:
    login = artifacts(traces_case, url="https://platform.invalid/login", kind="visit")[0]
    assert login["title"] == "Members' login"
    assert login["detail"] == {"transition": "typed"}
    assert login["domain"] == "platform.invalid"
    assert login["source"] == f"{CHROME_A}/History"
    assert list(login) == list(KEYS)


def test_firefox_visits_and_prtime(traces_case: Case) -> None:
    got = visits(traces_case, "laptop-A", "firefox")
    assert got["https://example.com/forum/thread/12"] == "2023-12-24T18:00:01.999999Z"


def test_safari_visits_and_cocoa_time_including_the_wal(traces_case: Case) -> None:
    got = visits(traces_case, "macbook-B", "safari")
    assert got == {
        "https://platform.invalid/login": "2024-04-01T22:10:05.750000Z",
        "https://example.org/news/today": iso(T["b_news"]),
        "https://platform.invalid/gallery": iso(T["b_wal"]),  # only in History.db-wal
    }
    assert artifacts(traces_case, kind="visit", evidence="macbook-B")[0]["source"].startswith(
        SAFARI_B
    )


def test_brave_history_inside_an_archive(traces_case: Case) -> None:
    got = artifacts(traces_case, evidence="phone-C", kind="visit")
    assert [(r["browser"], r["url"], r["time"]) for r in got] == [
        ("brave", "https://example.com/forum/thread/12", iso(T["c_visit"]))
    ]
    assert got[0]["source"] == f"phone-C.zip!/{BRAVE_C}/History"


def test_downloads_are_tied_to_the_files_they_wrote(traces_case: Case) -> None:
    chrome = artifacts(traces_case, kind="download", browser="chrome")[0]
    assert chrome["file"] == "Users/alex/Downloads/hills.jpg"
    assert chrome["url"] == "https://cdn.platform.invalid/f/9f8e7d/hills.jpg"
    assert chrome["referrer_url"] == "https://platform.invalid/gallery?page=2"
    assert chrome["time"] == "2024-03-05T14:32:10.250000Z"
    assert chrome["detail"]["url_chain"] == [
        "https://platform.invalid/get/9f8e7d",
        "https://cdn.platform.invalid/f/9f8e7d/hills.jpg",
    ]
    firefox = artifacts(traces_case, kind="download", browser="firefox")[0]
    assert firefox["file"] == "Users/alex/Downloads/coffee.png"
    assert firefox["target_path"] == "C:/Users/alex/Downloads/coffee.png"
    safari = artifacts(traces_case, kind="download", browser="safari")[0]
    assert safari["file"] == "Users/bo/Downloads/hills_copy.jpg"
    assert safari["time"] == iso(T["b_download"])

    records = by_path(traces_case)
    assert records["Users/alex/Downloads/hills.jpg"]["download_origin"] == {
        "source": "chrome",
        "zone_id": None,
        "host_url": "https://cdn.platform.invalid/f/9f8e7d/hills.jpg",
        "referrer_url": "https://platform.invalid/gallery?page=2",
        "time": "2024-03-05T14:32:10.250000Z",
    }
    assert records["Users/alex/Downloads/coffee.png"]["download_origin"]["source"] == "firefox"
    with traces_case.sessions() as s:
        origins = {
            f.path: f.download_origin
            for f in s.scalars(select(File))
            if f.download_origin is not None and f.download_origin.get("source") == "safari"
        }
    assert set(origins) == {"Users/bo/Downloads/hills_copy.jpg"}
    assert records["Users/alex/Documents/wallet.txt"]["download_origin"] is None


def test_saved_logins_have_site_and_user_name_never_a_password(
    traces_case: Case, traces_case_dir: Path
) -> None:
    logins = artifacts(traces_case, kind="login")
    got = {(r["evidence"], r["browser"], r["url"], r["username"]) for r in logins}
    assert got == {
        ("laptop-A", "chrome", "https://platform.invalid/login", USER),
        ("laptop-A", "firefox", "https://platform.invalid", None),  # encrypted, never decrypted
        ("macbook-B", "chrome", "https://platform.invalid/login", "NightOwl"),
    }
    chrome = next(r for r in logins if r["username"] == USER)
    assert chrome["time"] == iso(T["a_login"])
    assert chrome["detail"]["times_used"] == 3
    firefox = next(r for r in logins if r["browser"] == "firefox")
    assert firefox["detail"]["username"] == "encrypted (not decrypted)"
    # "Never save" entries are not logins.
    assert not any("accounts.example.com" in (r["url"] or "") for r in logins)
    # Nothing of the password (nor of Firefox's encrypted fields) is anywhere in the case.
    secret = Login("x", "y", T["a_login"]).password
    exported = json.dumps(artifacts(traces_case)).encode()
    assert secret not in exported and b"secret-never-read" not in exported
    assert b"NeverDecrypted" not in exported and b"NotARealKey" not in exported
    for path in traces_case_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"secret-never-read" not in data, path
            assert b"NeverDecrypted" not in data, path


def test_wallets_from_notes_and_browser_data_only_when_valid(traces_case: Case) -> None:
    wallets = artifacts(traces_case, kind="wallet")
    got = {(r["evidence"], r["source"], r["currency"], r["value"]) for r in wallets}
    assert got == {
        ("laptop-A", "Users/alex/Documents/wallet.txt", "monero", MONERO),
        ("laptop-A", "Users/alex/Documents/wallet.txt", "bitcoin", TAPROOT),
        ("laptop-A", f"{CHROME_A}/History", "bitcoin", BTC),  # in a visited URL
        ("macbook-B", "Users/bo/Documents/receipt.txt", "monero", MONERO),
    }
    assert not any(r["value"] == BTC_MISTYPED for r in wallets)
    in_url = next(r for r in wallets if r["value"] == BTC)
    assert in_url["url"].endswith(BTC) and in_url["time"] == iso(T["a_explorer"])
    found = by_path(traces_case)["Users/alex/Documents/wallet.txt"]["wallets"]
    assert found == [
        {
            "currency": "monero",
            "value": MONERO,
            "type": "standard",
            "checksum": "keccak",
            "count": 1,
        },
        {
            "currency": "bitcoin",
            "value": TAPROOT,
            "type": "taproot",
            "checksum": "bech32m",
            "count": 1,
        },
    ]


def test_every_source_read_once_and_staged_copies_consumed(
    traces_case: Case, traces_case_dir: Path
) -> None:
    with traces_case.sessions() as s:
        sources = list(s.scalars(select(ArtifactSource)))
    browser = {(src.path, src.reader, src.status) for src in sources if src.reader != "wallets"}
    assert browser == {
        (f"{CHROME_A}/History", "chromium-history", "ok"),
        (f"{CHROME_A}/Login Data", "chromium-logins", "ok"),
        (f"{FIREFOX_A}/places.sqlite", "firefox-places", "ok"),
        (f"{FIREFOX_A}/logins.json", "firefox-logins", "ok"),
        (f"{SAFARI_B}/History.db", "safari-history", "ok"),
        (f"{SAFARI_B}/Downloads.plist", "safari-downloads", "ok"),
        (f"{CHROME_B}/Login Data", "chromium-logins", "ok"),
        (f"phone-C.zip!/{BRAVE_C}/History", "chromium-history", "ok"),
    }
    staged = traces_case_dir / "tmp" / "staged"
    assert not [p for p in staged.rglob("*") if p.is_file()]
    assert not [p for p in (traces_case_dir / "tmp" / "artifacts-work").rglob("*")]
