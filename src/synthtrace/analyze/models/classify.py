"""What a model file is for, from its tensor names and metadata: checkpoint, LoRA, VAE, embedding.

The role decides how an image's reference links to it (an image's `Model hash` to a checkpoint, its
LoRA hashes to LoRAs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def classify(names: Iterable[str], metadata: Mapping[str, str], count: int) -> str:
    arch = str(metadata.get("modelspec.architecture", "")).lower()
    if "ss_network_module" in metadata or arch.endswith(("/lora", "/lycoris")):
        return "lora"
    sample = list(names)
    if any(m in n for n in sample for m in LORA_MARKS):
        return "lora"
    if any(m in n for n in sample for m in CHECKPOINT_MARKS):
        return "checkpoint"
    if count <= 8 and any(
        n.split(".", 1)[0] in EMBEDDING_MARKS or n in EMBEDDING_MARKS for n in sample
    ):
        return "embedding"
    if any(n.startswith(("encoder.down", "decoder.up")) for n in sample) and any(
        "quant_conv" in n for n in sample
    ):
        return "vae"
    if any(m in n for n in sample for m in UNET_MARKS):
        return "checkpoint"
    return "other"
