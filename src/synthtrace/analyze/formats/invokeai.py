"""InvokeAI, every generation of its metadata.

- `invokeai_metadata` (3.x and later): flat JSON; 4.x names models with a `hash` such as
  `blake3:<hex>` (BLAKE3 of the model file), which links by content.
- `invokeai_graph`: the node graph (read only when no metadata chunk is there).
- `sd-metadata` (2.x): JSON with `model_weights`, `model_hash` (full SHA-256) and `image`.
- `Dream` (1.x): a command line, `"prompt" -s steps -S seed -W w -H h -C cfg -A sampler`.
"""

from __future__ import annotations

import json
import shlex
from itertools import pairwise
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
    size_of,
)
from synthtrace.limits import Limits

KEYS = ("invokeai_metadata", "sd-metadata", "invokeai_graph", "Dream")
_IMG2IMG_MODES = ("img2img", "inpaint", "outpaint", "canvas", "sdxl_img2img", "sdxl_inpaint")


def _model(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, dict):
        name = value.get("name") or value.get("model_name")
        h = value.get("hash")
        return as_text(name), h if isinstance(h, str) else None
    return as_text(value), None


def _from_metadata(doc: dict[str, Any], facts: GenerationFacts) -> None:
    facts.tool_version = as_text(doc.get("app_version"))
    facts.prompt = as_text(doc.get("positive_prompt"))
    facts.negative_prompt = as_text(doc.get("negative_prompt"))
    facts.seed = as_int(doc.get("seed"))
    facts.steps = as_int(doc.get("steps"))
    facts.cfg_scale = as_float(doc.get("cfg_scale"))
    facts.sampler = as_text(doc.get("scheduler"))
    facts.size = size_of(doc.get("width"), doc.get("height"))
    facts.model_name, facts.model_hash = _model(doc.get("model"))
    facts.model_hash_kind = hash_kind(facts.model_hash) if facts.model_hash else "name-only"
    facts.vae = _model(doc.get("vae"))[0]
    for item in as_list(doc.get("loras")):
        if not isinstance(item, dict):
            continue
        name, h = _model(item.get("model") or item.get("lora"))
        if name:
            facts.loras.append(LoraRef(name, as_float(item.get("weight")), h, hash_kind(h)))
    mode = str(doc.get("generation_mode") or "")
    facts.img2img = mode in _IMG2IMG_MODES
    if facts.img2img:
        facts.denoising_strength = as_float(doc.get("strength") or doc.get("denoising_strength"))


def _from_graph(doc: dict[str, Any], facts: GenerationFacts) -> None:
    nodes = doc.get("nodes")
    items = list(nodes.values()) if isinstance(nodes, dict) else as_list(nodes)
    for node in items:
        if not isinstance(node, dict):
            continue
        kind = str(node.get("type") or "")
        if kind.endswith("model_loader") and facts.model_name is None:
            facts.model_name, facts.model_hash = _model(node.get("model"))
        elif kind == "noise" and facts.seed is None:
            facts.seed = as_int(node.get("seed"))
        elif "compel" in kind and facts.prompt is None:
            facts.prompt = as_text(node.get("prompt"))
        elif kind.endswith("denoise_latents"):
            facts.steps = facts.steps or as_int(node.get("steps"))
            facts.cfg_scale = facts.cfg_scale or as_float(node.get("cfg_scale"))
            facts.sampler = facts.sampler or as_text(node.get("scheduler"))
            start = as_float(node.get("denoising_start"))
            if start:
                facts.img2img, facts.denoising_strength = True, round(1 - start, 4)
        elif kind == "lora_loader":
            name, h = _model(node.get("lora"))
            if name:
                facts.loras.append(LoraRef(name, as_float(node.get("weight")), h, hash_kind(h)))
    facts.model_hash_kind = hash_kind(facts.model_hash) if facts.model_hash else "name-only"


def _from_sd_metadata(doc: dict[str, Any], facts: GenerationFacts) -> None:
    facts.tool_version = as_text(doc.get("app_version"))
    facts.model_name = as_text(doc.get("model_weights"))
    facts.model_hash = as_text(doc.get("model_hash"))
    facts.model_hash_kind = hash_kind(facts.model_hash, "sha256") if facts.model_hash else None
    image = doc.get("image")
    if not isinstance(image, dict):
        return
    prompt = image.get("prompt")
    if isinstance(prompt, list):
        parts = [p.get("prompt") for p in prompt if isinstance(p, dict)]
        prompt = " ".join(p for p in parts if isinstance(p, str))
    facts.prompt = as_text(prompt)
    facts.seed = as_int(image.get("seed"))
    facts.steps = as_int(image.get("steps"))
    facts.cfg_scale = as_float(image.get("cfg_scale"))
    facts.sampler = as_text(image.get("sampler"))
    facts.size = size_of(image.get("width"), image.get("height"))
    facts.img2img = image.get("type") in ("img2img", "inpaint", "outpaint")
    if facts.img2img:
        facts.denoising_strength = as_float(image.get("strength"))


