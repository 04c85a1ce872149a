"""AUTOMATIC1111 and Forge "infotext": prompt lines, `Negative prompt:`, then `Key: value, ...`.

Found in the PNG `parameters` chunk (tEXt or iTXt, also after IDAT), the EXIF UserComment of JPEG,
WebP and AVIF files, a GIF or JPEG comment, or a stealth payload. Hashes are as A1111 writes them:
`Model hash` (10 hex: the first of the file's SHA-256, "autov2"; 8 hex: the old "autov1"), LoRA
hashes (12 hex of the safetensors tensor-data hash, "addnet"), `Hashes: {json}`, AddNet fields.
Forge 2.0 builds hashed the model's file name instead of its content; that is recognised and said.
"""

from __future__ import annotations

import hashlib
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
    hash_kind,
)
from synthtrace.limits import Limits

# One `Key: value` pair of the parameters line; values may be JSON-quoted (as A1111 quotes them).
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_LORA_TAG = re.compile(r"<(lora|lyco):([^:<>]+)(?::([-+]?[\d.]+))?[^<>]*>")
_ADDNET_MODEL = re.compile(r"^(.*?)\s*\(([0-9a-fA-F]{6,64})\)\s*$")
_STEPS = re.compile(r"(?:^|,\s*)Steps:\s*\d+")
# Extensions a Forge 2.0 checkpoint name may have had when its name was hashed.
_MODEL_EXTS = ("", ".safetensors", ".ckpt", ".pt", ".pth", ".sft", ".gguf", ".bin")
_HIRES_KEYS = ("Hires upscale", "Hires upscaler", "Hires steps", "Hires resize")
MAX_PARAMS_LINE = 1_000_000


def name_hash(name: str, value: str) -> str | None:
    """The file name whose SHA-256 starts with `value` (Forge 2.0's name "hash"), if any."""
    v = value.lower()
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for ext in _MODEL_EXTS:
        candidate = base if base.lower().endswith(ext) and ext else base + ext
        if hashlib.sha256(candidate.encode("utf-8")).hexdigest().startswith(v):
            return candidate
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            out = json.loads(value)
            return out if isinstance(out, str) else value
        except ValueError:
            return value[1:-1]
    return value


def split_infotext(text: str) -> tuple[str, str, dict[str, str]]:
    """Prompt, negative prompt and the `Key: value` parameters of an infotext (A1111's grammar)."""
    lines = text.strip().split("\n")
    last = lines[-1] if lines else ""
    params: dict[str, str] = {}
    if len(last) <= MAX_PARAMS_LINE and len(_PARAM.findall(last)) >= 3:
        lines = lines[:-1]
        for key, value in _PARAM.findall(last):
            params.setdefault(key.strip(), _unquote(value.strip()))
    prompt: list[str] = []
    negative: list[str] = []
    in_negative = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("Negative prompt:"):
            in_negative = True
            stripped = stripped[len("Negative prompt:") :].strip()
        (negative if in_negative else prompt).append(stripped)
    return "\n".join(prompt).strip(), "\n".join(negative).strip(), params


def _pairs(value: str) -> list[tuple[str, str]]:
    """`name: hash, name2: hash2` (Lora hashes, TI hashes)."""
    out = []
    for part in value.split(","):
        name, sep, h = part.rpartition(":")
        if sep and name.strip() and h.strip():
            out.append((name.strip(), h.strip()))
    return out


def looks_like_infotext(text: str | None) -> bool:
    if not text or text.lstrip().startswith(("{", "[")):
        return False
    last = text.strip().rsplit("\n", 1)[-1]
    return bool(_STEPS.search(last[:MAX_PARAMS_LINE]))


class A1111:
    """AUTOMATIC1111 / Forge infotext (also what Fooocus writes in its "a1111" scheme)."""

    name: ClassVar[str] = "a1111"

    def _candidates(self, meta: Metadata) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if "parameters" in meta.texts:
            found.append((meta.where("parameters"), meta.texts["parameters"]))
        if (uc := meta.exif_text("UserComment")) is not None:
            found.append(("exif:UserComment", uc))
        if meta.comment:
            found.append((f"{meta.container.lower()}:comment", meta.comment))
        return found

    def detect(self, meta: Metadata) -> bool:
        return any(looks_like_infotext(text) for _, text in self._candidates(meta))

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        for source, text in self._candidates(meta):
            if looks_like_infotext(text):
                return parse_infotext(text, source)
        raise FormatError("no AUTOMATIC1111 parameters found")

    def examples(self) -> list[Example]:
        png = (
            "a lighthouse on a cliff at dusk, <lora:seaside_v2:0.7>\n"
            "Negative prompt: blurry, low quality\n"
            "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234567, "
            "Size: 768x512, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, "
            'Lora hashes: "seaside_v2: 0123456789ab", Version: v1.7.0'
        )
        jpeg = (
            "a bowl of lemons, oil painting\n"
            "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.55, "
            "Mask blur: 4, Version: f0.0.17v1.8.0rc-latest-276-g29be1da7"
        )
        return [
            Example(
                Metadata(texts={"parameters": png}),
                {
                    "tool": "a1111",
                    "prompt": "a lighthouse on a cliff at dusk, <lora:seaside_v2:0.7>",
                    "negative_prompt": "blurry, low quality",
                    "seed": 1234567,
                    "steps": 30,
                    "cfg_scale": 6.5,
                    "size": "768x512",
                    "model_hash": "31e35c80fc",
                    "model_hash_kind": "autov2",
                    "tool_version": "v1.7.0",
                },
            ),
            Example(
                Metadata(container="JPEG", exif={"UserComment": jpeg}),
                {"tool": "a1111", "seed": 42, "img2img": True, "denoising_strength": 0.55},
            ),
        ]


