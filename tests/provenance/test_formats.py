"""Every generator format, through the shared FormatAutoTest: its examples parse to the expected
fields, it claims none of the other formats' examples it should not, and hostile variants of its
examples are errors, never crashes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.analyze.formats import FORMATS, FormatError, Metadata, MetadataFormat
from synthtrace.analyze.formats.a1111 import A1111
from synthtrace.analyze.formats.comfyui import ComfyUI
from synthtrace.analyze.formats.drawthings import DrawThings
from synthtrace.analyze.formats.easydiffusion import EasyDiffusion
from synthtrace.analyze.formats.fooocus import Fooocus
from synthtrace.analyze.formats.invokeai import InvokeAI
from synthtrace.analyze.formats.midjourney import Midjourney
from synthtrace.analyze.formats.novelai import NovelAI
from synthtrace.analyze.formats.swarmui import SwarmUI
from synthtrace.limits import Limits

LIMITS = Limits()


def _garbled(meta: Metadata) -> Metadata:
    """The example with every JSON-looking value cut in half (invalid JSON)."""

    def cut(v: Any) -> Any:
        return v[: len(v) // 2] if isinstance(v, str) and v.lstrip().startswith("{") else v

    return dataclasses.replace(
        meta,
        texts={k: cut(v) for k, v in meta.texts.items()},
        exif={k: cut(v) for k, v in meta.exif.items()},
    )


class FormatAutoTest:
    """Subclass with FORMAT set: the example, name and robustness tests come with it."""

    FORMAT: ClassVar[MetadataFormat]

    def test_name_is_a_short_lowercase_key(self) -> None:
        name = self.FORMAT.name
        assert name == name.lower() and name.isidentifier() and len(name) <= 20

    def test_listed_once_in_formats(self) -> None:
        assert [type(f) for f in FORMATS].count(type(self.FORMAT)) == 1

    def test_has_examples(self) -> None:
        assert self.FORMAT.examples()

    def test_examples_parse_to_expected_fields(self) -> None:
        for example in self.FORMAT.examples():
            assert self.FORMAT.detect(example.metadata)
            facts = self.FORMAT.parse(example.metadata, LIMITS)
            got = facts.fields()
            for key, value in example.expect.items():
                assert got[key] == value, (self.FORMAT.name, key)
            assert facts.tool == self.FORMAT.name
            assert facts.source

    def test_not_detected_on_empty_metadata(self) -> None:
        assert not self.FORMAT.detect(Metadata())
        assert not self.FORMAT.detect(Metadata(container="JPEG", exif={"Make": "Canon"}))

    def test_other_formats_examples_are_not_claimed_first(self) -> None:
        """Where another format's example is detected by this one too, FORMATS order must put
        the right format first (the primary result comes from the first that detects)."""
        for other in FORMATS:
            if type(other) is type(self.FORMAT):
                continue
            for example in other.examples():
                if not self.FORMAT.detect(example.metadata):
                    continue
                first = next(f for f in FORMATS if f.detect(example.metadata))
                assert type(first) is type(other), (self.FORMAT.name, other.name)

    def test_invalid_json_is_an_error_not_a_crash(self) -> None:
        for example in self.FORMAT.examples():
            garbled = _garbled(example.metadata)
            if garbled == example.metadata or not self.FORMAT.detect(garbled):
                continue
            try:
                self.FORMAT.parse(garbled, LIMITS)
            except FormatError as exc:
                assert str(exc)

    def test_oversized_text_is_refused(self) -> None:
        small = Limits(max_text_bytes=16)
        for example in self.FORMAT.examples():
            try:
                self.FORMAT.parse(example.metadata, small)
            except FormatError as exc:
                assert "limit" in str(exc) or "JSON" in str(exc)


class TestA1111(FormatAutoTest):
    FORMAT = A1111()


class TestComfyUI(FormatAutoTest):
    FORMAT = ComfyUI()


class TestInvokeAI(FormatAutoTest):
    FORMAT = InvokeAI()


class TestNovelAI(FormatAutoTest):
    FORMAT = NovelAI()


class TestFooocus(FormatAutoTest):
    FORMAT = Fooocus()


class TestSwarmUI(FormatAutoTest):
    FORMAT = SwarmUI()


class TestEasyDiffusion(FormatAutoTest):
    FORMAT = EasyDiffusion()


class TestDrawThings(FormatAutoTest):
    FORMAT = DrawThings()


class TestMidjourney(FormatAutoTest):
    FORMAT = Midjourney()


def test_every_format_has_an_autotest() -> None:
    tested = {cls.FORMAT.name for cls in FormatAutoTest.__subclasses__()}
    assert tested == {f.name for f in FORMATS}


KEYS = [
    "parameters",
    "prompt",
    "workflow",
    "invokeai_metadata",
    "invokeai_graph",
    "sd-metadata",
    "Dream",
    "Software",
    "Source",
    "Comment",
    "Description",
    "fooocus_scheme",
    "use_stable_diffusion_model",
]
_KEY = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        [
            "inputs",
            "class_type",
            "type",
            "widgets_values",
            "links",
            "nodes",
            "link",
            "id",
            "name",
            "seed",
            "positive",
            "model",
            "latent_image",
            "text",
            "lora_name",
            "ckpt_name",
            "loras",
            "hash",
            "weight",
            "image",
            "prompt",
            "sui_image_params",
            "sui_models",
            "Comment",
        ]
    ),
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEY, inner, max_size=5),
    max_leaves=25,
)
_value = st.one_of(
    st.text(max_size=80),
    _json.map(json.dumps),
    st.dictionaries(
        st.sampled_from(["sui_image_params", "nodes", "links", "model", "loras", "image", "3"]),
        _json,
        max_size=4,
    ).map(json.dumps),
)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.dictionaries(st.sampled_from(KEYS), _value, max_size=4),
    exif=st.dictionaries(
        st.sampled_from(["UserComment", "Model", "Make", "ImageDescription", "Software"]),
        st.one_of(_value, st.just("prompt:{}"), _value.map(lambda v: "workflow:" + v)),
        max_size=3,
    ),
)
def test_any_metadata_is_parsed_or_refused_never_crashes(
    texts: dict[str, str], exif: dict[str, str]
) -> None:
    meta = Metadata(texts=texts, exif=exif, xmp=texts.get("parameters"))
    for fmt in FORMATS:
        if fmt.detect(meta):
            try:
                facts = fmt.parse(meta, LIMITS)
            except FormatError:
                continue
            assert facts.tool == fmt.name
            json.dumps(facts.fields())  # what is stored must be JSON
