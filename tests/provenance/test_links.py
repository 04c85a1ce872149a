"""Links from images to model files across devices, the triage signals, the export keys, the
summary sections and re-analysis, on cases scanned from evidence built here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from synthtrace.case import Case
from synthtrace.provenance.demo import (
    demo_checkpoint,
    demo_lora,
    safetensors_bytes,
    tensor_sha256,
)
from synthtrace.provenance.links import link_models
from synthtrace.provenance.service import triage_signals
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import File, Media, ModelLink
from synthtrace.summary import case_summary
from tests.builders import write
from tests.conftest import by_path, run_cli
from tests.provenance.builders import jpeg_user_comment, png

CKPT, LORA = demo_checkpoint(), demo_lora()
EMBEDDING = safetensors_bytes({"emb_params": ("F32", [2, 8])})
TI_HASH = hashlib.sha256(EMBEDDING).hexdigest()[:12]
CKPT_HASH = hashlib.sha256(CKPT).hexdigest()[:10]
LORA_HASH = tensor_sha256(LORA)[:12]


def _infotext(model_hash: str, model: str = "dreamvista_v3", lora_hash: str = LORA_HASH) -> str:
    return (
        "a lighthouse on a cliff at dusk, <lora:seaside_v2:0.7>\n"
        f"Steps: 20, Seed: 1, Size: 320x240, Model hash: {model_hash}, Model: {model}, "
        f'Lora hashes: "seaside_v2: {lora_hash}", TI hashes: "calm_sea: {TI_HASH}"'
    )


def _devices(root: Path) -> tuple[Path, Path]:
    laptop, phone = root / "laptop", root / "phone"
    write(laptop / "models" / "dreamvista_v3.safetensors", CKPT)
    write(laptop / "models" / "Lora" / "seaside_v2.safetensors", LORA)
    write(laptop / "embeddings" / "calm_sea.safetensors", EMBEDDING)
    write(laptop / "out" / "hash.png", png({"parameters": _infotext(CKPT_HASH)}))
    comfy = {
        "1": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "sub/dreamvista_v3.safetensors"},
        }
    }
    write(laptop / "out" / "comfy.png", png({"prompt": json.dumps(comfy)}))
    forge = hashlib.sha256(b"dreamvista_v3.safetensors").hexdigest()[:10]
    write(laptop / "out" / "forge.png", png({"parameters": _infotext(forge)}))
    gone = hashlib.sha256(b"deleted model").hexdigest()
    write(laptop / "out" / "cached.png", png({"parameters": _infotext(gone[:10], "oldmodel")}))
    write(laptop / "out" / "other.png", png({"parameters": _infotext("0123456789")}))
    cache = {"hashes": {"checkpoint/oldmodel.safetensors": {"mtime": 1, "sha256": gone}}}
    write(laptop / "cache.json", json.dumps(cache).encode())
    utf16 = b"UNICODE\x00" + _infotext(CKPT_HASH).encode("utf-16-be")
    write(phone / "DCIM" / "render.jpg", jpeg_user_comment(utf16))
    return laptop, phone


@pytest.fixture
def linked(case: Case, tmp_path: Path) -> Case:
    laptop, phone = _devices(tmp_path / "evidence")
    scan_evidence(case, laptop, "laptop", workers=0)
    scan_evidence(case, phone, "phone", workers=0)
    return case


def _links(case: Case) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(image path, model path) -> (match, hash_kind)."""
    out = {}
    with case.sessions() as s:
        paths = {mid: p for mid, p in s.execute(select(File.media_id, File.path))}
        for link in s.scalars(select(ModelLink)):
            key = (paths[link.image_media_id], paths[link.model_media_id])
            out[key] = (link.match, link.hash_kind)
    return out


def test_links_by_hash_name_forge_and_cache(linked: Case) -> None:
    links = _links(linked)
    ckpt, lora = "models/dreamvista_v3.safetensors", "models/Lora/seaside_v2.safetensors"
    assert links[("out/hash.png", ckpt)] == ("hash", "autov2")
    assert links[("out/hash.png", lora)] == ("hash", "addnet")
    assert links[("DCIM/render.jpg", ckpt)] == ("hash", "autov2")  # across devices
    assert links[("out/hash.png", "embeddings/calm_sea.safetensors")] == ("hash", "sha256")
    assert links[("out/comfy.png", ckpt)] == ("name", "name-only")
    assert links[("out/forge.png", ckpt)] == ("name", "forge-name")
    assert links[("out/cached.png", "cache.json")] == ("cache", "autov2")
    assert links[("out/other.png", ckpt)] == ("name", "name-only")  # same name, other content
    with linked.sessions() as s:
        details = {link.detail for link in s.scalars(select(ModelLink))}
    assert any("same name, different content" in (d or "") for d in details)
    assert any("Forge 2.0" in (d or "") for d in details)


