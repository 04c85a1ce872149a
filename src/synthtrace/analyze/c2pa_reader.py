"""C2PA manifests (Content Credentials), read strictly offline with c2pa-python.

The SDK is configured never to fetch a remote manifest and never to ask an OCSP responder; no trust
list is loaded (an air-gapped lab has none), so a manifest signed by any certificate validates as
far as signature and content bindings go, and its signer shows as `signingCredential.untrusted`:
the signer's name is a lead, not a proof.

Only files containing the bytes "c2pa" (the JUMBF label every manifest store carries) are handed to
the SDK, so the cost on the many files without a manifest is one byte search.
"""

from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import c2pa

from synthtrace.analyze.iptc import classify
from synthtrace.errors import describe

MARKER = b"c2pa"
CHUNK = 1024 * 1024
SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
# Claim generators and software agents that name a generator, lower-cased substring -> tool.
TOOLS = (
    ("firefly", "firefly"),
    ("chatgpt", "openai"),
    ("openai", "openai"),
    ("dall-e", "openai"),
    ("dall·e", "openai"),
    ("midjourney", "midjourney"),
    ("imagen", "google"),
    ("gemini", "google"),
    ("bing image creator", "microsoft"),
    ("microsoft designer", "microsoft"),
    ("stable diffusion", "stability"),
    ("stability", "stability"),
)

_local = threading.local()


@dataclass
class C2paFacts:
    summary: dict[str, Any]
    ai: list[str] = field(default_factory=list)  # where an AI digitalSourceType was declared
    capture: list[str] = field(default_factory=list)  # where digitalCapture was declared
    tool: str | None = None


def has_marker(data: bytes | None, opener: Any) -> bool:
    if data is not None:
        return data.find(MARKER) >= 0
    tail = b""
    with opener() as stream:
        while chunk := stream.read(CHUNK):
            if (tail + chunk).find(MARKER) >= 0:
                return True
            tail = chunk[-(len(MARKER) - 1) :]
    return False


def _context() -> Any:
    ctx = getattr(_local, "ctx", None)
    if ctx is None or getattr(_local, "pid", None) != os.getpid():
        ctx = c2pa.Context.from_dict(SETTINGS)
        _local.ctx, _local.pid = ctx, os.getpid()
    return ctx


def _dict(value: Any) -> dict[str, Any]:
    """A JSON value expected to be an object. Manifests are written by whoever made the file, and
    custom assertions carry any JSON: a value of another type counts as empty, never a crash."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _generator(manifest: dict[str, Any]) -> str | None:
    if isinstance(manifest.get("claim_generator"), str):
        return str(manifest["claim_generator"])
    parts = []
    for info in _list(manifest.get("claim_generator_info")):
        if isinstance(info, dict) and info.get("name"):
            parts.append(f"{info['name']} {info.get('version', '')}".strip())
    return ", ".join(parts) or None


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for assertion in _list(manifest.get("assertions")):
        if not isinstance(assertion, dict):
            continue
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in _list(_dict(assertion.get("data")).get("actions")):
            if not isinstance(action, dict):
                continue
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = agent.get("name")
            out.append(
                {
                    "action": action.get("action"),
                    "digitalSourceType": action.get("digitalSourceType"),
                    "softwareAgent": agent if isinstance(agent, str) else None,
                    "when": action.get("when"),
                }
            )
    return out


def _tool(*names: str | None) -> str | None:
    for name in names:
        low = (name or "").lower()
        for needle, tool in TOOLS:
            if needle in low:
                return tool
    return None


def _summarise(store: dict[str, Any], state: str | None) -> C2paFacts:
    manifests = _dict(store.get("manifests"))
    active_label = store.get("active_manifest")
    active = _dict(manifests.get(active_label)) if isinstance(active_label, str) else {}
    facts = C2paFacts(summary={})
    source_types: list[str] = []
    for label, manifest in manifests.items():
        if not isinstance(manifest, dict):
            continue
        where = "active manifest" if label == active_label else f"manifest {label}"
        for action in _actions(manifest):
            dst = action.get("digitalSourceType")
            if not isinstance(dst, str):
                continue
            source_types.append(dst)
            verdict = classify(dst).verdict
            if verdict is True:
                facts.ai.append(f"{where}: {action.get('action')} {classify(dst).term}")
                facts.tool = facts.tool or _tool(action.get("softwareAgent"), _generator(manifest))
            elif verdict is False:
                facts.capture.append(f"{where}: {action.get('action')} {classify(dst).term}")
    failures = [
        v.get("code")
        for v in _list(store.get("validation_status"))
        if isinstance(v, dict) and v.get("code")
    ]
    signature = _dict(active.get("signature_info"))
    facts.summary = {
        "claim_generator": _generator(active),
        "title": active.get("title"),
        "actions": _actions(active),
        "digital_source_types": sorted(set(source_types)),
        "ingredients": [
            {
                "title": i.get("title"),
                "format": i.get("format"),
                "relationship": i.get("relationship"),
            }
            for i in _list(active.get("ingredients"))
            if isinstance(i, dict)
        ],
        "validation_state": state,
        "validation_failures": failures,
        "signer": {k: signature.get(k) for k in ("issuer", "common_name", "time") if k in signature}
        or None,
        "manifests": len(manifests),
    }
    if facts.ai and facts.tool is None:
        facts.tool = _tool(facts.summary["claim_generator"])
    return facts


def jpeg_marker(applist: Any) -> bool:
    """Whether a decoded JPEG's APP segments (Pillow's `applist`) hold a C2PA store: in JPEG the
    store lives only in APP11 segments, so the scan data need not be searched."""
    return any(name == "APP11" and MARKER in seg for name, seg in applist)


def read_c2pa(
    mime: str, opener: Any, data: bytes | None, present: bool | None = None
) -> C2paFacts | None:
    """The manifest store of an image, None when there is none; raises ValueError when damaged.

    `present`: whether the caller already knows a store may be there (None: search the bytes).
    """
    if present is False or (present is None and not has_marker(data, opener)):
        return None
    stream: BinaryIO = io.BytesIO(data) if data is not None else opener()
    try:
        with c2pa.Reader(mime, stream, context=_context()) as reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    except c2pa.C2paError as exc:
        name = type(exc).__name__
        if "ManifestNotFound" in name or "NotSupported" in name:
            return None  # the bytes "c2pa" occurred by chance, or the format has no C2PA support
        raise ValueError(f"C2PA manifest could not be read: {describe(exc)}") from exc
    except ValueError as exc:
        raise ValueError(f"C2PA manifest could not be read: {exc}") from exc
    finally:
        stream.close()
    if not isinstance(store, dict):
        raise ValueError("C2PA manifest store is not a JSON object")
    return _summarise(store, state)
