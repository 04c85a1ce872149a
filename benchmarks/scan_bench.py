"""Scan speed against the naive baseline, in the same run, on a benign corpus of 12 MP JPEGs.

Naive baseline: what a straightforward tool does per photo in one process - read the file, the
three digests, a full Pillow decode, pdqhash on the full-resolution pixels (as python-threatexchange
and HMA compute PDQ). Ours: `synthtrace scan` on every core (case database, thumbnails, metadata,
content analyzers and all). Printed: both rates, the ratio, PDQ drift against the full-resolution
hash, and the scan's peak memory (whole process tree).

    .venv/bin/python benchmarks/scan_bench.py [--photos 48] [--workers N] [--analyzers both]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pdqhash
import psutil
from PIL import Image

from synthtrace.analyze.pdq import hamming
from synthtrace.case import create_case
from synthtrace.demo.pictures import camera_exif, jpeg_bytes, photo_like
from synthtrace.export.records import iter_records
from synthtrace.scan.service import scan_evidence

ROOT = Path(__file__).resolve().parent.parent / "bench-out"


def build_corpus(n: int) -> Path:
    """n distinct 12 MP phone-photo stand-ins (benign samples upscaled with sensor-like grain)."""
    folder = ROOT / f"corpus-12mp-{n}"
    if folder.is_dir() and len(list(folder.glob("*.jpg"))) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(n):
        exif = camera_exif("Benchcam", "Phone 12MP", f"2024:05:{i % 28 + 1:02d} 10:00:00")
        (folder / f"IMG_{i:04d}.jpg").write_bytes(jpeg_bytes(photo_like(i), 90, exif))
        print(f"\rbuilding corpus {i + 1}/{n}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return folder


def naive(paths: list[Path]) -> tuple[float, dict[str, str]]:
    hashes = {}
    start = time.perf_counter()
    for p in paths:
        data = p.read_bytes()
        for algo in (hashlib.md5, hashlib.sha1, hashlib.sha256):
            algo(data).hexdigest()
        img = Image.open(io.BytesIO(data)).convert("RGB")
        vec, _ = pdqhash.compute(np.asarray(img))
        hashes[p.name] = np.packbits(vec.astype(np.uint8)).tobytes().hex()
    return time.perf_counter() - start, hashes


class PeakRSS:
    """Samples the resident memory of this process and its children every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def ours(corpus: Path, workers: int | None, analyzers: bool) -> tuple[float, int, dict[str, str]]:
    with (
        tempfile.TemporaryDirectory(dir=ROOT) as tmp,
        create_case(Path(tmp) / "case", name="bench") as case,
    ):
        with PeakRSS() as mem:
            start = time.perf_counter()
            scan_evidence(case, corpus, "bench", workers=workers, analyzers=analyzers)
            seconds = time.perf_counter() - start
        with case.sessions() as s:
            pdqs = {str(r["path"]): str(r["pdq"]) for r in iter_records(s)}
    return seconds, mem.peak, pdqs


def many_small_files(n: int) -> Path:
    """n small files in nested folders (and some in zips): for memory that must not grow with n."""
    folder = ROOT / f"many-{n}"
    if folder.is_dir():
        return folder
    import zipfile

    for i in range(n):
        d = folder / f"d{i // 1000:03d}" / f"e{(i // 100) % 10}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:07d}.txt").write_bytes(f"file {i}\n".encode() * (i % 50 + 1))
    with zipfile.ZipFile(folder / "bundle.zip", "w") as zf:
        for i in range(n // 10):
            zf.writestr(f"z/{i:07d}.txt", f"member {i}\n")
    return folder


def memory_scaling(sizes: list[int], workers: int | None) -> None:
    for n in sizes:
        folder = many_small_files(n)
        seconds, peak, pdqs = ours(folder, workers, True)
        print(
            f"{len(pdqs):7d} small files: {len(pdqs) / seconds:7.0f} files/s  "
            f"peak memory {peak / 1e6:5.0f} MB"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--photos", type=int, default=48)
    ap.add_argument("--workers", type=int, default=None, help="default: every core")
    ap.add_argument(
        "--analyzers",
        choices=("on", "off", "both"),
        default="both",
        help="run the content analyzers (provenance, ...); 'both' measures their cost",
    )
    ap.add_argument(
        "--many",
        type=int,
        nargs="*",
        default=None,
        help="instead: scan folders of this many small files and print peak memory",
    )
    args = ap.parse_args()
    if args.many:
        memory_scaling(args.many, args.workers)
        return
    corpus = build_corpus(args.photos)
    paths = sorted(corpus.glob("*.jpg"))
    mb = sum(p.stat().st_size for p in paths) / 1e6
    cores = len(os.sched_getaffinity(0))
    print(f"corpus: {len(paths)} JPEGs of 12 MP, {mb:.0f} MB; {cores} cores")

    naive_s, reference = naive(paths)
    naive_rate = len(paths) / naive_s
    print(f"naive (1 process, full decode + pdqhash + 3 digests): {naive_rate:6.2f} photos/s")

    # Warm-up: start the worker server and import every analyzer once, so that the measured runs
    # compare equal footing (a cold `synthtrace scan` pays about a second of start-up on top).
    warm = ROOT / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    warm.mkdir(parents=True)
    shutil.copy(paths[0], warm / paths[0].name)
    ours(warm, args.workers, True)
    runs = {"on": [True], "off": [False], "both": [False, True]}[args.analyzers]
    results = {}
    for analyzers in runs:
        seconds, peak, pdqs = ours(corpus, args.workers, analyzers)
        results[analyzers] = seconds
        rate = len(paths) / seconds
        drift = [hamming(pdqs[name], reference[name]) for name in reference]
        label = "synthtrace scan" + ("" if analyzers else " without content analyzers")
        print(
            f"{label}: {rate:6.2f} photos/s  ratio {rate / naive_rate:5.1f}x  "
            f"peak memory {peak / 1e6:5.0f} MB  "
            f"PDQ drift vs full resolution: max {max(drift)} bits, mean {np.mean(drift):.2f}"
        )
    if len(results) == 2:
        cost = (results[True] - results[False]) / results[False] * 100
        print(f"content analyzers (provenance, ...) add {cost:+.1f}% to scan time")


if __name__ == "__main__":
    main()
