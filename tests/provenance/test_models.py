"""Model files on evidence: safetensors, torch checkpoints (never unpickled), hash caches."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickletools
import struct
from pathlib import Path

import blake3
from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.analyze.models.fingerprint import fingerprint
from synthtrace.analyze.models.pickles import PickleError, summarize_pickle
from synthtrace.case import Case
from synthtrace.limits import Limits
from synthtrace.provenance.demo import demo_checkpoint, demo_lora, safetensors_bytes, tensor_sha256
from synthtrace.scan.service import scan_evidence
from tests.builders import write
from tests.conftest import by_path
from tests.provenance.builders import analyze, malicious_pickle, state_dict_pickle, torch_zip

TENSORS = {
    "model.diffusion_model.input_blocks.0.0.weight": (320, 4, 3, 3),
    "model.diffusion_model.out.2.bias": (4,),
}


def _model(data: bytes, name: str) -> dict[str, object]:
    media = analyze(data, name)
    model = media.facts.get("model")
    assert isinstance(model, dict), (media.errors, media.facts)
    return model


def test_kohya_lora_metadata_and_hashes() -> None:
    data = demo_lora()
    model = _model(data, "seaside_v2.safetensors")
    assert model["format"] == "safetensors" and model["kind"] == "lora"
    assert model["tensors"] == 3 and model["parameters"] == 4 * 32 * 2 + 1
    sha = hashlib.sha256(data).hexdigest()
    assert model["autov2"] == sha[:10]
    assert model["addnet"] == tensor_sha256(data)[:12]
    assert model["sshs_model_hash"] == tensor_sha256(data)
    assert model["blake3"] == blake3.blake3(data).hexdigest()
    meta = model["metadata"]
    assert isinstance(meta, dict) and meta["ss_output_name"] == "seaside_v2"
    training = model["training"]
    assert isinstance(training, dict)
    assert training["dataset_dirs"] == [{"name": "10_lighthouses", "images": 12, "repeats": 10}]
    assert training["concepts"] == ["lighthouses"] and training["images"] == 120
    assert training["top_tags"][0] == ["lighthouse", 12]
    assert training["started_at"] == "2023-11-03T08:26:40.500000Z"


def test_checkpoint_kind_and_autov1_on_a_large_file() -> None:
    big = safetensors_bytes(
        {"model.diffusion_model.x": ("F32", [512, 1024])},  # 2 MiB of data: autov1 reads 1 MiB in
        {"modelspec.title": "Big"},
    )
    model = _model(big, "big.safetensors")
    assert model["kind"] == "checkpoint" and model["title"] == "Big"
    expected = hashlib.sha256(big[0x100000 : 0x100000 + 0x10000]).hexdigest()[:8]
    assert model["autov1"] == expected


def test_fingerprint_streams_in_chunks() -> None:
    data = bytes(range(256)) * 20_000  # 5 MB over several chunks
    fp = fingerprint(lambda: io.BytesIO(data), hashlib.sha256(data).hexdigest(), 1000)
    assert fp.tensor_sha256 == hashlib.sha256(data[1000:]).hexdigest()
    assert fp.autov1 == hashlib.sha256(data[0x100000:0x110000]).hexdigest()[:8]
    assert fp.blake3 == blake3.blake3(data).hexdigest()


def test_header_claiming_2_63_bytes_is_an_error() -> None:
    data = struct.pack("<Q", 2**63) + b'{"a": 1}' + bytes(64)
    media = analyze(data, "huge.safetensors")
    assert media.facts.get("model") is None
    assert any("claims 9223372036854775808 bytes" in e for e in media.errors)
    # The same bytes under another name are not taken for a model at all (no false error).
    assert not analyze(data, "huge.dat").errors
    claim = 1 << 20
    data = struct.pack("<Q", claim) + b"{" + bytes(claim)
    media = analyze(data, "big-header.safetensors", Limits(max_text_bytes=1024))
    assert any("exceeds" in e for e in media.errors) and media.facts.get("model") is None


def test_invalid_header_json_is_an_error() -> None:
    body = b'{"x": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]'  # cut short
    data = struct.pack("<Q", len(body)) + body + bytes(8)
    media = analyze(data, "broken.safetensors")
    assert any("not valid JSON" in e for e in media.errors)


def test_torch_zip_checkpoint_read_statically() -> None:
    data = torch_zip(state_dict_pickle(TENSORS))
    model = _model(data, "model.ckpt")
    assert model["format"] == "torch-zip" and model["kind"] == "checkpoint"
    assert model["tensors"] == 2 and model["parameters"] == 320 * 4 * 9 + 4
    pickle_facts = model["pickle"]
    assert isinstance(pickle_facts, dict) and pickle_facts["suspicious_globals"] == []
    assert "torch._utils._rebuild_tensor_v2" in pickle_facts["globals"]


def test_legacy_pickle_checkpoint() -> None:
    magic = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."
    version = b"\x80\x02M\xe9\x03."  # protocol version 1001
    sys_info = b"\x80\x02}q\x00."
    data = magic + version + sys_info + state_dict_pickle(TENSORS) + b"]q\x00." + bytes(100)
    model = _model(data, "old.pt")
    assert model["format"] == "torch-legacy" and model["tensors"] == 2


def test_malicious_pickle_is_reported_and_never_run(case: Case, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = malicious_pickle(str(marker))
    assert "system" in "".join(str(op[1]) for op in pickletools.genops(payload))
    evidence = tmp_path / "evidence"
    write(evidence / "models" / "evil.ckpt", torch_zip(payload))
    write(evidence / "models" / "evil.pt", payload)
    scan_evidence(case, evidence, "dev", workers=0)
    assert not marker.exists()
    recs = by_path(case)
    for name, fmt in (("models/evil.ckpt", "torch-zip"), ("models/evil.pt", "pickle")):
        model = recs[name]["model"]
        assert isinstance(model, dict) and model["format"] == fmt, name
        assert model["pickle"]["suspicious_globals"] in (["posix.system"], ["nt.system"])
    # The checkpoint ZIP is one model file, not an archive whose members are recorded.
    assert not any(p.startswith("models/evil.ckpt!/") for p in recs)


def test_truncated_pickle_is_an_error() -> None:
    data = torch_zip(state_dict_pickle(TENSORS)[:-40])
    media = analyze(data, "cut.ckpt")
    assert any("malformed or truncated" in e or "STOP" in e for e in media.errors)


def test_pickle_summary_handles_memo_and_cycles() -> None:
    summary, _ = summarize_pickle(state_dict_pickle({"a.weight": (2, 3)}))
    assert summary.tensors == 1 and summary.parameters == 6 and summary.names == ["a.weight"]
    import pickle

    cyclic: list[object] = []
    cyclic.append(cyclic)
    summary, _ = summarize_pickle(pickle.dumps({"x": cyclic}, protocol=4))
    assert summary.tensors == 0


def test_hash_caches() -> None:
    ckpt_sha = hashlib.sha256(demo_checkpoint()).hexdigest()
    cache = {
        "hashes": {"checkpoint/a.safetensors": {"mtime": 1.0, "sha256": ckpt_sha}},
        "hashes-addnet": {"lora/b": {"mtime": 2.0, "sha256": "ab" * 32}},
    }
    model = _model(json.dumps(cache).encode(), "cache.json")
    assert model["format"] == "a1111-hash-cache"
    assert model["entries"] == [
        {"name": "checkpoint/a.safetensors", "kind": "sha256", "hash": ckpt_sha, "mtime": 1.0},
        {"name": "lora/b", "kind": "tensor_sha256", "hash": "ab" * 32, "mtime": 2.0},
    ]
    lines = json.dumps({"/m/a.safetensors": ckpt_sha}) + "\n" + json.dumps({"/m/b.ckpt": "cd" * 32})
    model = _model(lines.encode(), "hash_cache.txt")
    assert model["format"] == "fooocus-hash-cache" and len(model["entries"]) == 2  # type: ignore[arg-type]
    media = analyze(b'{"hashes": nope', "cache.json")
    assert any("not valid JSON" in e for e in media.errors)


def test_ordinary_files_are_not_models() -> None:
    for data, name in (
        (b"PK\x03\x04" + bytes(40), "a.zip"),
        (b"\x80\x04\x95" + bytes(20), "notes.txt"),
        (b"plain text, nothing more", "a.bin"),
        (json.dumps({"hashes": 1}).encode(), "settings.json"),
    ):
        assert analyze(data, name).facts.get("model") is None, name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 400), st.binary(min_size=1, max_size=8))
def test_damaged_pickles_are_errors_never_crashes(tail: bytes, at: int, patch: bytes) -> None:
    base = state_dict_pickle(TENSORS)
    at = min(at, len(base))
    for data in (b"\x80\x02" + tail, base[:at] + patch + base[at + len(patch) :]):
        with contextlib.suppress(PickleError):
            summarize_pickle(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_damaged_safetensors_headers_are_errors(body: bytes) -> None:
    data = struct.pack("<Q", len(body) + 1) + b"{" + body + bytes(16)
    media = analyze(data, "x.safetensors")
    assert media.facts.get("model") is not None or any("model file" in e for e in media.errors)
