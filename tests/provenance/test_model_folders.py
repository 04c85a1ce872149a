"""Model files named by their folder: metadata, the UIs' folder conventions and tensor names are
weighed together, and a link by name never depends on the role guess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from synthtrace.analyze.models.classify import folder_role, weigh
from synthtrace.case import Case
from synthtrace.provenance.demo import safetensors_bytes
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import File, ModelLink
from tests.builders import write
from tests.conftest import by_path
from tests.provenance.builders import png

GENERIC = ["weight", "bias"]
SD1 = {"modelspec.architecture": "stable-diffusion-v1", "modelspec.title": "Tiny v1"}


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("AI/models/Stable-diffusion/x.safetensors", "checkpoint"),
        ("ComfyUI/models/checkpoints/sd/x.safetensors", "checkpoint"),
        ("ComfyUI/models/unet/flux.safetensors", "checkpoint"),
        ("webui/models/Lora/x.safetensors", "lora"),
        ("ComfyUI/models/loras/styles/x.safetensors", "lora"),
        ("webui/models/VAE/x.pt", "vae"),
        ("ComfyUI/models/vae/x.safetensors", "vae"),
        ("ComfyUI/models/embeddings/x.pt", "embedding"),
        ("webui/embeddings/x.pt", "embedding"),
        ("backup.zip!/models/Lora/x.safetensors", "lora"),
    ],
)
def test_folder_conventions(path: str, role: str) -> None:
    found = folder_role(path)
    assert found is not None and found[0] == role
    assert weigh(GENERIC, {}, 2, path).kind == role


def test_a_folder_named_like_a_kind_outside_models_says_nothing() -> None:
    assert folder_role("Pictures/Lora/x.safetensors") is None
    assert folder_role("x.safetensors") is None
    assert weigh(GENERIC, {}, 2, "Pictures/Lora/x.safetensors").kind == "other"


def test_a_small_checkpoint_in_the_checkpoint_folder_stays_a_checkpoint() -> None:
    verdict = weigh(GENERIC, SD1, 2, "AI/models/Stable-diffusion/tiny.safetensors")
    assert verdict.kind == "checkpoint"
    assert any("modelspec.architecture" in s for s in verdict.signals)
    assert any("folder models/Stable-diffusion/" in s for s in verdict.signals)


def test_metadata_outweighs_the_folder() -> None:
    meta = {"modelspec.architecture": "stable-diffusion-xl-v1-base/lora"}
    assert weigh(GENERIC, meta, 2, "models/Stable-diffusion/x.safetensors").kind == "lora"
    kohya = {"ss_network_module": "networks.lora"}
    names = ["lora_unet_down_blocks_0.lora_down.weight", "lora_unet_down_blocks_0.alpha"]
    assert weigh(names, kohya, 2, "models/checkpoints/x.safetensors").kind == "lora"


def test_specific_tensor_names_outweigh_the_folder() -> None:
    names = ["model.diffusion_model.input_blocks.0.0.weight", "first_stage_model.x"]
    verdict = weigh(names, {}, 2, "models/Lora/misfiled.safetensors")
    assert verdict.kind == "checkpoint" and len(verdict.signals) >= 2


def _comfy(ckpt_name: str) -> bytes:
    prompt = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt_name}}}
    return png({"prompt": json.dumps(prompt)})


def test_name_only_links_do_not_depend_on_the_role_guess(case: Case, tmp_path: Path) -> None:
    device = tmp_path / "laptop"
    tiny = safetensors_bytes({"weight": ("F16", [4, 4]), "bias": ("F16", [4])}, SD1)
    write(device / "AI" / "models" / "Stable-diffusion" / "tiny_v1.safetensors", tiny)
    # A LoRA the picture loads as a checkpoint: the guess differs, the name still links.
    lora = safetensors_bytes(
        {"lora_unet_x.lora_down.weight": ("F16", [2, 4])}, {"ss_network_module": "networks.lora"}
    )
    write(device / "AI" / "models" / "Lora" / "odd_one.safetensors", lora)
    write(device / "out" / "tiny.png", _comfy("tiny_v1.safetensors"))
    write(device / "out" / "odd.png", _comfy("odd_one.safetensors"))
    scan_evidence(case, device, "laptop", workers=0)

    recs = by_path(case)
    tiny_model = recs["AI/models/Stable-diffusion/tiny_v1.safetensors"]["model"]
    assert isinstance(tiny_model, dict) and tiny_model["kind"] == "checkpoint"
    assert any("folder" in s for s in tiny_model["kind_signals"])
    with case.sessions() as s:
        paths = {mid: p for mid, p in s.execute(select(File.media_id, File.path))}
        links = {
            (paths[link.image_media_id], paths[link.model_media_id]): link
            for link in s.scalars(select(ModelLink))
        }
    tiny_link = links[("out/tiny.png", "AI/models/Stable-diffusion/tiny_v1.safetensors")]
    assert (tiny_link.match, tiny_link.role) == ("name", "checkpoint")
    odd = links[("out/odd.png", "AI/models/Lora/odd_one.safetensors")]
    assert odd.match == "name" and "looks like a lora" in (odd.detail or "")
