"""SwarmUI: PNG `parameters` (or EXIF UserComment) JSON with `sui_image_params`, and `sui_models`
naming each model used with its hash: `0x` + the SHA-256 of the safetensors tensor data (the part
after the header), which links by content ("swarm" hashes).
"""

from __future__ import annotations

import json
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


def _payload(meta: Metadata) -> tuple[str, str] | None:
    params = meta.texts.get("parameters")
    if params is not None and "sui_image_params" in params[:4096]:
        return meta.where("parameters"), params
    uc = meta.exif_text("UserComment")
    if uc and "sui_image_params" in uc[:4096]:
        return "exif:UserComment", uc
    return None


def _model_hashes(doc: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in as_list(doc.get("sui_models")):
        if isinstance(item, dict) and isinstance(item.get("hash"), str):
            for key in ("name", "param"):
                if isinstance(item.get(key), str):
                    out.setdefault(item[key], item["hash"])
    return out


def _lookup(hashes: dict[str, str], name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for key, value in hashes.items():
        k = key.replace("\\", "/").rsplit("/", 1)[-1]
        if k == base or k.rsplit(".", 1)[0] == base:
            return value
    return None


class SwarmUI:
    name: ClassVar[str] = "swarmui"

    def detect(self, meta: Metadata) -> bool:
        return _payload(meta) is not None

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        found = _payload(meta)
        if found is None:
            raise FormatError("no SwarmUI metadata found")
        source, text = found
        doc = json_object(text, f"SwarmUI parameters ({source})", limits)
        params = doc.get("sui_image_params")
        if not isinstance(params, dict):
            raise FormatError(f"SwarmUI parameters ({source}): sui_image_params is not an object")
        hashes = _model_hashes(doc)
        facts = GenerationFacts(tool="swarmui", source=source)
        facts.tool_version = as_text(params.get("swarm_version"))
        facts.prompt = as_text(params.get("prompt"))
        facts.negative_prompt = as_text(params.get("negativeprompt"))
        facts.seed = as_int(params.get("seed"))
        facts.steps = as_int(params.get("steps"))
        facts.cfg_scale = as_float(params.get("cfgscale"))
        facts.sampler = as_text(params.get("sampler"))
        facts.size = size_of(params.get("width"), params.get("height"))
        facts.model_name = as_text(params.get("model"))
        facts.vae = as_text(params.get("vae"))
        if facts.model_name:
            facts.model_hash = hashes.get("model") or _lookup(hashes, facts.model_name)
            facts.model_hash_kind = hash_kind(facts.model_hash) if facts.model_hash else "name-only"
        names = as_list(params.get("loras"))
        weights = as_list(params.get("loraweights"))
        for i, name in enumerate(names):
            if not isinstance(name, str):
                continue
            weight = as_float(weights[i]) if i < len(weights) else None
            h = _lookup(hashes, name)
            facts.loras.append(LoraRef(name, weight, h, hash_kind(h)))
        creativity = as_float(params.get("initimagecreativity"))
        facts.img2img = creativity is not None
        facts.denoising_strength = creativity
        return facts

    def examples(self) -> list[Example]:
        tensor_hash = "0x" + "5e" * 32
        doc = {
            "sui_image_params": {
                "prompt": "an old mill beside a stream, autumn",
                "negativeprompt": "",
                "model": "OfficialStableDiffusion/sd_xl_base_1.0",
                "seed": 1618,
                "steps": 24,
                "cfgscale": 6,
                "width": 1024,
                "height": 768,
                "sampler": "euler",
                "loras": ["autumn_leaves"],
                "loraweights": ["0.7"],
                "swarm_version": "0.9.2.1",
            },
            "sui_models": [
                {"name": "sd_xl_base_1.0.safetensors", "param": "model", "hash": tensor_hash},
                {"name": "autumn_leaves.safetensors", "param": "loras", "hash": "0x" + "a1" * 32},
            ],
        }
        return [
            Example(
                Metadata(texts={"parameters": json.dumps(doc)}),
                {
                    "tool": "swarmui",
                    "seed": 1618,
                    "size": "1024x768",
                    "model_hash": tensor_hash,
                    "model_hash_kind": "swarm",
                    "tool_version": "0.9.2.1",
                },
            )
        ]
