"""Opening a browser's SQLite database the forensic way: never in place, never writable.

The staged bytes are copied into a working folder in the case's spool. When a write-ahead log
was found beside the database, it is copied beside the working copy and SQLite itself replays it
(a checkpoint, on the copy: SQLite's own WAL code, with its salt and checksum checks, decides
which frames are committed). The copy is then opened `mode=ro&immutable=1`, with views never
queried (readers select from real tables only), untrusted schema off and a time budget, so a
hostile file can cost an error and some seconds, nothing more.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from synthtrace.errors import describe

HEADER = b"SQLite format 3\x00"
SECONDS = 600  # one database's extraction; past this it stops with an error
# What the sqlite3 module raises on a damaged file besides sqlite3.Error: MemoryError for
# SQLITE_NOMEM (a record claiming gigabytes), UnicodeDecodeError for an error message quoting
# bytes of the file that are not UTF-8 ("malformed database schema (...)").
SQLITE_OTHER_ERRORS = (MemoryError, UnicodeDecodeError)


class DatabaseError(Exception):
    """The file cannot be opened as SQLite (encrypted, damaged, not a database)."""


@dataclass
class WalReport:
    applied: bool
    frames: int
    note: str | None = None


def _is_wal_mode(path: Path) -> bool:
    with open(path, "rb") as fh:
        header = fh.read(20)
    return len(header) == 20 and header[18] == 2 and header[19] == 2


def check_header(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head != HEADER:
        if not head:
            raise DatabaseError("empty file")
        raise DatabaseError("not an SQLite database (encrypted, or damaged at its header)")


def working_copy(staged: Path, wal: Path | None, folder: Path, name: str) -> tuple[Path, WalReport]:
    """Copy the database (and its WAL, replayed) into `folder`; the copy's path and what the WAL
    gave."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / name
    shutil.copyfile(staged, copy)
    check_header(copy)
    if wal is None:
        return copy, WalReport(False, 0)
    if not _is_wal_mode(copy):
        return copy, WalReport(
            False, 0, "write-ahead log beside a database not in WAL mode: not applied"
        )
    shutil.copyfile(wal, folder / f"{name}-wal")
    try:
        con = sqlite3.connect(copy, isolation_level=None)
        try:
            _guard(con)
            busy, _log, done = con.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
            con.execute("PRAGMA journal_mode=DELETE")  # the copy no longer needs its log
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"write-ahead log could not be replayed: {exc}") from exc
    if busy:
        raise DatabaseError("write-ahead log could not be replayed: checkpoint incomplete")
    return copy, WalReport(True, int(done if done >= 0 else 0))


def _guard(con: sqlite3.Connection, seconds: float = SECONDS) -> None:
    deadline = time.monotonic() + seconds
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), 100_000)
    con.execute("PRAGMA trusted_schema=OFF")
    con.execute("PRAGMA cell_size_check=ON")


def _message(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError) and isinstance(exc.object, bytes):
        return exc.object.decode("utf-8", "replace")  # SQLite's message, quoting the file
    return str(exc) or describe(exc)


def open_readonly(copy: Path, seconds: float = SECONDS) -> sqlite3.Connection:
    """The working copy, read-only and immutable; raises DatabaseError if SQLite refuses it."""
    uri = f"{copy.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        _guard(con, seconds)
        con.execute("PRAGMA query_only=ON")
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, *SQLITE_OTHER_ERRORS) as exc:
        raise DatabaseError(f"SQLite could not open it: {_message(exc)}") from exc
    # Damage can leave text that is not UTF-8: replaced, never a reason to stop reading.
    con.text_factory = partial(str, encoding="utf-8", errors="replace")
    return con
