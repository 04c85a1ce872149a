"""Video scan speed against decoding alone and against Meta's vpdq, in the same run.

Corpus: at least five minutes of benign 1080p H.264 (a slow pan over scikit-image's coffee photo,
no people, with sensor-like grain; 30 fps, x264 `veryfast`, CRF 18 capped at 12 Mbit/s: about a
phone's bitrate), in a few clips. Timed one after the other:

1. `ffmpeg -i X -f null -` for every clip: decoding alone, the floor any vPDQ must pay;
2. Meta's `vpdq.computeHash(X)` for every clip, in one process, with its defaults (one hash per
   second, hashing threads on every core): the reference implementation;
3. `synthtrace scan` of the folder (every core): digests, type, metadata, vPDQ, contact sheet,
   frame strip, provenance, the database and the case passes.

Printed: the three times, the ratios, and whether our frame hashes equal vpdq's bit for bit.
Target: the scan takes no longer than vpdq alone.

    .venv/bin/python benchmarks/video_bench.py [--minutes 5] [--clips 5] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from synthtrace.case import create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import File, VideoFrame
from synthtrace.video.clips import Clip, Encoding, encode

ROOT = Path(__file__).resolve().parent.parent / "bench-out"


def build_corpus(minutes: float, clips: int) -> list[Path]:
    """`clips` files of `minutes / clips` minutes each. To keep the build to one encode, one
    master clip is encoded and the others are re-muxed copies of it with their own tags (distinct
    files, the same frames: each is decoded and hashed in full by all three)."""
    folder = ROOT / f"video-1080p-{minutes:g}m-{clips}"
    files = [folder / f"VID_{i:03d}.mp4" for i in range(clips)]
    if all(f.is_file() for f in files):
        return files
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seconds = minutes * 60 / clips
    started = time.perf_counter()
    clip = Clip("coffee", (1920, 1080), seconds, 30, speed=0.004, grain=6.0)
    # A phone's bitrate, about 12 Mbit/s at 1080p30: without the grain, CRF alone gives a few
    # hundred kbit/s on a smooth pan, and decoding would look far cheaper than on real evidence.
    encode(clip, Encoding(crf=18, options={"maxrate": "12M", "bufsize": "24M"}), files[0])
    print(
        f"encoded {seconds:g} s of 1080p in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )
    for i, path in enumerate(files[1:], start=1):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(files[0]), "-c", "copy", "-map_metadata", "-1",
             "-metadata", f"title=bench clip {i}", str(path)],
            check=True,
        )  # fmt: skip
    return files


def time_ffmpeg(files: list[Path]) -> float:
    started = time.perf_counter()
    for f in files:
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(f), "-f", "null", "-"], check=True)
    return time.perf_counter() - started


def time_vpdq(files: list[Path]) -> tuple[float, dict[str, list[tuple[int, int, str]]]]:
    import vpdq

    out = {}
    started = time.perf_counter()
    for f in files:
        out[f.name] = [(x.frame_number, x.quality, x.hex) for x in vpdq.computeHash(str(f))]
    return time.perf_counter() - started, out


def time_scan(
    folder: Path, workers: int | None
) -> tuple[float, dict[str, list[tuple[int, int, str]]]]:
    frames: dict[str, list[tuple[int, int, str]]] = {}
    with (
        tempfile.TemporaryDirectory(dir=ROOT) as tmp,
        create_case(Path(tmp) / "case", name="video bench", examiner="bench") as case,
    ):
        started = time.perf_counter()
        scan_evidence(case, folder, "bench", workers=workers)
        seconds = time.perf_counter() - started
        with case.sessions() as s:
            for path, media_id in s.execute(select(File.path, File.media_id)):
                frames[Path(path).name] = [
                    (v.frame, v.quality, v.pdq)
                    for v in s.scalars(
                        select(VideoFrame)
                        .where(VideoFrame.media_id == media_id)
                        .order_by(VideoFrame.frame)
                    )
                ]
    return seconds, frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--clips", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None, help="scan workers (default: all cores)")
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed (scripts/system-deps.sh bench)")
    files = build_corpus(args.minutes, args.clips)
    size = sum(f.stat().st_size for f in files)
    print(
        f"corpus: {len(files)} clips, {args.minutes:g} minutes of 1080p30 H.264, "
        f"{size / 1e6:.0f} MB; {os.cpu_count()} cores"
    )
    t_ffmpeg = time_ffmpeg(files)
    t_vpdq, meta = time_vpdq(files)
    t_scan, ours = time_scan(files[0].parent, args.workers)
    same = sum(1 for name, frames in meta.items() if ours.get(name) == frames)
    hashed = sum(len(v) for v in meta.values())
    print(f"{'':34} {'seconds':>8} {'x decode':>9} {'x vpdq':>8}")
    for label, t in (
        ("ffmpeg -i X -f null - (decode)", t_ffmpeg),
        ("Meta vpdq.computeHash", t_vpdq),
        ("synthtrace scan (everything)", t_scan),
    ):
        print(f"{label:34} {t:8.1f} {t / t_ffmpeg:8.2f}x {t / t_vpdq:7.2f}x")
    print(
        f"scan / vpdq = {t_scan / t_vpdq:.2f} (target <= 1.00: "
        f"{'met' if t_scan <= t_vpdq else 'NOT met'}); "
        f"frame hashes identical to vpdq's in {same} of {len(meta)} clips ({hashed} frames)"
    )


if __name__ == "__main__":
    main()
