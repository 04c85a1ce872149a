"""Seed corpora, built from benign generated inputs: procedural pictures, landscape prompts ("a
lighthouse on a cliff"), zero-filled tensors, hashes of the word list below. No evidence, no people.

Each builder returns {seed name: bytes}; fuzz/run.py writes them as `seed-<name>` files in the
target's corpus folder (committed when small, see .gitignore), next to what libFuzzer adds.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import pickle
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

Seeds = dict[str, bytes]
TEXT = b"a red barn in a snowy field\nlighthouse at dusk\n" * 3
FIXED = (2024, 5, 1, 12, 30, 0)


def tiny_picture(size: tuple[int, int] = (8, 8), mode: str = "RGB") -> Image.Image:
    """A procedural gradient: benign, and a few hundred bytes as PNG."""
    w, h = size
    img = Image.new("RGB", size)
    img.putdata([((x * 255) // w, (y * 255) // h, 128) for y in range(h) for x in range(w)])
    return img.convert(mode)


def _png(img: Image.Image, info: PngImagePlugin.PngInfo | None = None) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def _jpeg(img: Image.Image, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=80, **kwargs)
    return buf.getvalue()


# --- archives -------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, FIXED), data, compress_type=method)
    return buf.getvalue()


def zip_seeds() -> Seeds:
    members = {"notes/readme.txt": TEXT, "pictures/barn.png": _png(tiny_picture()), "empty/": b""}
    seeds = {
        "deflate": _zip(members),
        "stored": _zip(members, zipfile.ZIP_STORED),
        "bzip2": _zip({"a.txt": TEXT}, zipfile.ZIP_BZIP2),
        "lzma": _zip({"a.txt": TEXT}, zipfile.ZIP_LZMA),
        "nested": _zip({"inner.zip": _zip({"deep/readme.txt": TEXT})}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("link-to-readme", FIXED)
        link.external_attr = (0o120777 << 16) | 0x20
        zf.writestr(link, b"notes/readme.txt")
        timed = zipfile.ZipInfo("timed.txt", FIXED)
        timed.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1_700_000_000)
        zf.writestr(timed, TEXT)
        locked = zipfile.ZipInfo("locked.txt", FIXED)
        locked.flag_bits |= 0x1  # marked encrypted: the opener must not read it
        zf.writestr(locked, b"x" * 16)
    seeds["link-extra-encrypted"] = buf.getvalue()
    return seeds


def _tar(fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:

        def add(name: str, kind: bytes, data: bytes = b"", **attrs: Any) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.size, info.mtime = kind, len(data), 1_700_000_000
            for key, value in attrs.items():
                setattr(info, key, value)
            tf.addfile(info, io.BytesIO(data) if data else None)

        add("notes", tarfile.DIRTYPE)
        add("notes/readme.txt", tarfile.REGTYPE, TEXT)
        add(
            "pictures/" + "long-folder-name/" * 7 + "barn.png",
            tarfile.REGTYPE,
            _png(tiny_picture()),
        )
        add("notes/link", tarfile.SYMTYPE, linkname="readme.txt")
        add("notes/hard", tarfile.LNKTYPE, linkname="notes/readme.txt")
        add("pipe", tarfile.FIFOTYPE)
        if fmt == tarfile.PAX_FORMAT:
            add("paxed.txt", tarfile.REGTYPE, b"pax", pax_headers={"atime": "1700000001.5"})
    return buf.getvalue()


def _tar_times() -> bytes:
    """Times at the edges of what tar can write: a GNU base-256 mtime (past the 11 octal digits,
    in the year 2242) and pax time records with fractions."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("far-future.txt")
        info.size, info.mtime = len(TEXT), 8**11 + 1
        tf.addfile(info, io.BytesIO(TEXT))
    gnu = buf.getvalue()[:1024]  # header and data block, without the end-of-archive blocks
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("paxed.txt")
        info.size = len(TEXT)
        info.pax_headers = {"mtime": "1700000000.25", "atime": "1700000001.5", "ctime": "-1.5"}
        tf.addfile(info, io.BytesIO(TEXT))
    return gnu + buf.getvalue()


def _trimmed(data: bytes) -> bytes:
    """A tar without the zero padding up to its 10 KiB record (seeds stay small)."""
    end = len(data.rstrip(b"\x00"))
    return data[: end + (-end % 512) + 1024]


