"""Fixtures for provenance tests, built on the fly: benign pictures with generator metadata."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from typing import Any

from PIL import Image

from synthtrace.analyze.pipeline import MediaFacts, analyze_stream
from synthtrace.demo.pictures import landscape
from synthtrace.limits import Limits
from synthtrace.provenance.demo import png_with_text
from tests.builders import chunk, insert_before_iend

LIGHTHOUSE = (
    "a lighthouse on a cliff at dusk\n"
    "Negative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 320x240, "
    "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.7.0"
)


def picture(seed: int = 1, size: tuple[int, int] = (320, 240)) -> Image.Image:
    return landscape(seed, size)


def analyze(data: bytes, name: str = "x.png", limits: Limits | None = None) -> MediaFacts:
    """The whole per-file analysis (digests, decode, every content analyzer) of some bytes."""
    media, _ = analyze_stream(name, lambda: io.BytesIO(data), limits or Limits(), None, data=data)
    return media


def provenance(data: bytes, name: str = "x.png", limits: Limits | None = None) -> dict[str, Any]:
    media = analyze(data, name, limits)
    prov = media.facts.get("provenance")
    assert isinstance(prov, dict), (media.errors, media.facts)
    return prov


def png(text: dict[str, str] | None = None, img: Image.Image | None = None) -> bytes:
    return png_with_text(img or picture(), text or {})


def png_itxt_after_idat(keyword: str, text: str, img: Image.Image | None = None) -> bytes:
    body = keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    return insert_before_iend(png(img=img), chunk(b"iTXt", body))


def jpeg_user_comment(raw: bytes, img: Image.Image | None = None) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = raw
    buf = io.BytesIO()
    (img or picture()).save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def image_with_exif(fmt: str, tags: dict[int, Any], img: Image.Image | None = None) -> bytes:
    exif = Image.Exif()
    for tag, value in tags.items():
        if tag == 0x9286:
            exif.get_ifd(0x8769)[tag] = value
        else:
            exif[tag] = value
    buf = io.BytesIO()
    (img or picture()).save(buf, fmt, exif=exif.tobytes())
    return buf.getvalue()


def gif_comment(text: str) -> bytes:
    buf = io.BytesIO()
    picture().convert("P").save(buf, "GIF", comment=text.encode())
    return buf.getvalue()


def xmp_png(xmp: str, img: Image.Image | None = None) -> bytes:
    return png({"XML:com.adobe.xmp": xmp}, img)


# --- pickles and checkpoints, assembled opcode by opcode (no torch, no unpickling) ------------


def _unicode(s: str) -> bytes:
    raw = s.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _int(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def state_dict_pickle(tensors: dict[str, tuple[int, ...]]) -> bytes:
    """What torch.save pickles for an OrderedDict of tensors: _rebuild_tensor_v2 calls, shapes."""
    out = b"\x80\x02" + _global("collections", "OrderedDict") + b")R"  # OrderedDict()
    for i, (name, shape) in enumerate(tensors.items()):
        n = 1
        for d in shape:
            n *= d
        storage = (
            b"("
            + _unicode("storage")
            + _global("torch", "HalfStorage")
            + _unicode(str(i))
            + _unicode("cpu")
            + _int(n)
            + b"tQ"  # tuple -> BINPERSID
        )
        size = b"(" + b"".join(_int(d) for d in shape) + b"t"
        stride = b"(" + b"".join(_int(1) for _ in shape) + b"t"
        call = (
            _global("torch._utils", "_rebuild_tensor_v2")
            + b"("
            + storage
            + _int(0)
            + size
            + stride
            + b"\x89"
            + _global("collections", "OrderedDict")
            + b")R"
            + b"tR"
        )
        out += _unicode(name) + call + b"s"  # SETITEM on the dict
    return out + b"."


def torch_zip(pickle_bytes: bytes, prefix: str = "archive") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{prefix}/data.pkl", pickle_bytes)
        zf.writestr(f"{prefix}/byteorder", b"little")
        zf.writestr(f"{prefix}/data/0", bytes(64))
        zf.writestr(f"{prefix}/version", b"3\n")
    return buf.getvalue()


class RunsCode:
    """Pickles into a call of os.system: what a malicious checkpoint does when loaded."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        import os

        return (os.system, (self.command,))


def malicious_pickle(marker_path: str) -> bytes:
    return pickle.dumps({"state_dict": RunsCode(f"touch {marker_path}")}, protocol=2)
