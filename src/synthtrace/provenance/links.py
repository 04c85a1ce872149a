"""The link pass: which model files of the case (any device) each generated image names.

An image links to a model file when a hash it names matches that file's hash of the same kind
(`match='hash'`); more weakly when only a name matches (`match='name'`: ComfyUI and others store
file names only, and Forge 2.0 builds wrote the SHA-256 of the file *name* as the "hash"); and,
when no file on the evidence has the hash, to a hash cache (A1111 cache.json, Fooocus
hash_cache.txt) that lists it (`match='cache'`: the model was on that machine, the file is gone).

Rerunnable: every run rebuilds the whole `model_links` table in one transaction from the facts the
scan stored, so a new device, a re-analysis or a new rule takes effect everywhere.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.db import transaction
from synthtrace.store.models import File, Media, ModelLink

MODEL_EXTS = (".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".sft", ".gguf", ".pkl")
PREFIX = 8  # shortest hash prefix that links (autov1 is 8 hex)
BATCH = 500
HASH_DETAIL = {
    "autov1": "SHA-256 of the 64 KiB at 1 MiB (autov1)",
    "sha256": "the file's SHA-256",
    "autov2": "the file's SHA-256 (autov2)",
    "addnet": "SHA-256 of the safetensors tensor data (addnet)",
    "swarm": "SHA-256 of the safetensors tensor data (SwarmUI)",
    "sshs": "the sshs_model_hash in the file's metadata",
    "blake3": "the file's BLAKE3 (InvokeAI)",
}
# Which stored hash each kind an image names is compared with, in order.
COMPARE = {
    "autov1": ("autov1",),
    "autov2": ("sha256",),
    "sha256": ("sha256",),
    "addnet": ("tensor_sha256", "sha256", "sshs"),
    "swarm": ("tensor_sha256",),
    "blake3": ("blake3",),
    "sshs": ("sshs", "tensor_sha256"),
    "unknown": ("sha256", "tensor_sha256"),
    "forge-name": ("sha256",),
}
STORED_TO_KIND = {
    "autov1": "autov1",
    "sha256": "autov2",
    "tensor_sha256": "addnet",
    "blake3": "blake3",
    "sshs": "sshs",
}


def model_key(name: str) -> str:
    """A model name as compared: base name, lower case, without a model file extension."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    for ext in MODEL_EXTS:
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


@dataclass(frozen=True)
class Ref:
    """One model an image names."""

    role: str
    name: str | None
    hash: str | None
    kind: str | None
    forge_name: bool = False


