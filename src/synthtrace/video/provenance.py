"""Where a video's generation metadata lives, as the generator-format parsers read it.

ComfyUI's video nodes write the node graph into the container. VideoHelperSuite's Video Combine
puts `{"prompt": "<API graph as JSON text>", "workflow": {UI graph}}` into the `comment` tag;
ComfyUI's own Save Video writes `prompt` and `workflow` tags. Both become the same texts a PNG's
chunks would, so the one ComfyUI parser (analyze/formats/comfyui.py) reads pictures and videos
alike. XMP (for the IPTC DigitalSourceType) comes from FFmpeg's `export_xmp` (QuickTime and MP4),
else from an XMP packet in the file's first or last megabyte; C2PA manifests are read from the
bytes by c2pa-python.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

from synthtrace.analyze.content import Content
from synthtrace.analyze.formats import Metadata
from synthtrace.errors import describe
from synthtrace.limits import Limits
from synthtrace.video.budget import address_space
from synthtrace.video.container import open_video

GRAPH_KEYS = ("prompt", "workflow")
XMP_END = 1 << 20
_XMP = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>", re.S)


@dataclass
class VideoTags:
    container: str
    tags: dict[str, str]
    xmp: str | None


def _xmp_in_ends(content: Content, limit: int) -> str | None:
    """An XMP packet in the first or last megabyte: where editors put it (a top-level `uuid` or
    `XMP_` box in MP4/QuickTime, a tag or an attachment in Matroska, a chunk in AVI)."""
    if content.data is not None:
        parts = [content.data[:XMP_END], content.data[-XMP_END:]]
    else:
        with content.open() as fh:
            parts = [fh.read(XMP_END)]
            if content.size > XMP_END:
                fh.seek(max(XMP_END, content.size - XMP_END))
                parts.append(fh.read(XMP_END))
    for part in parts:
        m = _XMP.search(part)
        if m is not None and len(m.group(0)) <= limit:
            return m.group(0).decode("utf-8", "replace")
    return None


def read_tags(content: Content, limits: Limits) -> VideoTags:
    """The container's tags and XMP (raises ValueError when the file cannot be opened)."""
    import av

    source = io.BytesIO(content.data) if content.data is not None else content.open()
    try:
        with (
            address_space(limits.video_memory_bytes),
            source,
            open_video(source, limits, export_xmp=True) as container,
        ):
            tags = {str(k): str(v) for k, v in dict(container.metadata or {}).items()}
            name = str(container.format.name)
    except (av.error.FFmpegError, MemoryError, UnicodeError) as exc:
        raise ValueError(f"the video could not be opened: {describe(exc)}") from exc
    xmp = tags.get("xmp")
    if xmp is not None and len(xmp) > limits.max_text_bytes:
        xmp = None
    if xmp is None:
        xmp = _xmp_in_ends(content, limits.max_text_bytes)
    return VideoTags(name, tags, xmp)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def video_metadata(found: VideoTags) -> Metadata:
    """The formats' view: every tag as a text (by its key), the graph from a JSON comment."""
    texts: dict[str, str] = {}
    origin: dict[str, str] = {}
    for key, value in found.tags.items():
        if key.lower() == "xmp":
            continue
        # Matroska writes tag names in capitals (PROMPT, COMMENT): the formats look for lower case.
        name = key.lower() if key.lower() in (*GRAPH_KEYS, "comment") else key
        texts.setdefault(name, value)
        origin.setdefault(name, f"video:{key}")
    comment = texts.get("comment")
    if comment is not None and comment.lstrip().startswith("{"):
        try:
            doc = json.loads(comment)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            doc = None
        if isinstance(doc, dict) and any(k in doc for k in GRAPH_KEYS):
            for key in GRAPH_KEYS:
                if doc.get(key) is not None and not texts.get(key, "").lstrip().startswith("{"):
                    texts[key], origin[key] = _text(doc[key]), origin["comment"]
            comment = None  # read as the graph; not a free-text comment for other formats
    return Metadata(
        container=found.container.split(",")[0].upper(),
        texts=texts,
        origin=origin,
        xmp=found.xmp,
        comment=comment,
    )


def camera_detail(found: VideoTags) -> str | None:
    """A capture signal: the phone or camera that wrote its make and model into the container."""
    from synthtrace.video.metadata import MAKE_KEYS, MODEL_KEYS, first_tag

    make, model = first_tag(found.tags, MAKE_KEYS), first_tag(found.tags, MODEL_KEYS)
    if not make or not model or any(len(v) > 100 or v.lstrip()[:1] in "{[" for v in (make, model)):
        return None
    return f"make {make!r}, model {model!r}"


def raw_texts(found: VideoTags, meta: Metadata) -> dict[str, str]:
    """The tags the graph was read from, verbatim, by where they were found (`video:comment`)."""
    by_name = {f"video:{k}": v for k, v in found.tags.items()}
    return {
        meta.where(k): by_name[meta.where(k)]
        for k in GRAPH_KEYS
        if k in meta.texts and meta.where(k) in by_name
    }
