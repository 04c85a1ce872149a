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
import plistlib
import shutil
import sqlite3
import struct
import subprocess
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


# --- disk images ----------------------------------------------------------------------------------

EWF_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"


def _section(kind: bytes, at: int, body: bytes, last: bool = False) -> bytes:
    """One EWF section at offset `at`: the 76-byte descriptor (type, next, size, Adler-32) and body.
    The last section (`done`) points at itself."""
    size = 76 + len(body)
    head = kind.ljust(16, b"\x00") + struct.pack("<QQ", at if last else at + size, size)
    head += bytes(40)
    return head + struct.pack("<I", zlib.adler32(head)) + body


def _ewf_chunks(raw: bytes, chunk_size: int, compress: bool) -> list[tuple[bytes, bool]]:
    chunks = []
    for start in range(0, len(raw), chunk_size):
        piece = raw[start : start + chunk_size]
        packed = zlib.compress(piece, 1)
        if compress and len(packed) < len(piece):
            chunks.append((packed, True))
        else:  # stored, with its Adler-32 after it
            chunks.append((piece + struct.pack("<I", zlib.adler32(piece)), False))
    return chunks


def _ewf_table(offsets: list[int], with_checksum: bool) -> bytes:
    header = struct.pack("<IIQI", len(offsets), 0, 0, 0)
    header += struct.pack("<I", zlib.adler32(header))
    entries = struct.pack(f"<{len(offsets)}I", *offsets)
    return header + entries + (struct.pack("<I", zlib.adler32(entries)) if with_checksum else b"")


def ewf_image(
    raw: bytes, sectors_per_chunk: int = 16, compress: bool = True, smart: bool = False
) -> bytes:
    """A one-segment EWF image of `raw` (whole 512-byte sectors), written by the format's layout
    as libyal documents it: EWF-E01 (EnCase: a `volume`, the chunks in a `sectors` section, a
    `table` and `table2` of their offsets) or, with `smart`, EWF-S01 (a short `volume` and the
    chunks inside the `table` section, after the offsets). No header sections: the chunk reader
    does not read them."""
    chunk_size = sectors_per_chunk * 512
    chunks = _ewf_chunks(raw, chunk_size, compress)
    out = bytearray(EWF_SIGNATURE + b"\x01" + struct.pack("<HH", 1, 0))
    sectors = len(raw) // 512
    if smart:
        volume = struct.pack("<IIIII", 1, len(chunks), sectors_per_chunk, 512, sectors)
        out += _section(b"volume", len(out), volume.ljust(94, b"\x00"))
        start = len(out) + 76 + 24 + 4 * len(chunks)
    else:
        volume = struct.pack("<BxxxIIIQ", 1, len(chunks), sectors_per_chunk, 512, sectors)
        out += _section(b"volume", len(out), volume.ljust(1052, b"\x00"))
        start = len(out) + 76
    offsets, at = [], start
    for data, compressed in chunks:
        offsets.append(at | (0x80000000 if compressed else 0))
        at += len(data)
    body = b"".join(data for data, _ in chunks)
    if smart:
        out += _section(b"table", len(out), _ewf_table(offsets, False) + body)
    else:
        out += _section(b"sectors", len(out), body)
        out += _section(b"table", len(out), _ewf_table(offsets, True))
        out += _section(b"table2", len(out), _ewf_table(offsets, True))
    out += _section(b"done", len(out), b"", last=True)
    return bytes(out)


def _ewf_raw(size: int) -> bytes:
    """A small disk of zeros with benign text in two places (a few KB once compressed)."""
    raw = bytearray(size)
    raw[512 : 512 + len(TEXT) * 4] = TEXT * 4
    tail = b"lighthouse log: all lamps lit\n" * 8
    raw[size - 1024 : size - 1024 + len(tail)] = tail
    return bytes(raw)


def _ewfacquire(raw: bytes, fmt: str, compression: str) -> bytes | None:
    """The image ewfacquire (libewf's tools) writes of `raw`, or None without it."""
    tool = shutil.which("ewfacquire")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "disk.raw"
        disk.write_bytes(raw)
        target = Path(tmp) / "seed"
        args = [tool, "-u", "-q", "-t", str(target), "-f", fmt, "-c", compression, "-b", "16"]
        args += ["-C", "CASE-1", "-E", "EV-1", "-e", "Examiner", "-D", "test disk", "-N", "benign"]
        args += ["-m", "fixed", "-M", "physical", "-d", "sha1", str(disk)]
        done = subprocess.run(args, capture_output=True, check=False, stdin=subprocess.DEVNULL)
        made = [p for p in Path(tmp).iterdir() if p.name.startswith("seed.")]
        if done.returncode != 0 or len(made) != 1:
            return None
        return made[0].read_bytes()


