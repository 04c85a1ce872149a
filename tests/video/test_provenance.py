"""AI provenance in videos: ComfyUI graphs in container tags (VideoHelperSuite's Video Combine and
ComfyUI's Save Video), linked to model files on the evidence; C2PA in MP4; IPTC in XMP."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from synthtrace.case import Case
from synthtrace.provenance.demo import demo_checkpoint, demo_lora
from synthtrace.scan.service import scan_evidence
from synthtrace.video.clips import Clip, Encoding, encode
from tests.builders import write
from tests.conftest import by_path
from tests.provenance.c2pa_fixtures import sign

# An AnimateDiff-style API graph: sampler, prompts, checkpoint and a LoRA (benign prompt).
GRAPH: dict[str, Any] = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 424242,
            "steps": 20,
            "cfg": 7.0,
            "sampler_name": "euler",
            "model": ["12", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "dreamvista_v3.safetensors"},
    },
    "12": {
        "class_type": "LoraLoader",
        "inputs": {
            "lora_name": "seaside_v2.safetensors",
            "strength_model": 0.8,
            "model": ["4", 0],
            "clip": ["4", 1],
        },
    },
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 320, "height": 240}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red barn in a wheat field"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry"}},
    "20": {"class_type": "VHS_VideoCombine", "inputs": {"frame_rate": 8, "images": ["8", 0]}},
}
WORKFLOW = {"nodes": [{"id": 3, "type": "KSampler"}], "links": []}
CLIP = Clip(photo="chelsea", seconds=2, fps=8)
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def xmp_box(source_type: str) -> bytes:
    """A top-level XMP `uuid` box, as Adobe's tools append it to an MP4."""
    packet = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'Iptc4xmpExt:DigitalSourceType="{IPTC}{source_type}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()
    return struct.pack(">I", 8 + 16 + len(packet)) + b"uuid" + XMP_UUID + packet


@pytest.fixture
def records(case: Case, tmp_path: Path) -> dict[str, dict[str, Any]]:
    vhs_comment = json.dumps({"prompt": json.dumps(GRAPH), "workflow": WORKFLOW})
    save_video = {"prompt": json.dumps(GRAPH), "workflow": json.dumps(WORKFLOW)}
    plain = encode(CLIP)
    files = {
        "output/AnimateDiff_00001.mp4": encode(CLIP, Encoding(tags={"comment": vhs_comment})),
        "output/AnimateDiff_00002.webm": encode(
            CLIP, Encoding(codec="libvpx-vp9", tags={"comment": vhs_comment})
        ),
        "output/ComfyUI_00003.mp4": encode(CLIP, Encoding(tags=save_video)),
        "downloads/firefly.mp4": sign(
            plain, "video/mp4", "Adobe Firefly", "trainedAlgorithmicMedia"
        ),
        "downloads/stock.mp4": plain + xmp_box("trainedAlgorithmicMedia"),
        "downloads/camera.mp4": plain + xmp_box("digitalCapture"),
        "models/checkpoints/dreamvista_v3.safetensors": demo_checkpoint(),
        "models/loras/seaside_v2.safetensors": demo_lora(),
    }
    for name, data in files.items():
        write(tmp_path / "pc" / name, data)
    scan_evidence(case, tmp_path / "pc", "pc", workers=1)
    return by_path(case)  # type: ignore[return-value]


@pytest.mark.parametrize(
    "path",
    ["output/AnimateDiff_00001.mp4", "output/AnimateDiff_00002.webm", "output/ComfyUI_00003.mp4"],
)
def test_comfyui_graph_in_a_video(records: dict[str, dict[str, Any]], path: str) -> None:
    rec = records[path]
    prov = rec["provenance"]
    assert rec["errors"] == [], rec["errors"]
    assert prov["generated"] is True and prov["tool"] == "comfyui"
    assert prov["prompt"] == "a red barn in a wheat field" and prov["negative_prompt"] == "blurry"
    assert prov["seed"] == 424242 and prov["steps"] == 20
    assert prov["model_name"] == "dreamvista_v3.safetensors"
    assert [lora["name"] for lora in prov["loras"]] == ["seaside_v2.safetensors"]
    assert any(
        s["kind"] == "metadata" and s["source"].startswith("video:") for s in prov["signals"]
    )
    assert "prompt" in json.dumps(prov["raw"])  # the graph as found, for the examiner
    assert rec["video"]["frames_hashed"] == 2


def test_video_linked_to_the_model_files_on_the_evidence(
    case: Case, records: dict[str, dict[str, Any]]
) -> None:
    from sqlalchemy import select

    from synthtrace.store.models import File, ModelLink

    with case.sessions() as s:
        paths = {mid: p for mid, p in s.execute(select(File.media_id, File.path))}
        links = {
            (paths[link.image_media_id], paths[link.model_media_id], link.role)
            for link in s.scalars(select(ModelLink))
        }
    video = "output/AnimateDiff_00001.mp4"
    assert (video, "models/checkpoints/dreamvista_v3.safetensors", "checkpoint") in links
    assert (video, "models/loras/seaside_v2.safetensors", "lora") in links


def test_c2pa_manifest_in_an_mp4(records: dict[str, dict[str, Any]]) -> None:
    prov = records["downloads/firefly.mp4"]["provenance"]
    assert prov["generated"] is True and prov["c2pa"]["claim_generator"].startswith("Adobe Firefly")
    assert prov["tool"] == "firefly"
    assert any(s["kind"] == "c2pa" for s in prov["signals"])
    assert records["downloads/firefly.mp4"]["video"]["frames_hashed"] == 2


def test_iptc_digital_source_type_in_video_xmp(records: dict[str, dict[str, Any]]) -> None:
    stock = records["downloads/stock.mp4"]["provenance"]
    assert stock["generated"] is True
    assert any(s["kind"] == "iptc" for s in stock["signals"])
    camera = records["downloads/camera.mp4"]["provenance"]
    assert camera["generated"] is False
    assert records["downloads/camera.mp4"]["video"]["frames_hashed"] == 2  # the box is harmless
