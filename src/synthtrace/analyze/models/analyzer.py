"""The `model` content analyzer: generation models (and the hash caches naming them) on evidence.

Recognised by content, whatever the file is called: safetensors (header), PyTorch ZIP checkpoints
(`<dir>/data.pkl` first), legacy torch.save pickles (magic number) and other pickles named like
models. Everything else costs one read of its first bytes. A model file gets a second pass over its
bytes for the hashes generation tools write (models/fingerprint.py).
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from synthtrace.analyze.content import AnalyzerResult, Content
from synthtrace.analyze.models.caches import CacheError, is_hash_cache, read_a1111, read_fooocus
from synthtrace.analyze.models.classify import weigh
from synthtrace.analyze.models.fingerprint import fingerprint
from synthtrace.analyze.models.safetensors import (
    SafetensorsError,
    looks_like_safetensors,
    read_header,
)
from synthtrace.analyze.models.torchfile import (
    TorchFile,
    TorchFileError,
    looks_like_pickle,
    read_pickle_file,
    read_torch_zip,
    torch_zip_head,
)
from synthtrace.analyze.models.training import training_traces
from synthtrace.errors import describe
from synthtrace.limits import Limits

HEAD = 4096
CLASSIFY_NAMES = 5000
# Headers and pickles of large checkpoints run to a few MB; allow four text limits.
HEADER_FACTOR = 4


def _head(content: Content) -> bytes:
    if content.data is not None:
        return content.data[:HEAD]
    with content.open() as stream:
        return stream.read(HEAD)


def _open(content: Content) -> BinaryIO:
    return io.BytesIO(content.data) if content.data is not None else content.open()


class ModelAnalyzer:
    """Model files and hash caches (export key `model`)."""

    name = "model"

    def analyze(self, content: Content, limits: Limits) -> AnalyzerResult:
        # A content libmagic calls an image but no decoder opens is still checked: the type is a
        # guess from a few bytes, and a model's header can look like anything.
        if content.image is not None or content.mime.startswith(("video/", "audio/")):
            return AnalyzerResult()
        if content.size < 10:
            return AnalyzerResult()
        head = _head(content)
        limit = limits.max_text_bytes * HEADER_FACTOR
        try:
            if looks_like_safetensors(head, content.size, content.name):
                return AnalyzerResult(facts=self._safetensors(content, limit))
            if torch_zip_head(head):
                with _open(content) as stream:
                    return AnalyzerResult(facts=self._torch(content, read_torch_zip(stream, limit)))
            if looks_like_pickle(head, content.name):
                with _open(content) as stream:
                    return AnalyzerResult(
                        facts=self._torch(content, read_pickle_file(stream, limit))
                    )
            cache = is_hash_cache(content.name, head)
            if cache is not None:
                return self._cache(content, cache, limits)
        except (SafetensorsError, TorchFileError) as exc:
            return AnalyzerResult(errors=[f"model file: {exc}"])
        except OSError as exc:
            return AnalyzerResult(errors=[f"model file could not be read: {describe(exc)}"])
        return AnalyzerResult()

    def _hashes(self, content: Content, data_offset: int | None) -> dict[str, Any]:
        fp = fingerprint(lambda: _open(content), content.sha256, data_offset)
        return {
            "autov1": fp.autov1,
            "autov2": fp.autov2,
            "addnet": fp.addnet,
            "tensor_sha256": fp.tensor_sha256,
            "blake3": fp.blake3,
        }

    def _safetensors(self, content: Content, limit: int) -> dict[str, Any]:
        with _open(content) as stream:
            header = read_header(stream, content.size, limit)
        meta = header.metadata
        verdict = weigh(header.names[:CLASSIFY_NAMES], meta, header.tensors, content.path)
        facts: dict[str, Any] = {
            "format": "safetensors",
            "kind": verdict.kind,
            "kind_signals": verdict.signals,
            **self._hashes(content, 8 + header.header_bytes),
            "sshs_model_hash": meta.get("sshs_model_hash"),
            "metadata": meta,
            "tensors": header.tensors,
            "parameters": header.parameters,
            "title": meta.get("modelspec.title") or meta.get("ss_output_name"),
            "training": training_traces(meta),
        }
        if header.problems:
            facts["problems"] = header.problems
        return facts

    def _torch(self, content: Content, tf: TorchFile) -> dict[str, Any]:
        s = tf.summary
        verdict = weigh(s.names[:CLASSIFY_NAMES], {}, s.tensors, content.path)
        return {
            "format": tf.format,
            "kind": verdict.kind,
            "kind_signals": verdict.signals,
            **self._hashes(content, None),
            "sshs_model_hash": None,
            "metadata": None,
            "tensors": s.tensors,
            "parameters": s.parameters,
            "title": None,
            "training": None,
            "pickle": {
                "protocol": s.protocol,
                "globals": s.globals,
                "suspicious_globals": s.suspicious,
            },
        }

    def _cache(self, content: Content, kind: str, limits: Limits) -> AnalyzerResult:
        if content.size > limits.max_text_bytes:
            return AnalyzerResult(
                errors=[f"hash cache of {content.size} bytes exceeds the text limit; not read"]
            )
        with _open(content) as stream:
            text = stream.read(limits.max_text_bytes).decode("utf-8", errors="replace")
        try:
            entries = read_a1111(text) if kind == "a1111-hash-cache" else read_fooocus(text)
        except CacheError as exc:
            return AnalyzerResult(errors=[f"hash cache: {exc}"])
        return AnalyzerResult(facts={"format": kind, "entries": entries})