def ewf_seeds() -> Seeds:
    raw = _ewf_raw(12 * 1024)
    seeds = {
        "e01-deflate": ewf_image(raw),
        "e01-stored": ewf_image(_ewf_raw(6 * 1024), compress=False),
        "s01-deflate": ewf_image(raw, smart=True),
    }
    for name, fmt, compression, size in (
        ("ewfacquire-encase6", "encase6", "deflate:fast", 12 * 1024),
        ("ewfacquire-encase2", "encase2", "deflate:fast", 12 * 1024),
        ("ewfacquire-smart", "smart", "deflate:fast", 12 * 1024),
        ("ewfacquire-stored", "encase6", "none", 6 * 1024),
    ):
        made = _ewfacquire(_ewf_raw(size), fmt, compression)
        if made is not None:
            seeds[name] = made
    return seeds


def origin_seeds() -> Seeds:
    """A Zone.Identifier stream, a quarantine attribute and WhereFroms lists (reserved domains)."""
    zone = (
        "[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://forum.example.org/thread/7\r\n"
        "HostUrl=https://files.example.org/lighthouse.jpg\r\n"
    )
    where = ["https://files.example.org/barn.png", "https://forum.example.org/"]
    return {
        "zone-identifier": zone.encode(),
        "zone-identifier-utf16": zone.encode("utf-16"),
        "quarantine": b"0083;65a1b2c3;Safari;3F2504E0-4F89-11D3-9A0C-0305E82C3301",
        "where-froms-binary": plistlib.dumps(where, fmt=plistlib.FMT_BINARY),
        "where-froms-xml": plistlib.dumps(where),
    }


# --- browser artifacts and wallets ----------------------------------------------------------------


def _b58_monero(raw: bytes) -> str:
    """Monero's block-wise Base58 (8-byte blocks as 11 characters; the inverse of
    wallets.monero_b58decode)."""
    from synthtrace.artifacts.wallets import _MONERO_BLOCK, BASE58

    sizes = {v: k for k, v in _MONERO_BLOCK.items()}
    out = []
    for start in range(0, len(raw), 8):
        block = raw[start : start + 8]
        num, chars = int.from_bytes(block, "big"), []
        for _ in range(sizes[len(block)]):
            num, digit = divmod(num, 58)
            chars.append(BASE58[digit])
        out.append("".join(reversed(chars)))
    return "".join(out)


def _bech32(hrp: str, version: int, program: bytes) -> str:
    """BIP-173/350's reference encoder (the inverse of wallets.segwit_decode)."""
    from synthtrace.artifacts.wallets import _CHARSET, BECH32, BECH32M, _hrp_expand, _polymod

    acc = bits = 0
    data = [version]
    for b in program:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = BECH32 if version == 0 else BECH32M
    poly = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ const
    return (
        hrp
        + "1"
        + "".join(_CHARSET[d] for d in data + [(poly >> 5 * (5 - i)) & 31 for i in range(6)])
    )


def wallet_addresses() -> dict[str, str]:
    """One valid address of each kind the finder knows, made from hashes of benign words (no
    one's wallet: nobody holds the keys of a hash)."""
    import base58

    from synthtrace.artifacts.wallets import eip55, keccak256

    h = {w: hashlib.sha256(w.encode()).digest() for w in WORDS}
    spend = bytes([18]) + h["barn"] + h["lake"]
    return {
        "bitcoin-p2pkh": base58.b58encode_check(b"\x00" + h["barn"][:20]).decode(),
        "bitcoin-p2sh": base58.b58encode_check(b"\x05" + h["lake"][:20]).decode(),
        "litecoin-p2pkh": base58.b58encode_check(b"\x30" + h["meadow"][:20]).decode(),
        "bitcoin-p2wpkh": _bech32("bc", 0, h["harbour"][:20]),
        "bitcoin-taproot": _bech32("bc", 1, h["lighthouse"]),
        "litecoin-p2wsh": _bech32("ltc", 0, h["barn"]),
        "ethereum-eip55": "0x" + eip55(h["lake"][:20].hex()),
        "ethereum-lower": "0x" + h["meadow"][:20].hex(),
        "monero": _b58_monero(spend + keccak256(spend)[:4]),
    }


