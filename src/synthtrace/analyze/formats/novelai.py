"""NovelAI: PNG `Software: NovelAI`, `Source` (model and its short id), `Description` (prompt) and
`Comment` (JSON settings); the same keys as JSON in WebP EXIF, or in the alpha-channel stealth
payload NovelAI also writes (decoded by analyze/stealth.py into the same keys).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    Metadata,
    as_float,
    as_int,
    as_text,
    json_object,
    load_json,
    size_of,
)
from synthtrace.limits import Limits

_SOURCE = re.compile(r"^(.*?)\s+([0-9A-Fa-f]{8})\s*$")


def _exif_document(meta: Metadata, limits: Limits) -> tuple[str, dict[str, Any]] | None:
    """A JSON object with `Software: NovelAI` in an EXIF string tag (WebP saves)."""
    for tag, value in meta.exif.items():
        if isinstance(value, str) and value.lstrip().startswith("{") and "NovelAI" in value:
            try:
                doc = load_json(value, f"exif:{tag}", limits)
            except FormatError:
                continue
            if isinstance(doc, dict) and "NovelAI" in str(doc.get("Software", "")):
                return f"exif:{tag}", {str(k): v for k, v in doc.items()}
    return None


def _is_novelai(texts: Any) -> bool:
    return "NovelAI" in str(texts.get("Software", "")) or "NovelAI" in str(texts.get("Source", ""))


class NovelAI:
    """NovelAI image metadata (text chunks, EXIF JSON or stealth payload)."""

    name: ClassVar[str] = "novelai"

    def detect(self, meta: Metadata) -> bool:
        if _is_novelai(meta.texts):
            return True
        return any(
            isinstance(v, str) and "NovelAI" in v and v.lstrip().startswith("{")
            for v in meta.exif.values()
        )

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        if _is_novelai(meta.texts):
            doc: dict[str, Any] = dict(meta.texts)
            source = meta.where("Comment" if "Comment" in doc else "Software")
        else:
            found = _exif_document(meta, limits)
            if found is None:
                raise FormatError("NovelAI EXIF metadata is not a readable JSON object")
            source, doc = found
        facts = GenerationFacts(tool="novelai", source=source)
        facts.prompt = as_text(doc.get("Description"))
        src = as_text(doc.get("Source"))
        if src:
            m = _SOURCE.match(src)
            facts.model_name = m.group(1) if m else src
            if m:
                facts.model_hash, facts.model_hash_kind = m.group(2), "novelai"
            else:
                facts.model_hash_kind = "name-only"
        comment = doc.get("Comment")
        if isinstance(comment, str) and comment.strip():
            settings = json_object(comment, f"NovelAI Comment ({source})", limits)
        elif isinstance(comment, dict):
            settings = comment
        else:
            settings = {}
        facts.prompt = as_text(settings.get("prompt")) or facts.prompt
        facts.negative_prompt = as_text(settings.get("uc"))
        facts.seed = as_int(settings.get("seed"))
        facts.steps = as_int(settings.get("steps"))
        facts.cfg_scale = as_float(settings.get("scale"))
        facts.sampler = as_text(settings.get("sampler"))
        facts.size = size_of(settings.get("width"), settings.get("height"))
        strength = as_float(settings.get("strength"))
        request = str(settings.get("request_type") or "")
        facts.img2img = "Img2Img" in request or (strength is not None and "image" in settings)
        facts.denoising_strength = strength if facts.img2img else None
        return facts

    def examples(self) -> list[Example]:
        comment = {
            "prompt": "a quiet harbour at sunrise, watercolor",
            "uc": "lowres, text",
            "steps": 28,
            "height": 1216,
            "width": 832,
            "scale": 5.0,
            "seed": 3141592,
            "sampler": "k_euler_ancestral",
            "strength": 0.7,
            "request_type": "Img2ImgRequest",
        }
        texts = {
            "Title": "AI generated image",
            "Description": "a quiet harbour at sunrise, watercolor",
            "Software": "NovelAI",
            "Source": "NovelAI Diffusion V4.5 4BDE2A90",
            "Comment": json.dumps(comment),
        }
        webp = {
            "Software": "NovelAI",
            "Source": "Stable Diffusion XL C1E1DE52",
            "Comment": json.dumps({"seed": 7, "steps": 23}),
        }
        return [
            Example(
                Metadata(texts=texts),
                {
                    "tool": "novelai",
                    "seed": 3141592,
                    "negative_prompt": "lowres, text",
                    "model_name": "NovelAI Diffusion V4.5",
                    "model_hash": "4BDE2A90",
                    "img2img": True,
                    "denoising_strength": 0.7,
                    "size": "832x1216",
                },
            ),
            Example(
                Metadata(container="WEBP", exif={"UserComment": json.dumps(webp)}),
                {"tool": "novelai", "seed": 7, "model_name": "Stable Diffusion XL"},
            ),
        ]
