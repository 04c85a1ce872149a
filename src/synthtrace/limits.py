"""Bounds every decoder and parser runs under, so hostile evidence costs an error, not the scan."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """Per-scan limits; the defaults suit a 2-core laptop with 1 GB for the scan."""

    # Archives nested deeper than this are recorded (hashed, typed) but not opened.
    max_depth: int = 16
    # Decoded pixels an image may have; larger ones keep their header size but are not decoded.
    # 64 MP x 4 bytes per decoding worker keeps two workers well under 1 GB together.
    max_pixels: int = 64_000_000
    # Archive members are stopped once they expand past this ratio of their compressed size...
    max_expansion_ratio: float = 200.0
    # ...but only after this many bytes, so small highly compressible files are left alone.
    ratio_floor_bytes: int = 16 * MiB
    # Largest archive member read at all (bigger ones are recorded with an error).
    max_member_bytes: int = 64 * GiB
    # Members up to this size travel to workers in memory; larger ones spool into the case folder.
    in_memory_bytes: int = 64 * MiB
    # Largest single metadata text (PNG text chunk, XMP packet, EXIF comment) kept.
    max_text_bytes: int = 16 * MiB
    # Seconds one file's analysis may take before it is abandoned with an error.
    analysis_seconds: int = 120
    # Seconds one video's decoding may take (vPDQ, contact sheet): 1080p H.264 decodes at about
    # 5x its speed on one core, so this covers some two hours of it. Past it, the frames hashed
    # so far are kept and the file gets an error saying where hashing stopped.
    video_seconds: int = 1800
    # Address space one video's opening and decoding may add to its worker: FFmpeg allocates
    # frames from what the stream claims, before any pixel is checked (video/budget.py).
    video_memory_bytes: int = 1 * GiB

    def seconds_for(self, mime: str) -> int:
        """The whole analysis budget of a file of this type: videos get their decoding time."""
        if mime.startswith("video/"):
            return self.analysis_seconds + max(0, self.video_seconds)
        return self.analysis_seconds