def wallets_seeds() -> Seeds:
    addresses = wallet_addresses()
    note = "".join(f"{kind}: {value}\n" for kind, value in addresses.items())
    mixed = f"send to {addresses['monero']}, or {addresses['bitcoin-p2pkh'][:-1]}x (typo)\n"
    return {
        "note": note.encode(),
        "note-utf16": ("\ufeff" + note).encode("utf-16-le"),
        "json": json.dumps({"donate": list(addresses.values())[:4]}).encode(),
        "mixed": mixed.encode() + b"x " * 80 + note.encode(),
    }


def firefox_logins_seeds() -> Seeds:
    def login(i: int, site: str) -> dict[str, Any]:
        return {
            "id": i,
            "hostname": site,
            "httpRealm": None,
            "formSubmitURL": site + "/login",
            "usernameField": "user",
            "passwordField": "pass",
            "encryptedUsername": "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECNotARealKey=",
            "encryptedPassword": "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECNeverDecrypted=",
            "guid": f"{{0000000{i}-0000-0000-0000-000000000000}}",
            "encType": 1,
            "timeCreated": 1_700_000_000_000 + i,
            "timeLastUsed": 1_700_000_500_000,
            "timePasswordChanged": 1_700_000_000_000,
            "timesUsed": i,
        }

    logins = [login(1, "https://forum.example.org"), login(2, "https://shop.example.com")]
    odd = [{"hostname": "https://example.org", "timeCreated": -5, "timesUsed": "x"}, 7, {}]
    return {
        "logins": json.dumps({"nextId": 3, "logins": logins, "version": 3}, indent=1).encode(),
        "odd": json.dumps({"logins": odd}).encode(),
    }


def safari_downloads_seeds() -> Seeds:
    from datetime import datetime

    added = datetime(2024, 5, 1, 12, 30, 0)
    entries = [
        {
            "DownloadEntryIdentifier": "00000001-AAAA-BBBB-CCCC-DDDDDDDDDDDD",
            "DownloadEntryURL": "https://files.example.org/lighthouse.jpg",
            "DownloadEntryPath": "~/Downloads/lighthouse.jpg",
            "DownloadEntryProgressBytesSoFar": 1000,
            "DownloadEntryProgressTotalToLoad": 1000,
            "DownloadEntryDateAddedKey": added,
            "DownloadEntryDateFinishedKey": added.replace(second=2),
            "DownloadEntryRemoveWhenDoneKey": False,
        },
        {
            "DownloadEntryURL": "https://files.example.org/barn.png",
            "DownloadEntryDateAddedKey": 1.5,
        },
    ]
    doc = {"DownloadHistory": entries}
    return {
        "binary": plistlib.dumps(doc, fmt=plistlib.FMT_BINARY),
        "xml": plistlib.dumps(doc),
    }


