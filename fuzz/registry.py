"""Every fuzz target, listed once: its one-input function, the parser it exercises, its seeds.

Nothing here imports synthtrace: the runner imports a target's harness inside atheris'
instrumentation, and a module imported earlier would run uninstrumented (no coverage feedback).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    harness: str  # "module:function" of the one-input function
    parser: str  # the module under test, for reports
    instrument: tuple[str, ...] = ("synthtrace",)  # top-level packages given coverage feedback
    max_len: int = 16 * 1024  # libFuzzer's -max_len: largest input it makes

    @property
    def slug(self) -> str:
        """The target's folder name under fuzz/corpus, fuzz/crashes and fuzz/logs."""
        return self.name.replace(":", "-").replace("/", "-")

    def load(self) -> Callable[[bytes], None]:
        module, _, function = self.harness.partition(":")
        fn: Callable[[bytes], None] = getattr(importlib.import_module(module), function)
        return fn


_A, _G, _I, _M, _H = (
    "fuzz.harnesses.archives",
    "fuzz.harnesses.generators",
    "fuzz.harnesses.images",
    "fuzz.harnesses.models",
    "fuzz.harnesses.hashlists",
)
_D, _W, _V = "fuzz.harnesses.disk", "fuzz.harnesses.artifacts", "fuzz.harnesses.video"
_ARCHIVES = "synthtrace/evidence/archives.py"
_FORMATS = "synthtrace/analyze/formats/"

