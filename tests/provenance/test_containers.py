"""Each format read from real files in each place generators write it, through the whole per-file
analysis (decode, metadata, every analyzer), as a scan runs it."""

from __future__ import annotations

import json

import pytest

from synthtrace.analyze.formats.drawthings import DrawThings
from synthtrace.analyze.formats.midjourney import Midjourney
from tests.provenance.builders import (
    LIGHTHOUSE,
    gif_comment,
    image_with_exif,
    jpeg_user_comment,
    png,
    png_itxt_after_idat,
    provenance,
    xmp_png,
)

USER_COMMENT, MODEL, MAKE, SOFTWARE, MAKER_NOTE = 0x9286, 0x0110, 0x010F, 0x0131, 0x927C


def _lighthouse(prov: dict[str, object]) -> None:
    assert prov["generated"] is True
    assert prov["tool"] == "a1111" and prov["seed"] == 42 and prov["steps"] == 20
    assert prov["model_hash"] == "31e35c80fc" and prov["model_name"] == "sd_xl_base_1.0"
    assert prov["prompt"] == "a lighthouse on a cliff at dusk"


def test_png_parameters_text_chunk() -> None:
    prov = provenance(png({"parameters": LIGHTHOUSE}))
    _lighthouse(prov)
    assert prov["raw"]["png:tEXt parameters"] == LIGHTHOUSE
    assert prov["signals"][0]["source"] == "png:tEXt parameters"


def test_png_parameters_itxt_after_idat() -> None:
    prov = provenance(png_itxt_after_idat("parameters", LIGHTHOUSE))
    _lighthouse(prov)
    assert "png:iTXt parameters (after IDAT)" in prov["raw"]


@pytest.mark.parametrize(
    "raw",
    [
        b"UNICODE\x00" + LIGHTHOUSE.encode("utf-16-be"),
        b"UNICODE\x00" + LIGHTHOUSE.encode("utf-16-le"),
        b"ASCII\x00\x00\x00" + LIGHTHOUSE.encode("ascii"),
        LIGHTHOUSE.encode("utf-8"),  # no charset code at all
    ],
    ids=["unicode-be", "unicode-le", "ascii", "none"],
)
def test_jpeg_user_comment_encodings(raw: bytes) -> None:
    _lighthouse(provenance(jpeg_user_comment(raw), "x.jpg"))


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF"])
def test_webp_and_avif_user_comment(fmt: str) -> None:
    data = image_with_exif(fmt, {USER_COMMENT: b"UNICODE\x00" + LIGHTHOUSE.encode("utf-16-be")})
    _lighthouse(provenance(data, f"x.{fmt.lower()}"))


def test_gif_comment() -> None:
    _lighthouse(provenance(gif_comment(LIGHTHOUSE), "x.gif"))


def test_comfyui_png_and_webp_exif() -> None:
    graph = {
        "1": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 9,
                "steps": 15,
                "cfg": 4.0,
                "positive": ["2", 0],
                "model": ["3", 0],
                "latent_image": ["4", 0],
            },
        },
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "an orchard in spring"}},
        "3": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "orchard.safetensors"},
        },
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 320, "height": 240}},
    }
    workflow = {"nodes": [], "extra": {"frontendVersion": "1.2.3"}}
    for data, name in (
        (png({"prompt": json.dumps(graph), "workflow": json.dumps(workflow)}), "c.png"),
        (
            image_with_exif(
                "WEBP",
                {MODEL: "prompt:" + json.dumps(graph), MAKE: "workflow:" + json.dumps(workflow)},
            ),
            "c.webp",
        ),
    ):
        prov = provenance(data, name)
        assert prov["tool"] == "comfyui" and prov["seed"] == 9, name
        assert prov["model_name"] == "orchard.safetensors"
        assert prov["model_hash_kind"] == "name-only" and prov["tool_version"] == "1.2.3"
        assert not any(s["kind"] == "camera" for s in prov["signals"])


def test_comfyui_workflow_only() -> None:
    workflow = {
        "nodes": [
            {
                "id": 1,
                "type": "KSampler",
                "widgets_values": [77, "fixed", 12, 5.5, "euler", "normal", 1],
                "inputs": [{"name": "positive", "link": 5}],
            },
            {"id": 2, "type": "CLIPTextEncode", "widgets_values": ["a quiet lake"]},
            {"id": 3, "type": "CheckpointLoaderSimple", "widgets_values": ["lake.ckpt"]},
            {"id": 4, "type": "LoraLoader", "widgets_values": ["ripples.safetensors", 0.5, 0.5]},
        ],
        "links": [[5, 2, 0, 1, 1, "CONDITIONING"]],
    }
    prov = provenance(png({"workflow": json.dumps(workflow)}))
    assert (prov["seed"], prov["steps"], prov["prompt"]) == (77, 12, "a quiet lake")
    assert prov["model_name"] == "lake.ckpt"
    assert prov["loras"] == [
        {"name": "ripples.safetensors", "weight": 0.5, "hash": None, "hash_kind": None}
    ]