_BROWSER_SCHEMAS = {
    # Only the tables and columns the readers select, so each database stays a few pages.
    "chromium-history": """
CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR);
CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER, visit_time INTEGER, transition INTEGER);
CREATE TABLE downloads(id INTEGER PRIMARY KEY, current_path LONGVARCHAR, target_path LONGVARCHAR,
  start_time INTEGER, end_time INTEGER, received_bytes INTEGER, total_bytes INTEGER, state INTEGER,
  referrer VARCHAR, tab_url VARCHAR, tab_referrer_url VARCHAR, mime_type VARCHAR);
CREATE TABLE downloads_url_chains(id INTEGER, chain_index INTEGER, url LONGVARCHAR,
  PRIMARY KEY (id, chain_index));
INSERT INTO urls VALUES (1, 'https://forum.example.org/', 'Lighthouse forum'),
  (2, 'https://shop.example.com/barn', NULL);
INSERT INTO visits VALUES (1, 1, 13350000000000000, 805306369), (2, 2, 13350000100000000, 0),
  (3, 1, -5, 7);
INSERT INTO downloads VALUES (1, 'C:\\Users\\a\\Downloads\\barn.png.crdownload',
  'C:\\Users\\a\\Downloads\\barn.png', 13350000200000000, 13350000300000000, 1000, 1000, 1,
  'https://forum.example.org/', '', '', 'image/png');
INSERT INTO downloads_url_chains VALUES (1, 0, 'https://files.example.org/r'),
  (1, 1, 'https://files.example.org/barn.png');
""",
    "chromium-logins": """
CREATE TABLE logins(origin_url VARCHAR, signon_realm VARCHAR, username_value VARCHAR,
  date_created INTEGER, date_last_used INTEGER, times_used INTEGER, blacklisted_by_user INTEGER);
INSERT INTO logins VALUES ('https://forum.example.org/login', 'https://forum.example.org/',
  'riverbank', 13350000000000000, 13350000500000000, 3, 0),
  ('https://shop.example.com/', 'https://shop.example.com/', '', 0, 0, NULL, 1);
""",
    "firefox-places": """
CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR);
CREATE TABLE moz_historyvisits(id INTEGER PRIMARY KEY, place_id INTEGER, visit_date INTEGER,
  visit_type INTEGER);
CREATE TABLE moz_anno_attributes(id INTEGER PRIMARY KEY, name VARCHAR(32));
CREATE TABLE moz_annos(id INTEGER PRIMARY KEY, place_id INTEGER, anno_attribute_id INTEGER,
  content LONGVARCHAR, dateAdded INTEGER);
INSERT INTO moz_places VALUES (1, 'https://forum.example.org/', 'Lighthouse forum'),
  (2, 'https://files.example.org/barn.png', NULL);
INSERT INTO moz_historyvisits VALUES (1, 1, 1700000000000000, 2), (2, 2, 1700000100000000, 7);
INSERT INTO moz_anno_attributes VALUES (1, 'downloads/destinationFileURI'),
  (2, 'downloads/metaData'), (3, 'downloads/destinationFileName');
INSERT INTO moz_annos VALUES (1, 2, 1, 'file:///C:/Users/a/Downloads/barn%20red.png',
  1700000100000000), (2, 2, 2, '{"state": 1, "endTime": 1700000200000, "fileSize": 1000}',
  1700000100000000), (3, 2, 3, 'barn red.png', 1700000100000000);
""",
    "firefox-downloads": """
CREATE TABLE moz_downloads(id INTEGER PRIMARY KEY, name TEXT, source TEXT, target TEXT,
  startTime INTEGER, endTime INTEGER, state INTEGER, referrer TEXT, maxBytes INTEGER,
  mimeType TEXT);
INSERT INTO moz_downloads VALUES (1, 'barn.png', 'https://files.example.org/barn.png',
  'file:///home/a/Downloads/barn.png', 1300000000000000, 1300000002000000, 1,
  'https://forum.example.org/', 1000, 'image/png');
""",
    "safari-history": """
CREATE TABLE history_items(id INTEGER PRIMARY KEY, url TEXT);
CREATE TABLE history_visits(id INTEGER PRIMARY KEY, history_item INTEGER, visit_time REAL,
  title TEXT, load_successful BOOLEAN);
INSERT INTO history_items VALUES (1, 'https://forum.example.org/'), (2, 'https://example.com/');
INSERT INTO history_visits VALUES (1, 1, 736000000.25, 'Lighthouse forum', 1),
  (2, 2, 736000100.0, NULL, 0);
""",
}


