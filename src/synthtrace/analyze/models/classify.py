"""What a model file is for: checkpoint, LoRA, VAE, embedding, from three kinds of evidence weighed.

- the file's own metadata (`modelspec.architecture`, kohya's `ss_network_module`): what the
  trainer wrote, the strongest; an architecture without a `/lora`, `/vae`... suffix names a whole
  model (`stable-diffusion-v1`, `stable-diffusion-xl-v1-base`, `flux-1-dev`);
- the tensor names (`lora_up`, `model.diffusion_model.`, ...): strong when specific;
- the folder the generation UIs keep each kind in (A1111/Forge `models/Stable-diffusion`,
  `models/Lora`, `models/VAE`, `embeddings/`; ComfyUI `models/checkpoints`, `models/loras`,
  `models/unet`, `models/vae`, `models/embeddings`): what the user's tool loaded it as.

No single weak sign decides alone against a stronger one: a small checkpoint with generic tensor
names in `models/Stable-diffusion` stays a checkpoint. The signs are kept (`kind_signals`), so a
report can say why. The role only ranks hash links; a link by name never depends on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LORA_MARKS = (
    "lora_up",
    "lora_down",
    "lora_A",
    "lora_B",
    "lora.up",
    "lora.down",
    "hada_w1",
    "lokr_w1",
    "oft_blocks",
    "lora_unet_",
    "lora_te",
)
CHECKPOINT_MARKS = (
    "model.diffusion_model.",
    "first_stage_model.",
    "cond_stage_model.",
    "conditioner.embedders",
    "double_blocks.",
    "joint_blocks.",
)
UNET_MARKS = ("input_blocks.", "down_blocks.", "diffusion_model.", "transformer_blocks.")
EMBEDDING_MARKS = ("emb_params", "string_to_param", "clip_l", "clip_g")

# Folder names (lower case) the UIs load each kind from, under their `models/` folder.
MODEL_FOLDERS = {
    "stable-diffusion": "checkpoint",
    "checkpoints": "checkpoint",
    "unet": "checkpoint",
    "diffusion_models": "checkpoint",
    "lora": "lora",
    "loras": "lora",
    "lycoris": "lora",
    "vae": "vae",
    "embeddings": "embedding",
}
# A1111 keeps textual inversions in `embeddings/` beside `models/`, not under it.
ANYWHERE_FOLDERS = {"embeddings": "embedding"}
ARCH_SUFFIXES = {
    "/lora": "lora",
    "/lycoris": "lora",
    "/textual-inversion": "embedding",
    "/vae": "vae",
}

# Weights: metadata the trainer wrote > specific tensor names > the folder > generic tensor names.
METADATA, TENSORS, FOLDER, WEAK = 4, 3, 2, 1


@dataclass
class Verdict:
    kind: str
    signals: list[str] = field(default_factory=list)  # each sign seen, with what it said


def folder_role(path: str) -> tuple[str, str] | None:
    """(role, folder) the UIs' folder conventions give a file at this evidence address."""
    parts = [p for p in path.replace("!/", "/").split("/")[:-1] if p]
    for i in range(len(parts) - 1, -1, -1):
        low = parts[i].lower()
        if i > 0 and parts[i - 1].lower() == "models" and low in MODEL_FOLDERS:
            return MODEL_FOLDERS[low], f"{parts[i - 1]}/{parts[i]}"
        if low in ANYWHERE_FOLDERS:
            return ANYWHERE_FOLDERS[low], parts[i]
    return None


def _metadata_signs(metadata: Mapping[str, str]) -> Iterable[tuple[str, int, str]]:
    arch = str(metadata.get("modelspec.architecture", "")).strip().lower()
    if "ss_network_module" in metadata:
        yield "lora", METADATA, f"ss_network_module {metadata['ss_network_module']!r}"
    if arch:
        for suffix, role in ARCH_SUFFIXES.items():
            if arch.endswith(suffix):
                yield role, METADATA, f"modelspec.architecture {arch!r}"
                return
        yield "checkpoint", METADATA - 1, f"modelspec.architecture {arch!r} (a whole model)"


def _tensor_signs(sample: list[str], count: int) -> Iterable[tuple[str, int, str]]:
    def first(marks: Iterable[str]) -> str | None:
        return next((n for n in sample for m in marks if m in n), None)

    if (n := first(LORA_MARKS)) is not None:
        yield "lora", TENSORS, f"tensor {n!r}"
    if (n := first(CHECKPOINT_MARKS)) is not None:
        yield "checkpoint", TENSORS, f"tensor {n!r}"
    if count <= 8:
        emb = next((n for n in sample if n.split(".", 1)[0] in EMBEDDING_MARKS), None)
        if emb is not None:
            yield "embedding", TENSORS - 1, f"tensor {emb!r} in {count} tensors"
    if any(n.startswith(("encoder.down", "decoder.up")) for n in sample) and any(
        "quant_conv" in n for n in sample
    ):
        yield "vae", TENSORS - 1, "encoder/decoder tensors with quant_conv"
    if (n := first(UNET_MARKS)) is not None:
        yield "checkpoint", WEAK, f"tensor {n!r}"


def weigh(names: Iterable[str], metadata: Mapping[str, str], count: int, path: str = "") -> Verdict:
    """The most supported role and every sign seen ("other" when nothing says anything)."""
    sample = list(names)
    signs = [*_metadata_signs(metadata), *_tensor_signs(sample, count)]
    where = folder_role(path)
    if where is not None:
        signs.append((where[0], FOLDER, f"folder {where[1]}/"))
    if not signs:
        return Verdict("other")
    score: dict[str, int] = defaultdict(int)
    strongest: dict[str, int] = defaultdict(int)
    for role, weight, _ in signs:
        score[role] += weight
        strongest[role] = max(strongest[role], weight)
    kind = max(score, key=lambda r: (score[r], strongest[r]))
    return Verdict(kind, [f"{role} ({weight}): {why}" for role, weight, why in signs])


def classify(names: Iterable[str], metadata: Mapping[str, str], count: int, path: str = "") -> str:
    return weigh(names, metadata, count, path).kind
