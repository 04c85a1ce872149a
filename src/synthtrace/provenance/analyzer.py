"""The `provenance` content analyzer: one record per image of every generation signal found.

Cheap first: text chunks, EXIF and XMP are already parsed by the image decoder, so the formats only
look at keys; C2PA costs one byte search unless a manifest is there; the stealth check reads a
pixel column; the watermark is computed only on images decoded at full size (never on JPEGs that
the decoder reduced, where it cannot be read). The verdict:

- `generated: true` when any generation signal is present (parsed generator metadata, a stealth
  payload, an SD watermark, a C2PA or IPTC AI source type);
- `generated: false` when only capture signals are (camera make and model in EXIF, a C2PA or IPTC
  `digitalCapture`) and no generator metadata, readable or not, was seen;
- otherwise null. Camera evidence alone never makes an image generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthtrace.analyze.c2pa_reader import C2paFacts, jpeg_marker, read_c2pa
from synthtrace.analyze.content import AnalyzerResult, Content, ImageContent
from synthtrace.analyze.formats import FORMATS, FormatError, GenerationFacts, Metadata
from synthtrace.analyze.iptc import digital_source_types
from synthtrace.analyze.stealth import LOSSLESS_FORMATS, StealthError, read_stealth
from synthtrace.analyze.watermark import WatermarkResult, detect_watermark
from synthtrace.limits import Limits

TOOL_NAMES = {
    "a1111": "AUTOMATIC1111/Forge infotext",
    "comfyui": "ComfyUI graph",
    "invokeai": "InvokeAI metadata",
    "novelai": "NovelAI metadata",
    "fooocus": "Fooocus metadata",
    "swarmui": "SwarmUI metadata",
    "easydiffusion": "Easy Diffusion settings",
    "drawthings": "Draw Things XMP",
    "midjourney": "Midjourney description",
}
FIELDS = (
    "tool",
    "tool_version",
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "sampler",
    "cfg_scale",
    "size",
    "model_name",
    "model_hash",
    "model_hash_kind",
    "vae",
    "loras",
    "embeddings",
    "img2img",
    "denoising_strength",
)
# Text keys that generators write; their presence without a readable payload keeps the verdict open.
GENERATOR_KEYS = (
    "parameters",
    "prompt",
    "workflow",
    "invokeai_metadata",
    "sd-metadata",
    "Dream",
    "fooocus_scheme",
)
_NOT_A_CAMERA = ("prompt:", "workflow:", "{", "[")


@dataclass
class _Found:
    """What the checks found, before it is turned into the export object."""

    signals: list[dict[str, str]] = field(default_factory=list)
    results: list[GenerationFacts] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    ai: bool = False
    capture: bool = False
    unreadable: bool = False
    watermark: str | None = None
    c2pa: dict[str, Any] | None = None
    c2pa_tool: str | None = None

    def signal(self, kind: str, source: str, detail: str) -> None:
        self.signals.append({"kind": kind, "source": source, "detail": detail})


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\x00")
    return value if isinstance(value, str) else None


def image_metadata(img: ImageContent) -> tuple[Metadata, dict[str, str]]:
    """The formats' view of an image's metadata, and each text by where it was found."""
    texts: dict[str, str] = {}
    origin: dict[str, str] = {}
    found: dict[str, str] = {}
    for chunk in img.png_chunks:
        label = f"png:{chunk.type} {chunk.keyword}" + (" (after IDAT)" if chunk.after_idat else "")
        found.setdefault(label, chunk.text)
        if chunk.keyword not in texts:
            texts[chunk.keyword], origin[chunk.keyword] = chunk.text, label
    if not img.png_chunks:  # formats without chunk records (Pillow's info for other containers)
        for key, value in img.png_text.items():
            texts.setdefault(key, value)
            origin.setdefault(key, f"png:{key}")
    comment = _text(img.info.get("comment"))
    meta = Metadata(
        container=img.format,
        texts=texts,
        origin=origin,
        exif=img.exif,
        xmp=img.xmp,
        comment=comment or None,
    )
    return meta, found


def _raw_for(result: GenerationFacts, meta: Metadata, found: dict[str, str]) -> dict[str, str]:
    src = result.source
    if src.startswith(("png:", "video:")):
        return dict(found)  # the generator's chunks travel together (prompt + workflow, ...)
    if src.startswith("exif:"):
        value = meta.exif.get(src[5:])
        return {src: value} if isinstance(value, str) else {}
    if src.startswith("xmp:") and meta.xmp:
        return {"xmp": meta.xmp}
    if src.endswith(":comment") and meta.comment:
        return {src: meta.comment}
    return {}


def _run_formats(meta: Metadata, limits: Limits, out: _Found) -> list[GenerationFacts]:
    results = []
    for fmt in FORMATS:
        if not fmt.detect(meta):
            continue
        try:
            results.append(fmt.parse(meta, limits))
        except FormatError as exc:
            out.errors.append(f"provenance: {exc}")
            out.unreadable = True
            out.signal("unreadable-metadata", fmt.name, str(exc)[:500])
    return results


def _stealth(img: ImageContent, limits: Limits, out: _Found) -> None:
    if img.decoded is None or img.reduced or img.format not in LOSSLESS_FORMATS:
        return
    try:
        payload = read_stealth(img.decoded, limits.max_text_bytes)
    except StealthError as exc:
        out.errors.append(f"provenance: {exc}")
        out.signal("unreadable-metadata", "stealth", str(exc))
        out.unreadable = True
        return
    if payload is None:
        return
    out.signal("stealth", payload.kind, f"payload of {len(payload.raw)} characters in pixel bits")
    out.raw[payload.kind] = payload.raw
    stealth_meta = Metadata(
        container=img.format,
        texts=payload.texts,
        origin={k: payload.kind for k in payload.texts},
    )
    results = _run_formats(stealth_meta, limits, out)
    out.results.extend(results)
    out.ai = True


def _watermark(img: ImageContent, out: _Found) -> None:
    if img.decoded is None or img.reduced:
        return
    found: WatermarkResult | None = detect_watermark(img.decoded)
    if found is None:
        return
    if found.weak:
        out.signal("watermark-weak", "pixels: dwtDct U channel", found.detail)
        return
    out.watermark = found.mark
    out.ai = True
    out.signal("watermark", "pixels: dwtDct U channel", found.detail)


def _c2pa(content: Content, out: _Found) -> None:
    present = None
    img = content.image
    applist = getattr(img.decoded, "applist", None) if img is not None else None
    if img is not None and img.format in ("JPEG", "MPO") and isinstance(applist, list):
        present = jpeg_marker(applist)  # no need to search megabytes of scan data
    try:
        facts: C2paFacts | None = read_c2pa(content.mime, content.open, content.data, present)
    except ValueError as exc:
        out.errors.append(f"provenance: {exc}")
        out.signal("unreadable-metadata", "c2pa", str(exc)[:500])
        return
    if facts is None:
        return
    out.c2pa = facts.summary
    gen = facts.summary.get("claim_generator")
    for where in facts.ai:
        out.signal("c2pa", "C2PA manifest", f"{where} (claim generator: {gen})")
    for where in facts.capture:
        out.signal("c2pa-capture", "C2PA manifest", f"{where} (claim generator: {gen})")
    if not facts.ai and not facts.capture:
        out.signal("c2pa-manifest", "C2PA manifest", f"claim generator: {gen}")
    out.ai = out.ai or bool(facts.ai)
    out.capture = out.capture or bool(facts.capture)
    out.c2pa_tool = facts.tool


def _iptc(meta: Metadata, out: _Found) -> None:
    for st in digital_source_types(meta.xmp):
        kind = {True: "iptc", False: "iptc-capture", None: "iptc-other"}[st.verdict]
        out.signal(kind, "xmp:Iptc4xmpExt:DigitalSourceType", f"{st.term}: {st.meaning}")
        out.ai = out.ai or st.verdict is True
        out.capture = out.capture or st.verdict is False


def _camera(meta: Metadata, out: _Found) -> None:
    make, model = meta.exif_text("Make"), meta.exif_text("Model")
    if not make or not model:
        return
    if any(v.lstrip().startswith(_NOT_A_CAMERA) or len(v) > 100 for v in (make, model)):
        return
    detail = f"Make {make!r}, Model {model!r}"
    when = meta.exif.get("DateTimeOriginal")
    if isinstance(when, str):
        detail += f", DateTimeOriginal {when}"
    out.signal("camera", "exif", detail)
    out.capture = True


def _merge(results: list[GenerationFacts]) -> dict[str, Any]:
    """Fields from the first result; gaps filled from later results of the same tool."""
    primary = results[0].fields()
    for other in results[1:]:
        if other.tool != primary["tool"]:
            continue
        for key, value in other.fields().items():
            if primary.get(key) in (None, [], False) and value not in (None, []):
                primary[key] = value
    return primary


class ProvenanceAnalyzer:
    """Generation provenance of images (export key `provenance`)."""

    name = "provenance"

    def analyze(self, content: Content, limits: Limits) -> AnalyzerResult:
        img = content.image
        if img is None:
            if content.mime.startswith("video/"):
                return self._video(content, limits)
            return AnalyzerResult()
        out = _Found()
        meta, found = image_metadata(img)
        results = _run_formats(meta, limits, out)
        for result in results:
            out.raw.update(_raw_for(result, meta, found))
        out.results.extend(results)
        _stealth(img, limits, out)
        _c2pa(content, out)
        _iptc(meta, out)
        _watermark(img, out)
        _camera(meta, out)
        return self._finish(out, meta)

    def _video(self, content: Content, limits: Limits) -> AnalyzerResult:
        """Videos: the graph and tags in the container, C2PA, XMP (synthtrace/video/provenance)."""
        from synthtrace.video.provenance import camera_detail, raw_texts, read_tags, video_metadata

        try:
            tags = read_tags(content, limits)
        except ValueError:
            return AnalyzerResult()  # the `video` analyzer records why the video cannot be read
        out = _Found()
        meta = video_metadata(tags)
        found = raw_texts(tags, meta)
        results = _run_formats(meta, limits, out)
        for result in results:
            out.raw.update(_raw_for(result, meta, found))
        out.results.extend(results)
        _c2pa(content, out)
        _iptc(meta, out)
        if (detail := camera_detail(tags)) is not None:
            out.signal("camera", "video tags", detail)
            out.capture = True
        return self._finish(out, meta)

    def _finish(self, out: _Found, meta: Metadata) -> AnalyzerResult:
        for result in out.results:
            label = TOOL_NAMES.get(result.tool, result.tool)
            out.signal("metadata", result.source, f"{label} ({result.tool})")
            for note in result.notes:
                out.signal("caveat", result.source, note)
        if out.results:
            out.ai = True
        if not out.signals:
            return AnalyzerResult(errors=out.errors)
        return AnalyzerResult(facts=self._record(out, meta), errors=out.errors)

    def _record(self, out: _Found, meta: Metadata) -> dict[str, Any]:
        if out.ai:
            generated: bool | None = True
        elif (
            out.capture and not out.unreadable and not any(k in meta.texts for k in GENERATOR_KEYS)
        ):
            generated = False
        else:
            generated = None
        record: dict[str, Any] = {"generated": generated, "signals": out.signals}
        fields: dict[str, Any] = _merge(out.results) if out.results else dict.fromkeys(FIELDS)
        if fields.get("tool") is None:
            fields["tool"] = out.c2pa_tool
        fields["img2img"] = bool(fields.get("img2img"))
        fields["loras"] = fields.get("loras") or []
        fields["embeddings"] = fields.get("embeddings") or []
        record.update({k: fields.get(k) for k in FIELDS})
        record["watermark"] = out.watermark
        record["c2pa"] = out.c2pa
        record["raw"] = out.raw
        return record
