"""Hash caches generation UIs leave beside their models: they map model names to full hashes, and
stay behind when a model file is deleted.

- AUTOMATIC1111 / Forge `cache.json`: `hashes` (title -> {mtime, sha256 of the file}) and
  `hashes-addnet` (title -> {mtime, sha256 of the safetensors data section});
- Fooocus `hash_cache.txt`: one JSON object per line, {model path: sha256 of the file}.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_ENTRIES = 20_000
_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


class CacheError(ValueError):
    """A file named like a hash cache whose content is not one."""


def is_hash_cache(name: str, head: bytes) -> str | None:
    low = name.lower()
    if low == "cache.json" and head.lstrip()[:1] == b"{" and b'"hashes' in head:
        return "a1111-hash-cache"
    if low == "hash_cache.txt" and head.lstrip()[:1] == b"{":
        return "fooocus-hash-cache"
    return None


def _entry(name: str, kind: str, value: Any, mtime: Any = None) -> dict[str, Any] | None:
    if not isinstance(value, str) or not _SHA.match(value):
        return None
    return {
        "name": name,
        "kind": kind,
        "hash": value.lower(),
        "mtime": mtime if isinstance(mtime, int | float) else None,
    }


def read_a1111(text: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CacheError(f"cache.json is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise CacheError("cache.json is not a JSON object")
    out: list[dict[str, Any]] = []
    for section, kind in (("hashes", "sha256"), ("hashes-addnet", "tensor_sha256")):
        entries = doc.get(section)
        if not isinstance(entries, dict):
            continue
        for title, info in entries.items():
            if isinstance(info, dict):
                e = _entry(str(title), kind, info.get("sha256"), info.get("mtime"))
                if e is not None and len(out) < MAX_ENTRIES:
                    out.append(e)
    return out


def read_fooocus(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    bad = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(doc, dict):
            for path, value in doc.items():
                e = _entry(str(path), "sha256", value)
                if e is not None and len(out) < MAX_ENTRIES:
                    out.append(e)
    if bad and not out:
        raise CacheError("hash_cache.txt has no readable line")
    return out
