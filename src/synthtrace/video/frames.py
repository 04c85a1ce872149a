"""vPDQ frame hashes, computed exactly as Meta's vpdq computes them, in the pass that also picks the
contact-sheet stills.

Meta's vpdq (ThreatExchange, `vpdq/cpp/hashing/filehasher.cpp`) decodes every frame of the first
video stream with FFmpeg, keeps frame n when `n % int(seconds_per_hash * fps) == 0` (fps: the
stream's average frame rate, else its r_frame_rate), converts it to RGB24 at the stream's size with
swscale's area filter, and hashes it with PDQ from float luma; the timestamp is `n / fps` in single
precision. This module does the same with PyAV and pdqhash, which wrap the same FFmpeg and PDQ code:
on ThreatExchange's sample videos it gives the same frames, hashes and qualities as vpdq 0.2.5 bit
for bit (tests/video/test_vpdq_conformance.py). It is written here rather than calling vpdq because
- one decode also yields the contact sheet, and the metadata comes from the same open;
- it reads any stream (archive members in memory), so evidence never needs a temporary copy;
- it stops between frames at the time budget and refuses oversized frames before decoding, where
  vpdq's C++ loop can be stopped by neither;
- FFmpeg's frame threads decode; vpdq asks only for slice threads, which phone H.264 rarely has.
benchmarks/video_bench.py times both on the same clips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pdqhash
from PIL import Image

from synthtrace.video.budget import Budget, LimitExceeded

if TYPE_CHECKING:
    import av.container
    import av.video.frame
    import av.video.stream

SECONDS_PER_HASH = 1.0  # vpdq's default: one frame hash per second
MIN_DIMENSION = 5  # vpdq refuses frames narrower or lower than this
STILLS = 64  # contact-sheet candidates kept, spread evenly over what was decoded
STILL_SIDE = 192  # long side of a kept still, in pixels
MAX_BAD_PACKETS = 100  # a stream this damaged is abandoned
DECODE_THREADS = 2


class VideoError(ValueError):
    """The video cannot be hashed at all (the message says why)."""


@dataclass(frozen=True)
class FrameHash:
    frame: int  # number of the frame in decoding order, from 0
    quality: int  # PDQ quality, 0..100
    pdq: str  # 64 hex digits
    timestamp: float  # seconds: frame / fps, in single precision as vpdq computes it


@dataclass
class Still:
    frame: int
    seconds: float
    image: Image.Image


@dataclass
class FramePass:
    fps: float
    width: int
    height: int
    hashes: list[FrameHash] = field(default_factory=list)
    decoded: int = 0
    last_seconds: float | None = None  # presentation time of the last decoded frame
    stills: list[Still] = field(default_factory=list)
    rotation: int = 0  # display rotation of the first frame, degrees counter-clockwise
    bad_packets: int = 0
    stopped: str | None = None  # why decoding stopped before the end, if it did


def frame_rate(stream: av.video.stream.VideoStream) -> float:
    """vpdq's frame rate: the average frame rate, else the r_frame_rate (0.0 when neither)."""
    for rate in (stream.average_rate, stream.base_rate):
        if rate is not None and rate.numerator and rate.denominator:
            return float(rate)
    return 0.0


def frame_step(fps: float, seconds_per_hash: float) -> int:
    """Every how many decoded frames one is hashed (vpdq truncates, and never goes below 1)."""
    return int(seconds_per_hash * fps) or 1


def timestamp(frame: int, fps: float) -> float:
    return float(np.float32(frame) / np.float32(fps))


def pdq_of_rgb(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hex and quality of an RGB24 frame, as vpdq hashes it (luma from RGB at full size)."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


class StillPicker:
    """Keeps at most `limit` frames, evenly spaced over however many frames turn out to come."""

    def __init__(self, limit: int = STILLS) -> None:
        self.limit = limit
        self.step = 1
        self.kept: list[Still] = []

    def wants(self, n: int) -> bool:
        return n % self.step == 0

    def add(self, still: Still) -> None:
        self.kept.append(still)
        if len(self.kept) >= self.limit:
            self.step *= 2
            self.kept = [s for s in self.kept if s.frame % self.step == 0]


def _still(frame: av.video.frame.VideoFrame, n: int, seconds: float) -> Still:
    scale = STILL_SIDE / max(frame.width, frame.height)
    w = max(1, round(frame.width * min(1.0, scale)))
    h = max(1, round(frame.height * min(1.0, scale)))
    small = frame.reformat(width=w, height=h, format="rgb24", interpolation="BILINEAR")
    return Still(n, seconds, Image.fromarray(small.to_ndarray()))


def _rgb(frame: av.video.frame.VideoFrame, width: int, height: int) -> np.ndarray:
    """RGB24 at the stream's declared size, by swscale's area filter (vpdq's conversion)."""
    if frame.width == width and frame.height == height:
        return frame.to_ndarray(format="rgb24", interpolation="AREA")
    return frame.reformat(
        width=width, height=height, format="rgb24", interpolation="AREA"
    ).to_ndarray()


def hash_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    budget: Budget,
    seconds_per_hash: float = SECONDS_PER_HASH,
    stills: int = STILLS,
    hash_size: tuple[int, int] | None = None,
    max_pixels: int | None = None,
) -> FramePass:
    """Decode the stream once: vPDQ hashes at vpdq's frames, and stills for the contact sheet.

    `hash_size`: frames are scaled to this (width, height) before hashing, as vpdq's
    `downsample_width`/`downsample_height` do (ThreatExchange's `-128x128` sample hashes).

    Damage is not fatal: undecodable packets are skipped and counted, and a stream stopped by the
    time or memory budget keeps the hashes made so far, with `stopped` saying why.
    """
    import av

    fps = frame_rate(stream)
    if fps <= 0:
        raise VideoError("the video stream has no frame rate")
    ctx = stream.codec_context
    width, height = ctx.width, ctx.height
    if width < MIN_DIMENSION or height < MIN_DIMENSION:
        raise VideoError(f"frames of {width} x {height} pixels are too small to hash")
    ctx.thread_type = "AUTO"
    ctx.thread_count = DECODE_THREADS
    if max_pixels is not None:  # the decoder refuses larger frames, whatever the header said
        ctx.options = {**ctx.options, "max_pixels": str(max_pixels)}
    step = frame_step(fps, seconds_per_hash)
    out = FramePass(fps=fps, width=width, height=height)
    hash_w, hash_h = hash_size or (width, height)
    picker = StillPicker(stills)
    n = 0
    try:
        for packet in container.demux(stream):
            budget.check()
            try:
                frames = packet.decode()
            except av.error.MemoryError:
                raise
            except av.error.FFmpegError:
                out.bad_packets += 1
                if out.bad_packets > MAX_BAD_PACKETS:
                    out.stopped = f"more than {MAX_BAD_PACKETS} packets could not be decoded"
                    break
                continue
            for frame in frames:
                seconds = float(frame.time) if frame.time is not None else n / fps
                if n == 0:
                    out.rotation = int(frame.rotation or 0)
                if n % step == 0:
                    pdq, quality = pdq_of_rgb(_rgb(frame, hash_w, hash_h))
                    out.hashes.append(FrameHash(n, quality, pdq, timestamp(n, fps)))
                if picker.wants(n):
                    picker.add(_still(frame, n, seconds))
                out.last_seconds = seconds
                n += 1
    except LimitExceeded as exc:
        out.stopped = f"{exc} at frame {n}"
    except (MemoryError, av.error.MemoryError):
        out.stopped = f"out of the per-video memory budget at frame {n}"
    out.decoded = n
    out.stills = picker.kept
    return out
