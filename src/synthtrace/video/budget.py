"""The time and memory one video may cost, so a hostile file is an error, not a stuck worker.

Time: the decode loop asks `Budget.check()` between frames; a video that runs past its seconds stops
there with the frames hashed so far and an error saying where it stopped. (The pipeline's own alarm
stays the last resort for a decoder stuck inside one call.)

Memory: FFmpeg allocates frame buffers from what the stream claims (a 60000 x 60000 JPEG frame asks
for gigabytes before one pixel is decoded), so while a video is opened and decoded the process's
address space is capped at what it maps now plus `Limits.video_memory_bytes`. An allocation past it
fails inside FFmpeg (ENOMEM, surfaced as an error on the file) instead of swapping the machine or
waking the kernel's OOM killer. The cap is set only where the analysis is the process's only
Python thread (a scan worker); elsewhere the pixel limit alone applies.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class LimitExceeded(Exception):
    """The video went past its time budget."""


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds > 0 else float("inf")

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"stopped after {self.seconds:g} s (the per-video time limit)")


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def address_space(extra_bytes: int) -> Iterator[bool]:
    """Cap the address space at its present size plus `extra_bytes`; yields whether it did."""
    if extra_bytes <= 0 or sys.platform != "linux" or threading.active_count() != 1:
        yield False
        return
    import resource

    now = _mapped_bytes()
    if now is None:
        yield False
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = now + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield False  # already tighter than ours
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield True
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
