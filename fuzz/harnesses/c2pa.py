"""The C2PA wrapper (analyze/c2pa_reader.py).

- c2pa: the input is a whole picture (JPEG, PNG or WebP by its signature) handed to read_c2pa, as
  the provenance analyzer hands it; read_c2pa returns None (no manifest) or facts, or raises
  ValueError for a damaged manifest. The manifest itself is parsed by the c2pa SDK (Rust), which
  atheris cannot instrument: coverage guides only the Python side, so most of this target's
  search is blind byte mutation of the seeds' manifest stores.
- c2pa_summary: the input is the manifest store JSON that the SDK returns, given straight to the
  wrapper's summary step (pure Python, instrumented). Manifests are written by whoever made the
  file, so every value in them may have any JSON type.
"""

from __future__ import annotations

import io
import json
from typing import Any

from synthtrace.analyze import c2pa_reader
from synthtrace.analyze.c2pa_reader import C2paFacts, read_c2pa

MIMES = (
    (b"\xff\xd8", "image/jpeg"),
    (b"\x89PNG", "image/png"),
    (b"RIFF", "image/webp"),
)


def mime_of(data: bytes) -> str:
    for magic, mime in MIMES:
        if data.startswith(magic):
            return mime
    return "image/jpeg"


def _check(facts: C2paFacts | None) -> None:
    if facts is None:
        return
    json.dumps(facts.summary, allow_nan=False)
    assert all(isinstance(s, str) for s in facts.ai + facts.capture)
    assert facts.tool is None or isinstance(facts.tool, str)


def c2pa_input(data: bytes) -> None:
    try:
        facts = read_c2pa(mime_of(data), lambda: io.BytesIO(data), data)
    except ValueError:
        return
    _check(facts)


def c2pa_summary_input(data: bytes) -> None:
    try:
        store: Any = json.loads(data)
    except (ValueError, RecursionError):
        return
    if not isinstance(store, dict):
        return  # read_c2pa refuses a store that is not an object before summarising it
    state = store.get("validation_state")
    _check(c2pa_reader._summarise(store, state if isinstance(state, str) else None))