@dataclass
class ModelIndex:
    """Every model file and hash-cache entry of the case, indexed for lookups."""

    roles: dict[int, str] = field(default_factory=dict)
    by_hash: dict[str, dict[str, list[tuple[str, int]]]] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_forge_name: dict[str, list[tuple[str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    cache: dict[str, list[tuple[str, str, int]]] = field(default_factory=lambda: defaultdict(list))

    def add_hash(self, kind: str, value: str | None, media_id: int) -> None:
        if not value:
            return
        v = value.lower()
        self.by_hash.setdefault(kind, defaultdict(list))[v[:PREFIX]].append((v, media_id))

    def find(self, stored: str, value: str) -> list[int]:
        v = value.lower()
        if len(v) < PREFIX:
            return []
        bucket = self.by_hash.get(stored, {}).get(v[:PREFIX], [])
        return sorted({mid for full, mid in bucket if full.startswith(v)})

    @classmethod
    def load(cls, s: Session) -> ModelIndex:
        index = cls()
        stmt = select(Media.id, Media.sha256, Media.facts).where(
            Media.facts["model"].as_string().is_not(None)
        )
        for media_id, sha256, facts in s.execute(stmt.execution_options(yield_per=BATCH)):
            model = (facts or {}).get("model") or {}
            if str(model.get("format", "")).endswith("hash-cache"):
                for e in model.get("entries") or []:
                    if isinstance(e, dict) and isinstance(e.get("hash"), str):
                        index.cache[e["hash"][:PREFIX]].append(
                            (e["hash"], str(e.get("name")), media_id)
                        )
                continue
            index.roles[media_id] = str(model.get("kind") or "other")
            index.add_hash("sha256", sha256, media_id)
            for stored in ("autov1", "tensor_sha256", "blake3"):
                index.add_hash(stored, model.get(stored), media_id)
            index.add_hash("sshs", model.get("sshs_model_hash"), media_id)
            for title in (model.get("title"),):
                if isinstance(title, str) and title:
                    index.by_name[model_key(title)].add(media_id)
        ids = list(index.roles)
        for start in range(0, len(ids), BATCH):
            for file_media, path in s.execute(
                select(File.media_id, File.path).where(
                    File.media_id.in_(ids[start : start + BATCH])
                )
            ):
                if file_media is None:
                    continue
                base = path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]
                index.by_name[model_key(base)].add(file_media)
                forge = hashlib.sha256(base.encode("utf-8")).hexdigest()
                index.by_forge_name[forge[:10]].append((base, file_media))
        return index


def image_refs(prov: dict[str, Any]) -> list[Ref]:
    refs = []
    if prov.get("model_name") or prov.get("model_hash"):
        refs.append(
            Ref(
                "checkpoint",
                prov.get("model_name"),
                prov.get("model_hash"),
                prov.get("model_hash_kind"),
                prov.get("model_hash_kind") == "forge-name",
            )
        )
    for role, key in (("lora", "loras"), ("embedding", "embeddings")):
        for item in prov.get(key) or []:
            if isinstance(item, dict) and item.get("name"):
                refs.append(
                    Ref(
                        role,
                        str(item["name"]),
                        item.get("hash"),
                        item.get("hash_kind"),
                        item.get("hash_kind") == "forge-name",
                    )
                )
    if isinstance(prov.get("vae"), str) and prov["vae"] and prov["vae"] != "None":
        refs.append(Ref("vae", prov["vae"], None, "name-only"))
    return refs


def _clean_hash(ref: Ref) -> str | None:
    h = (ref.hash or "").strip().lower()
    for prefix in ("blake3:", "0x", "sha256:"):
        if h.startswith(prefix):
            h = h[len(prefix) :]
    return h if len(h) >= PREFIX and all(c in "0123456789abcdef" for c in h) else None


def links_for(index: ModelIndex, image_id: int, ref: Ref) -> Iterator[dict[str, Any]]:
    """The model_links rows one reference of one image yields."""
    what = f"{ref.role} {ref.name!r}" if ref.name else ref.role
    h = _clean_hash(ref)
    matched = False
    if h and not ref.forge_name:
        for stored in COMPARE.get(ref.kind or "unknown", COMPARE["unknown"]):
            ids = index.find(stored, h)
            for model_id in ids:
                matched = True
                kind = STORED_TO_KIND[stored]
                if stored == "sha256" and ref.kind == "sha256":
                    kind = "sha256"  # a prefix other than autov2's 10 hex (TI hashes, InvokeAI 2)
                yield _row(
                    image_id,
                    model_id,
                    ref.role,
                    "hash",
                    kind,
                    f"{what}: hash {ref.hash} = {HASH_DETAIL.get(kind, kind)} of this file",
                )
            if ids:
                break
    if h and not matched:
        for full, entry, cache_id in index.cache.get(h[:PREFIX], []):
            if full.startswith(h):
                matched = True
                yield _row(
                    image_id,
                    cache_id,
                    ref.role,
                    "cache",
                    ref.kind,
                    f"{what}: hash {ref.hash} is listed in this hash cache as {entry!r} "
                    "(the model was known to the tool; no file with the hash was found)",
                )
    if h and not matched and (ref.role == "checkpoint" or ref.forge_name):
        for base, model_id in index.by_forge_name.get(h[:10], []):
            matched = True
            yield _row(
                image_id,
                model_id,
                ref.role,
                "name",
                "forge-name",
                f"{what}: hash {ref.hash} is the SHA-256 of the file name {base!r} "
                "(Forge 2.0 hashed names, not content): a name match, not a content match",
            )
    if matched or not ref.name:
        return
    # A name is all that ties them: the link stands whatever role the file was guessed to have
    # (a guess from tensors and folders can be wrong); a differing guess is said, not obeyed.
    for model_id in sorted(index.by_name.get(model_key(ref.name), ())):
        caveat = (
            f"no file has the hash {ref.hash} the image names: same name, different content"
            if ref.hash
            else "the image names the file only, no hash: any file of that name matches"
        )
        guessed = index.roles.get(model_id, "other")
        if guessed not in (ref.role, "other"):
            caveat += f"; the file itself looks like a {guessed}, the image uses it as a {ref.role}"
        yield _row(image_id, model_id, ref.role, "name", "name-only", f"{what}: {caveat}")


def _row(
    image: int, model: int, role: str, match: str, kind: str | None, detail: str
) -> dict[str, Any]:
    return {
        "image_media_id": image,
        "model_media_id": model,
        "role": role[:20],
        "match": match,
        "hash_kind": (kind or None) and str(kind)[:20],
        "detail": detail,
    }


def _generated(s: Session) -> Iterator[tuple[int, dict[str, Any]]]:
    """The model references of every image with provenance facts (not their bulky raw text)."""
    keys = ("model_name", "model_hash", "model_hash_kind", "vae")
    columns = [Media.facts[("provenance", k)].as_string() for k in keys]
    stmt = select(
        Media.id,
        Media.facts[("provenance", "generated")].as_boolean(),
        Media.facts[("provenance", "loras")],
        Media.facts[("provenance", "embeddings")],
        *columns,
    ).where(Media.facts["provenance"].as_string().is_not(None))
    rows = s.execute(stmt.execution_options(yield_per=BATCH))
    for media_id, generated, loras, embeddings, *values in rows:
        prov: dict[str, Any] = dict(zip(keys, values, strict=True))
        prov["generated"] = generated
        prov["loras"] = loras if isinstance(loras, list) else []
        prov["embeddings"] = embeddings if isinstance(embeddings, list) else []
        yield media_id, prov


def link_models(case: Case) -> str | None:
    """Rebuild model_links for the whole case; returns the line the scan prints."""
    with transaction(case.sessions) as s:
        index = ModelIndex.load(s)
        rows: list[dict[str, Any]] = []
        images = 0
        for image_id, prov in _generated(s):
            images += prov.get("generated") is True
            seen: set[tuple[int, str]] = set()
            for ref in image_refs(prov):
                for row in links_for(index, image_id, ref):
                    key = (row["model_media_id"], row["role"])
                    if key not in seen:
                        seen.add(key)
                        rows.append(row)
        s.execute(delete(ModelLink))
        for start in range(0, len(rows), BATCH):
            s.execute(insert(ModelLink), rows[start : start + BATCH])
    if not images and not index.roles:
        return None
    by_match: dict[str, int] = defaultdict(int)
    for row in rows:
        by_match[row["match"]] += 1
    detail = ", ".join(f"{n} by {m}" for m, n in sorted(by_match.items())) or "none"
    return (
        f"provenance: {images} generated images, {len(index.roles)} model files, "
        f"{len(rows)} image-to-model links ({detail})"
    )