TARGETS: list[Target] = [
    # Archive openers; the standard library's pure-Python readers are instrumented too.
    Target("zip", f"{_A}:zip_input", _ARCHIVES, ("synthtrace", "zipfile"), 64 * 1024),
    Target("tar", f"{_A}:tar_input", _ARCHIVES, ("synthtrace", "tarfile"), 64 * 1024),
    Target("gzip", f"{_A}:gzip_input", _ARCHIVES, ("synthtrace", "gzip", "tarfile"), 64 * 1024),
    Target("bzip2", f"{_A}:bzip2_input", _ARCHIVES, ("synthtrace", "bz2", "tarfile"), 64 * 1024),
    Target("xz", f"{_A}:xz_input", _ARCHIVES, ("synthtrace", "lzma", "tarfile"), 64 * 1024),
    Target("7z", f"{_A}:sevenzip_input", _ARCHIVES, ("synthtrace", "py7zr"), 64 * 1024),
    # Image metadata.
    Target("png_text", f"{_I}:png_text_input", "synthtrace/analyze/pngtext.py"),
    Target("exif", f"{_I}:exif_input", "synthtrace/analyze/exif.py", ("synthtrace", "PIL")),
    Target("xmp", f"{_I}:xmp_input", f"{_FORMATS}xmp.py", max_len=64 * 1024),
    Target("iptc", f"{_I}:iptc_input", "synthtrace/analyze/iptc.py", max_len=64 * 1024),
    # Whole pictures through the image decoder and the provenance analyzer.
    Target(
        "picture",
        "fuzz.harnesses.pictures:picture_input",
        "synthtrace/analyze/image.py + provenance/analyzer.py",
        max_len=64 * 1024,
    ),
    # Generator formats, one target each, and NovelAI's stealth pixel payload.
    Target("a1111", f"{_G}:a1111_input", f"{_FORMATS}a1111.py"),
    Target("comfyui", f"{_G}:comfyui_input", f"{_FORMATS}comfyui.py"),
    Target("invokeai", f"{_G}:invokeai_input", f"{_FORMATS}invokeai.py"),
    Target("novelai", f"{_G}:novelai_input", f"{_FORMATS}novelai.py"),
    Target("stealth", f"{_G}:stealth_input", "synthtrace/analyze/stealth.py + formats"),
    Target("fooocus", f"{_G}:fooocus_input", f"{_FORMATS}fooocus.py"),
    Target("swarmui", f"{_G}:swarmui_input", f"{_FORMATS}swarmui.py"),
    Target("easydiffusion", f"{_G}:easydiffusion_input", f"{_FORMATS}easydiffusion.py"),
    Target("drawthings", f"{_G}:drawthings_input", f"{_FORMATS}drawthings.py"),
    Target("midjourney", f"{_G}:midjourney_input", f"{_FORMATS}midjourney.py"),
    # C2PA: the SDK on whole pictures, and the wrapper's summary of a manifest store.
    Target(
        "c2pa", "fuzz.harnesses.c2pa:c2pa_input", "synthtrace/analyze/c2pa_reader.py", max_len=65536
    ),
    Target("c2pa_summary", "fuzz.harnesses.c2pa:c2pa_summary_input", "c2pa_reader._summarise"),
    # Model files.
    Target("safetensors", f"{_M}:safetensors_input", "synthtrace/analyze/models/safetensors.py"),
    Target(
        "pickle",
        f"{_M}:pickle_input",
        "synthtrace/analyze/models/pickles.py + torchfile.py",
        ("synthtrace", "pickletools"),
    ),
    Target(
        "torch_zip",
        f"{_M}:torch_zip_input",
        "synthtrace/analyze/models/torchfile.py",
        ("synthtrace", "zipfile", "pickletools"),
    ),
    Target("hash_cache", f"{_M}:hash_cache_input", "synthtrace/analyze/models/caches.py"),
    # Hash-list importers.
    Target("vics", f"{_H}:vics_input", "synthtrace/match/formats/vics.py", max_len=64 * 1024),
    Target("icse", f"{_H}:icse_input", "synthtrace/match/formats/icse.py"),
    Target("csv", f"{_H}:csv_input", "synthtrace/match/formats/csvlist.py"),
    Target("text", f"{_H}:text_input", "synthtrace/match/formats/text.py"),
    Target(
        "vpdq",
        f"{_H}:vpdq_input",
        "synthtrace/match/formats/vpdq.py + video/vpdqfile.py",
        ("synthtrace", "zipfile", "csv"),
        max_len=64 * 1024,
    ),
    # Disk images: our EWF chunk reader, and download origins beside files.
    Target("ewf", f"{_D}:ewf_input", "synthtrace/evidence/ewf.py", max_len=32 * 1024),
    Target(
        "origin", f"{_D}:origin_input", "synthtrace/evidence/origin.py", ("synthtrace", "plistlib")
    ),
    # Browser artifacts and wallet addresses.
    Target(
        "wallets", f"{_W}:wallets_input", "synthtrace/artifacts/wallet_analyzer.py + wallets.py"
    ),
    Target(
        "firefox_logins", f"{_W}:firefox_logins_input", "synthtrace/artifacts/readers/firefox.py"
    ),
    Target(
        "safari_downloads",
        f"{_W}:safari_downloads_input",
        "synthtrace/artifacts/readers/safari.py",
        ("synthtrace", "plistlib"),
    ),
    Target(
        "browser_sqlite",
        f"{_W}:browser_sqlite_input",
        "synthtrace/artifacts/readers/*.py + sqlitecopy.py",
        max_len=32 * 1024,
    ),
    # Video container tags (what FFmpeg returns of them).
    Target("iso6709", f"{_V}:iso6709_input", "synthtrace/video/metadata.py", max_len=256),
    Target("video_tags", f"{_V}:video_tags_input", "synthtrace/video/provenance.py + metadata.py"),
]
BY_NAME: dict[str, Target] = {t.name: t for t in TARGETS}


def resolve(name: str) -> Target:
    """A listed target, or an ad hoc one named `package.module:function` (its package is
    instrumented; it has no seeds): for trying a new harness before listing it."""
    if name in BY_NAME:
        return BY_NAME[name]
    module, sep, function = name.partition(":")
    if not sep or not module or not function:
        raise KeyError(name)
    return Target(name, name, module, (module.split(".")[0],))
