"""Where a file was downloaded from, as the file system recorded it beside the file.

Windows browsers write an NTFS `Zone.Identifier` stream (ZoneId, HostUrl, ReferrerUrl); macOS
writes the `com.apple.quarantine` and `com.apple.metadata:kMDItemWhereFroms` extended attributes.
Each becomes the file's `download_origin` object: `{source, zone_id, host_url, referrer_url}` plus
`time` where the record holds one (docs/formats.md). Browser histories fill the same key later.
"""

from __future__ import annotations

import contextlib
import plistlib
from typing import Any

from synthtrace.timefmt import utc_from_seconds

ZONE_STREAM = "Zone.Identifier"
QUARANTINE = "com.apple.quarantine"
WHERE_FROMS = "com.apple.metadata:kMDItemWhereFroms"
MAX_ORIGIN_BYTES = 64 * 1024  # a real record is a few hundred bytes
_ZONES = {0: "local machine", 1: "intranet", 2: "trusted sites", 3: "internet", 4: "restricted"}


def _text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def origin(
    source: str, zone_id: int | None, host_url: str | None, referrer_url: str | None
) -> dict[str, Any]:
    return {
        "source": source,
        "zone_id": zone_id,
        "host_url": host_url,
        "referrer_url": referrer_url,
    }


def parse_zone_identifier(data: bytes) -> dict[str, Any] | None:
    """The origin a Zone.Identifier stream gives, or None when it names neither zone nor URL."""
    values: dict[str, str] = {}
    for line in _text(data[:MAX_ORIGIN_BYTES]).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    zone: int | None = None
    try:
        zone = int(values["zoneid"])
    except (KeyError, ValueError):
        zone = None
    host, referrer = values.get("hosturl") or None, values.get("referrerurl") or None
    if zone is None and host is None and referrer is None:
        return None
    result = origin(ZONE_STREAM, zone, host, referrer)
    if zone in _ZONES:
        result["zone"] = _ZONES[zone]
    return result


def parse_quarantine(data: bytes) -> dict[str, Any] | None:
    """`flags;hex seconds;agent;uuid` (the agent is the downloading application)."""
    parts = _text(data[:MAX_ORIGIN_BYTES]).strip("\x00").split(";")
    if len(parts) < 2:
        return None
    result = origin(QUARANTINE, None, None, None)
    with contextlib.suppress(ValueError):
        result["time"] = utc_from_seconds(int(parts[1], 16))
    if len(parts) > 2 and parts[2]:
        result["agent"] = parts[2]
    return result


def parse_where_froms(data: bytes) -> dict[str, Any] | None:
    """A binary plist list: the download URL first, then the page it was linked from."""
    try:
        urls = plistlib.loads(data[:MAX_ORIGIN_BYTES])
    except Exception:  # plistlib raises several types on hostile input; no origin then
        return None
    if not isinstance(urls, list):
        return None
    texts = [u for u in urls if isinstance(u, str) and u]
    if not texts:
        return None
    return origin(WHERE_FROMS, None, texts[0], texts[1] if len(texts) > 1 else None)


def merge(base: dict[str, Any] | None, more: dict[str, Any] | None) -> dict[str, Any] | None:
    """Quarantine and WhereFroms describe one download: one object, the URLs filled in."""
    if base is None or more is None:
        return base or more
    merged = dict(base)
    for key, value in more.items():
        if merged.get(key) is None:
            merged[key] = value
    merged["source"] = f"{base['source']}+{more['source']}"
    return merged