def tar_seeds() -> Seeds:
    return {
        "ustar": _trimmed(_tar(tarfile.USTAR_FORMAT)),
        "gnu": _trimmed(_tar(tarfile.GNU_FORMAT)),
        "pax": _trimmed(_tar(tarfile.PAX_FORMAT)),
        "times": _trimmed(_tar_times()),
    }


def _noise(n: int, salt: bytes) -> bytes:
    """Incompressible but reproducible bytes (SHA-256 in counter mode)."""
    return b"".join(hashlib.sha256(salt + i.to_bytes(4, "big")).digest() for i in range(n // 32))


def _noisy_tar() -> bytes:
    """A tar whose members do not compress, 12 KiB in all: the decompressors read 8 KiB at a time,
    so damage past that lands after the first members, where tarfile reads a later header
    through the decompressor."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for i in range(4):
            data = _noise(3072, bytes([i]))
            info = tarfile.TarInfo(f"noise-{i}.bin")
            info.size, info.mtime = len(data), 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return _trimmed(buf.getvalue())


def _stream_seeds(compress: Callable[[bytes], bytes]) -> Seeds:
    return {
        "noisy-tar": compress(_noisy_tar()),
        "tar": compress(_tar(tarfile.GNU_FORMAT)),
        "text": compress(TEXT),
        "empty": compress(b""),
    }


def gzip_seeds() -> Seeds:
    return _stream_seeds(lambda d: gzip.compress(d, mtime=0))


def bzip2_seeds() -> Seeds:
    return _stream_seeds(bz2.compress)


def xz_seeds() -> Seeds:
    return _stream_seeds(lzma.compress)


def sevenzip_seeds() -> Seeds:
    import py7zr

    seeds: Seeds = {}
    filters: dict[str, list[dict[str, Any]]] = {
        "lzma2": [{"id": py7zr.FILTER_LZMA2, "preset": 1}],
        "copy": [{"id": py7zr.FILTER_COPY}],
        "bzip2": [{"id": py7zr.FILTER_BZIP2}],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "notes").mkdir()
        (root / "notes" / "readme.txt").write_bytes(TEXT)
        (root / "barn.png").write_bytes(_png(tiny_picture()))
        os.symlink("notes/readme.txt", root / "link")
        for path in root.rglob("*"):
            os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)
        for name, chain in filters.items():
            buf = io.BytesIO()
            with py7zr.SevenZipFile(buf, "w", filters=chain) as archive:
                for rel in ("notes", "notes/readme.txt", "barn.png", "link"):
                    archive.write(root / rel, rel)
            seeds[name] = buf.getvalue()
    return seeds


# --- image metadata -------------------------------------------------------------------------------


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_text_seeds() -> Seeds:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a lighthouse on a cliff\nSteps: 20, Seed: 42, Size: 8x8")
    info.add_text("Comment", "a red barn " * 10, zip=True)
    info.add_itxt("Description", "un phare au crépuscule", lang="fr", tkey="Beschreibung")
    info.add_itxt("workflow", '{"nodes": []}' * 4, zip=True)
    plain = _png(tiny_picture(), info)
    iend = plain.rindex(b"IEND") - 4
    after = _chunk(b"tEXt", b"prompt\x00a snowy field") + _chunk(b"iTXt", b"k\x00\x00\x00\x00\x00v")
    bad_crc = _chunk(b"tEXt", b"Title\x00barn")[:-4] + b"\x00\x00\x00\x00"
    return {
        "chunks": plain,
        "after-idat": plain[:iend] + after + plain[iend:],
        "bad-crc": plain[:iend] + bad_crc + plain[iend:],
    }


def exif_seeds() -> Seeds:
    from synthtrace.demo.pictures import camera_exif

    camera = camera_exif("ExampleCam", "Model 1", "2024:05:01 12:30:00", gps=(48.85, -2.35))
    camera.get_ifd(0x8825)[6] = 35.5  # altitude
    camera.get_ifd(0x8825)[5] = b"\x01"
    made = Image.Exif()
    made[0x0131] = "a generator 1.0"
    made[0x010E] = "a lighthouse on a cliff at dusk"
    made.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + "Steps: 20, Seed: 42".encode("utf-16-be")
    ascii_comment = Image.Exif()
    ascii_comment.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00a red barn"
    ascii_comment.get_ifd(0x8769)[0x927C] = bytes(range(64))  # MakerNote: binary
    return {
        "camera-gps": camera.tobytes(),
        "user-comment": made.tobytes(),
        "ascii-makernote": ascii_comment.tobytes(),
    }


IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _xmp(body: str) -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"<rdf:Description>{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def xmp_seeds() -> Seeds:
    return {
        "attributes": _xmp(
            '<rdf:Description xmp:CreatorTool="Draw Things" '
            f"Iptc4xmpExt:DigitalSourceType='{IPTC}trainedAlgorithmicMedia'/>"
        ).encode(),
        "elements": _xmp(
            '<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">'
            "a lighthouse &amp; a cliff</rdf:li></rdf:Alt></exif:UserComment>"
            "<dc:description><rdf:Alt><rdf:li>a red barn</rdf:li><rdf:li>snow</rdf:li></rdf:Alt>"
            "</dc:description>"
        ).encode(),
        "capture": _xmp(
            f"<Iptc4xmpExt:DigitalSourceType>{IPTC}digitalCapture</Iptc4xmpExt:DigitalSourceType>"
        ).encode(),
    }


def iptc_seeds() -> Seeds:
    terms = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "screenCapture")
    seeds = xmp_seeds()
    for term in terms:
        seeds[term] = _xmp(f'<x Iptc4xmpExt:DigitalSourceType="{IPTC}{term}"/>').encode()
    return seeds


# --- generator formats ----------------------------------------------------------------------------


def format_seeds() -> Seeds:
    """Every format's own examples, so each target also meets its neighbours' metadata."""
    from fuzz.harnesses.generators import encode_metadata
    from synthtrace.analyze.formats import FORMATS

    return {
        f"{fmt.name}-{i}": encode_metadata(example.metadata)
        for fmt in FORMATS
        for i, example in enumerate(fmt.examples())
    }


def stealth_seeds() -> Seeds:
    novelai = json.dumps(
        {
            "Software": "NovelAI",
            "Source": "NovelAI Diffusion V3 4BDE2A90",
            "Description": "a lighthouse on a cliff at dusk",
            "Comment": json.dumps({"prompt": "a lighthouse", "steps": 28, "seed": 42}),
        }
    ).encode()
    infotext = b"a red barn\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 8x8"
    seeds: Seeds = {}
    for kind, payload, compressed in (
        ("stealth_pngcomp", novelai, True),
        ("stealth_pnginfo", infotext, False),
        ("stealth_rgbcomp", infotext, True),
        ("stealth_rgbinfo", novelai, False),
    ):
        body = gzip.compress(payload, mtime=0) if compressed else payload
        mode = b"\x01" if kind.startswith("stealth_rgb") else b"\x00"
        seeds[kind] = mode + kind.encode() + struct.pack(">I", len(body) * 8) + body
    return seeds


def picture_seeds() -> Seeds:
    """Small pictures carrying metadata where generators and cameras put it."""
    from synthtrace.analyze.formats import FORMATS
    from synthtrace.analyze.stealth import embed_stealth
    from synthtrace.demo.pictures import camera_exif

    by_name = {f.name: f for f in FORMATS}
    picture = tiny_picture((16, 16))
    info = PngImagePlugin.PngInfo()
    a1111 = by_name["a1111"].examples()[0].metadata.texts["parameters"]
    info.add_text("parameters", a1111)
    info.add_itxt("XML:com.adobe.xmp", xmp_seeds()["attributes"].decode())
    exif = camera_exif("ExampleCam", "Model 1", "2024:05:01 12:30:00", gps=(48.85, -2.35))
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + a1111.encode("utf-16-be")
    comfy = by_name["comfyui"].examples()[1].metadata.exif["Model"]
    webp_exif = Image.Exif()
    webp_exif[0x0110] = comfy
    webp = io.BytesIO()
    picture.save(webp, "WEBP", lossless=True, exif=webp_exif)
    gif = io.BytesIO()
    picture.convert("P").save(gif, "GIF", comment=b"a lighthouse on a cliff at dusk")
    tiff = io.BytesIO()
    picture.save(tiff, "TIFF", tiffinfo={700: xmp_seeds()["capture"]})
    payload = gzip.compress(b'{"Software": "NovelAI", "Description": "a lake"}', mtime=0)
    stealth = embed_stealth(tiny_picture((32, 32), "RGBA"), payload, "stealth_pngcomp")
    return {
        "png-text-xmp": _png(picture, info),
        "jpeg-exif": _jpeg(picture, exif=exif, comment=b"a red barn"),
        "webp-exif": webp.getvalue(),
        "gif-comment": gif.getvalue(),
        "tiff-xmp": tiff.getvalue(),
        "png-stealth": _png(stealth),
    }


# --- C2PA -----------------------------------------------------------------------------------------


def _sign(data: bytes, mime: str, generator: str, source_type: str) -> bytes:
    """`data` with a C2PA manifest (no thumbnail: a seed stays a few KB), signed by a throwaway
    certificate made for the run (tests/provenance/c2pa_fixtures.py)."""
    import c2pa
    from tests.provenance.c2pa_fixtures import IPTC, throwaway_signer

    action = {
        "action": "c2pa.created",
        "softwareAgent": {"name": generator},
        "digitalSourceType": IPTC + source_type,
    }
    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "picture",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [action]}}],
    }
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    out = io.BytesIO()
    with c2pa.Builder(manifest, context=context) as builder:
        builder.sign(throwaway_signer(), mime, io.BytesIO(data), out)
    return out.getvalue()


def _signed() -> Seeds:
    picture = tiny_picture((16, 16))
    return {
        "jpeg-ai": _sign(
            _jpeg(picture), "image/jpeg", "Example Image Maker", "trainedAlgorithmicMedia"
        ),
        "png-capture": _sign(_png(picture), "image/png", "Example Camera App", "digitalCapture"),
    }


def c2pa_seeds() -> Seeds:
    seeds = _signed()
    seeds["jpeg-plain"] = _jpeg(tiny_picture(), comment=b"c2pa mentioned in a comment")
    return seeds


def c2pa_summary_seeds() -> Seeds:
    import c2pa

    seeds: Seeds = {}
    for name, data in _signed().items():
        mime = "image/jpeg" if name.startswith("jpeg") else "image/png"
        with c2pa.Reader(mime, io.BytesIO(data)) as reader:
            store = json.loads(reader.json())
            store["validation_state"] = reader.get_validation_state()
        seeds[name] = json.dumps(store, sort_keys=True).encode()
    return seeds


# --- model files ----------------------------------------------------------------------------------


def safetensors_seeds() -> Seeds:
    from synthtrace.provenance.demo import demo_checkpoint, demo_lora, safetensors_bytes

    return {
        "lora": demo_lora(),
        "checkpoint": demo_checkpoint(),
        "vae": safetensors_bytes({"decoder.conv_in.weight": ("F32", [2, 2])}, {"a": "b"}),
    }


def _pickles() -> Seeds:
    from tests.provenance.builders import state_dict_pickle

    tensors = {"model.diffusion_model.input_blocks.0.0.weight": (8, 4, 3, 3), "lora_up": (4,)}
    state = state_dict_pickle(tensors)
    benign: Any = {"epoch": 3, "names": ["barn", "lake"], "rate": 0.5, "b": b"\x00\x01", "n": None}
    seeds = {f"proto{p}": pickle.dumps(benign, protocol=p) for p in range(6)}
    seeds["state-dict"] = state
    seeds["globals"] = b"\x80\x02cbuiltins\nprint\nX\x03\x00\x00\x00barn\x85R."  # named, never run
    legacy = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    seeds["legacy"] = legacy + pickle.dumps(1001, 2) + pickle.dumps({"little_endian": True}, 2)
    seeds["legacy"] += state + pickle.dumps(["0"], 2)
    return seeds


def pickle_seeds() -> Seeds:
    return _pickles()


def torch_zip_seeds() -> Seeds:
    from tests.provenance.builders import torch_zip

    pickles = _pickles()
    return {"state-dict": torch_zip(pickles["state-dict"]), "proto2": torch_zip(pickles["proto2"])}


def hash_cache_seeds() -> Seeds:
    sha = hashlib.sha256(b"a red barn").hexdigest()
    a1111 = {
        "hashes": {"checkpoint/dreamvista.safetensors": {"mtime": 1700000000.5, "sha256": sha}},
        "hashes-addnet": {"lora/seaside": {"mtime": 1700000000, "sha256": sha}},
    }
    fooocus = f'{{"/models/checkpoints/dreamvista.safetensors": "{sha}"}}\n{{"x": 1}}\nnot json\n'
    return {"a1111": b"." + json.dumps(a1111).encode(), "fooocus": b"#" + fooocus.encode()}


# --- hash lists -----------------------------------------------------------------------------------

WORDS = ("barn", "lake", "lighthouse", "meadow", "harbour")


def _digests(word: str) -> tuple[str, str, str]:
    raw = word.encode()
    return (
        hashlib.md5(raw).hexdigest(),
        hashlib.sha1(raw).hexdigest(),
        hashlib.sha256(raw).hexdigest(),
    )


def vics_seeds() -> Seeds:
    media = []
    for i, word in enumerate(WORDS, 1):
        md5, sha1, sha256 = _digests(word)
        media.append(
            {
                "MediaID": i,
                "MD5": md5.upper(),
                "SHA1": sha1,
                "Category": i % 3,
                "VictimIdentified": "false",
                "IsPrecategorized": True,
                "MediaSize": 1024 * i,
                "MediaFiles": [{"FileName": f"{word}.jpg", "FilePath": "Pictures"}],
                "AlternativeHashes": [
                    {"HashName": "PDQ", "HashValue": sha256},
                    {"HashName": "PhotoDNA", "HashValue": "AAAA"},
                ],
                "Series": word,
            }
        )
    v1 = {
        "odata.metadata": "http://github.com/VICSDATAMODEL/ProjectVic/$metadata#Media",
        "value": media,
    }
    v2 = {
        "@odata.context": "/case/$metadata#Cases",
        "value": [{"CaseNumber": "2024-1", "Media": media[:3]}, {"CaseNumber": "x", "Media": []}],
    }
    return {
        "v1-media": json.dumps(v1, indent=1).encode(),
        "v2-cases": b"\xef\xbb\xbf" + json.dumps(v2).encode(),
    }


def icse_seeds() -> Seeds:
    rows = [";".join(_digests(w)[:2]) + f";{w}.jpg;1" for w in WORDS]
    header = "MD5;SHA1;FileName;Category"
    bare = [f"{_digests(w)[2]};{w}" for w in WORDS]
    return {"header": "\n".join([header, *rows]).encode(), "bare": "\r\n".join(bare).encode()}


def csv_seeds() -> Seeds:
    rows = [",".join((*_digests(w), w, str(i % 3), f'"{w}, series"')) for i, w in enumerate(WORDS)]
    tsv = [f"{_digests(w)[0]}\t{w}" for w in WORDS]
    return {
        "csv": "\n".join(["md5,sha1,sha256,FileName,Category,Series", *rows]).encode(),
        "tsv": "\n".join(["MD5\tName", *tsv]).encode(),
        "pipe": b"\xef\xbb\xbfsha-1|pdq\n"
        + f"{_digests('barn')[1]}|{_digests('barn')[2]}".encode(),
    }


def text_seeds() -> Seeds:
    md5sum = "\n".join(f"{_digests(w)[0]} *{w}.jpg" for w in WORDS)
    sha1 = "# sha1 list\n\n" + "\n".join(f"{_digests(w)[1]}\t{w}" for w in WORDS)
    return {
        "md5sum": md5sum.encode(),
        "sha1": sha1.encode(),
        "sha256": _digests("barn")[2].encode(),
    }


BUILDERS: dict[str, Callable[[], Seeds]] = {
    "zip": zip_seeds,
    "tar": tar_seeds,
    "gzip": gzip_seeds,
    "bzip2": bzip2_seeds,
    "xz": xz_seeds,
    "7z": sevenzip_seeds,
    "png_text": png_text_seeds,
    "exif": exif_seeds,
    "xmp": xmp_seeds,
    "iptc": iptc_seeds,
    "stealth": stealth_seeds,
    "picture": picture_seeds,
    "c2pa": c2pa_seeds,
    "c2pa_summary": c2pa_summary_seeds,
    "safetensors": safetensors_seeds,
    "pickle": pickle_seeds,
    "torch_zip": torch_zip_seeds,
    "hash_cache": hash_cache_seeds,
    "vics": vics_seeds,
    "icse": icse_seeds,
    "csv": csv_seeds,
    "text": text_seeds,
}
FORMAT_TARGETS = (
    "a1111",
    "comfyui",
    "invokeai",
    "novelai",
    "fooocus",
    "swarmui",
    "easydiffusion",
    "drawthings",
    "midjourney",
)


def seeds_for(target: str) -> Seeds:
    """The target's seeds; none for an ad hoc target (fuzz/registry.py: resolve)."""
    if target in FORMAT_TARGETS:
        return format_seeds()
    builder = BUILDERS.get(target)
    return builder() if builder is not None else {}


def write_seeds(target: str, folder: Path) -> list[Path]:
    """Write the target's seeds as `seed-<name>` files where missing (C2PA signatures and 7z
    archives differ from one build to the next: a seed, once written and committed, stays)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.glob("seed-*")):
        return sorted(folder.glob("seed-*"))
    written = []
    for name, data in seeds_for(target).items():
        path = folder / f"seed-{name}"
        path.write_bytes(data)
        written.append(path)
    return written
