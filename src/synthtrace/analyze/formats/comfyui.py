"""ComfyUI: the node graph itself, as the `prompt` (API graph) and `workflow` (UI graph) chunks.

PNG: tEXt `prompt` and `workflow`. WebP (SaveAnimatedWEBP and friends): EXIF 0x0110 (Model) holds
`prompt:{json}` and 0x010F (Make) `workflow:{json}`. The graph is walked from the sampler: its seed,
steps and cfg, the text encoders its positive and negative inputs lead to, the checkpoint and LoRA
loaders its model input passes through, and whether its latent came from an encoded image
(img2img). ComfyUI stores model file names only, never hashes: links made from them are name links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    LoraRef,
    Metadata,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_text,
    json_object,
    size_of,
)
from synthtrace.limits import Limits

_SEED_KEYS = ("seed", "noise_seed")
_TEXT_KEYS = ("text", "text_g", "string", "value", "prompt", "text_positive", "wildcard_text")
_CKPT_KEYS = ("ckpt_name", "unet_name", "model_name", "checkpoint")
_IMG2IMG_NODES = ("VAEEncode", "VAEEncodeForInpaint", "InpaintModelConditioning")
MAX_HOPS = 64


def _exif_payloads(meta: Metadata) -> dict[str, tuple[str, str]]:
    """`prompt:` / `workflow:` payloads found in EXIF string tags (WebP saves)."""
    out: dict[str, tuple[str, str]] = {}
    for tag, value in meta.exif.items():
        if not isinstance(value, str):
            continue
        for key in ("prompt", "workflow"):
            if value.startswith(key + ":") and key not in out:
                out[key] = (f"exif:{tag}", value[len(key) + 1 :])
    return out


def _sources(meta: Metadata) -> dict[str, tuple[str, str]]:
    found = _exif_payloads(meta)
    for key in ("prompt", "workflow"):
        text = meta.texts.get(key)
        if text is not None and text.lstrip().startswith("{"):
            found[key] = (meta.where(key), text)
    return found


class _ApiGraph:
    """The API graph: {node id: {class_type, inputs}}; an input [id, slot] links to another node."""

    def __init__(self, graph: dict[str, Any]) -> None:
        self.nodes = {str(k): v for k, v in graph.items() if isinstance(v, dict)}

    def inputs(self, node: dict[str, Any]) -> dict[str, Any]:
        value = node.get("inputs")
        return value if isinstance(value, dict) else {}

    def follow(self, value: Any) -> dict[str, Any] | None:
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int):
            return self.nodes.get(str(value[0]))
        return None

    def scalar(self, value: Any, hops: int = 0) -> Any:
        """A literal input, following links through primitive/constant nodes."""
        node = self.follow(value)
        if node is None or hops > MAX_HOPS:
            return value if node is None else None
        for key in ("value", "seed", "noise_seed", "int", "float", "string", "text"):
            if key in self.inputs(node):
                return self.scalar(self.inputs(node)[key], hops + 1)
        return None

    def text(self, value: Any, hops: int = 0) -> str | None:
        """The prompt text an encoder input leads to (through conditioning combiners)."""
        node = self.follow(value)
        if node is None or hops > MAX_HOPS:
            return value if isinstance(value, str) else None
        inputs = self.inputs(node)
        for key in _TEXT_KEYS:
            if key in inputs:
                found = self.text(inputs[key], hops + 1)
                if found is not None:
                    return found
        for key in ("conditioning", "conditioning_1", "positive", "conditioning_to"):
            if key in inputs:
                found = self.text(inputs[key], hops + 1)
                if found is not None:
                    return found
        return None

    def samplers(self) -> list[dict[str, Any]]:
        found = []
        for node_id in sorted(self.nodes, key=lambda k: (len(k), k)):
            node = self.nodes[node_id]
            inputs = self.inputs(node)
            if "positive" in inputs and ("latent_image" in inputs or "model" in inputs):
                found.append(node)
        return found

    def model_chain(self, value: Any) -> Iterator[dict[str, Any]]:
        seen = 0
        node = self.follow(value)
        while node is not None and seen < MAX_HOPS:
            yield node
            seen += 1
            node = self.follow(self.inputs(node).get("model"))


def _class(node: dict[str, Any]) -> str:
    return str(node.get("class_type") or node.get("type") or "")


def _parse_api(graph: dict[str, Any], facts: GenerationFacts) -> None:
    g = _ApiGraph(graph)
    samplers = g.samplers()
    loras: dict[str, LoraRef] = {}
    if samplers:
        s = g.inputs(samplers[0])
        facts.seed = as_int(next((g.scalar(s[k]) for k in _SEED_KEYS if k in s), None))
        facts.steps = as_int(g.scalar(s.get("steps")))
        facts.cfg_scale = as_float(g.scalar(s.get("cfg")))
        facts.sampler = as_text(g.scalar(s.get("sampler_name")))
        facts.prompt = g.text(s.get("positive"))
        facts.negative_prompt = g.text(s.get("negative"))
        denoise = as_float(g.scalar(s.get("denoise")))
        latent = g.follow(s.get("latent_image"))
        if latent is not None:
            li = g.inputs(latent)
            facts.size = size_of(g.scalar(li.get("width")), g.scalar(li.get("height")))
            if _class(latent) in _IMG2IMG_NODES or "pixels" in li:
                facts.img2img = True
                facts.denoising_strength = denoise
        for node in g.model_chain(s.get("model")):
            inputs = g.inputs(node)
            if "lora_name" in inputs:
                name = str(inputs["lora_name"])
                loras.setdefault(name, LoraRef(name, as_float(inputs.get("strength_model"))))
            for key in _CKPT_KEYS:
                if isinstance(inputs.get(key), str) and facts.model_name is None:
                    facts.model_name = inputs[key]
    for node in g.nodes.values():
        inputs = g.inputs(node)
        if isinstance(inputs.get("lora_name"), str):
            name = inputs["lora_name"]
            loras.setdefault(name, LoraRef(name, as_float(inputs.get("strength_model"))))
        if isinstance(inputs.get("vae_name"), str) and facts.vae is None:
            facts.vae = inputs["vae_name"]
        if facts.model_name is None and isinstance(inputs.get("ckpt_name"), str):
            facts.model_name = inputs["ckpt_name"]
    facts.loras = list(loras.values())


def _widgets(node: dict[str, Any]) -> list[Any]:
    value = node.get("widgets_values")
    return value if isinstance(value, list) else []


def _get(table: dict[Any, Any], key: Any) -> Any:
    """A lookup by a key taken from the metadata, which may be any JSON value (even a list)."""
    return table.get(key) if isinstance(key, int | str) else None


def _parse_workflow(workflow: dict[str, Any], facts: GenerationFacts) -> None:
    """The UI graph, used when there is no API graph: widget values by node type."""
    nodes = [n for n in as_list(workflow.get("nodes")) if isinstance(n, dict)]
    links: dict[Any, Any] = {}
    for link in as_list(workflow.get("links")):
        if isinstance(link, list) and len(link) >= 2 and isinstance(link[0], int | str):
            links[link[0]] = link[1]
    by_id = {n.get("id"): n for n in nodes if isinstance(n.get("id"), int | str)}

    def origin(node: dict[str, Any], input_name: str) -> dict[str, Any] | None:
        for inp in as_list(node.get("inputs")):
            if isinstance(inp, dict) and inp.get("name") == input_name:
                found = _get(by_id, _get(links, inp.get("link")))
                return found if isinstance(found, dict) else None
        return None

    loras: dict[str, LoraRef] = {}
    for node in nodes:
        kind, w = _class(node), _widgets(node)
        if "KSampler" in kind and len(w) >= 5 and facts.seed is None:
            facts.seed, facts.steps = as_int(w[0]), as_int(w[2])
            facts.cfg_scale, facts.sampler = as_float(w[3]), as_text(w[4])
            for name, attr in (("positive", "prompt"), ("negative", "negative_prompt")):
                src = origin(node, name)
                if src is not None and _widgets(src) and isinstance(_widgets(src)[0], str):
                    setattr(facts, attr, _widgets(src)[0])
        elif kind.startswith("CheckpointLoader") and w and isinstance(w[0], str):
            facts.model_name = facts.model_name or w[0]
        elif kind.startswith("LoraLoader") and w and isinstance(w[0], str):
            loras.setdefault(w[0], LoraRef(w[0], as_float(w[1]) if len(w) > 1 else None))
        elif kind == "EmptyLatentImage" and len(w) >= 2:
            facts.size = facts.size or size_of(w[0], w[1])
        elif kind == "VAELoader" and w and isinstance(w[0], str):
            facts.vae = facts.vae or w[0]
        elif kind in _IMG2IMG_NODES:
            facts.img2img = True
    facts.loras = facts.loras or list(loras.values())


class ComfyUI:
    """ComfyUI PNG `prompt`/`workflow` chunks, or their WebP EXIF equivalents."""

    name: ClassVar[str] = "comfyui"

    def detect(self, meta: Metadata) -> bool:
        return bool(_sources(meta))

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        sources = _sources(meta)
        if not sources:
            raise FormatError("no ComfyUI graph found")
        first = sources.get("prompt") or sources["workflow"]
        facts = GenerationFacts(tool="comfyui", source=first[0])
        errors = []
        if "prompt" in sources:
            where, text = sources["prompt"]
            try:
                _parse_api(json_object(text, f"ComfyUI prompt ({where})", limits), facts)
            except FormatError as exc:
                errors.append(str(exc))
        if "workflow" in sources:
            where, text = sources["workflow"]
            try:
                workflow = json_object(text, f"ComfyUI workflow ({where})", limits)
                if facts.seed is None and facts.model_name is None:
                    _parse_workflow(workflow, facts)
                version = as_dict(workflow.get("extra")).get("frontendVersion")
                facts.tool_version = version if isinstance(version, str) else None
            except FormatError as exc:
                errors.append(str(exc))
        if len(errors) == len(sources):
            raise FormatError("; ".join(errors))
        facts.notes.extend(errors)
        if facts.model_name:
            facts.model_hash_kind = "name-only"
        return facts

    def examples(self) -> list[Example]:
        graph = {
            "3": {
                "class_type": "KSampler",
                "inputs": {
                    "seed": 8675309,
                    "steps": 25,
                    "cfg": 6.0,
                    "sampler_name": "dpmpp_2m",
                    "scheduler": "karras",
                    "denoise": 1.0,
                    "model": ["10", 0],
                    "positive": ["6", 0],
                    "negative": ["7", 0],
                    "latent_image": ["5", 0],
                },
            },
            "4": {
                "class_type": "CheckpointLoaderSimple",
                "inputs": {"ckpt_name": "landscapes/dreamvista_v3.safetensors"},
            },
            "10": {
                "class_type": "LoraLoader",
                "inputs": {
                    "lora_name": "old_lighthouses.safetensors",
                    "strength_model": 0.8,
                    "strength_clip": 0.8,
                    "model": ["4", 0],
                    "clip": ["4", 1],
                },
            },
            "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 832, "height": 1216}},
            "6": {
                "class_type": "CLIPTextEncode",
                "inputs": {"text": "a lighthouse on a cliff at dusk", "clip": ["10", 1]},
            },
            "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "fog", "clip": ["10", 1]}},
        }
        webp_graph = {
            "1": {
                "class_type": "KSampler",
                "inputs": {
                    "seed": 5,
                    "steps": 12,
                    "cfg": 3.5,
                    "positive": ["2", 0],
                    "latent_image": ["3", 0],
                    "denoise": 0.6,
                },
            },
            "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a bowl of lemons"}},
            "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["4", 0]}},
        }
        return [
            Example(
                Metadata(
                    texts={"prompt": json.dumps(graph), "workflow": json.dumps({"nodes": []})}
                ),
                {
                    "tool": "comfyui",
                    "seed": 8675309,
                    "steps": 25,
                    "cfg_scale": 6.0,
                    "prompt": "a lighthouse on a cliff at dusk",
                    "negative_prompt": "fog",
                    "size": "832x1216",
                    "model_name": "landscapes/dreamvista_v3.safetensors",
                    "model_hash_kind": "name-only",
                    "img2img": False,
                },
            ),
            Example(
                Metadata(container="WEBP", exif={"Model": "prompt:" + json.dumps(webp_graph)}),
                {"tool": "comfyui", "seed": 5, "img2img": True, "denoising_strength": 0.6},
            ),
        ]
