"""What an artifact reader is: the files it reads, and rows out of one of them.

A reader is told the file names it takes (`History`, `places.sqlite`, ...): the walk stages
exactly those files (and their `-wal` beside them) for the artifact pass. It gets an open,
read-only SQLite connection on a working copy (or the copy's path, for JSON and plists) and
yields rows one at a time: a history of millions of visits streams through in constant memory.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

VISIT, DOWNLOAD, LOGIN, WALLET = "visit", "download", "login", "wallet"


class NotThisFormat(Exception):
    """The file has the reader's name but not its format (a foreign or damaged schema)."""


@dataclass(slots=True)
class Found:
    """One artifact as a reader sees it (the pass adds the device, source, host and domain)."""

    kind: str
    url: str | None = None
    title: str | None = None
    time: str | None = None
    username: str | None = None
    target_path: str | None = None
    referrer_url: str | None = None
    extra: dict[str, Any] | None = None


@dataclass
class Problems:
    """Things wrong inside a file that do not stop its reading, counted, said once each."""

    counts: Counter[str] = field(default_factory=Counter)

    def note(self, what: str) -> None:
        self.counts[what] += 1

    def messages(self) -> list[str]:
        return [f"{what} ({n}x)" if n > 1 else what for what, n in sorted(self.counts.items())]


@dataclass
class Opened:
    """The working copy of a source file in the case's spool, and its connection when SQLite."""

    path: Path
    address: str  # the source file's address in the evidence
    connection: sqlite3.Connection | None = None

    def db(self) -> sqlite3.Connection:
        if self.connection is None:
            raise NotThisFormat("not an SQLite database")
        return self.connection


class Reader(Protocol):
    name: str  # stored with each source: chromium-history, firefox-places, ...
    family: str  # chromium, firefox, safari: which browser names `browser_of` may give
    file_names: tuple[str, ...]
    sqlite: bool  # opened as SQLite, with its -wal replayed into the copy

    def read(self, opened: Opened, problems: Problems) -> Iterator[Found]: ...


def columns(con: sqlite3.Connection) -> dict[str, set[str]]:
    """Real tables (never views: a hostile view could run anything) and their columns."""
    out: dict[str, set[str]] = {}
    names = [
        row[0]
        for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    ]
    for name in names:
        if not isinstance(name, str):
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        out[name] = {str(row[1]) for row in con.execute(f"PRAGMA table_info({quoted})")}
    return out


def require(tables: dict[str, set[str]], what: str, needs: dict[str, set[str]]) -> None:
    for table, cols in needs.items():
        have = tables.get(table)
        if have is None:
            raise NotThisFormat(f"not a {what}: no table {table}")
        missing = cols - have
        if missing:
            raise NotThisFormat(
                f"not a {what} this reader knows: table {table} lacks {', '.join(sorted(missing))}"
            )


def pick(have: set[str], *wanted: str) -> str | None:
    """The first of `wanted` the table has (schemas rename columns across versions)."""
    return next((c for c in wanted if c in have), None)


def kept(value: Any) -> Any:
    """A raw cell as `extra` keeps it (a JSON column): numbers and text as they are, a BLOB as
    text, and what JSON cannot hold (a REAL or JSON NaN or infinity) as its name."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return text(value)
    return value


def text(value: Any) -> str | None:
    """A cell as text: browsers store URLs and titles as TEXT, damage can leave BLOBs."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
