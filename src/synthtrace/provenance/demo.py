"""Benign generated-image samples for the demo devices: what provenance finds, shown end to end.

On the laptop: a tiny "checkpoint" and a kohya-trained "LoRA" (safetensors, a few KB of zeros
with real-looking metadata; the training folders and tags are about lighthouses), an A1111 PNG
whose model and LoRA hashes name them, a ComfyUI PNG that names them by file only, an SDXL-marked
PNG, and an A1111 `cache.json` listing a model no longer on the disk. On the phone: an A1111 JPEG
(EXIF UserComment) made with the laptop's checkpoint. All pictures are procedural landscapes or
textures; all prompts are about places and things.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from synthtrace.analyze.watermark import SDXL, embed_watermark
from synthtrace.demo.pictures import landscape, texture

FIXED_TIME = 1_700_000_000
DTYPE_SIZES = {"F16": 2, "F32": 4, "BF16": 2}


def safetensors_bytes(
    tensors: dict[str, tuple[str, list[int]]], metadata: dict[str, str] | None = None
) -> bytes:
    """A valid safetensors file: the named tensors (all zeros) and a __metadata__ map."""
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = DTYPE_SIZES[dtype]
        for d in shape:
            size *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def tensor_sha256(data: bytes) -> str:
    """SHA-256 of a safetensors file's data section (the addnet / SwarmUI / sshs hash)."""
    (n,) = struct.unpack("<Q", data[:8])
    return hashlib.sha256(data[8 + n :]).hexdigest()


def png_with_text(img: Image.Image, text: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def jpeg_with_user_comment(img: Image.Image, text: str) -> bytes:
    """A JPEG whose EXIF UserComment is `UNICODE\\0` + UTF-16 (how A1111 writes JPEGs)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (FIXED_TIME, FIXED_TIME))


def demo_lora() -> bytes:
    tag_frequency = {"10_lighthouses": {"lighthouse": 12, "cliff": 9, "sea": 11, "dusk": 5}}
    metadata = {
        "ss_output_name": "seaside_v2",
        "ss_sd_model_name": "sd_xl_base_1.0.safetensors",
        "ss_network_module": "networks.lora",
        "ss_num_train_images": "120",
        "ss_training_started_at": "1699000000.5",
        "ss_training_finished_at": "1699003600.0",
        "ss_dataset_dirs": json.dumps({"10_lighthouses": {"n_repeats": 10, "img_count": 12}}),
        "ss_tag_frequency": json.dumps(tag_frequency),
    }
    tensors = {
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": ("F16", [4, 32]),
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": ("F16", [32, 4]),
        "lora_unet_down_blocks_0_attentions_0_proj_in.alpha": ("F16", []),
    }
    data = safetensors_bytes(tensors, metadata)
    metadata["sshs_model_hash"] = tensor_sha256(data)
    return safetensors_bytes(tensors, metadata)


def demo_checkpoint() -> bytes:
    tensors = {
        "model.diffusion_model.input_blocks.0.0.weight": ("F16", [8, 4, 3, 3]),
        "first_stage_model.decoder.conv_in.weight": ("F16", [8, 4, 3, 3]),
        "cond_stage_model.transformer.text_model.embeddings.position_ids": ("F32", [1, 16]),
    }
    return safetensors_bytes(tensors, {"modelspec.title": "DreamVista v3"})


def add_generation_samples(root: Path) -> None:
    """Write the generation samples into the demo devices under `root` (laptop-A, phone-B)."""
    laptop, phone = root / "laptop-A", root / "phone-B"
    lora, ckpt = demo_lora(), demo_checkpoint()
    _write(laptop / "AI" / "models" / "Lora" / "seaside_v2.safetensors", lora)
    _write(laptop / "AI" / "models" / "Stable-diffusion" / "dreamvista_v3.safetensors", ckpt)
    model_hash = hashlib.sha256(ckpt).hexdigest()[:10]
    lora_hash = tensor_sha256(lora)[:12]
    gone = hashlib.sha256(b"a model deleted before the seizure").hexdigest()
    infotext = (
        "a lighthouse on a cliff at dusk, <lora:seaside_v2:0.7>\n"
        "Negative prompt: blurry\n"
        f"Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234567, Size: 640x480, "
        f'Model hash: {model_hash}, Model: dreamvista_v3, Lora hashes: "seaside_v2: {lora_hash}", '
        "Version: v1.7.0"
    )
    _write(
        laptop / "AI" / "outputs" / "txt2img" / "00001-1234567.png",
        png_with_text(landscape(101), {"parameters": infotext}),
    )
    graph = {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 42,
                "steps": 20,
                "cfg": 7.0,
                "sampler_name": "euler",
                "model": ["10", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "dreamvista_v3.safetensors"},
        },
        "10": {
            "class_type": "LoraLoader",
            "inputs": {
                "lora_name": "seaside_v2.safetensors",
                "strength_model": 0.6,
                "model": ["4", 0],
            },
        },
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 480}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a harbour with fishing boats"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark"}},
    }
    _write(
        laptop / "AI" / "outputs" / "comfy" / "ComfyUI_00001_.png",
        png_with_text(landscape(102), {"prompt": json.dumps(graph), "workflow": "{}"}),
    )
    _write(
        laptop / "AI" / "outputs" / "sdxl" / "00002.png",
        png_with_text(embed_watermark(texture(103), SDXL), {}),
    )
    old = infotext.replace(model_hash, gone[:10]).replace("dreamvista_v3", "oldmodel_v1")
    _write(
        laptop / "AI" / "outputs" / "txt2img" / "00000-7.png",
        png_with_text(landscape(104), {"parameters": old.replace("Seed: 1234567", "Seed: 7")}),
    )
    cache = {
        "hashes": {
            "checkpoint/dreamvista_v3.safetensors": {
                "mtime": FIXED_TIME,
                "sha256": hashlib.sha256(ckpt).hexdigest(),
            },
            "checkpoint/oldmodel_v1.safetensors": {"mtime": FIXED_TIME - 86400, "sha256": gone},
        },
        "hashes-addnet": {"lora/seaside_v2": {"mtime": FIXED_TIME, "sha256": tensor_sha256(lora)}},
    }
    _write(laptop / "AI" / "cache.json", json.dumps(cache, indent=1).encode())
    _write(
        phone / "Download" / "render_from_laptop.jpg",
        jpeg_with_user_comment(landscape(105), infotext.replace("Seed: 1234567", "Seed: 99")),
    )
