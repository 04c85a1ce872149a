"""Animated pictures (GIF, APNG, WebP) as videos: the same vPDQ frames as any clip.

GIF and APNG go through FFmpeg like every video, so their frames are the ones vpdq would pick.
FFmpeg cannot decode animated WebP, so its frames come from Pillow (libwebp), chosen by vpdq's rule
with the frame rate its frame durations give.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
from PIL import Image

from synthtrace.video.budget import Budget, LimitExceeded
from synthtrace.video.frames import (
    MIN_DIMENSION,
    SECONDS_PER_HASH,
    STILL_SIDE,
    FrameHash,
    FramePass,
    Still,
    StillPicker,
    VideoError,
    frame_step,
    pdq_of_rgb,
    timestamp,
)

ANIMATED_MIMES = ("image/gif", "image/png", "image/apng", "image/webp")


def is_animated(stream: BinaryIO) -> bool:
    """Whether a GIF, PNG or WebP has more than one frame (Pillow reads only the headers it needs:
    the acTL chunk, the WebP ANIM chunk, or the GIF up to its second frame)."""
    try:
        with Image.open(stream) as im:
            return bool(getattr(im, "is_animated", False))
    except Exception:  # a picture Pillow cannot read is not treated as a video either
        return False


def webp_durations(stream: BinaryIO, count: int) -> list[int]:
    """Each frame's display time in ms, from the ANMF chunk headers (Pillow says it only after
    decoding a frame, and the frame rate must be known before the first one is picked)."""
    out: list[int] = []
    stream.seek(12)  # after "RIFF", the size and "WEBP"
    while len(out) < count:
        header = stream.read(8)
        if len(header) < 8:
            break
        kind, size = header[:4], int.from_bytes(header[4:], "little")
        if kind == b"ANMF":
            payload = stream.read(16)
            if len(payload) < 16:
                break
            out.append(int.from_bytes(payload[12:15], "little"))
            stream.seek(size + (size & 1) - 16, 1)
        else:
            stream.seek(size + (size & 1), 1)
    return out + [0] * (count - len(out))


def hash_pillow_frames(
    stream: BinaryIO,
    budget: Budget,
    max_pixels: int,
    seconds_per_hash: float = SECONDS_PER_HASH,
) -> tuple[FramePass, int]:
    """vPDQ of an animated picture decoded by Pillow; returns the pass and the frame count."""
    with Image.open(stream) as im:
        width, height = im.size
        if width * height > max_pixels:
            raise VideoError(f"frames of {width} x {height} pixels are above the pixel limit")
        if width < MIN_DIMENSION or height < MIN_DIMENSION:
            raise VideoError(f"frames of {width} x {height} pixels are too small to hash")
        count = int(getattr(im, "n_frames", 1))
        durations = webp_durations(stream, count)
        total = sum(durations) / 1000
        fps = count / total if total > 0 else 10.0  # browsers show zero-delay frames at ~10 fps
        out = FramePass(fps=fps, width=width, height=height)
        step = frame_step(fps, seconds_per_hash)
        picker = StillPicker()
        elapsed = 0.0
        n = 0
        try:
            for n in range(count):
                budget.check()
                im.seek(n)
                rgb = im.convert("RGB")
                if n % step == 0:
                    pdq, quality = pdq_of_rgb(np.asarray(rgb))
                    out.hashes.append(FrameHash(n, quality, pdq, timestamp(n, fps)))
                if picker.wants(n):
                    small = rgb.copy()
                    small.thumbnail((STILL_SIDE, STILL_SIDE))
                    picker.add(Still(n, elapsed, small))
                out.last_seconds = elapsed
                out.decoded = n + 1
                elapsed += durations[n] / 1000
        except LimitExceeded as exc:
            out.stopped = f"{exc} at frame {n}"
        out.stills = picker.kept
        return out, count