_DREAM_FLAGS = {
    "-s": "steps",
    "-S": "seed",
    "-W": "width",
    "-H": "height",
    "-C": "cfg",
    "-A": "sampler",
}


def _from_dream(text: str, facts: GenerationFacts) -> None:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise FormatError(f"InvokeAI Dream line could not be split: {exc}") from exc
    if not words:
        raise FormatError("InvokeAI Dream line is empty")
    facts.prompt = words[0]
    values: dict[str, str] = {}
    for flag, value in pairwise(words[1:]):
        if flag in _DREAM_FLAGS:
            values[_DREAM_FLAGS[flag]] = value
        elif flag in ("-f", "--strength"):
            values["strength"] = value
        elif flag in ("-I", "--init_img"):
            values["init"] = value
    facts.seed, facts.steps = as_int(values.get("seed")), as_int(values.get("steps"))
    facts.cfg_scale, facts.sampler = as_float(values.get("cfg")), values.get("sampler")
    facts.size = size_of(values.get("width"), values.get("height"))
    facts.img2img = "init" in values
    facts.denoising_strength = as_float(values.get("strength")) if facts.img2img else None


class InvokeAI:
    """InvokeAI metadata chunks, from the 1.x `Dream` line to the 4.x metadata and graph."""

    name: ClassVar[str] = "invokeai"

    def detect(self, meta: Metadata) -> bool:
        return any(k in meta.texts for k in KEYS)

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        for key in KEYS:
            if key not in meta.texts:
                continue
            where = meta.where(key)
            facts = GenerationFacts(tool="invokeai", source=where)
            text = meta.texts[key]
            if key == "Dream":
                _from_dream(text, facts)
                return facts
            doc = json_object(text, f"InvokeAI {key} ({where})", limits)
            if key == "invokeai_metadata":
                _from_metadata(doc, facts)
            elif key == "sd-metadata":
                _from_sd_metadata(doc, facts)
            else:
                _from_graph(doc, facts)
            return facts
        raise FormatError("no InvokeAI metadata found")

    def examples(self) -> list[Example]:
        v4 = {
            "generation_mode": "sdxl_img2img",
            "positive_prompt": "a red barn in a snowy field",
            "negative_prompt": "text",
            "width": 1024,
            "height": 1024,
            "seed": 2024,
            "cfg_scale": 5.5,
            "steps": 30,
            "scheduler": "dpmpp_2m_k",
            "strength": 0.45,
            "model": {"key": "k1", "hash": "blake3:" + "ab" * 32, "name": "snowscapes_xl"},
            "loras": [
                {"model": {"name": "woodgrain", "hash": "blake3:" + "cd" * 32}, "weight": 0.6}
            ],
            "app_version": "4.2.4",
        }
        sd2 = {
            "model_weights": "stable-diffusion-1.5",
            "model_hash": "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516",
            "app_id": "invoke-ai/InvokeAI",
            "app_version": "2.2.4",
            "image": {
                "prompt": [{"prompt": "a windmill by a canal", "weight": 1.0}],
                "steps": 50,
                "cfg_scale": 7.5,
                "seed": 42,
                "width": 512,
                "height": 512,
                "sampler": "k_lms",
                "type": "txt2img",
            },
        }
        return [
            Example(
                Metadata(texts={"invokeai_metadata": json.dumps(v4)}),
                {
                    "tool": "invokeai",
                    "seed": 2024,
                    "model_name": "snowscapes_xl",
                    "model_hash_kind": "blake3",
                    "img2img": True,
                    "denoising_strength": 0.45,
                    "tool_version": "4.2.4",
                },
            ),
            Example(
                Metadata(texts={"sd-metadata": json.dumps(sd2)}),
                {"tool": "invokeai", "seed": 42, "model_hash_kind": "sha256", "steps": 50},
            ),
            Example(
                Metadata(texts={"Dream": '"a pine forest in mist" -s 40 -S 99 -W 512 -H 640'}),
                {"tool": "invokeai", "seed": 99, "steps": 40, "size": "512x640"},
            ),
        ]
