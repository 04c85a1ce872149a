"""Fooocus: PNG `parameters` JSON with `fooocus_scheme: fooocus`; in JPEG and WebP the same JSON in
EXIF UserComment, `Fooocus v...` in Software and the scheme name in MakerNote. (Fooocus's "a1111"
scheme writes an infotext, read by the A1111 format, which names Fooocus from its Version.)
Model hashes are the first 10 hex of the file's SHA-256, as A1111's.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

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
    hash_kind,
    json_object,
)
from synthtrace.limits import Limits

_RESOLUTION = re.compile(r"\(?\s*(\d+)\s*[,x×*]\s*(\d+)\s*\)?")


def _norm(doc: dict[str, Any]) -> dict[str, Any]:
    """Older Fooocus wrote `Base Model`, newer `base_model`: one spelling for both."""
    return {str(k).strip().lower().replace(" ", "_"): v for k, v in doc.items()}


def _payload(meta: Metadata) -> tuple[str, str] | None:
    params = meta.texts.get("parameters")
    if (
        params is not None
        and params.lstrip().startswith("{")
        and ("fooocus_scheme" in meta.texts or '"fooocus"' in params or "Fooocus" in params)
    ):
        return meta.where("parameters"), params
    uc = meta.exif_text("UserComment")
    software = meta.exif_text("Software") or ""
    maker = meta.exif_text("MakerNote") or ""
    if (
        uc
        and uc.lstrip().startswith("{")
        and (software.startswith("Fooocus") or maker == "fooocus" or '"fooocus"' in uc)
    ):
        return "exif:UserComment", uc
    return None


def _loras(doc: dict[str, Any]) -> list[LoraRef]:
    out: list[LoraRef] = []
    for item in as_list(doc.get("loras")):
        if isinstance(item, list | tuple) and item and isinstance(item[0], str):
            weight = as_float(item[1]) if len(item) > 1 else None
            h = item[2] if len(item) > 2 and isinstance(item[2], str) else None
            out.append(LoraRef(item[0], weight, h, hash_kind(h)))
    for key, value in doc.items():  # older: "lora_1": "name : 0.5"
        if key.startswith("lora_") and isinstance(value, str) and ":" in value:
            lora_name, _, lora_weight = value.rpartition(":")
            out.append(LoraRef(lora_name.strip(), as_float(lora_weight)))
    return out


class Fooocus:
    """Fooocus's own metadata scheme (JSON)."""

    name: ClassVar[str] = "fooocus"

    def detect(self, meta: Metadata) -> bool:
        return _payload(meta) is not None

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        found = _payload(meta)
        if found is None:
            raise FormatError("no Fooocus metadata found")
        source, text = found
        doc = _norm(json_object(text, f"Fooocus parameters ({source})", limits))
        facts = GenerationFacts(tool="fooocus", source=source)
        facts.tool_version = as_text(doc.get("version")) or meta.exif_text("Software")
        facts.prompt = as_text(doc.get("prompt"))
        facts.negative_prompt = as_text(doc.get("negative_prompt"))
        facts.seed = as_int(doc.get("seed"))
        facts.steps = as_int(doc.get("steps"))
        facts.sampler = as_text(doc.get("sampler"))
        facts.cfg_scale = as_float(doc.get("guidance_scale"))
        res = _RESOLUTION.search(str(doc.get("resolution") or ""))
        facts.size = f"{res.group(1)}x{res.group(2)}" if res else None
        facts.model_name = as_text(doc.get("base_model"))
        facts.model_hash = as_text(doc.get("base_model_hash"))
        facts.model_hash_kind = (
            hash_kind(facts.model_hash)
            if facts.model_hash
            else "name-only"
            if facts.model_name
            else None
        )
        facts.vae = as_text(doc.get("vae"))
        facts.loras = _loras(doc)
        strength = as_float(doc.get("denoising_strength"))
        facts.img2img = strength is not None
        facts.denoising_strength = strength
        return facts

    def examples(self) -> list[Example]:
        doc = {
            "adm_guidance": "(1.5, 0.8, 0.3)",
            "base_model": "juggernautXL_v8Rundiffusion.safetensors",
            "base_model_hash": "aeb7e9e689",
            "guidance_scale": 4,
            "loras": [["sd_xl_offset_example-lora_1.0.safetensors", 0.1, "4852686128"]],
            "metadata_scheme": "fooocus",
            "negative_prompt": "",
            "performance": "Speed",
            "prompt": "a stone bridge over a mountain river",
            "resolution": "(1152, 896)",
            "sampler": "dpmpp_2m_sde_gpu",
            "seed": "918273645",
            "steps": 30,
            "version": "Fooocus v2.5.5",
        }
        return [
            Example(
                Metadata(texts={"parameters": json.dumps(doc), "fooocus_scheme": "fooocus"}),
                {
                    "tool": "fooocus",
                    "seed": 918273645,
                    "size": "1152x896",
                    "model_hash": "aeb7e9e689",
                    "model_hash_kind": "autov2",
                    "tool_version": "Fooocus v2.5.5",
                },
            ),
            Example(
                Metadata(
                    container="JPEG",
                    exif={
                        "UserComment": json.dumps({"Prompt": "a canyon at noon", "Seed": 11}),
                        "Software": "Fooocus v2.1.865",
                        "MakerNote": "fooocus",
                    },
                ),
                {"tool": "fooocus", "seed": 11, "prompt": "a canyon at noon"},
            ),
        ]
