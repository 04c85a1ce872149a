"""The shape every generator-metadata format shares: what it reads, returns, and how it is tested.

A format reads the metadata the image decoder already found (text chunks, EXIF, XMP, comments,
stealth payloads), not the file's bytes: the image is opened once by the pipeline, and generators
write the same payload into PNG chunks, EXIF or alpha bits alike, so one parser serves every place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

from synthtrace.limits import Limits


class FormatError(ValueError):
    """The metadata claims to be this format but cannot be read (the message says why)."""


@dataclass(frozen=True)
class Metadata:
    """Every piece of metadata of one image that a generator may have written.

    `texts` holds PNG text chunks by keyword (the first of a repeated keyword) and the keys of a
    decoded stealth payload; `origin` says where each text key was found, for the signals.
    """

    container: str = "PNG"
    texts: Mapping[str, str] = field(default_factory=dict)
    origin: Mapping[str, str] = field(default_factory=dict)
    exif: Mapping[str, Any] = field(default_factory=dict)
    xmp: str | None = None
    comment: str | None = None

    def where(self, key: str) -> str:
        return self.origin.get(key, f"png:{key}")

    def exif_text(self, name: str) -> str | None:
        value = self.exif.get(name)
        return value if isinstance(value, str) and value else None


@dataclass
class LoraRef:
    name: str
    weight: float | None = None
    hash: str | None = None
    hash_kind: str | None = None


@dataclass
class GenerationFacts:
    """What one format read: the fields of the `provenance` export object it can fill."""

    tool: str
    source: str  # where the payload was found, e.g. "png:parameters", "exif:UserComment"
    tool_version: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    sampler: str | None = None
    cfg_scale: float | None = None
    size: str | None = None
    model_name: str | None = None
    model_hash: str | None = None
    model_hash_kind: str | None = None
    vae: str | None = None
    loras: list[LoraRef] = field(default_factory=list)
    embeddings: list[LoraRef] = field(default_factory=list)  # textual inversions (A1111 TI hashes)
    img2img: bool = False
    denoising_strength: float | None = None
    notes: list[str] = field(default_factory=list)  # caveats worth a signal (e.g. name hashes)

    def fields(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("source")
        out.pop("notes")
        return out


@dataclass(frozen=True)
class Example:
    """A metadata sample and the fields a format must read from it (for FormatAutoTest)."""

    metadata: Metadata
    expect: Mapping[str, Any]


class MetadataFormat(Protocol):
    name: ClassVar[str]

    def detect(self, meta: Metadata) -> bool:
        """Cheap: does this image carry this format's metadata (key names, prefixes only)?"""
        ...

    def parse(self, meta: Metadata, limits: Limits) -> GenerationFacts:
        """Read the fields; raises FormatError on metadata that claims the format but is broken."""
        ...

    def examples(self) -> list[Example]: ...


# --- helpers the formats share -------------------------------------------------------------------

_HEX = re.compile(r"^(?:0x)?[0-9a-fA-F]+$")


def load_json(text: str, what: str, limits: Limits) -> Any:
    """JSON from metadata, bounded in size; errors name the metadata they came from."""
    if len(text) > limits.max_text_bytes:
        raise FormatError(f"{what} of {len(text)} characters exceeds the text limit; not parsed")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}") from exc


def json_object(text: str, what: str, limits: Limits) -> dict[str, Any]:
    value = load_json(text, what, limits)
    if not isinstance(value, dict):
        raise FormatError(f"{what} is JSON but not an object")
    return value


def as_list(value: Any) -> list[Any]:
    """A JSON value expected to be a list; anything else (hostile or odd metadata) is empty."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                f = float(value.strip())
            except ValueError:
                return None
            return int(f) if f.is_integer() else None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def size_of(width: Any, height: Any) -> str | None:
    w, h = as_int(width), as_int(height)
    return f"{w}x{h}" if w is not None and h is not None else None


def hash_kind(value: str | None, default: str = "autov2") -> str | None:
    """The kind of a model hash as generators write it, from its length and prefix."""
    if not value:
        return None
    v = value.strip()
    if v.lower().startswith("blake3:"):
        return "blake3"
    if v.lower().startswith("0x") and _HEX.match(v):
        return "swarm"
    if not _HEX.match(v):
        return "unknown"
    if len(v) == 8:
        return "autov1"
    if len(v) == 10:
        return "autov2"
    if len(v) == 64:
        return "sha256"
    return default
