"""Carving against PhotoRec, in the same run, on an image with known pictures in unallocated space.

The image is a disk with no file system left (what a formatted or wiped-table disk looks like to
a carver): benign pictures (JPEG, PNG, GIF, BMP, WebP) at sector boundaries, between stretches of
random noise, zeros, and false starts (truncated JPEGs, bare headers, PNGs with a broken CRC).
Both carvers read the whole image: ours (evidence/carving.py, the carver a scan runs over free
space) and PhotoRec 7 (Debian's `testdisk`) for the same kinds. Printed for each: recall (planted
pictures recovered byte for byte), false positives (files carved that are no planted picture),
seconds, and the speed ratio.

    .venv/bin/python benchmarks/carve_bench.py [--pictures 300] [--megabytes 512]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from synthtrace.demo.pictures import jpeg_bytes, landscape, photo_like
from synthtrace.evidence.carving import SECTOR, Carver

ROOT = Path(__file__).resolve().parent.parent / "bench-out"
MiB = 1024 * 1024
BLOCK = 4 * MiB


def _picture(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = rng.choices(["jpg", "png", "gif", "bmp", "webp"], weights=[60, 15, 10, 5, 10])[0]
    side = rng.choice([160, 320, 640, 1024, 1600])
    img = (photo_like(i) if side >= 1024 else landscape(i)).resize((side, side * 3 // 4))
    if kind == "jpg":
        return kind, jpeg_bytes(img, rng.choice([70, 85, 92]))
    buf = io.BytesIO()
    fmt = {"png": "PNG", "gif": "GIF", "bmp": "BMP", "webp": "WEBP"}[kind]
    (img.convert("P") if kind == "gif" else img).save(buf, fmt)
    return kind, buf.getvalue()


def build_image(pictures: int, megabytes: int, seed: int = 7) -> tuple[Path, dict[str, str]]:
    """The image, and sha256 -> kind of every planted picture."""
    path = ROOT / f"carve-{pictures}-{megabytes}.raw"
    truth = path.with_suffix(".json")  # what was planted, so a rerun need not draw it again
    if path.exists() and truth.exists() and path.stat().st_size == megabytes * MiB:
        return path, dict(json.loads(truth.read_text()))
    rng = random.Random(seed)
    planted: dict[str, str] = {}
    items = [_picture(rng, i) for i in range(pictures)]
    for kind, data in items:
        planted[hashlib.sha256(data).hexdigest()] = kind
    ROOT.mkdir(exist_ok=True)
    size = megabytes * MiB
    with path.open("wb") as out:
        out.truncate(size)
        pos = MiB
        for n, (_kind, data) in enumerate(items):
            gap = rng.choice([0, 1, 8, 64]) * SECTOR
            if n % 5 == 0:  # noise between pictures
                noise = os.urandom(rng.randint(4, 256) * 1024)
                out.seek(pos)
                out.write(noise)
                pos += len(noise) + (-len(noise) % SECTOR)
            if n % 7 == 3:  # a false start: a truncated JPEG, a bare header, a broken PNG
                out.seek(pos)
                fake = rng.choice(
                    [
                        jpeg_bytes(landscape(1000 + n), 80)[:3000],
                        b"\xff\xd8\xff\xe0" + os.urandom(5000),
                        b"\x89PNG\r\n\x1a\n" + os.urandom(3000),
                    ]
                )
                out.write(fake)
                pos += len(fake) + (-len(fake) % SECTOR)
            pos += gap
            if pos + len(data) >= size:
                raise SystemExit("image too small for the pictures: raise --megabytes")
            out.seek(pos)
            out.write(data)
            pos += len(data) + (-len(data) % SECTOR)
    truth.write_text(json.dumps(planted))
    return path, planted


def ours(path: Path) -> tuple[float, list[str]]:
    start = time.perf_counter()
    found: list[str] = []
    with path.open("rb") as fh:

        def read_at(offset: int, n: int) -> bytes:
            fh.seek(offset)
            return fh.read(n)

        carver = Carver(read_at)
        size = path.stat().st_size
        for pos in range(0, size, BLOCK):
            fh.seek(pos)
            block = fh.read(BLOCK)
            for carved in carver.feed(pos, block, size):
                found.append(hashlib.sha256(read_at(carved.offset, carved.length)).hexdigest())
    return time.perf_counter() - start, found


def photorec(path: Path) -> tuple[float, list[str]]:
    if shutil.which("photorec") is None:
        raise SystemExit("photorec not found: scripts/system-deps.sh bench installs testdisk")
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        work = Path(tmp)
        image = work / path.name
        os.link(path, image)  # PhotoRec writes its log beside its working folder, not the image
        cmd = (
            "partition_none,fileopt,everything,disable,jpg,enable,png,enable,gif,enable,"
            "bmp,enable,riff,enable,search"
        )
        start = time.perf_counter()
        subprocess.run(
            ["photorec", "/log", "/d", str(work / "out"), "/cmd", str(image), cmd],
            cwd=work,
            capture_output=True,
            check=True,
        )
        seconds = time.perf_counter() - start
        found = [
            hashlib.sha256(p.read_bytes()).hexdigest()
            for p in work.glob("out*/*")
            if p.is_file() and p.suffix != ".xml"
        ]
    return seconds, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pictures", type=int, default=300)
    parser.add_argument("--megabytes", type=int, default=512)
    args = parser.parse_args()
    path, planted = build_image(args.pictures, args.megabytes)
    print(f"image: {path.name}, {args.megabytes} MiB, {len(planted)} distinct planted pictures")
    results = {}
    for name, run in (("synthtrace", ours), ("PhotoRec 7.1", photorec)):
        seconds, found = run(path)
        hits = {h for h in found if h in planted}
        false = [h for h in found if h not in planted]
        results[name] = seconds
        print(
            f"{name:13s} recall {len(hits)}/{len(planted)} ({len(hits) / len(planted):.1%}), "
            f"false positives {len(false)}, {seconds:.2f} s "
            f"({args.megabytes / seconds:.0f} MiB/s)"
        )
    ratio = results["PhotoRec 7.1"] / results["synthtrace"]
    print(f"speed: synthtrace takes {1 / ratio:.2f}x PhotoRec's time ({ratio:.2f}x as fast)")


if __name__ == "__main__":
    main()
