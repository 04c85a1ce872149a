"""What browser-artifact extraction adds to the scan of an ordinary device (target: at most 10%).

Builds the ordinary device of `throughput_bench.py` (text, logs, JSON, DLLs, SQLite, caches in
nested folders; hard links to its corpus, so no copy) plus a Chrome profile whose History holds
100,000 visits (5,000 sites, a `-wal` with the last 1,000), 200 downloads and a Login Data, then
times, on the same files, in the same run:

- with: `scan_evidence` as shipped (the walk stages the profile's databases, the wallet analyzer
  reads every text file, the artifact and indicator passes run);
- without: the same scan with the walk tap and the two artifact passes taken out of
  synthtrace.builtins. The wallet analyzer runs in the worker processes, which import builtins
  afresh, so it stays in; its cost is measured on its own (every text file of the device through
  `WalletAnalyzer.analyze` in this process) and counted as artifact cost, divided by the workers.

    .venv/bin/python benchmarks/artifact_bench.py [--files 20000] [--visits 100000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.throughput_bench import ROOT, build_corpus, corpus_size
from tests.artifacts.profiles import CHROME_SCHEMA, LOGIN_DATA_SCHEMA, webkit

from synthtrace import builtins
from synthtrace.analyze.content import Content
from synthtrace.analyze.filetype import detect_mime
from synthtrace.artifacts import passes
from synthtrace.artifacts.wallet_analyzer import WalletAnalyzer, is_text
from synthtrace.case import create_case
from synthtrace.limits import Limits
from synthtrace.scan.pool import AnalysisPool
from synthtrace.scan.service import scan_evidence

PROFILE = "Users/alex/AppData/Local/Google/Chrome/User Data/Default"
WAL_VISITS = 1000


def _history(path: Path, visits: int) -> None:
    """A Chromium History of `visits` visits; the last WAL_VISITS left in its -wal."""
    from datetime import UTC, datetime

    rng = random.Random(13)
    start = webkit(datetime(2024, 1, 1, tzinfo=UTC))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.executescript(CHROME_SCHEMA)

    def rows(lo: int, hi: int) -> None:
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO urls (id, url, title, visit_count, last_visit_time) "
            "VALUES (?, ?, ?, 1, ?)",
            (
                (
                    i,
                    f"https://site{rng.randrange(5000)}.invalid/{rng.choice('abcdef')}/page-{i}"
                    f"?ref={rng.randrange(10**6)}",
                    f"Page {i} of a benign site",
                    start + i * 7_000_000,
                )
                for i in range(lo, hi)
            ),
        )
        con.executemany(
            "INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, ?)",
            ((i, start + i * 7_000_000, rng.choice((0, 1, 8)) | 0x30000000) for i in range(lo, hi)),
        )
        con.execute("COMMIT")

    rows(1, visits - WAL_VISITS + 1)
    con.execute("BEGIN")
    for i in range(200):
        cur = con.execute(
            "INSERT INTO downloads (guid, current_path, target_path, start_time, received_bytes, "
            "total_bytes, state, danger_type, interrupt_reason, hash, end_time, opened, "
            "last_access_time, transient, referrer, site_url, embedder_download_data, tab_url, "
            "tab_referrer_url, http_method, by_ext_id, by_ext_name, by_web_app_id, etag, "
            "last_modified, mime_type, original_mime_type) VALUES (?, ?, ?, ?, 10, 10, 1, 0, 0, "
            "x'', ?, 0, 0, 0, '', '', '', '', '', 'GET', '', '', '', '', '', 'text/plain', "
            "'text/plain')",
            (
                f"g{i}",
                f"C:\\Users\\alex\\Documents\\notes\\d{i % 25:02d}\\text_{i:06d}.txt",
                f"C:\\Users\\alex\\Documents\\notes\\d{i % 25:02d}\\text_{i:06d}.txt",
                start + i,
                start + i + 5,
            ),
        )
        con.execute(
            "INSERT INTO downloads_url_chains VALUES (?, 0, ?)",
            (cur.lastrowid, f"https://files{i % 7}.invalid/{i}.txt"),
        )
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows(visits - WAL_VISITS + 1, visits + 1)
    # Copy while open, so the last visits stay in the -wal as a running browser leaves them.
    data, wal = path.read_bytes(), Path(f"{path}-wal").read_bytes()
    con.close()
    path.write_bytes(data)
    Path(f"{path}-wal").write_bytes(wal)


def build(files: int, visits: int) -> Path:
    ordinary = build_corpus(files)
    folder = ROOT / f"artifacts-{files}-{visits}"
    marker = folder / ".complete"
    device = folder / "device"
    if marker.exists():
        return device
    for dirpath, _, names in os.walk(ordinary):
        rel = Path(dirpath).relative_to(ordinary)
        (device / rel).mkdir(parents=True, exist_ok=True)
        for name in names:
            target = device / rel / name
            if not target.exists():
                os.link(Path(dirpath) / name, target)
    _history(device / PROFILE / "History", visits)
    con = sqlite3.connect(device / PROFILE / "Login Data")
    con.executescript(LOGIN_DATA_SCHEMA)
    con.execute(
        "INSERT INTO logins (origin_url, signon_realm, username_value, password_value, "
        "date_created, blacklisted_by_user, scheme) VALUES ('https://site1.invalid/', "
        "'https://site1.invalid/', 'alex', x'00', 1, 0, 0)"
    )
    con.commit()
    con.close()
    marker.touch()
    return device


def scan(
    device: Path, workers: int | None, artifacts: bool
) -> tuple[float, float, str, dict[str, float]]:
    """Seconds for the whole scan, seconds of the artifact pass, its report line, the stages."""
    saved = (list(builtins.WALK_TAPS), list(builtins.CASE_PASSES))
    pass_seconds = 0.0

    def timed_extract(case: object) -> str | None:
        nonlocal pass_seconds
        t = time.perf_counter()
        try:
            return passes.extract_artifacts(case)  # type: ignore[arg-type]
        finally:
            pass_seconds += time.perf_counter() - t

    if artifacts:
        builtins.CASE_PASSES[:] = [
            timed_extract if p is passes.extract_artifacts else p for p in builtins.CASE_PASSES
        ]
    else:
        builtins.WALK_TAPS[:] = []
        builtins.CASE_PASSES[:] = [
            p
            for p in builtins.CASE_PASSES
            if p not in (passes.extract_artifacts, passes.match_indicators)
        ]
    try:
        with (
            tempfile.TemporaryDirectory(dir=ROOT) as tmp,
            create_case(Path(tmp) / "case", name="artifacts") as case,
        ):
            start = time.perf_counter()
            outcome = scan_evidence(case, device, "laptop", workers=workers)
            seconds = time.perf_counter() - start
    finally:
        builtins.WALK_TAPS[:], builtins.CASE_PASSES[:] = saved
    report = next((r for r in outcome.reports if r.startswith("browser artifacts")), "-")
    return seconds, pass_seconds, report, dict(outcome.timings)


def wallet_analyzer_seconds(device: Path) -> tuple[float, int]:
    """The wallet analyzer on every text file of the device, in this process."""
    analyzer, limits = WalletAnalyzer(), Limits()
    total, n = 0.0, 0
    for dirpath, _, names in os.walk(device):
        for name in names:
            data = (Path(dirpath) / name).read_bytes()
            mime = detect_mime(data[:65536])
            if not is_text(mime):
                continue
            content = Content(name, mime, len(data), "", lambda d=data: io.BytesIO(d), data)
            start = time.perf_counter()
            analyzer.analyze(content, limits)
            total += time.perf_counter() - start
            n += 1
    return total, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=None, help="default: every core")
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds of each (best is kept)")
    args = ap.parse_args()
    device = build(args.files, args.visits)
    files, total = corpus_size(device)
    workers = args.workers if args.workers is not None else AnalysisPool.default_workers()
    print(
        f"device: {files} files, {total / 1e6:.0f} MB, a Chrome profile with {args.visits} visits; "
        f"{workers} workers"
    )
    scan(device, args.workers, True)  # warm the page cache and the worker start-up
    without, with_, pass_s, report = [], [], [], ""
    stages: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        seconds, _, _, timings = scan(device, args.workers, False)
        if not without or seconds < min(without):
            stages["without"] = timings
        without.append(seconds)
        seconds, extract, report, timings = scan(device, args.workers, True)
        if not with_ or seconds < min(with_):
            stages["with"] = timings
        with_.append(seconds)
        pass_s.append(extract)
    wallets, texts = wallet_analyzer_seconds(device)
    base = min(without) - wallets / max(workers, 1)
    full = min(with_)
    print(
        f"scan without artifact extraction  {base:7.2f} s  (measured {min(without):.2f} s "
        f"less the wallet analyzer's {wallets / max(workers, 1):.2f} s per worker)"
    )
    print(f"scan with artifact extraction     {full:7.2f} s")
    print(f"  artifact pass alone             {min(pass_s):7.2f} s  ({report})")
    print(f"  wallet analyzer, {texts} text files {wallets:6.2f} s in one process")
    print(f"ratio: artifact extraction adds {100 * (full - base) / base:.1f}% (target <= 10%)")
    print("stages of the best runs (seconds; worker stages summed over the workers):")
    for stage in stages.get("with", {}):
        a, b = stages.get("without", {}).get(stage, 0.0), stages["with"][stage]
        print(f"  {stage:36s} without {a:7.2f}   with {b:7.2f}")
    rounds = f"without {[round(x, 2) for x in without]}, with {[round(x, 2) for x in with_]}"
    print(f"all rounds: {rounds}")


if __name__ == "__main__":
    main()
