"""Model files (analyze/models/*.py): safetensors headers, pickles read statically, PyTorch ZIP
checkpoints, and the hash caches generation UIs leave beside their models.

Each input is one file's bytes given to the `model` content analyzer as the scan gives it (the
bytes in memory, a name that routes it), which must report problems as errors and never raise;
its facts go into the export and must be JSON without NaN. The pickle target also calls the
static pickle reader directly on any bytes (not only those starting like a checkpoint), where
PickleError is the documented failure.
"""

from __future__ import annotations

import hashlib
import io
import json

from synthtrace.analyze.content import Content
from synthtrace.analyze.models.analyzer import ModelAnalyzer
from synthtrace.analyze.models.pickles import PickleError, summarize_pickle
from synthtrace.limits import Limits, MiB

LIMITS = Limits(max_text_bytes=1 * MiB)
ANALYZER = ModelAnalyzer()


def analyze_model(data: bytes, path: str) -> None:
    content = Content(
        path=path,
        mime="application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        open=lambda: io.BytesIO(data),
        data=data,
    )
    result = ANALYZER.analyze(content, LIMITS)
    json.dumps(result.facts, allow_nan=False)
    assert all(isinstance(e, str) for e in result.errors)


def safetensors_input(data: bytes) -> None:
    analyze_model(data, "models/Lora/x.safetensors")


def pickle_input(data: bytes) -> None:
    for pickles in (1, 4):  # a plain pickle; torch.save's legacy format (several in a row)
        try:
            summary, _ = summarize_pickle(data, pickles=pickles)
        except PickleError:
            continue
        assert summary.tensors >= 0 and len(summary.names) <= summary.tensors
    analyze_model(data, "models/Stable-diffusion/x.ckpt")


def torch_zip_input(data: bytes) -> None:
    analyze_model(data, "models/Stable-diffusion/x.ckpt")


def hash_cache_input(data: bytes) -> None:
    # The first byte picks the cache (A1111's cache.json or Fooocus' hash_cache.txt).
    name = "hash_cache.txt" if data[:1] == b"#" else "cache.json"
    analyze_model(data[1:], f"webui/{name}")
