"""The case's append-only, hash-chained audit log (`audit.jsonl`).

Each line is one JSON object carrying the SHA-256 of the line before it, so editing, deleting or
reordering a line breaks the chain. The database keeps the last line's number and hash, so cutting
lines off the end is detected too. Appends hold an exclusive lock: the CLI and the web app may write
at the same time.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from synthtrace.timefmt import now_utc

GENESIS = "0" * 64
HeadWriter = Callable[[int, str], None]
HeadReader = Callable[[], tuple[int, str] | None]


def cli_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _last_line(fh: BinaryIO) -> bytes | None:
    """The last complete line, read backwards from the end (the log may be large)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return None
    pos, chunk, buf = end, 8192, b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        fh.seek(pos)
        buf = fh.read(step) + buf
        stripped = buf.rstrip(b"\n")
        nl = stripped.rfind(b"\n")
        if nl >= 0:
            return stripped[nl + 1 :]
    return buf.rstrip(b"\n")


class AuditLog:
    def __init__(self, path: Path, write_head: HeadWriter, read_head: HeadReader) -> None:
        self.path = path
        self._write_head = write_head
        self._read_head = read_head

    def append(self, action: str, user: str | None = None, **details: Any) -> dict[str, Any]:
        """Append one entry and return it; the line is on disk (fsync) before this returns."""
        with open(self.path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                last = _last_line(fh)
                if last is None:
                    seq, prev = 1, GENESIS
                else:
                    seq, prev = int(json.loads(last)["seq"]) + 1, _line_hash(last)
                entry = {
                    "seq": seq,
                    "time": now_utc(),
                    "user": user or cli_user(),
                    "action": action,
                    "details": details,
                    "prev_sha256": prev,
                }
                line = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                raw = line.encode("utf-8")
                fh.seek(0, os.SEEK_END)
                fh.write(raw + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                self._write_head(seq, _line_hash(raw))
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """All entries, oldest first (for the audit page; the log of one case stays small)."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def verify(self) -> VerifyReport:
        report = VerifyReport()
        prev, expect_seq, last_raw = GENESIS, 1, None
        try:
            fh = open(self.path, "rb")
        except OSError as exc:
            report.problems.append(f"cannot read the audit log: {exc}")
            return report
        with fh:
            for lineno, raw_line in enumerate(fh, start=1):
                raw = raw_line.rstrip(b"\n")
                report.lines += 1
                try:
                    entry = json.loads(raw)
                    seq, claimed = int(entry["seq"]), str(entry["prev_sha256"])
                except (ValueError, KeyError, TypeError):
                    report.problems.append(f"line {lineno}: not an audit entry")
                    prev, last_raw = _line_hash(raw), raw
                    expect_seq += 1
                    continue
                if seq != expect_seq:
                    report.problems.append(f"line {lineno}: sequence {seq}, expected {expect_seq}")
                if claimed != prev:
                    report.problems.append(
                        f"line {lineno}: previous-line hash does not match "
                        "(a line before it was edited, removed or moved)"
                    )
                prev, last_raw, expect_seq = _line_hash(raw), raw, seq + 1
        head = self._read_head()
        if head is None:
            if last_raw is not None:
                report.problems.append("the database records no audit head, but the log has lines")
        else:
            head_seq, head_hash = head
            if last_raw is None:
                report.problems.append("the log is empty but the database records entries")
            elif head_seq != expect_seq - 1 or head_hash != _line_hash(last_raw):
                report.problems.append(
                    f"the log ends at entry {expect_seq - 1} but the database recorded entry "
                    f"{head_seq} as the last (lines were cut off, added or the last one edited)"
                )
        return report


@dataclass
class VerifyReport:
    lines: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
