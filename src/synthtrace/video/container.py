"""Opening a video with PyAV the safe way: only container demuxers, no protocol, bounded frames.

FFmpeg demuxers can open further inputs by name (HLS and DASH playlists, concat lists, image
sequences, QuickTime references): from evidence that would mean reading outside it or fetching from
the network. So only the demuxers of real video containers are allowed, and no protocol at all (the
bytes come through Python from the evidence stream). The pixel limit is not given here: it would
make FFmpeg report a too-large stream as one of no size, and the error should say what it claims;
`decoder_options` gives it to the decoder, which then refuses frames larger than the limit
whatever the container header said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from synthtrace.limits import Limits

if TYPE_CHECKING:
    import av.container

# Demuxer names (FFmpeg's short names); the first one of a comma list is enough to allow it.
DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "flv",
    "mpegts",
    "mpeg",
    "asf",
    "ogg",
    "gif",
    "apng",
    "m4v",
    "h264",
    "hevc",
    "mxf",
    "nut",
    "ivf",
    "dv",
    "rm",
    "swf",
    "mjpeg",
)
READ_BUFFER = 1 << 20


class NoVideo(ValueError):
    """The file opened but holds no video stream."""


def open_video(
    source: BinaryIO, limits: Limits, export_xmp: bool = False
) -> av.container.InputContainer:
    """Open for reading; FFmpeg's errors (av.error.FFmpegError) are the caller's to report."""
    import av

    options = {
        "format_whitelist": ",".join(DEMUXERS),
        "protocol_whitelist": "none",
        "probesize": str(8 << 20),
    }
    if export_xmp:
        options["export_xmp"] = "1"  # QuickTime/MP4: the XMP box as the `xmp` tag
    return av.open(
        source,
        mode="r",
        container_options=options,
        metadata_errors="replace",
        buffer_size=READ_BUFFER,
    )


def decoder_options(limits: Limits) -> dict[str, str]:
    return {"max_pixels": str(limits.max_pixels)}
