"""The AUTOMATIC1111 / Forge infotext grammar, field by field, and fuzzed."""

from __future__ import annotations

import contextlib
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.analyze.formats import FormatError
from synthtrace.analyze.formats.a1111 import looks_like_infotext, parse_infotext, split_infotext


def test_quoted_values_and_lora_hashes() -> None:
    text = (
        "a bowl of lemons, <lora:citrus:0.6>, <lora:oil_paint:1.1>\n"
        "Negative prompt: text\n"
        "Steps: 30, Sampler: DPM++ 2M, CFG scale: 5, Seed: 7, Size: 512x512, "
        "Model hash: abcdef0123, "
        'Model: still_life, Lora hashes: "citrus: 0123456789ab, oil_paint: ba9876543210", '
        'TI hashes: "emb1: 1111aaaa2222", Template: "a, b, c", Version: v1.9.4'
    )
    facts = parse_infotext(text, "png:parameters")
    loras = {r.name: r for r in facts.loras}
    assert loras["citrus"].weight == 0.6 and loras["citrus"].hash == "0123456789ab"
    assert loras["citrus"].hash_kind == "addnet"
    assert loras["oil_paint"].weight == 1.1 and loras["oil_paint"].hash == "ba9876543210"
    assert facts.negative_prompt == "text"
    assert facts.model_hash_kind == "autov2" and facts.tool_version == "v1.9.4"
    (emb,) = facts.embeddings
    assert (emb.name, emb.hash, emb.hash_kind) == ("emb1", "1111aaaa2222", "sha256")
    _, _, params = split_infotext(text)
    assert params["Template"] == "a, b, c"  # a quoted value keeps its commas


def test_hashes_json_and_old_autov1() -> None:
    hashes = {"model": "0a1b2c3d", "lora:pebbles": "aaaabbbbcccc", "embed:x": "deadbeef0000"}
    text = (
        "pebbles on a beach\n"
        f"Steps: 10, Seed: 1, Size: 512x512, Hashes: {json.dumps(json.dumps(hashes))}, "
        "Model: beachy"
    )
    facts = parse_infotext(text, "png:parameters")
    assert facts.model_hash == "0a1b2c3d" and facts.model_hash_kind == "autov1"
    assert [(r.name, r.hash) for r in facts.loras] == [("pebbles", "aaaabbbbcccc")]


def test_addnet_fields() -> None:
    text = (
        "a tram in the rain\n"
        "Steps: 20, Seed: 3, Size: 512x512, AddNet Enabled: True, AddNet Module 1: LoRA, "
        "AddNet Model 1: rainy_city(5e1f2a3b4c5d), AddNet Weight A 1: 0.8, AddNet Weight B 1: 0.8"
    )
    (ref,) = parse_infotext(text, "png:parameters").loras
    assert (ref.name, ref.hash, ref.hash_kind, ref.weight) == (
        "rainy_city",
        "5e1f2a3b4c5d",
        "addnet",
        0.8,
    )


def test_forge_name_hash_is_recognised() -> None:
    name_hash = hashlib.sha256(b"dreamvista_v3.safetensors").hexdigest()[:10]
    text = (
        "a lighthouse\n"
        f"Steps: 20, Seed: 3, Size: 512x512, Model hash: {name_hash}, Model: dreamvista_v3, "
        "Version: f2.0.1v1.10.1-previous-313-g8a042934"
    )
    facts = parse_infotext(text, "png:parameters")
    assert facts.model_hash_kind == "forge-name"
    assert any("file name" in n for n in facts.notes)


def test_hires_fix_is_not_img2img_but_inpaint_is() -> None:
    hires = "hills\nSteps: 20, Seed: 1, Denoising strength: 0.7, Hires upscale: 2, Hires steps: 10"
    assert parse_infotext(hires, "p").img2img is False
    inpaint = "hills\nSteps: 20, Seed: 1, Denoising strength: 0.4, Mask blur: 4, Size: 8x8"
    facts = parse_infotext(inpaint, "p")
    assert facts.img2img is True and facts.denoising_strength == 0.4


def test_text_without_parameters_is_not_infotext() -> None:
    assert not looks_like_infotext("just a caption about a boat")
    assert not looks_like_infotext('{"Steps: 20": 1}')
    assert looks_like_infotext("boat\nSteps: 20, Sampler: Euler, Seed: 1")


def test_multiline_prompt_and_negative() -> None:
    text = "line one\nline two\nNegative prompt: bad\nworse\nSteps: 1, Seed: 2, Size: 8x8"
    prompt, negative, _ = split_infotext(text)
    assert prompt == "line one\nline two" and negative == "bad\nworse"


_word = st.text(alphabet="abcdefghij klmnop,.()<>:", min_size=0, max_size=40)


@settings(max_examples=200, deadline=None)
@given(prompt=_word, seed=st.integers(0, 2**32), steps=st.integers(1, 150), cfg=st.floats(1, 30))
def test_round_trip_of_generated_infotext(prompt: str, seed: int, steps: int, cfg: float) -> None:
    text = (
        f"{prompt}\nSteps: {steps}, Sampler: Euler a, CFG scale: {cfg}, Seed: {seed}, Size: 64x64"
    )
    facts = parse_infotext(text, "png:parameters")
    assert (facts.seed, facts.steps, facts.size) == (seed, steps, "64x64")
    assert facts.cfg_scale == cfg
    assert facts.prompt == (prompt.strip() or None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(FormatError):
        parse_infotext(text, "png:parameters")