def _sqlite(schema: str) -> bytes:
    """A database of `schema` in 512-byte pages, vacuumed: a page per table and a few more."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db"
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA page_size=512")
            con.executescript(schema)
            con.execute("VACUUM")
        finally:
            con.close()
        return path.read_bytes()


def browser_sqlite_seeds() -> Seeds:
    seeds = {name: _sqlite(schema) for name, schema in _BROWSER_SCHEMAS.items()}
    seeds["all-browsers"] = _sqlite("".join(_BROWSER_SCHEMAS.values()))
    return seeds


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
        "v2-vpdq": vics_vpdq_seed(),
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


def _vpdq_frames(words: tuple[str, ...] = WORDS) -> list[tuple[int, int, str, float]]:
    return [(i * 30, 60 + 8 * i, _digests(w)[2], float(i)) for i, w in enumerate(words)]


def vpdq_seeds() -> Seeds:
    """ThreatExchange vpdq files, a zip of them and a CSV of python-threatexchange signals."""
    frames = _vpdq_frames()
    text = "".join(f"{f},{q},{pdq},{ts:.3f}\n" for f, q, pdq, ts in frames)
    signal = json.dumps([{"hash": pdq, "quality": q, "timestamp": ts} for _f, q, pdq, ts in frames])
    short = json.dumps([{"hash": _digests("lake")[2], "quality": 90}])
    rows = [
        "id,category,series,vpdq",
        f'barn-clip,1,harbour,"{signal.replace(chr(34), chr(34) * 2)}"',
        f'lake-clip,2,,"{short.replace(chr(34), chr(34) * 2)}"',
    ]
    return {
        "vpdq-text": text.encode(),
        "vpdq-text-comments": (
            "# vpdq-hash-video output\n\n" + text.replace("\n", "\r\n")
        ).encode(),
        "zip": _zip({"videos/barn.vpdq.txt": text.encode(), "lake.txt": text[:150].encode()}),
        "csv-signals": "\n".join(rows).encode(),
        "tsv-signals": f"name\tvpdq_signal\nbarn\t{signal}\n".encode(),
    }


def vics_vpdq_seed() -> bytes:
    """A VICS v2 hash set whose Media carries a vPDQ signal among its AlternativeHashes."""
    signal = json.dumps(
        [{"hash": pdq, "quality": q, "timestamp": ts} for _f, q, pdq, ts in _vpdq_frames()]
    )
    md5, sha1, _ = _digests("harbour")
    media = {"MediaID": 1, "MD5": md5, "SHA1": sha1, "Category": 1}
    media["AlternativeHashes"] = [{"HashName": "vPDQ", "HashValue": signal}]
    doc = {"@odata.context": "/hashset/$metadata#Media", "value": [media]}
    return json.dumps(doc).encode()


# --- video container tags -------------------------------------------------------------------------


def iso6709_seeds() -> Seeds:
    return {
        "degrees": b"+48.8584+002.2945/",
        "altitude-crs": b"+40.7484-073.9857+100.000CRSWGS_84/",
        "minutes": b"-3330.5+01510.2/",
        "seconds": b"+352139.5+1384339/",
        "zero": b"+00.0000+000.0000/",
    }


def video_tags_seeds() -> Seeds:
    """Container tags as FFmpeg returns them: phones' capture tags, ComfyUI's graph (both ways
    its video nodes write it) and an XMP packet with an IPTC source type."""
    from fuzz.harnesses.video import encode_tags
    from synthtrace.analyze.formats import FORMATS

    comfy = next(f for f in FORMATS if f.name == "comfyui")
    texts = next(e.metadata.texts for e in comfy.examples() if "prompt" in e.metadata.texts)
    workflow = texts.get("workflow", '{"nodes": []}')
    mp4 = "mov,mp4,m4a,3gp,3g2,mj2"
    return {
        "quicktime-phone": encode_tags(
            mp4,
            {
                "major_brand": "qt  ",
                "creation_time": "2024-05-01T12:30:00.000000Z",
                "com.apple.quicktime.make": "ExampleCam",
                "com.apple.quicktime.model": "Model 1",
                "com.apple.quicktime.software": "17.4",
                "com.apple.quicktime.creationdate": "2024-05-01T14:30:00+0200",
                "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945+035.000/",
            },
        ),
        "android-phone": encode_tags(
            mp4,
            {
                "com.android.version": "14",
                "com.android.manufacturer": "ExamplePhone",
                "com.android.model": "P1",
                "location": "+37.4220-122.0841/",
                "location-eng": "+37.4220-122.0841/",
            },
        ),
        "comfyui-comment": encode_tags(
            mp4,
            {
                "encoder": "Lavf60.16.100",
                "comment": json.dumps(
                    {"prompt": texts["prompt"], "workflow": json.loads(workflow)}
                ),
            },
        ),
        "comfyui-tags": encode_tags(
            "matroska,webm", {"PROMPT": texts["prompt"], "WORKFLOW": workflow, "ENCODER": "x"}
        ),
        "xmp": encode_tags(
            mp4, {"xmp": xmp_seeds()["attributes"].decode(), "comment": "a lighthouse at dusk"}
        ),
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
    "vpdq": vpdq_seeds,
    "icse": icse_seeds,
    "csv": csv_seeds,
    "text": text_seeds,
    "ewf": ewf_seeds,
    "origin": origin_seeds,
    "wallets": wallets_seeds,
    "firefox_logins": firefox_logins_seeds,
    "safari_downloads": safari_downloads_seeds,
    "browser_sqlite": browser_sqlite_seeds,
    "iso6709": iso6709_seeds,
    "video_tags": video_tags_seeds,
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