def _loras(prompt: str, params: dict[str, str]) -> list[LoraRef]:
    by_name: dict[str, LoraRef] = {}
    for _kind, name, weight in _LORA_TAG.findall(prompt):
        by_name.setdefault(name.strip(), LoraRef(name.strip(), as_float(weight) if weight else 1.0))
    for name, h in _pairs(params.get("Lora hashes", "")):
        ref = by_name.setdefault(name, LoraRef(name))
        ref.hash, ref.hash_kind = h, hash_kind(h, "addnet")
    hashes = _hashes_json(params)
    for key, h in hashes.items():
        if key.startswith("lora:") and isinstance(h, str):
            ref = by_name.setdefault(key[5:], LoraRef(key[5:]))
            if ref.hash is None:
                ref.hash, ref.hash_kind = h, hash_kind(h, "addnet")
    for key, value in params.items():
        m = re.fullmatch(r"AddNet Model (\d+)", key)
        if not m:
            continue
        if params.get(f"AddNet Module {m.group(1)}", "LoRA") != "LoRA":
            continue
        hm = _ADDNET_MODEL.match(value)
        name, h = (hm.group(1), hm.group(2)) if hm else (value, "")
        ref = by_name.setdefault(name, LoraRef(name))
        ref.weight = as_float(params.get(f"AddNet Weight A {m.group(1)}")) or ref.weight
        if h:
            ref.hash, ref.hash_kind = h, "addnet"
    return list(by_name.values())


def _embeddings(params: dict[str, str]) -> list[LoraRef]:
    """Textual inversions: `TI hashes` and `Hashes` "embed:" keys (12 hex of the file SHA-256)."""
    by_name: dict[str, LoraRef] = {}
    for name, h in _pairs(params.get("TI hashes", "")):
        by_name.setdefault(name, LoraRef(name, None, h, hash_kind(h, "sha256")))
    for key, h in _hashes_json(params).items():
        if key.startswith("embed:") and isinstance(h, str):
            by_name.setdefault(key[6:], LoraRef(key[6:], None, h, hash_kind(h, "sha256")))
    return list(by_name.values())


def _hashes_json(params: dict[str, str]) -> dict[str, Any]:
    raw = params.get("Hashes")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tool(version: str | None) -> str:
    v = (version or "").lower()
    if v.startswith("fooocus"):
        return "fooocus"
    if v.startswith("comfyui"):
        return "comfyui"
    return "a1111"


def parse_infotext(text: str, source: str) -> GenerationFacts:
    prompt, negative, params = split_infotext(text)
    if not params:
        raise FormatError(f"{source}: no parameters line")
    version = params.get("Version")
    facts = GenerationFacts(
        tool=_tool(version),
        source=source,
        tool_version=version,
        prompt=prompt or None,
        negative_prompt=negative or None,
        seed=as_int(params.get("Seed")),
        steps=as_int(params.get("Steps")),
        sampler=params.get("Sampler"),
        cfg_scale=as_float(params.get("CFG scale")),
        size=params.get("Size"),
        model_name=params.get("Model"),
        vae=params.get("VAE"),
    )
    model_hash = params.get("Model hash") or _hashes_json(params).get("model")
    if isinstance(model_hash, str) and model_hash:
        facts.model_hash = model_hash
        facts.model_hash_kind = hash_kind(model_hash)
        named = name_hash(facts.model_name, model_hash) if facts.model_name else None
        if named is not None:
            facts.model_hash_kind = "forge-name"
            facts.notes.append(
                f"Model hash {model_hash} is the SHA-256 of the file name {named!r}, not of the "
                "file's content (Forge 2.0 builds): it identifies the name only"
            )
    elif facts.model_name:
        facts.model_hash_kind = "name-only"
    facts.loras = _loras(prompt, params)
    facts.embeddings = _embeddings(params)
    for ref in facts.loras:
        if ref.hash and (named := name_hash(ref.name, ref.hash)) is not None:
            ref.hash_kind = "forge-name"
            facts.notes.append(f"LoRA hash {ref.hash} is the SHA-256 of the file name {named!r}")
    strength = as_float(params.get("Denoising strength"))
    facts.denoising_strength = strength
    hires = any(k in params for k in _HIRES_KEYS)
    facts.img2img = strength is not None and (not hires or "Mask blur" in params)
    return facts
