"""Draw Things (iOS/macOS): XMP `xmp:CreatorTool` "Draw Things" and `exif:UserComment` holding a
JSON object: `c` (prompt), `uc` (negative), `seed`, `steps`, `scale`, `sampler`, `model`, `size`,
`strength` (below 1 for img2img) and `lora` [{file, weight}]. Model file names only.
"""

from __future__ import annotations

import json
from typing import ClassVar

from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    LoraRef,
    Metadata,
    as_float,
    as_int,
    as_list,
    as_text,
    json_object,
)
from synthtrace.analyze.formats.xmp import xmp_value
from synthtrace.limits import Limits


class DrawThings:
    name: ClassVar[str] = "drawthings"

    def detect(self, meta: Metadata) -> bool:
        xmp = meta.xmp or ""
        return "Draw Things" in xmp and "UserComment" in xmp

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        text = xmp_value(meta.xmp, "exif:UserComment")
        if text is None:
            raise FormatError("Draw Things XMP has no exif:UserComment")
        doc = json_object(text, "Draw Things XMP UserComment", limits)
        facts = GenerationFacts(tool="drawthings", source="xmp:exif:UserComment")
        facts.prompt = as_text(doc.get("c"))
        facts.negative_prompt = as_text(doc.get("uc"))
        facts.seed = as_int(doc.get("seed"))
        facts.steps = as_int(doc.get("steps"))
        facts.cfg_scale = as_float(doc.get("scale"))
        facts.sampler = as_text(doc.get("sampler"))
        facts.size = as_text(doc.get("size"))
        facts.model_name = as_text(doc.get("model"))
        facts.model_hash_kind = "name-only" if facts.model_name else None
        for item in as_list(doc.get("lora")):
            if isinstance(item, dict) and isinstance(item.get("file"), str):
                facts.loras.append(LoraRef(item["file"], as_float(item.get("weight"))))
        strength = as_float(doc.get("strength"))
        facts.img2img = strength is not None and strength < 1.0
        facts.denoising_strength = strength if facts.img2img else None
        facts.tool_version = xmp_value(meta.xmp, "xmp:CreatorTool")
        return facts

    def examples(self) -> list[Example]:
        doc = {
            "c": "a tidal pool with starfish, macro",
            "uc": "",
            "seed": 31337,
            "steps": 8,
            "scale": 2.0,
            "sampler": "DPM++ SDE Karras",
            "model": "sd_xl_turbo_1.0_f16.ckpt",
            "size": "512x512",
            "strength": 0.65,
            "lora": [{"file": "tidepools_lora_f16.ckpt", "weight": 0.6}],
        }
        body = json.dumps(doc).replace("&", "&amp;").replace('"', "&quot;")
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
            f'<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">{body}</rdf:li></rdf:Alt>'
            "</exif:UserComment><xmp:CreatorTool>Draw Things</xmp:CreatorTool>"
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        return [
            Example(
                Metadata(xmp=xmp),
                {
                    "tool": "drawthings",
                    "seed": 31337,
                    "size": "512x512",
                    "model_name": "sd_xl_turbo_1.0_f16.ckpt",
                    "img2img": True,
                    "denoising_strength": 0.65,
                },
            )
        ]
