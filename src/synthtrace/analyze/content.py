"""What analyzers are given and what they return: the extension point for new signals.

A content analyzer (generation provenance, model-file fingerprint, ...) is an object with a `name`
(its key in `media.facts` and in the export) and `analyze(content, limits)`. It must be pure: it
reads `content` and returns JSON-able facts, touching no database and no network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from PIL import Image

from synthtrace.analyze.pngtext import TextChunk
from synthtrace.limits import Limits


@dataclass
class ImageContent:
    """An image as decoded once for PDQ, with every piece of metadata found on the way."""

    format: str
    width: int  # as stored in the file
    height: int
    decoded: Image.Image | None  # pixels (original mode, alpha kept), possibly reduced by draft
    reduced: bool  # True when decoded at reduced size (JPEG DCT scaling)
    info: dict[str, Any]  # Pillow's raw info: exif bytes, comment, xmp, icc_profile, ...
    exif: dict[str, Any]
    xmp: str | None
    png_text: dict[str, str]
    png_chunks: list[TextChunk] = field(default_factory=list)


@dataclass
class Content:
    path: str  # address in the evidence (for its name and extension)
    mime: str
    size: int
    sha256: str
    open: Callable[[], BinaryIO]  # a fresh read-only stream over the bytes, from the start
    data: bytes | None = None  # the bytes, when they are in memory
    image: ImageContent | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class AnalyzerResult:
    facts: Any = None  # JSON-able; None when there is nothing to say
    errors: list[str] = field(default_factory=list)


class ContentAnalyzer(Protocol):
    name: str

    def analyze(self, content: Content, limits: Limits) -> AnalyzerResult: ...
