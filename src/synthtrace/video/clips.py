"""Benign video clips made on the fly: a slow pan over one of scikit-image's sample photos (no
people), or a procedural landscape without it. The demo, the tests and the benchmark use them, so
nothing binary is committed.

A clip is a function of its parameters alone: the same call gives the same frames, so a copy made
with another codec, size or start time is the same footage re-encoded, resized or trimmed.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from synthtrace.demo.pictures import landscape, sample_photo

CONTAINERS = {"libx264": "mp4", "mpeg4": "avi", "libvpx-vp9": "webm", "libx265": "mp4"}


@dataclass(frozen=True)
class Clip:
    photo: str = "coffee"  # a scikit-image sample (demo/pictures.SAMPLE_NAMES)
    size: tuple[int, int] = (320, 240)
    seconds: float = 6.0
    fps: int = 30
    start: float = 0.0  # seconds into the pan: a later start is a trimmed copy
    speed: float = 0.005  # of the photo's width panned per second
    seed: int = 1  # the landscape drawn when scikit-image is not installed
    grain: float = 0.0  # sensor-like noise (standard deviation, in levels): bitrates like a phone's


@dataclass(frozen=True)
class Encoding:
    codec: str = "libx264"
    format: str | None = None  # container (default: the codec's usual one)
    crf: int = 23
    bit_rate: int | None = None  # for codecs without CRF (mpeg4)
    tags: dict[str, str] = field(default_factory=dict)
    stream_tags: dict[str, str] = field(default_factory=dict)
    rotation: int = 0  # display matrix, degrees counter-clockwise
    options: dict[str, str] = field(default_factory=dict)  # the encoder's
    faststart: bool = False  # MP4/MOV: the index (moov) before the frames, as for streaming


def _canvas(clip: Clip) -> Image.Image:
    photo = sample_photo(clip.photo) or landscape(clip.seed, (1024, 768))
    w, h = clip.size
    # Large enough that the window (the clip's frame) pans across 60 % of it, never past it.
    scale = max(1.6 * w / photo.width, 1.05 * h / photo.height)
    return photo.resize(
        (round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC
    )


def pan_frames(clip: Clip) -> Iterator[np.ndarray]:
    canvas = _canvas(clip)
    w, h = clip.size
    room = canvas.width - w
    top = (canvas.height - h) // 2
    grains: list[np.ndarray] = []
    if clip.grain > 0:  # a few noise fields, cycled: cheap to add, costly to compress
        rng = np.random.default_rng(clip.seed)
        grains = [rng.normal(0, clip.grain, (h, w, 3)).astype(np.int16) for _ in range(7)]
    for n in range(round(clip.seconds * clip.fps)):
        t = clip.start + n / clip.fps
        x = round(min(room, clip.speed * canvas.width * t) if room > 0 else 0)
        pixels = np.asarray(canvas.crop((x, top, x + w, top + h)))
        if grains:
            pixels = np.clip(pixels + grains[n % len(grains)], 0, 255).astype(np.uint8)
        yield pixels


def encode(clip: Clip, encoding: Encoding = Encoding(), dest: Path | None = None) -> bytes:
    """The clip encoded; written to `dest` too when given."""
    fmt = encoding.format or CONTAINERS.get(encoding.codec, "mp4")
    options: dict[str, str] = {}
    if fmt in ("mp4", "mov"):
        options["movflags"] = "use_metadata_tags" + ("+faststart" if encoding.faststart else "")
    if encoding.faststart:  # the muxer rewrites the file by name to move the index first
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / f"clip.{fmt}"
            _encode_to(str(target), fmt, options, clip, encoding)
            data = target.read_bytes()
    else:
        buf = io.BytesIO()
        _encode_to(buf, fmt, options, clip, encoding)
        data = buf.getvalue()
    if dest is not None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return data


def _encode_to(
    target: str | io.BytesIO, fmt: str, options: dict[str, str], clip: Clip, encoding: Encoding
) -> None:
    import av

    with av.open(target, "w", format=fmt, options=options) as out:
        out.metadata.update(encoding.tags)
        stream = out.add_stream(encoding.codec, rate=clip.fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = clip.size
        stream.pix_fmt = "yuv420p"
        opts: dict[str, object] = dict(encoding.options)
        if encoding.bit_rate:
            stream.bit_rate = encoding.bit_rate
        elif encoding.codec in ("libx264", "libx265"):
            opts.setdefault("crf", str(encoding.crf))
            opts.setdefault("preset", "veryfast")
        elif encoding.codec == "libvpx-vp9":
            opts.setdefault("crf", str(encoding.crf + 10))
            opts.setdefault("b", "0")
            opts.setdefault("deadline", "realtime")
            opts.setdefault("cpu-used", "8")
        stream.options = opts
        stream.metadata.update(encoding.stream_tags)
        if encoding.rotation:
            stream.set_display_rotation(encoding.rotation)
        for pixels in pan_frames(clip):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def animated(clip: Clip, fmt: str) -> bytes:
    """The clip as an animated GIF, APNG or WebP (Pillow), 10 frames per second at most."""
    step = max(1, round(clip.fps / 10))
    frames = [Image.fromarray(p) for k, p in enumerate(pan_frames(clip)) if k % step == 0]
    buf = io.BytesIO()
    duration = round(1000 * step / clip.fps)
    save: dict[str, dict[str, Any]] = {
        "GIF": {},
        "PNG": {"default_image": False},
        "WEBP": {"lossless": False, "quality": 80},
    }
    frames[0].save(
        buf,
        fmt,
        save_all=True,
        append_images=frames[1:],
        duration=duration,
        loop=0,
        **save[fmt],
    )
    return buf.getvalue()


def reencode(data: bytes, size: tuple[int, int], crf: int = 30, fmt: str = "mp4") -> bytes:
    """A real re-encode of a clip: its decoded frames resized and compressed again with x264 (the
    generation loss a messenger app or a phone's share sheet adds)."""
    import av

    out_buf = io.BytesIO()
    src = av.open(io.BytesIO(data), "r")
    with src, av.open(out_buf, "w", format=fmt) as out:
        stream_in = src.streams.video[0]
        rate = stream_in.average_rate or 25
        stream = out.add_stream("libx264", rate=rate)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for n, frame in enumerate(src.decode(stream_in)):
            small = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            small.pts, small.time_base = n, Fraction(1) / rate
            for packet in stream.encode(small):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return out_buf.getvalue()


def still(data: bytes, seconds: float) -> Image.Image:
    """The frame shown at `seconds` (a screenshot someone took of the clip)."""
    import av

    src = av.open(io.BytesIO(data), "r")
    with src:
        stream = src.streams.video[0]
        last = None
        for frame in src.decode(stream):
            last = frame
            if frame.time is not None and frame.time >= seconds:
                break
        if last is None:
            raise ValueError("the clip has no frame")
        return Image.fromarray(last.to_ndarray(format="rgb24"))
