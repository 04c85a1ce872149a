"""What a video's container says of it: streams, times, the device that made it, where it was.

Phones write capture facts as container tags: Apple's QuickTime keys (`com.apple.quicktime.make`,
`.model`, `.software`, `.creationdate`, `.location.ISO6709`), Android's (`com.android.version`,
`com.android.manufacturer`, `com.android.model`, `location`). Every tag is also kept verbatim, so
nothing the container says is lost even where no rule here knows its meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import av.container
    import av.stream

CREATION_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")
MAKE_KEYS = ("com.apple.quicktime.make", "com.android.manufacturer", "make", "manufacturer")
MODEL_KEYS = ("com.apple.quicktime.model", "com.android.model", "model")
SOFTWARE_KEYS = ("com.apple.quicktime.software", "com.android.version", "software")
LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
MAX_TAG_CHARS = 16 << 20

# ISO 6709: latitude then longitude, each signed, as degrees (DD.D), degrees and minutes (DDMM.M)
# or degrees, minutes and seconds (DDMMSS.S); altitude and a CRS may follow.
_ISO6709 = re.compile(r"^\s*([+-]\d{2,6}(?:\.\d+)?)([+-]\d{3,7}(?:\.\d+)?)")


@dataclass(frozen=True)
class Gps:
    lat: float
    lon: float


def _degrees(text: str, degree_digits: int) -> float:
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, frac = body.partition(".")
    frac = "." + frac if frac else ""
    extra = len(whole) - degree_digits
    if extra == 0:
        value = float(whole + frac)
    elif extra == 2:
        value = int(whole[:degree_digits]) + float(whole[degree_digits:] + frac) / 60
    elif extra == 4:
        minutes = int(whole[degree_digits : degree_digits + 2])
        seconds = float(whole[degree_digits + 2 :] + frac)
        value = int(whole[:degree_digits]) + minutes / 60 + seconds / 3600
    else:
        raise ValueError(f"not an ISO 6709 coordinate: {text!r}")
    return sign * value


def parse_iso6709(text: str) -> Gps | None:
    """Decimal latitude and longitude of an ISO 6709 point (`+48.8584+002.2945/`), or None."""
    m = _ISO6709.match(text)
    if m is None:
        return None
    try:
        lat, lon = _degrees(m.group(1), 2), _degrees(m.group(2), 3)
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Gps(round(lat, 7), round(lon, 7))


def first_tag(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    """The first non-empty tag of `keys`, matched without case (Matroska writes capitals)."""
    lower: dict[str, str] = {}
    for key, value in tags.items():
        lower.setdefault(key.lower(), value)
    for key in keys:
        found = lower.get(key.lower())
        if found and found.strip():
            return found.strip()
    return None


def _tags(raw: Any) -> dict[str, str]:
    return {str(k): str(v)[:MAX_TAG_CHARS] for k, v in dict(raw or {}).items()}


def _rate(value: Any) -> float | None:
    try:
        return round(float(value), 3) if value else None
    except (TypeError, ZeroDivisionError, ValueError):
        return None


def stream_record(stream: av.stream.Stream) -> dict[str, Any]:
    ctx = getattr(stream, "codec_context", None)
    record: dict[str, Any] = {
        "index": stream.index,
        "type": stream.type,
        "codec": getattr(ctx, "name", None),
        "bit_rate": getattr(ctx, "bit_rate", None) or None,
        "language": stream.language,
        "tags": _tags(stream.metadata),
    }
    if stream.type == "video":
        record.update(
            width=getattr(ctx, "width", None),
            height=getattr(ctx, "height", None),
            fps=_rate(getattr(stream, "average_rate", None) or getattr(stream, "base_rate", None)),
            pixel_format=getattr(ctx, "pix_fmt", None),
            rotation=None,  # filled from the first decoded frame's display matrix
        )
    elif stream.type == "audio":
        record.update(
            sample_rate=getattr(ctx, "sample_rate", None),
            channels=getattr(ctx, "channels", None),
        )
    return record


def container_record(container: av.container.InputContainer) -> dict[str, Any]:
    """The container's view (before any frame is decoded): every key of the `video` export object
    that the header can fill."""
    tags = _tags(container.metadata)
    streams = [stream_record(s) for s in container.streams]
    video = next((s for s in streams if s["type"] == "video"), None)
    # Stream tags fill what the container's own tags do not say (creation time, encoder).
    merged = dict(tags)
    for s in streams:
        for key, value in s["tags"].items():
            merged.setdefault(key, value)
    location = first_tag(tags, LOCATION_KEYS)
    gps = parse_iso6709(location) if location else None
    duration = container.duration / 1_000_000 if container.duration else None
    return {
        "container": container.format.name,
        "duration": round(duration, 3) if duration is not None else None,
        "width": video["width"] if video else None,
        "height": video["height"] if video else None,
        "codec": video["codec"] if video else None,
        "fps": video["fps"] if video else None,
        "bit_rate": container.bit_rate or None,
        "creation_time": first_tag(merged, CREATION_KEYS),
        "make": first_tag(tags, MAKE_KEYS),
        "model": first_tag(tags, MODEL_KEYS),
        "software": first_tag(tags, SOFTWARE_KEYS),
        "encoder": first_tag(merged, ("encoder", "com.apple.quicktime.encoder")),
        "gps": {"lat": gps.lat, "lon": gps.lon} if gps else None,
        "location": location,
        "streams": streams,
        "tags": tags,
    }