def test_link_pass_is_idempotent(linked: Case) -> None:
    before = _links(linked)
    link_models(linked)
    link_models(linked)
    assert _links(linked) == before
    with linked.sessions() as s:
        assert len(list(s.scalars(select(ModelLink)))) == len(before)


def test_triage_signals(linked: Case) -> None:
    with linked.sessions() as s:
        ids = {p: mid for mid, p in s.execute(select(File.media_id, File.path)) if mid is not None}
        signals = triage_signals(s, [ids["out/hash.png"], ids["out/comfy.png"], ids["cache.json"]])
    hashed = signals[ids["out/hash.png"]]
    assert hashed.generated is True and hashed.tool == "a1111"
    assert hashed.model_name == "dreamvista_v3" and hashed.img2img is False
    assert hashed.model_on_evidence and hashed.lora_on_evidence
    comfy = signals[ids["out/comfy.png"]]
    assert comfy.tool == "comfyui" and comfy.model_on_evidence and not comfy.lora_on_evidence
    plain = signals[ids["cache.json"]]
    assert plain.generated is None and not plain.model_on_evidence


def test_export_keys(linked: Case) -> None:
    recs = by_path(linked)
    files = recs["DCIM/render.jpg"]["provenance"]["model_files"]  # type: ignore[index]
    assert {(f["evidence"], f["path"], f["match"]) for f in files} == {
        ("laptop", "models/dreamvista_v3.safetensors", "hash"),
        ("laptop", "models/Lora/seaside_v2.safetensors", "hash"),
        ("laptop", "embeddings/calm_sea.safetensors", "hash"),
    }
    assert recs["models/dreamvista_v3.safetensors"]["model"]["used_by_images"] == 5  # type: ignore[index]
    assert recs["cache.json"]["provenance"] is None


def test_summary_sections(linked: Case) -> None:
    sections = {s.title: s for s in case_summary(linked).sections}
    by_tool = sections["Generated images by tool"].rows
    assert ["laptop", "a1111", "4", "4"] in by_tool and ["phone", "a1111", "1", "1"] in by_tool
    same = sections["Images made with a model on the same device"].rows
    assert ["laptop", "models/dreamvista_v3.safetensors", "checkpoint", "hash", "1"] in same
    assert all(row[0] == "laptop" for row in same)  # the phone has no model file
    (lora,) = sections["LoRAs with training traces"].rows
    assert lora[1] == "models/Lora/seaside_v2.safetensors" and "10_lighthouses" in lora[4]


def test_reanalyze_fills_facts_of_a_case_scanned_without_them(
    case: Case, tmp_path: Path, cli: CliRunner
) -> None:
    laptop, _ = _devices(tmp_path / "evidence")
    scan_evidence(case, laptop, "laptop", workers=0, analyzers=False)
    with case.sessions() as s:
        assert all(not m.facts for m in s.scalars(select(Media)))
        assert not list(s.scalars(select(ModelLink)))
    code, out = run_cli(cli, "reanalyze", str(case.root), "--workers", "0")
    assert code == 0, out
    assert "contents updated" in out and "image-to-model links" in out
    assert _links(case)[("out/hash.png", "models/dreamvista_v3.safetensors")] == ("hash", "autov2")
    lines = (case.root / "audit.jsonl").read_text().splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert "reanalyze.start" in actions and "reanalyze.finish" in actions
    code, out = run_cli(cli, "link-models", str(case.root))
    assert code == 0 and "links" in out


def test_reanalyze_reports_missing_evidence(case: Case, tmp_path: Path, cli: CliRunner) -> None:
    laptop, _ = _devices(tmp_path / "evidence")
    scan_evidence(case, laptop, "laptop", workers=0)
    moved = tmp_path / "moved"
    laptop.rename(moved)
    code, out = run_cli(cli, "reanalyze", str(case.root), "--workers", "0")
    assert code == 1 and "not found" in out
