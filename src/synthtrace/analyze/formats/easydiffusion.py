"""Easy Diffusion: one PNG text chunk per setting (`prompt`, `seed`, `use_stable_diffusion_model`,
`num_inference_steps`, `guidance_scale`, ...), or the same settings as JSON in EXIF UserComment for
JPEG and WebP. Model names only, no hashes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    LoraRef,
    Metadata,
    as_float,
    as_int,
    as_text,
    json_object,
    size_of,
)
from synthtrace.limits import Limits

MARKER = "use_stable_diffusion_model"


def _settings(meta: Metadata, limits: Limits) -> tuple[str, Mapping[str, Any]] | None:
    if MARKER in meta.texts:
        return meta.where(MARKER), meta.texts
    uc = meta.exif_text("UserComment")
    if uc and uc.lstrip().startswith("{") and MARKER in uc:
        return "exif:UserComment", json_object(uc, "Easy Diffusion UserComment", limits)
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.startswith("["):
            try:
                return _names(json.loads(text))
            except ValueError:
                pass
        return [p.strip() for p in text.split(",") if p.strip() and p.strip() != "None"]
    return []


class EasyDiffusion:
    name: ClassVar[str] = "easydiffusion"

    def detect(self, meta: Metadata) -> bool:
        if MARKER in meta.texts:
            return True
        uc = meta.exif_text("UserComment")
        return bool(uc and uc.lstrip().startswith("{") and MARKER in uc)

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        found = _settings(meta, limits)
        if found is None:
            raise FormatError("no Easy Diffusion settings found")
        source, s = found
        facts = GenerationFacts(tool="easydiffusion", source=source)
        facts.prompt = as_text(s.get("prompt"))
        facts.negative_prompt = as_text(s.get("negative_prompt"))
        facts.seed = as_int(s.get("seed"))
        facts.steps = as_int(s.get("num_inference_steps"))
        facts.cfg_scale = as_float(s.get("guidance_scale"))
        facts.sampler = as_text(s.get("sampler_name"))
        facts.size = size_of(s.get("width"), s.get("height"))
        facts.model_name = as_text(s.get(MARKER))
        facts.model_hash_kind = "name-only" if facts.model_name else None
        vae = as_text(s.get("use_vae_model"))
        facts.vae = vae if vae and vae != "None" else None
        weights = _names(s.get("lora_alpha"))
        for i, name in enumerate(_names(s.get("use_lora_model"))):
            facts.loras.append(LoraRef(name, as_float(weights[i]) if i < len(weights) else None))
        strength = as_float(s.get("prompt_strength"))
        facts.img2img = strength is not None and strength < 1.0 and "init_image" in str(s)
        facts.denoising_strength = strength if facts.img2img else None
        version = as_text(s.get("app_version") or s.get("version"))
        facts.tool_version = version
        return facts

    def examples(self) -> list[Example]:
        texts = {
            "prompt": "a field of sunflowers under a blue sky",
            "seed": "2718",
            "use_stable_diffusion_model": "sd-v1-4",
            "sampler_name": "euler_a",
            "width": "512",
            "height": "768",
            "num_inference_steps": "25",
            "guidance_scale": "7.5",
            "use_lora_model": "summer_light",
            "lora_alpha": "0.5",
            "negative_prompt": "",
        }
        return [
            Example(
                Metadata(texts=texts),
                {
                    "tool": "easydiffusion",
                    "seed": 2718,
                    "steps": 25,
                    "size": "512x768",
                    "model_name": "sd-v1-4",
                    "model_hash_kind": "name-only",
                },
            ),
            Example(
                Metadata(container="JPEG", exif={"UserComment": json.dumps(texts)}),
                {"tool": "easydiffusion", "cfg_scale": 7.5},
            ),
        ]
