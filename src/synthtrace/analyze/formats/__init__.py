"""Generator metadata formats, one module each, listed once in FORMATS (most specific first).

A new format is one module with a class (`name`, `detect`, `parse`, `examples`) added to FORMATS,
and a FormatAutoTest subclass in tests/provenance/test_formats.py.
"""

from synthtrace.analyze.formats.a1111 import A1111
from synthtrace.analyze.formats.base import (
    Example,
    FormatError,
    GenerationFacts,
    LoraRef,
    Metadata,
    MetadataFormat,
)
from synthtrace.analyze.formats.comfyui import ComfyUI
from synthtrace.analyze.formats.drawthings import DrawThings
from synthtrace.analyze.formats.easydiffusion import EasyDiffusion
from synthtrace.analyze.formats.fooocus import Fooocus
from synthtrace.analyze.formats.invokeai import InvokeAI
from synthtrace.analyze.formats.midjourney import Midjourney
from synthtrace.analyze.formats.novelai import NovelAI
from synthtrace.analyze.formats.swarmui import SwarmUI

# JSON-in-`parameters` formats come before A1111's plain-text infotext, which they would not match
# anyway; the order only decides which format is primary when an image carries several.
FORMATS: list[MetadataFormat] = [
    SwarmUI(),
    Fooocus(),
    ComfyUI(),
    InvokeAI(),
    NovelAI(),
    EasyDiffusion(),
    DrawThings(),
    Midjourney(),
    A1111(),
]

__all__ = [
    "FORMATS",
    "Example",
    "FormatError",
    "GenerationFacts",
    "LoraRef",
    "Metadata",
    "MetadataFormat",
]
