"""Whole pictures, end to end: the image decoder (analyze/image.py) and the provenance analyzer.

The other image targets give each metadata parser its own bytes; this one gives the bytes of a
whole file (PNG, JPEG, WebP, GIF, TIFF) to analyze_image, which finds the text chunks, EXIF, XMP
and comments in their containers, and hands what it decoded to the provenance analyzer (every
format, stealth payload, C2PA, IPTC, watermark, camera). analyze_image documents that problems are
errors on the file, never exceptions; the analyzer's facts go into the export as JSON.
"""

from __future__ import annotations

import hashlib
import io
import json

from fuzz.harnesses.c2pa import mime_of
from synthtrace.analyze.content import Content
from synthtrace.analyze.image import analyze_image
from synthtrace.limits import Limits, MiB
from synthtrace.provenance.analyzer import ProvenanceAnalyzer

# Small pictures only: a fuzzed header claiming 60,000 x 60,000 pixels is refused, not decoded.
LIMITS = Limits(max_pixels=1_000_000, max_text_bytes=1 * MiB)
ANALYZER = ProvenanceAnalyzer()


def picture_input(data: bytes) -> None:
    facts, image = analyze_image(io.BytesIO(data), LIMITS, None)
    assert all(isinstance(e, str) for e in facts.errors)
    json.dumps(facts.exif, allow_nan=False)
    if image is None:
        return
    content = Content(
        path="evidence/picture",
        mime=mime_of(data),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        open=lambda: io.BytesIO(data),
        data=data,
        image=image,
    )
    result = ANALYZER.analyze(content, LIMITS)
    json.dumps(result.facts, allow_nan=False)
    assert all(isinstance(e, str) for e in result.errors)
