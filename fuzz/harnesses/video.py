"""Video container tags (video/metadata.py, video/provenance.py): the strings FFmpeg hands back
from a container's metadata, read for the capture device, the location and ComfyUI's graph.

The container itself is parsed by FFmpeg (C, through PyAV), which these targets leave out: they
start from what it returns, a dict of tag names to strings.

- iso6709: the input, as UTF-8 text, is a location tag given to parse_iso6709, which returns a
  point in range or None (it documents no exception; its result goes into the `video` export
  object's `gps`).
- video_tags: the input is a framed tags dict (fields separated by 0x1E, each `<key>=<value>`;
  the first field is the container's name), as read_tags returns it in VideoTags (the `xmp` tag
  is the XMP packet). It goes through what ProvenanceAnalyzer._video does after read_tags:
  video_metadata (the ComfyUI graph out of a JSON `comment`), raw_texts, every generator format
  on the result (FormatError is documented and recorded), the IPTC source types of the XMP and
  camera_detail, then the analyzer's export object, which must be JSON without NaN. C2PA is
  left out (the c2pa target reads manifests). The container_record helpers run on the same
  tags: first_tag for the device, time and encoder keys, parse_iso6709 for the location.
None of these documents an exception besides FormatError.
"""

from __future__ import annotations

import json
import math

from synthtrace.analyze.formats import Metadata
from synthtrace.limits import Limits, MiB
from synthtrace.provenance import analyzer as provenance
from synthtrace.video.metadata import (
    CREATION_KEYS,
    LOCATION_KEYS,
    MAKE_KEYS,
    MODEL_KEYS,
    SOFTWARE_KEYS,
    first_tag,
    parse_iso6709,
)
from synthtrace.video.provenance import VideoTags, camera_detail, raw_texts, video_metadata

LIMITS = Limits(max_text_bytes=1 * MiB)
SEP, EQ = b"\x1e", b"="
ANALYZER = provenance.ProvenanceAnalyzer()


def encode_tags(container: str, tags: dict[str, str]) -> bytes:
    """The framed form of a container's tags (for seeds): the inverse of decode_tags."""
    fields = [container.encode()] + [k.encode() + EQ + v.encode() for k, v in tags.items()]
    return SEP.join(fields)


def decode_tags(data: bytes) -> VideoTags:
    container, *fields = data.split(SEP)
    tags: dict[str, str] = {}
    for field in fields:
        key, _, value = field.partition(EQ)
        tags.setdefault(key.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    xmp = tags.get("xmp")
    if xmp is not None and len(xmp) > LIMITS.max_text_bytes:
        xmp = None
    return VideoTags(container.decode("utf-8", "replace") or "mov,mp4", tags, xmp)


def _check_gps(text: str) -> None:
    gps = parse_iso6709(text)
    if gps is None:
        return
    assert math.isfinite(gps.lat) and math.isfinite(gps.lon), gps
    assert -90 <= gps.lat <= 90 and -180 <= gps.lon <= 180, gps


def iso6709_input(data: bytes) -> None:
    _check_gps(data.decode("utf-8", "replace"))


def video_tags_input(data: bytes) -> None:
    found = decode_tags(data)
    for keys in (CREATION_KEYS, MAKE_KEYS, MODEL_KEYS, SOFTWARE_KEYS, LOCATION_KEYS):
        value = first_tag(found.tags, keys)
        assert value is None or (isinstance(value, str) and value == value.strip() and value)
    location = first_tag(found.tags, LOCATION_KEYS)
    if location:
        _check_gps(location)
    # ProvenanceAnalyzer._video from read_tags on, C2PA aside.
    out = provenance._Found()
    meta: Metadata = video_metadata(found)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.texts.items())
    raw = raw_texts(found, meta)
    results = provenance._run_formats(meta, LIMITS, out)
    for result in results:
        out.raw.update(provenance._raw_for(result, meta, raw))
    out.results.extend(results)
    provenance._iptc(meta, out)
    detail = camera_detail(found)
    if detail is not None:
        out.signal("camera", "video tags", detail)
        out.capture = True
    record = ANALYZER._finish(out, meta)
    json.dumps(record.facts, allow_nan=False)
    assert all(isinstance(e, str) for e in record.errors)
