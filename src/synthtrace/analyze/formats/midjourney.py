"""Midjourney: the prompt and its `--` parameters followed by `Job ID: <uuid>`, in the PNG
`Description` chunk (with `Author`), in EXIF ImageDescription, or in the XMP dc:description.
"""

from __future__ import annotations

import re
from typing import ClassVar

from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    Metadata,
    as_float,
    as_int,
)
from synthtrace.analyze.formats.xmp import xmp_value
from synthtrace.limits import Limits

_JOB = re.compile(r"\s*Job ID:\s*([0-9a-fA-F-]{36})\s*$")
_FLAG = re.compile(r"--(\w+)(?:\s+([^-\s][^\s]*))?")


def _description(meta: Metadata) -> tuple[str, str] | None:
    for source, text in (
        (meta.where("Description"), meta.texts.get("Description")),
        ("exif:ImageDescription", meta.exif_text("ImageDescription")),
        ("xmp:dc:description", xmp_value(meta.xmp, "dc:description") if meta.xmp else None),
    ):
        if text and "Job ID:" in text and _JOB.search(text[-200:]):
            return source, text
    return None


class Midjourney:
    name: ClassVar[str] = "midjourney"

    def detect(self, meta: Metadata) -> bool:
        return _description(meta) is not None

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        found = _description(meta)
        if found is None:
            raise FormatError("no Midjourney description found")
        source, text = found
        job = _JOB.search(text)
        body = text[: job.start()] if job else text
        flags = {m.group(1).lower(): m.group(2) for m in _FLAG.finditer(body)}
        first = body.find(" --")
        prompt = (body[:first] if first >= 0 else body).strip()
        facts = GenerationFacts(tool="midjourney", source=source, prompt=prompt or None)
        facts.seed = as_int(flags.get("seed"))
        facts.tool_version = flags.get("v") or flags.get("version") or flags.get("niji")
        facts.negative_prompt = flags.get("no")
        facts.notes.append(f"Midjourney Job ID {job.group(1)}" if job else "no Job ID")
        if flags.get("iw") is not None or re.match(r"https?://\S+", prompt):
            facts.img2img = True  # an image prompt: the picture was made from another image
            facts.denoising_strength = as_float(flags.get("iw"))
        return facts

    def examples(self) -> list[Example]:
        text = (
            "a lighthouse on a cliff at dusk, cinematic --ar 16:9 --v 6.1 --seed 777 "
            "Job ID: 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        )
        return [
            Example(
                Metadata(texts={"Description": text, "Author": "someone"}),
                {
                    "tool": "midjourney",
                    "prompt": "a lighthouse on a cliff at dusk, cinematic",
                    "seed": 777,
                    "tool_version": "6.1",
                },
            ),
            Example(
                Metadata(container="JPEG", exif={"ImageDescription": text}),
                {"tool": "midjourney", "seed": 777},
            ),
        ]
