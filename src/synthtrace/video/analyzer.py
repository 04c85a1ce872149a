"""The `video` content analyzer: metadata, vPDQ frame hashes and review pictures of every video and
animated picture, from one open and one decode.

The export object (`video`) holds what the container says (video/metadata.py) and what decoding
found: `frames_hashed`, `frames_decoded`, `decoded_until` (seconds of the last frame), `rotation`,
and the times of the frame strip. The frame hashes and the two review pictures travel once, under
`pending`, to the case pass that stores them in their own table and the thumbnail folder
(video/store.py); they are never part of the export.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from synthtrace.analyze.content import AnalyzerResult, Content
from synthtrace.errors import describe
from synthtrace.limits import Limits
from synthtrace.video.animated import ANIMATED_MIMES, hash_pillow_frames, is_animated
from synthtrace.video.budget import Budget, address_space
from synthtrace.video.frames import SECONDS_PER_HASH, FramePass, VideoError, hash_frames
from synthtrace.video.sheet import contact_sheet, frame_strip

NAME = "video"
PENDING = "pending"  # the facts key the store pass takes away (video/store.py)
INSTALL_HINT = "video: not analysed: PyAV is not installed (pip install 'synthtrace[video]')"
ANIMATED_SHARE = 0.75  # of an animated picture's analysis time, what its frames may take
CLAIM_SLACK_SECONDS = 10.0


def video_kind(content: Content) -> str | None:
    """'video', 'animated' (GIF, APNG, WebP with several frames) or None."""
    if content.mime.startswith("video/"):
        return "video"
    if content.mime in ANIMATED_MIMES:
        stream = io.BytesIO(content.data) if content.data is not None else content.open()
        with stream:
            return "animated" if is_animated(stream) else None
    return None


class VideoAnalyzer:
    """Videos and animated pictures (export key `video`)."""

    name = NAME

    def analyze(self, content: Content, limits: Limits) -> AnalyzerResult:
        kind = video_kind(content)
        if kind is None:
            return AnalyzerResult()
        try:
            import av  # noqa: F401
        except ImportError:
            return AnalyzerResult(errors=[INSTALL_HINT])
        with address_space(limits.video_memory_bytes):
            return analyze_video(content, limits, kind)


def analyze_video(content: Content, limits: Limits, kind: str) -> AnalyzerResult:
    import av

    from synthtrace.video.container import open_video
    from synthtrace.video.metadata import container_record

    seconds = limits.video_seconds if kind == "video" else limits.analysis_seconds * ANIMATED_SHARE
    budget = Budget(seconds)
    errors: list[str] = []
    source = io.BytesIO(content.data) if content.data is not None else content.open()
    with source:
        if content.mime == "image/webp":  # FFmpeg cannot decode animated WebP
            try:
                fp, count = hash_pillow_frames(source, budget, limits.max_pixels)
            except (VideoError, OSError, ValueError) as exc:
                return AnalyzerResult(errors=[f"video: {describe(exc)}"])
            record = _webp_record(fp, count)
            return AnalyzerResult(facts=_facts(record, fp, errors), errors=errors)
        try:
            container = open_video(source, limits)
        except (av.error.FFmpegError, MemoryError, UnicodeError) as exc:
            return AnalyzerResult(errors=[f"video: could not be opened: {describe(exc)}"])
        with container:
            record = container_record(container)
            if not container.streams.video:
                record.update(frames_hashed=0, frames_decoded=0)
                return AnalyzerResult(facts=record)
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if not width or not height:
                errors.append(
                    "video: the stream gives no frame size FFmpeg accepts (none, or one above "
                    "its own limit of about 268 million pixels): not decoded"
                )
                record.update(frames_hashed=0, frames_decoded=0)
                return AnalyzerResult(facts=record, errors=errors)
            if width * height > limits.max_pixels:
                errors.append(
                    f"video: frames of {width} x {height} pixels are above the "
                    f"{limits.max_pixels}-pixel limit: not decoded"
                )
                record.update(frames_hashed=0, frames_decoded=0)
                return AnalyzerResult(facts=record, errors=errors)
            try:
                fp = hash_frames(container, stream, budget, max_pixels=limits.max_pixels)
            except VideoError as exc:
                errors.append(f"video: not hashed: {exc}")
                record.update(frames_hashed=0, frames_decoded=0)
                return AnalyzerResult(facts=record, errors=errors)
            except (av.error.FFmpegError, MemoryError) as exc:
                errors.append(f"video: decoding failed: {describe(exc)}")
                record.update(frames_hashed=0, frames_decoded=0)
                return AnalyzerResult(facts=record, errors=errors)
            claimed = _claimed_seconds(record, stream)
    return AnalyzerResult(facts=_facts(record, fp, errors, claimed), errors=errors)


def _claimed_seconds(record: dict[str, Any], stream: Any) -> float | None:
    claims = [record.get("duration")]
    if stream.duration is not None and stream.time_base is not None:
        claims.append(float(stream.duration * stream.time_base))
    known = [c for c in claims if c]
    return max(known) if known else None


def _webp_record(fp: FramePass, count: int) -> dict[str, Any]:
    total = count / fp.fps if fp.fps else None
    return {
        "container": "webp",
        "duration": round(total, 3) if total else None,
        "width": fp.width,
        "height": fp.height,
        "codec": "webp",
        "fps": round(fp.fps, 3),
        "bit_rate": None,
        "creation_time": None,
        "make": None,
        "model": None,
        "software": None,
        "encoder": None,
        "gps": None,
        "location": None,
        "streams": [{"index": 0, "type": "video", "codec": "webp", "width": fp.width,
                     "height": fp.height, "fps": round(fp.fps, 3), "rotation": 0, "tags": {}}],
        "tags": {},
    }  # fmt: skip


def _facts(
    record: dict[str, Any], fp: FramePass, errors: list[str], claimed: float | None = None
) -> dict[str, Any]:
    end = fp.last_seconds
    if fp.stopped:
        errors.append(f"video: vPDQ {fp.stopped}; later frames are not hashed")
    if fp.bad_packets:
        errors.append(f"video: {fp.bad_packets} packets could not be decoded and were skipped")
    if fp.decoded == 0:
        errors.append("video: no frame could be decoded")
    elif claimed is not None and end is not None and claimed > 2 * end + CLAIM_SLACK_SECONDS:
        errors.append(
            f"video: frames end at {end:.1f} s, though the container claims {claimed:.1f} s "
            "(truncated, or a duration that is not true)"
        )
    for s in record.get("streams", []):
        if s.get("type") == "video":
            s["rotation"] = fp.rotation
            break
    record.update(
        frames_hashed=len(fp.hashes),
        frames_decoded=fp.decoded,
        decoded_until=round(end, 3) if end is not None else None,
        rotation=fp.rotation,
        seconds_per_hash=SECONDS_PER_HASH,
    )
    pending: dict[str, Any] = {
        "frames": [[h.frame, h.quality, h.pdq, h.timestamp] for h in fp.hashes]
    }
    sheet = contact_sheet(fp.stills, fp.rotation)
    if sheet is not None:
        pending["sheet"] = base64.b64encode(sheet).decode("ascii")
    strip = frame_strip(fp.stills, fp.rotation)
    if strip is not None:
        data, chosen = strip
        pending["strip"] = base64.b64encode(data).decode("ascii")
        record["strip"] = [{"frame": s.frame, "seconds": round(s.seconds, 3)} for s in chosen]
    record[PENDING] = pending
    return record
