"""Scan throughput on an ordinary device against hashdeep, in the same run.

A seized laptop is mostly not pictures: this builds a benign "ordinary device" of at least 20,000
files (text, logs, configuration, JSON/CSV/XML, Windows DLLs and executables, SQLite databases,
binary caches; 200 B to 150 KB, about 800 MB) in nested folders, then times, on the same files:

- baseline: `hashdeep -c md5,sha1,sha256 -r` (Debian's hashdeep: the three digests hash lists are
  written in, multi-threaded, nothing else), and
- ours: `scan_evidence` with every core, everything a scan does (walk, type by content,
  digests, analyzers, batch writes to SQLite, the case-wide passes),

and prints both times, files/s, MB/s, the ratio, and where our time goes per stage. The page
cache is warmed first (one untimed hashdeep pass) so both runs read from memory, as hashdeep's
own figures assume.

    scripts/system-deps.sh bench && .venv/bin/python benchmarks/throughput_bench.py [--files 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthtrace.case import create_case
from synthtrace.scan.service import scan_evidence

ROOT = Path(__file__).resolve().parent.parent / "bench-out"
MIN_SIZE, MAX_SIZE = 200, 150_000
# Folders as a Windows laptop has them (benign names only).
FOLDERS = [
    "Windows/System32",
    "Windows/System32/drivers",
    "Windows/SysWOW64",
    "Windows/Logs/CBS",
    "Program Files/Vendor/App/bin",
    "Program Files/Vendor/App/resources/locale",
    "ProgramData/Vendor/cache",
    "Users/alex/AppData/Local/App/User Data/Default",
    "Users/alex/AppData/Roaming/Editor/config",
    "Users/alex/Documents/notes",
    "Users/alex/Documents/work/reports",
    "Users/alex/source/project/src/module",
    "Users/alex/source/project/tests",
]
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "was",
    "on",
    "be",
    "by",
    "this",
    "are",
    "from",
    "or",
    "at",
    "which",
    "an",
    "have",
    "not",
    "all",
    "were",
    "when",
    "we",
    "there",
    "can",
    "more",
    "if",
    "has",
    "will",
    "one",
    "its",
    "about",
    "into",
    "than",
    "them",
    "some",
    "could",
    "report",
    "service",
    "network",
    "update",
    "config",
    "value",
    "system",
    "window",
    "driver",
    "module",
    "version",
    "build",
    "install",
    "cache",
    "error",
    "warning",
    "request",
    "response",
    "server",
    "client",
    "session",
    "account",
    "record",
]


def _size(rng: random.Random) -> int:
    # Log-uniform with a heavier upper tail: mean about 40 KB, as on the corpus.
    u = rng.random() ** 0.55
    return int(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** u)


def _words(rng: random.Random, size: int) -> bytes:
    out: list[str] = []
    n = 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16)))
        out.append(line)
        n += len(line) + 1
    return ("\n".join(out) + "\n").encode()[:size]


def _log(rng: random.Random, size: int) -> bytes:
    out: list[bytes] = []
    n, t = 0, 1_700_000_000 + rng.randint(0, 10_000_000)
    while n < size:
        t += rng.randint(0, 30)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)).encode()
        level = rng.choice([b"INFO", b"INFO", b"INFO", b"WARN", b"DEBUG", b"ERROR"])
        msg = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))).encode()
        line = b"%s %s [%d] %s\n" % (stamp, level, rng.randint(100, 9999), msg)
        out.append(line)
        n += len(line)
    return b"".join(out)[:size]


def _json(rng: random.Random, size: int) -> bytes:
    items, n = [], 2
    while n < size - 64:
        item = {"id": rng.randint(0, 10**9), "name": rng.choice(WORDS), "ok": rng.random() < 0.5}
        items.append(item)
        n += 48
    return json.dumps({"items": items}).encode()


def _csv(rng: random.Random, size: int) -> bytes:
    rows, n = ["date,host,bytes,status"], 24
    while n < size:
        row = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)},{rng.choice(WORDS)},"
        row += f"{rng.randint(0, 10**6)},{rng.choice(['ok', 'fail'])}"
        rows.append(row)
        n += len(row) + 1
    return ("\n".join(rows) + "\n").encode()


def _xml(rng: random.Random, size: int) -> bytes:
    parts, n = ['<?xml version="1.0" encoding="utf-8"?>\n<settings>'], 60
    while n < size:
        p = f'  <entry key="{rng.choice(WORDS)}" value="{rng.randint(0, 99999)}"/>'
        parts.append(p)
        n += len(p) + 1
    parts.append("</settings>")
    return "\n".join(parts).encode()


def _pe(rng: random.Random, size: int) -> bytes:
    """A minimal PE32 DLL header (what libmagic types as a portable executable), then code-like
    bytes: no real program, nothing executable by anyone."""
    size = max(size, 1024)
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    stub = bytes(0x80 - 64)
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 3, 1_600_000_000, 0, 0, 0xE0, 0x2102)
    opt = bytearray(0xE0)
    struct.pack_into("<H", opt, 0, 0x10B)
    head = bytes(dos) + stub + coff + bytes(opt)
    body = bytearray(rng.randbytes(size - len(head)))
    for i in range(0, len(body), 7):  # runs of zeros, as code sections have
        body[i] = 0
    return head + bytes(body)


def _sqlite(rng: random.Random, size: int, path: Path) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, name TEXT, value BLOB)")
    n = max(1, size // 600)
    con.executemany(
        "INSERT INTO records (name, value) VALUES (?, ?)",
        [(rng.choice(WORDS), rng.randbytes(rng.randint(100, 900))) for _ in range(n)],
    )
    con.commit()
    con.close()


def _binary(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


KINDS: list[tuple[str, list[str], float]] = [
    ("text", ["txt", "md", "ini", "cfg"], 0.22),
    ("log", ["log"], 0.22),
    ("json", ["json"], 0.06),
    ("csv", ["csv"], 0.04),
    ("xml", ["xml", "manifest"], 0.06),
    ("pe", ["dll", "exe", "sys"], 0.20),
    ("sqlite", ["db", "sqlite"], 0.08),
    ("binary", ["dat", "bin", "cache"], 0.12),
]
MAKERS = {
    "text": _words,
    "log": _log,
    "json": _json,
    "csv": _csv,
    "xml": _xml,
    "pe": _pe,
    "binary": _binary,
}


def build_corpus(n: int) -> Path:
    folder = ROOT / f"ordinary-{n}"
    marker = folder / ".complete"
    if marker.exists():
        return folder / "device"
    shutil.rmtree(folder, ignore_errors=True)
    device = folder / "device"
    rng = random.Random(20261201)
    weights = [w for _, _, w in KINDS]
    for i in range(n):
        kind, exts, _ = rng.choices(KINDS, weights)[0]
        sub = device / rng.choice(FOLDERS) / f"d{rng.randint(0, 24):02d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{kind}_{i:06d}.{rng.choice(exts)}"
        size = _size(rng)
        if kind == "sqlite":
            _sqlite(rng, size, path)
        else:
            path.write_bytes(MAKERS[kind](rng, size))
        if i % 500 == 0:
            print(f"\rbuilding corpus {i}/{n}", end="", file=sys.stderr)
    print(file=sys.stderr)
    marker.touch()
    return device


def corpus_size(device: Path) -> tuple[int, int]:
    files = total = 0
    for dirpath, _, names in os.walk(device):
        for name in names:
            files += 1
            total += os.lstat(os.path.join(dirpath, name)).st_size
    return files, total


def hashdeep(device: Path) -> float:
    exe = shutil.which("hashdeep")
    if exe is None:
        sys.exit("hashdeep not found: run scripts/system-deps.sh bench")
    start = time.perf_counter()
    subprocess.run(
        [exe, "-c", "md5,sha1,sha256", "-r", str(device)], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def ours(device: Path, workers: int | None) -> tuple[float, dict[str, float]]:
    with (
        tempfile.TemporaryDirectory(dir=ROOT) as tmp,
        create_case(Path(tmp) / "case", name="throughput") as case,
    ):
        start = time.perf_counter()
        outcome = scan_evidence(case, device, "laptop", workers=workers)
        seconds = time.perf_counter() - start
    return seconds, dict(getattr(outcome, "timings", {}) or {})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=None, help="default: every core")
    ap.add_argument("--rounds", type=int, default=1, help="timed rounds of each (best is kept)")
    args = ap.parse_args()
    device = build_corpus(args.files)
    files, total = corpus_size(device)
    cores = len(os.sched_getaffinity(0))
    print(f"corpus: {files} files, {total / 1e6:.0f} MB in nested folders; {cores} cores")
    hashdeep(device)  # warm the page cache for both
    base = min(hashdeep(device) for _ in range(args.rounds))
    runs = [ours(device, args.workers) for _ in range(args.rounds)]
    mine, timings = min(runs, key=lambda r: r[0])
    for name, secs in (("hashdeep -c md5,sha1,sha256 -r", base), ("synthtrace scan", mine)):
        print(
            f"{name:32s} {secs:7.2f} s  {files / secs:8.0f} files/s  {total / secs / 1e6:7.1f} MB/s"
        )
    print(f"ratio: synthtrace takes {mine / base:.2f}x hashdeep's time (target <= 2x, aim 1.3x)")
    if timings:
        print("where the time goes (seconds; worker stages are summed over all workers):")
        for stage, secs in timings.items():
            print(f"  {stage:28s} {secs:7.2f}")


if __name__ == "__main__":
    main()
