"""Bad input: damaged, encrypted and foreign databases, a WAL beside a database not in WAL mode,
absurd timestamps, old schemas, an enormous history in bounded memory, a killed scan's staged
copies, and a rerun that doubles nothing. Each problem is an error on that file; the scan goes
on and exits normally."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from synthtrace.artifacts.extract import extract_artifacts
from synthtrace.artifacts.staging import STAGED
from synthtrace.case import Case, clear_spool
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import ArtifactSource, WebArtifact
from tests.artifacts.profiles import (
    CHROME_SCHEMA,
    Download,
    Visit,
    chrome_history,
    chrome_old_history,
    firefox_places,
    safari_downloads,
    webkit,
)
from tests.builders import write
from tests.conftest import by_path

T = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
CHROME = "Users/u/AppData/Local/Google/Chrome/User Data/Default"


def sources(case: Case) -> dict[str, ArtifactSource]:
    with case.sessions() as s:
        return {src.path: src for src in s.scalars(select(ArtifactSource))}


def kinds(case: Case) -> dict[str, int]:
    with case.sessions() as s:
        return dict(
            s.execute(
                select(WebArtifact.kind, func.count(WebArtifact.id)).group_by(WebArtifact.kind)
            ).all()
        )


def test_damaged_encrypted_and_foreign_databases_are_errors_on_their_file(
    case: Case, tmp_path: Path
) -> None:
    dev = tmp_path / "dev"
    chrome_history(dev / "good" / "History", [Visit("https://ok.invalid/", "ok", T)])
    # Damaged: a real History cut in half (pages missing after the header).
    whole = chrome_history(
        tmp_path / "big" / "History",
        [Visit(f"https://a.invalid/{i}", "x" * 200, T) for i in range(400)],
    ).read_bytes()
    write(dev / "damaged" / "History", whole[: len(whole) // 2])
    # Encrypted (what SQLCipher writes looks like random bytes), and an empty file.
    write(dev / "encrypted" / "History", random.Random(1).randbytes(8192))
    write(dev / "empty" / "History", b"")
    # Foreign: an SQLite database that happens to be called History.
    foreign = dev / "foreign" / "History"
    foreign.parent.mkdir(parents=True)
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.commit()
    con.close()
    # A view named like a Chromium table is never queried.
    hostile = dev / "hostile" / "History"
    hostile.parent.mkdir(parents=True)
    con = sqlite3.connect(hostile)
    con.execute("CREATE TABLE visits (url INTEGER, visit_time INTEGER)")
    con.execute("CREATE VIEW urls AS SELECT 1 AS id, 'https://view.invalid/' AS url")
    con.commit()
    con.close()
    write(dev / "plist" / "Downloads.plist", b"bplist00 damaged beyond repair")
    write(dev / "json" / "logins.json", b'{"logins": [')

    outcome = scan_evidence(case, dev, "dev", workers=0)
    assert outcome.files == 8
    got = sources(case)
    assert got["good/History"].status == "ok"
    assert got["damaged/History"].status in ("error", "partial")
    assert any("malformed" in e or "disk image" in e for e in got["damaged/History"].errors)
    assert got["encrypted/History"].status == "error"
    assert "not an SQLite database" in got["encrypted/History"].errors[0]
    assert got["empty/History"].errors == ["empty file"]
    assert "no table urls" in got["foreign/History"].errors[0]
    assert "no table urls" in got["hostile/History"].errors[0]
    assert "not a property list" in got["plist/Downloads.plist"].errors[0]
    assert "not a Firefox logins.json" in got["json/logins.json"].errors[0]
    records = by_path(case)
    assert any("chromium-history" in e for e in records["encrypted/History"]["errors"])  # type: ignore[union-attr]
    assert records["good/History"]["status"] == "ok"
    with case.sessions() as s:
        urls = set(s.scalars(select(WebArtifact.url)))
    assert "https://ok.invalid/" in urls and "https://view.invalid/" not in urls


def test_times_out_of_range_are_kept_without_a_time(case: Case, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    path = chrome_history(dev / CHROME / "History", [Visit("https://ok.invalid/", "ok", T)])
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO urls (id, url, title, last_visit_time) "
        "VALUES (90, 'https://x.invalid/', 't', 0)"
    )
    for raw in (2**63 - 1, -5, 0):
        con.execute("INSERT INTO visits (url, visit_time) VALUES (90, ?)", (raw,))
    con.commit()
    con.close()
    scan_evidence(case, dev, "dev", workers=0)
    src = sources(case)[f"{CHROME}/History"]
    assert src.status == "partial"
    assert src.errors == ["times out of range (kept without a time, raw value in extra) (2x)"]
    with case.sessions() as s:
        rows = list(s.scalars(select(WebArtifact).where(WebArtifact.url == "https://x.invalid/")))
    assert len(rows) == 3 and all(r.time is None for r in rows)
    assert sorted((r.extra or {}).get("raw_time", 0) for r in rows) == [-5, 0, 2**63 - 1]


def test_wal_beside_a_database_not_in_wal_mode(case: Case, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    path = chrome_history(dev / CHROME / "History", [Visit("https://ok.invalid/", "ok", T)])
    write(Path(f"{path}-wal"), b"\x37\x7f\x06\x82" + bytes(60))
    scan_evidence(case, dev, "dev", workers=0)
    src = sources(case)[f"{CHROME}/History"]
    assert src.status == "partial"
    assert src.errors == ["write-ahead log beside a database not in WAL mode: not applied"]
    assert kinds(case) == {"visit": 1}


def test_old_chrome_schema_and_firefox_downloads(case: Case, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    chrome_old_history(
        dev / CHROME / "History",
        [Visit("https://old.invalid/", "Old", T)],
        [Download("https://old.invalid/a.zip", "C:\\Users\\u\\Downloads\\a.zip", T)],
    )
    firefox_places(
        dev / "Users/u/.mozilla/firefox/p.default/places.sqlite",
        [],
        [Download("https://example.org/b.txt", "/home/u/Downloads/b.txt", T)],
    )
    safari_downloads(dev / "Users/u/Library/Safari/Downloads.plist", [])
    write(dev / "Users/u/Downloads/a.zip", b"PK\x05\x06" + bytes(18))
    write(dev / "home/u/Downloads/b.txt", b"hello\n")
    scan_evidence(case, dev, "dev", workers=0)
    assert all(s.status == "ok" for s in sources(case).values())
    with case.sessions() as s:
        downloads = {
            a.url: (a.target_path, a.time, a.file_id is not None)
            for a in s.scalars(select(WebArtifact).where(WebArtifact.kind == "download"))
        }
    assert downloads == {
        "https://old.invalid/a.zip": (
            "C:\\Users\\u\\Downloads\\a.zip",
            "2024-06-01T12:00:00Z",
            True,
        ),
        "https://example.org/b.txt": ("/home/u/Downloads/b.txt", "2024-06-01T12:00:00Z", True),
    }


def test_enormous_history_streams_in_bounded_memory(case: Case, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    path = dev / CHROME / "History"
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.executescript(CHROME_SCHEMA)
    n = 30_000
    base = webkit(T)
    con.executemany(
        "INSERT INTO urls (id, url, title, last_visit_time) VALUES (?, ?, ?, ?)",
        (
            (i, f"https://site{i % 5000}.invalid/page/{i}", f"Page {i} " + "t" * 60, base)
            for i in range(1, n + 1)
        ),
    )
    con.executemany(
        "INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, 1)",
        ((i, base + i * 1_000_000) for i in range(1, n + 1)),
    )
    con.commit()
    con.close()
    # Scan without the passes, then run the artifact pass alone under tracemalloc.
    from synthtrace import builtins

    passes = builtins.CASE_PASSES
    builtins.CASE_PASSES = []
    try:
        scan_evidence(case, dev, "dev", workers=0)
    finally:
        builtins.CASE_PASSES = passes
    tracemalloc.start()
    try:
        extract_artifacts(case)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kinds(case) == {"visit": n}
    # Holding the rows would take hundreds of MB; streaming in batches of 2,000 keeps a few.
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    with case.sessions() as s:
        last = s.scalar(select(func.max(WebArtifact.time)))
    assert last == (T + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_staged_copies_survive_a_killed_scan_and_a_rerun_doubles_nothing(
    case: Case, tmp_path: Path
) -> None:
    dev = tmp_path / "dev"
    chrome_history(
        dev / CHROME / "History",
        [Visit("https://ok.invalid/", "ok", T)],
        wal_visits=[Visit("https://wal.invalid/", "wal", T)],
    )
    from synthtrace import builtins

    passes = builtins.CASE_PASSES
    builtins.CASE_PASSES = []  # as if the scan had been killed before its passes ran
    try:
        scan_evidence(case, dev, "dev", workers=0)
    finally:
        builtins.CASE_PASSES = passes
    staged = case.tmp_dir / STAGED
    copies = sorted(p.name for p in staged.rglob("*") if p.is_file())
    assert len(copies) == 2  # History and History-wal, by SHA-256
    clear_spool(case)  # what the next scan does first
    assert sorted(p.name for p in staged.rglob("*") if p.is_file()) == copies
    # The evidence is gone by now: the pass reads the staged copies only.
    shutil.rmtree(dev)
    extract_artifacts(case)
    assert kinds(case) == {"visit": 2}
    extract_artifacts(case)  # a rerun: nothing new, nothing doubled
    assert kinds(case) == {"visit": 2}
    assert not [p for p in staged.rglob("*") if p.is_file()]


def test_staging_failure_is_an_error_on_the_file(case: Case, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    chrome_history(dev / CHROME / "History", [Visit("https://ok.invalid/", "ok", T)])
    case.tmp_dir.mkdir(exist_ok=True)
    (case.tmp_dir / STAGED).write_bytes(b"")  # a file where the staging folder should be
    try:
        scan_evidence(case, dev, "dev", workers=0)
    finally:
        (case.tmp_dir / STAGED).unlink()
    record = by_path(case)[f"{CHROME}/History"]
    assert any("could not be copied for browser-artifact extraction" in e for e in record["errors"])  # type: ignore[union-attr]
    assert sources(case)[f"{CHROME}/History"].status == "error"
