"""Typing by content: our one pass against a full libmagic call, on the files of this system.

`analyze/filetype.py` answers from signatures and libmagic's built-in checks where those decide,
and calls libmagic's full pass only where its magic database can say more. This measures, on a
sample of real files (documentation, configuration, source code, libraries of a Debian system),
how often the answer equals a full libmagic call on the same first 64 KiB, what the differences
are, and the time per file of each.

    .venv/bin/python benchmarks/filetype_bench.py [--files 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter

import magic

from synthtrace.analyze.filetype import MAGIC_HEAD, detect_mime

ROOTS = ["/usr/share", "/usr/lib", "/usr/include", "/etc", "/usr/bin"]


def sample(n: int, seed: int = 3) -> list[tuple[str, bytes]]:
    paths = []
    for root in ROOTS:
        for folder, _, names in os.walk(root):
            paths.extend(os.path.join(folder, name) for name in names)
    random.Random(seed).shuffle(paths)
    out = []
    for path in paths:
        if len(out) >= n:
            break
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as fh:
                head = fh.read(MAGIC_HEAD)
        except OSError:
            continue
        if head:
            out.append((path, head))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--files", type=int, default=20_000)
    args = ap.parse_args()
    files = sample(args.files)
    full = magic.Magic(mime=True)
    start = time.perf_counter()
    reference = [str(full.from_buffer(head)) for _, head in files]
    full_us = (time.perf_counter() - start) / len(files) * 1e6
    start = time.perf_counter()
    ours = [detect_mime(head) for _, head in files]
    ours_us = (time.perf_counter() - start) / len(files) * 1e6
    differ = Counter((r, o) for r, o in zip(reference, ours, strict=True) if r != o)
    same = len(files) - sum(differ.values())
    textual = sum(
        n for (r, o), n in differ.items() if r.startswith("text/") == o.startswith("text/")
    )
    print(f"{len(files)} files of this system (first {MAGIC_HEAD // 1024} KiB of each)")
    print(f"full libmagic call: {full_us:7.0f} us/file")
    print(f"synthtrace typing:  {ours_us:7.0f} us/file  ({full_us / ours_us:.1f}x faster)")
    print(f"same answer: {same / len(files):.4%}; differences: {sum(differ.values())}")
    print(f"  of which text for text or other for other: {textual}")
    for (ref, got), n in differ.most_common(12):
        print(f"  {n:5d}  libmagic {ref:32s} ours {got}")


if __name__ == "__main__":
    main()
