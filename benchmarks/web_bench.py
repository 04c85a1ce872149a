"""Review-queue benchmark: a page of 100 in a case of N media, through the real app.

Fills a fresh case (SQLite, or PostgreSQL with `--database postgresql`: a throwaway server
started for the run, as the test suite does) with N synthetic media (four devices, duplicates
across devices, JPEG / PNG / video / other files, 15% generated with tools and models, img2img
and LoRA links, hash-list matches and known-good, near-duplicate clusters, categories), runs the
real triage pass over it (timed), then measures, server side, the queue page (`GET /queue`:
session check, page query, bucket counts, filter menus, template) for the default order, a deep
page and several filters.

Baseline in the same run: the same page and counts computed without the triage table, straight
from the scan's tables (bucket worked out per media in SQL, sorted, first 100 taken); the ratio
is printed.

    .venv/bin/python benchmarks/web_bench.py                  # 1,000,000 media
    .venv/bin/python benchmarks/web_bench.py --n 100000       # quick
    .venv/bin/python benchmarks/web_bench.py --database postgresql
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from synthtrace import accounts, triage
from synthtrace.case import Case, create_case
from synthtrace.store.db import SERVER_ENV
from synthtrace.store.models import HashSet, Match, Media, MediaCategory, ModelLink
from synthtrace.triage import CountCache, costly_counts
from synthtrace.web.app import create_app

TOOLS = [
    "a1111",
    "comfyui",
    "invokeai",
    "novelai",
    "fooocus",
    "swarmui",
    "drawthings",
    "midjourney",
]
MIMES = ["image/jpeg"] * 85 + ["image/png"] * 7 + ["video/mp4"] * 3 + ["application/pdf"] * 3
MIMES += ["text/plain"] * 2
PASSWORD = "benchmark passphrase"
CHUNK = 50_000


def _rows(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """One synthetic media per id, with what the scan and the passes would have stored."""
    rng = np.random.default_rng(seed)
    for start in range(1, n + 1, CHUNK):
        k = min(CHUNK, n + 1 - start)
        mime = rng.integers(0, len(MIMES), k)
        gen = rng.random(k)
        tool = rng.integers(0, len(TOOLS), k)
        model = rng.integers(0, 50, k)
        extra = rng.random(k)
        for i in range(k):
            yield {
                "id": start + i,
                "mime": MIMES[int(mime[i])],
                "generated": True if gen[i] < 0.15 else (False if gen[i] < 0.55 else None),
                "tool": TOOLS[int(tool[i])],
                "model": f"model_{int(model[i]):02d}.safetensors",
                "img2img": bool(gen[i] < 0.02),
                "lora": bool(0.02 <= gen[i] < 0.03),
                "matched": bool(extra[i] < 0.30),
                "known_good": bool(0.30 <= extra[i] < 0.35),
                "copy": bool(0.35 <= extra[i] < 0.45),
            }


def fill(case: Case, n: int, seed: int = 11) -> None:
    """Bulk insert through the driver (the ORM would take longer than the benchmark)."""
    raw = case.engine.raw_connection()
    postgres = case.engine.dialect.name == "postgresql"
    cur = raw.cursor()
    if not postgres:
        cur.execute("PRAGMA synchronous=OFF")

    class _Db:
        """sqlite3's and psycopg's executemany, with SQLite's ? marks written for either."""

        def executemany(self, sql: str, rows: list[Any]) -> None:
            if rows:
                cur.executemany(sql.replace("?", "%s") if postgres else sql, rows)

    db = _Db()
    now = "2026-01-01T00:00:00Z"
    db.executemany(
        "INSERT INTO evidence (id, label, source, kind, added_at) VALUES (?, ?, ?, 'folder', ?)",
        [(d, f"device-{d}", f"/evidence/device-{d}", now) for d in range(1, 5)],
    )
    db.executemany(
        "INSERT INTO hashsets (id, name, format, known_good, imported_at, entry_count, skipped, "
        "matched_upto) VALUES (?, ?, 'csv', ?, ?, 0, 0, 0)",
        [(1, "agency list", False, now), (2, "os files", True, now)],
    )
    lora_id = n + 1  # one LoRA file every LoRA-linked picture names
    media, files, matches, cats, clusters, links = [], [], [], [], [], []

    def flush() -> None:
        db.executemany(
            "INSERT INTO media (id, sha256, md5, sha1, size, mime, width, height, thumbnail, "
            "errors, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?)",
            media,
        )
        db.executemany(
            "INSERT INTO files (evidence_id, path, depth, kind, media_id, size, "
            "extension_mismatch, errors) VALUES (?, ?, 0, 'file', ?, 1000, FALSE, '[]')",
            files,
        )
        db.executemany(
            "INSERT INTO matches (media_id, hashset_id, hash_type, distance, category) "
            "VALUES (?, ?, 'md5', 0, ?)",
            matches,
        )
        db.executemany(
            'INSERT INTO media_category (media_id, category, source, detail, "user", time) '
            "VALUES (?, ?, 'hashset', 'agency list', 'hash list', ?)",
            cats,
        )
        db.executemany(
            "INSERT INTO media_clusters (media_id, cluster_id, cluster_size) VALUES (?, ?, ?)",
            clusters,
        )
        db.executemany(
            "INSERT INTO model_links (image_media_id, model_media_id, role, match) "
            "VALUES (?, ?, 'lora', 'hash')",
            links,
        )
        for rows in (media, files, matches, cats, clusters, links):
            rows.clear()

    # The LoRA file first: the links to it come in every chunk (foreign keys hold at once).
    media.append(
        (
            lora_id,
            "f" * 64,
            "f" * 32,
            "f" * 40,
            150_000_000,
            "application/octet-stream",
            None,
            None,
            False,
            "{}",
        )
    )
    for r in _rows(n, seed):
        mid = r["id"]
        digest = hashlib.sha256(mid.to_bytes(8, "little")).hexdigest()
        prov = None
        if r["generated"] is not None:
            prov = {"generated": r["generated"]}
            if r["generated"]:
                prov.update(tool=r["tool"], model_name=r["model"], img2img=r["img2img"])
        facts = json.dumps({"provenance": prov} if prov else {})
        image = r["mime"].startswith("image/")
        media.append(
            (
                mid,
                digest,
                digest[:32],
                digest[:40],
                1000 + mid % 5000,
                r["mime"],
                640 if image else None,
                480 if image else None,
                image,
                facts,
            )
        )
        device = mid % 4 + 1
        files.append((device, f"DCIM/{mid // 1000:04d}/IMG_{mid:07d}.jpg", mid))
        if r["copy"]:
            files.append((device % 4 + 1, f"Backup/{mid // 1000:04d}/copy_{mid:07d}.jpg", mid))
        if r["matched"]:
            matches.append((mid, 1, "1"))
            cats.append((mid, "1", now))
        elif r["known_good"]:
            matches.append((mid, 2, None))
        if mid % 10 < 4:  # 40% in clusters of three consecutive ids
            clusters.append((mid, mid // 3, 3))
        if r["lora"] and r["generated"]:
            links.append((mid, lora_id))
        if len(media) >= CHUNK:
            flush()
    files.append((1, "models/lora/person.safetensors", lora_id))
    flush()
    if postgres:  # ids were given explicitly: move the sequences past them
        for table in ("evidence", "hashsets", "media", "files"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    raw.commit()
    raw.close()


def database_mb(case: Case) -> float:
    if case.engine.dialect.name == "postgresql":
        with case.engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())")
            return float(size.scalar_one()) / 1e6
    return (case.root / "case.db").stat().st_size / 1e6


def _bucket_sql() -> Any:
    """The order of work computed on the fly from the scan's tables: the baseline."""
    prov = Media.facts["provenance"]
    generated = prov["generated"].as_boolean()
    img2img = prov["img2img"].as_boolean()
    known_good = exists().where(
        Match.media_id == Media.id, Match.hashset_id == HashSet.id, HashSet.known_good.is_(True)
    )
    matched = exists().where(
        Match.media_id == Media.id, Match.hashset_id == HashSet.id, HashSet.known_good.is_(False)
    )
    lora = exists().where(ModelLink.image_media_id == Media.id, ModelLink.role == "lora")
    non_pertinent = exists().where(
        MediaCategory.media_id == Media.id, MediaCategory.category == "0"
    )
    picture = Media.mime.like("image/%") | Media.mime.like("video/%")
    return case(
        (~picture, 6),
        (known_good | non_pertinent, 5),
        (matched, 3),
        (and_(generated.is_(True), (img2img.is_(True)) | lora), 2),
        (generated.is_(True), 4),
        else_=1,
    )


def baseline_page(s: Session, where: Any = None) -> tuple[list[int], dict[int, int]]:
    bucket = _bucket_sql().label("bucket")
    inner = select(Media.id.label("id"), bucket)
    if where is not None:
        inner = inner.where(where)
    sub = inner.subquery()
    page = [
        i
        for (i,) in s.execute(
            select(sub.c.id).where(sub.c.bucket <= 5).order_by(sub.c.bucket, sub.c.id).limit(100)
        )
    ]
    counts = {
        int(b): int(c)
        for b, c in s.execute(select(sub.c.bucket, func.count()).group_by(sub.c.bucket))
    }
    return page, counts


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(ms: list[float]) -> float:
    return float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="media in the case")
    parser.add_argument("--runs", type=int, default=60, help="requests per scenario")
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the case")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    server = None
    if args.database == "postgresql":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.pgserver import start_server

        server = start_server()  # a throwaway server for this run, stopped at the end
        os.environ[SERVER_ENV] = server.url()
    try:
        run(args)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace) -> None:

    # Logins in a benchmark need no costly hashes.
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    workdir = Path(tempfile.mkdtemp(dir=args.dir, prefix="web_bench-"))
    case = create_case(workdir / "case", name="web benchmark")
    t = time.perf_counter()
    fill(case, args.n)
    filled = time.perf_counter() - t
    t = time.perf_counter()
    report = triage.rebuild(case)
    rebuilt = time.perf_counter() - t
    size_mb = database_mb(case)
    print(
        f"case on {case.engine.dialect.name}: {args.n:,} media + files, matches, clusters, "
        f"links; filled in {filled:.1f} s; database {size_mb:,.0f} MB"
    )
    print(f"triage pass: {rebuilt:.1f} s ({args.n / rebuilt:,.0f} media/s) -> {report}")

    accounts.add_user(case, "bench", PASSWORD, "reviewer", by="bench")
    client = TestClient(create_app(case), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post(
        "/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    middle = triage.sort_key(3, args.n // 2)
    scenarios = {
        "default order, first page": "/queue",
        "deep page (bucket 3, middle)": f"/queue?after={middle}",
        "bucket 4": "/queue?bucket=4",
        "tool=comfyui": "/queue?tool=comfyui",
        "generated=yes": "/queue?generated=yes",
        "device=2": "/queue?device=2",
        "uncategorised only": "/queue?uncategorised=1",
        "category=1": "/queue?category=1",
        "cluster": f"/queue?cluster={args.n // 6}",
        "device=3 + generated=yes": "/queue?device=3&generated=yes",
        "hash-list match=no + mime=image/png": "/queue?matched=no&mime=image%2Fpng",
    }
    app = client.app

    def cold(path: str) -> None:
        app.state.counts = CountCache()  # nothing known: the page counts (or defers) anew
        assert client.get(path).status_code == 200

    print(f"\nGET /queue, a page of 100, server side, ms ({args.runs} requests per column):")
    print("  cold: counts cache emptied before every request; warm: paging on, nothing changed;")
    print("  counts: GET /api/counts cold (what the page's script asks for when it defers)")
    print(f"{'scenario':48} {'cold p50':>9} {'cold p95':>9} {'warm p95':>9} {'counts p95':>11}")
    worst = 0.0
    for name, path in scenarios.items():
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        cards = r.text.count('class="card ')
        assert cards == 100 or "cluster" in name, (path, cards)
        cold_ms = timed(lambda p=path: cold(p), args.runs)
        warm_ms = timed(lambda p=path: client.get(p), args.runs)
        api = path.replace("/queue", "/api/counts", 1)
        count_ms = timed(lambda p=api: cold(p), max(3, args.runs // 4))
        worst = max(worst, p95(cold_ms))
        deferred = (
            " (deferred)"
            if costly_counts(
                triage.Filters.from_query(
                    dict(pair.split("=") for pair in path.partition("?")[2].split("&") if pair)
                )
            )
            else ""
        )
        print(
            f"{name + deferred:48} {statistics.median(cold_ms):9.1f} {p95(cold_ms):9.1f} "
            f"{p95(warm_ms):9.1f} {p95(count_ms):11.1f}"
        )

    with case.sessions() as s:
        ours_ms = timed(
            lambda: (
                triage.queue_page(s, triage.Filters()),
                triage.bucket_counts(s, triage.Filters()),
            ),
            args.runs,
        )
        ours_page = [r.media_id for r in triage.queue_page(s, triage.Filters()).items]
        base_page, base_counts = baseline_page(s)
        assert base_page == ours_page, "the baseline must compute the same page"
        assert base_counts == {
            b: c for b, c in triage.bucket_counts(s, triage.Filters()).items() if c
        }
        base_ms = timed(lambda: baseline_page(s), args.baseline_runs)
        gen_base = timed(
            lambda: baseline_page(s, Media.facts["provenance"]["generated"].as_boolean().is_(True)),
            args.baseline_runs,
        )
        gen_ours = timed(
            lambda: (
                triage.queue_page(s, triage.Filters(generated="yes")),
                triage.bucket_counts(s, triage.Filters(generated="yes")),
            ),
            args.runs,
        )
    print("\nSame page + bucket counts, queries only (ms):")
    print(f"{'':40} {'triage table':>14} {'baseline':>10} {'ratio':>8}")
    for name, ours, base in (
        ("default order", ours_ms, base_ms),
        ("generated=yes", gen_ours, gen_base),
    ):
        print(f"{name:40} {p95(ours):14.1f} {p95(base):10.1f} {p95(base) / p95(ours):7.0f}x")
    print(f"\nworst cold p95 of a page over the scenarios: {worst:.1f} ms (target: 150 ms)")
    client.close()
    case.close()


if __name__ == "__main__":
    main()