def test_invokeai_chunks() -> None:
    meta = {
        "positive_prompt": "a red barn",
        "seed": 5,
        "steps": 30,
        "app_version": "3.6.0",
        "model": {"model_name": "barns_v1", "base_model": "sd-1"},
        "generation_mode": "txt2img",
    }
    prov = provenance(png({"invokeai_metadata": json.dumps(meta), "invokeai_graph": "{}"}))
    assert prov["tool"] == "invokeai" and prov["model_name"] == "barns_v1" and prov["seed"] == 5
    dream = provenance(
        png({"Dream": '"a pine forest" -s 40 -S 99 -W 320 -H 240 -I init.png -f 0.6'})
    )
    assert dream["tool"] == "invokeai" and dream["img2img"] is True
    assert dream["denoising_strength"] == 0.6


def test_novelai_png_text() -> None:
    comment = {"prompt": "a stone bridge", "uc": "text", "steps": 28, "seed": 11, "scale": 5}
    prov = provenance(
        png(
            {
                "Title": "AI generated image",
                "Description": "a stone bridge",
                "Software": "NovelAI",
                "Source": "NovelAI Diffusion V3 7BCCAA2C",
                "Comment": json.dumps(comment),
            }
        )
    )
    assert prov["tool"] == "novelai" and prov["seed"] == 11 and prov["negative_prompt"] == "text"
    assert prov["model_hash"] == "7BCCAA2C"


def test_fooocus_png_and_jpeg() -> None:
    doc = {
        "prompt": "a canyon",
        "seed": 5,
        "base_model": "canyons.safetensors",
        "base_model_hash": "0123456789",
        "version": "Fooocus v2.5.0",
        "resolution": "(320, 240)",
    }
    prov = provenance(png({"parameters": json.dumps(doc), "fooocus_scheme": "fooocus"}))
    assert prov["tool"] == "fooocus" and prov["model_hash_kind"] == "autov2"
    jpeg = image_with_exif(
        "JPEG",
        {
            USER_COMMENT: json.dumps(doc).encode(),
            SOFTWARE: "Fooocus v2.5.0",
            MAKER_NOTE: b"fooocus",
        },
    )
    prov = provenance(jpeg, "f.jpg")
    assert prov["tool"] == "fooocus" and prov["size"] == "320x240"


def test_swarmui_and_easydiffusion() -> None:
    swarm = {
        "sui_image_params": {"prompt": "a mill", "seed": 3, "model": "mills", "steps": 9},
        "sui_models": [{"name": "mills.safetensors", "param": "model", "hash": "0x" + "ab" * 32}],
    }
    prov = provenance(png({"parameters": json.dumps(swarm)}))
    assert prov["tool"] == "swarmui" and prov["model_hash_kind"] == "swarm"
    ed = {
        "prompt": "sunflowers",
        "seed": "8",
        "use_stable_diffusion_model": "sd-v1-4",
        "num_inference_steps": "25",
        "guidance_scale": "7.5",
        "width": "320",
        "height": "240",
    }
    prov = provenance(png(ed))
    assert prov["tool"] == "easydiffusion" and prov["seed"] == 8 and prov["steps"] == 25


def test_drawthings_xmp_and_midjourney_description() -> None:
    (example,) = DrawThings().examples()
    assert example.metadata.xmp is not None
    prov = provenance(xmp_png(example.metadata.xmp))
    assert prov["tool"] == "drawthings" and prov["seed"] == 31337
    text = Midjourney().examples()[0].metadata.texts["Description"]
    prov = provenance(png({"Description": text, "Author": "u"}))
    assert prov["tool"] == "midjourney" and prov["seed"] == 777


def test_iptc_digital_source_type() -> None:
    uri = "http://cv.iptc.org/newscodes/digitalsourcetype/"
    for term, generated in (
        ("trainedAlgorithmicMedia", True),
        ("compositeWithTrainedAlgorithmicMedia", True),
        ("digitalCapture", False),
        ("algorithmicMedia", None),
    ):
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
            f'Iptc4xmpExt:DigitalSourceType="{uri}{term}"/></rdf:RDF></x:xmpmeta>'
        )
        prov = provenance(xmp_png(xmp))
        assert prov["generated"] is generated, term
        assert any(term in s["detail"] for s in prov["signals"])


def test_plain_picture_has_no_provenance() -> None:
    from tests.provenance.builders import analyze

    media = analyze(png())
    assert media.facts.get("provenance") is None and not media.errors
