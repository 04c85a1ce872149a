"""Browser artifacts and wallet addresses (artifacts/): what the artifact pass reads from evidence.

- wallets: the input is a text file given to the `wallets` content analyzer
  (artifacts/wallet_analyzer.py, which calls wallets.find_wallets), twice: in memory, as the
  scan gives small files, and as a stream whose reads return a few hundred bytes at a time, which
  takes the analyzer's block path (each block searched with the previous one's last bytes in
  front, as for a file over 4 MiB) on a small input. The analyzer documents no exception and must
  report the same addresses both ways; each must pass check_address again, as itself.
- firefox_logins / safari_downloads: the input is written as `logins.json` or `Downloads.plist`
  in a throwaway folder and read by FirefoxLogins / SafariDownloads through `Opened`, as
  artifacts/extract.py (`_browser_source`) reads a staged copy. A reader documents NotThisFormat
  (the file has the name but not the format); problems inside it are counted in Problems.
- browser_sqlite: the input is a database file, opened as the pass opens one (working_copy,
  which may raise DatabaseError, then open_readonly) and read by every SQLite reader
  (Chromium History and Login Data, Firefox places and downloads, Safari History). SQLite itself
  is C and not instrumented; the Python around the rows is. Documented: DatabaseError (opening),
  NotThisFormat, and while reading what the sqlite3 module raises on a damaged page
  (sqlite3.Error, and sqlitecopy.SQLITE_OTHER_ERRORS: MemoryError for SQLITE_NOMEM,
  UnicodeDecodeError for a message quoting the file), which the pass records as "reading
  stopped".

Every artifact a reader yields is checked as the pass's _Sink takes it: text fields are text,
the URL's host and domain can be found, wallet addresses in the URL and title can be searched,
and `extra` is JSON without NaN or Infinity (web_artifacts.extra is a JSON column; PostgreSQL's
JSONB refuses both).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, cast

from synthtrace.analyze.content import Content
from synthtrace.artifacts.readers.base import Found, NotThisFormat, Opened, Problems, Reader
from synthtrace.artifacts.readers.chromium import ChromiumHistory, ChromiumLogins
from synthtrace.artifacts.readers.firefox import (
    FirefoxDownloadsLegacy,
    FirefoxLogins,
    FirefoxPlaces,
)
from synthtrace.artifacts.readers.safari import SafariDownloads, SafariHistory
from synthtrace.artifacts.sqlitecopy import (
    SQLITE_OTHER_ERRORS,
    DatabaseError,
    open_readonly,
    working_copy,
)
from synthtrace.artifacts.urls import domain_of
from synthtrace.artifacts.wallet_analyzer import WalletAnalyzer
from synthtrace.artifacts.wallets import check_address, find_wallets
from synthtrace.limits import Limits

_DIR = Path(tempfile.mkdtemp(prefix="synthtrace-fuzz-artifacts-"))
atexit.register(shutil.rmtree, _DIR, True)
KINDS = ("visit", "download", "login", "wallet")
SQLITE_READERS: tuple[Reader, ...] = (
    ChromiumHistory(),
    ChromiumLogins(),
    FirefoxPlaces(),
    FirefoxDownloadsLegacy(),
    SafariHistory(),
)
SQL_SECONDS = 5.0  # the pass gives a database 600 s; an input here has far less
LIMITS = Limits()
ANALYZER = WalletAnalyzer()


# --- wallets --------------------------------------------------------------------------------------


class _ShortReads(io.RawIOBase):
    """The bytes, at most `piece` of them per read (a file object may return fewer than asked)."""

    def __init__(self, data: bytes, piece: int) -> None:
        self._data, self._pos, self._piece = data, 0, piece

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        n = self._piece if size is None or size < 0 else min(size, self._piece)
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out


def _addresses(facts: object) -> dict[str, int]:
    if facts is None:
        return {}
    assert isinstance(facts, list)
    json.dumps(facts, allow_nan=False)
    out = {}
    for item in facts:
        wallet = check_address(item["value"])
        assert wallet is not None and wallet.value == item["value"], item
        assert (wallet.currency, wallet.type, wallet.checksum) == (
            item["currency"],
            item["type"],
            item["checksum"],
        ), item
        assert item["count"] >= 1
        out[item["value"]] = item["count"]
    return out


def wallets_input(data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    whole = Content(
        "evidence/notes.txt", "text/plain", len(data), sha, lambda: io.BytesIO(data), data
    )
    in_memory = ANALYZER.analyze(whole, LIMITS)
    piece = 160 + (data[0] if data else 0)  # past the analyzer's 128-byte overlap

    def short_reads() -> BinaryIO:
        return cast(BinaryIO, _ShortReads(data, piece))

    streamed = Content("evidence/notes.txt", "text/plain", len(data), sha, short_reads)
    by_blocks = ANALYZER.analyze(streamed, LIMITS)
    assert all(isinstance(e, str) for e in in_memory.errors + by_blocks.errors)
    found, blocks = _addresses(in_memory.facts), _addresses(by_blocks.facts)
    assert found == blocks, (found, blocks)  # the same addresses, counted the same
    for wallet in find_wallets(data):
        assert check_address(wallet.value) == wallet


# --- browser files --------------------------------------------------------------------------------


def _text(value: object) -> None:
    assert value is None or isinstance(value, str), value


def check_found(items: Iterable[Found]) -> int:
    """Take every artifact as the pass's _Sink does; returns how many there were."""
    n = 0
    for found in items:
        n += 1
        assert found.kind in KINDS, found.kind
        for value in (found.url, found.title, found.time, found.username, found.target_path):
            _text(value)
        _text(found.referrer_url)
        domain_of(found.url)
        for text in (found.url, found.title):
            if text is not None:
                for wallet in find_wallets(text.encode("utf-8", "replace")):
                    assert check_address(wallet.value) == wallet
        if found.extra is not None:
            assert isinstance(found.extra, dict)
            json.dumps(found.extra, allow_nan=False)
    return n


def read_file(reader: Reader, data: bytes) -> None:
    folder = Path(tempfile.mkdtemp(dir=_DIR))
    try:
        path = folder / reader.file_names[0]
        path.write_bytes(data)
        problems = Problems()
        try:
            check_found(reader.read(Opened(path, f"evidence/{path.name}"), problems))
        except NotThisFormat as exc:
            assert isinstance(str(exc), str)
        assert all(isinstance(m, str) for m in problems.messages())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def firefox_logins_input(data: bytes) -> None:
    read_file(FirefoxLogins(), data)


def safari_downloads_input(data: bytes) -> None:
    read_file(SafariDownloads(), data)


def browser_sqlite_input(data: bytes) -> None:
    folder = Path(tempfile.mkdtemp(dir=_DIR))
    try:
        staged = folder / "staged"
        staged.write_bytes(data)
        try:
            copy, _report = working_copy(staged, None, folder / "work", "History")
            con = open_readonly(copy, SQL_SECONDS)
        except DatabaseError:
            return
        try:
            for reader in SQLITE_READERS:
                problems = Problems()
                with contextlib.suppress(NotThisFormat, sqlite3.Error, *SQLITE_OTHER_ERRORS):
                    check_found(reader.read(Opened(copy, "evidence/History", con), problems))
                assert all(isinstance(m, str) for m in problems.messages())
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
