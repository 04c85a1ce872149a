"""Project VIC VICS JSON: v1.x (`odata.metadata`) and v2.0 (`@odata.context`).

Two shapes: a hash set (`#Media`: Media records directly in `value`) and a case (`#Cases`: Media
nested under each `value[i].Media`). Files reach tens of gigabytes, so they are read as a stream
of JSON events (ijson) and each Media record is built alone: memory holds one record at a time.
Key names are compared without regard to case (`MD5`, `Md5`, `md5`); flags may be booleans or the
strings "true"/"false"; a PDQ among `AlternativeHashes` is used for perceptual matching.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import ijson

from synthtrace.match.formats.base import (
    CHUNK,
    BadHash,
    BadRecord,
    FormatError,
    ListRecord,
    ParseItem,
    Readable,
    ReadOptions,
    category_text,
)
from synthtrace.match.formats.vpdq import signal_hash
from synthtrace.match.kinds import KINDS, kind_for_name

CONTEXT_KEYS = ("@odata.context", "odata.metadata")
FLAGS = ("VictimIdentified", "OffenderIdentified", "IsDistributed", "IsPrecategorized")
KEPT = ("MediaID", "Tags", "MediaSize", "SelfGenerated", "IsSuspected")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int | float):
        return bool(value)
    return None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float | bool):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _plain(value: Any) -> Any:
    """JSON-able copy (ijson gives Decimal for non-integral numbers)."""
    return json.loads(json.dumps(value, default=str))


def media_record(number: int, media: Any) -> ParseItem:
    """One VICS Media object as a list record, or why it cannot be one."""
    if not isinstance(media, dict):
        return BadRecord(number, "a Media entry that is not an object")
    keys = {str(k).lower(): v for k, v in media.items()}
    hashes: list[tuple[str, str]] = []
    other: list[dict[str, Any]] = []
    frames: list[list[object]] | None = None
    try:
        for kind in ("md5", "sha1", "sha256", "pdq"):
            value = keys.get(kind)
            if isinstance(value, str) and value.strip():
                hashes.append((kind, KINDS[kind].normalise(value)))
        alternatives = keys.get("alternativehashes") or []
        if not isinstance(alternatives, list):  # kept as it came, under no hash name
            other.append({"HashName": "", "HashValue": _plain(alternatives)})
            alternatives = []
        for alt in alternatives:
            if not isinstance(alt, dict):
                continue
            a = {str(k).lower(): v for k, v in alt.items()}
            name, value = str(a.get("hashname") or ""), a.get("hashvalue")
            alt = kind_for_name(name)
            if alt is not None and isinstance(value, str) and value.strip():
                pair = (alt.name, alt.normalise(value))
                if pair not in hashes:
                    hashes.append(pair)
            elif (
                name.strip().lower() == "vpdq"
                and isinstance(value, str)
                and (
                    video := signal_hash(value)  # a video's frames (match/formats/vpdq.py)
                )
            ):
                hashes.append(video[0])
                frames = video[1]
            elif value:
                other.append({"HashName": name, "HashValue": _plain(value)})
    except BadHash as exc:
        return BadRecord(number, str(exc))
    if not hashes:
        return BadRecord(number, "Media without MD5, SHA1 or PDQ")
    extra: dict[str, Any] = {}
    for flag in FLAGS:
        value = _flag(keys.get(flag.lower()))
        if value is not None:
            extra[flag] = value
    for key in KEPT:
        if keys.get(key.lower()) not in (None, ""):
            extra[key] = _plain(keys[key.lower()])
    if other:
        extra["AlternativeHashes"] = other
    if frames:
        extra["frames"] = frames
    label = None
    files = keys.get("mediafiles")
    if isinstance(files, list) and files and isinstance(files[0], dict):
        label = _text({str(k).lower(): v for k, v in files[0].items()}.get("filename"))
    label = label or _text(keys.get("filename")) or _text(keys.get("name"))
    return ListRecord(
        number,
        hashes,
        category=category_text(keys.get("category")),
        series=_text(keys.get("series")),
        label=label,
        extra=extra or None,
    )


class _Builder:
    """Builds one JSON value from ijson events, knowing when it is complete."""

    def __init__(self) -> None:
        self.builder = ijson.ObjectBuilder()
        self.depth = 0

    def feed(self, event: str, value: Any) -> bool:
        """Feed one event; True when the value is complete."""
        self.builder.event(event, value)
        if event in ("start_map", "start_array"):
            self.depth += 1
        elif event in ("end_map", "end_array"):
            self.depth -= 1
        return self.depth == 0

    @property
    def value(self) -> Any:
        return self.builder.value


class VicsList:
    name = "vics"

    def detect(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return text.startswith(b"{") and any(k.encode() in head for k in CONTEXT_KEYS)

    def parse(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        events: list[tuple[str, str, Any]] = ijson.sendable_list()
        coro = ijson.parse_coro(events, use_float=True)
        state = _VicsState()
        quiet = 0  # bytes read since the last event: one JSON token this big is no hash list
        offset = 0
        first = True
        while chunk := stream.read(CHUNK):
            if first:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                first = False
            offset += len(chunk)
            try:
                coro.send(chunk)
            except ijson.JSONError as exc:
                raise FormatError(f"not valid JSON near byte {offset}: {exc}") from exc
            except UnicodeDecodeError as exc:  # yajl's own decoder: JSON text must be UTF-8
                raise FormatError(f"not UTF-8 JSON near byte {offset}: {exc}") from exc
            if events:
                quiet = 0
            else:
                quiet += len(chunk)
                if quiet > options.limits.max_token_bytes:
                    raise FormatError(
                        f"a single JSON value is over {options.limits.max_token_bytes} bytes "
                        f"(near byte {offset}): not a hash list"
                    )
            for prefix, event, value in events:
                yield from state.event(prefix, event, value)
            del events[:]
        try:
            coro.close()
        except ijson.JSONError as exc:
            raise FormatError(f"the JSON ends early (truncated at byte {offset}): {exc}") from exc
        except UnicodeDecodeError as exc:
            raise FormatError(f"not UTF-8 JSON near byte {offset}: {exc}") from exc
        for prefix, event, value in events:
            yield from state.event(prefix, event, value)
        if state.context is None:
            raise FormatError(
                "no odata.metadata or @odata.context: this JSON is not a Project VIC file"
            )


class _VicsState:
    """Routes ijson events: Media objects are built one at a time, case objects without Media."""

    def __init__(self) -> None:
        self.context: str | None = None
        self.number = 0
        self.item: _Builder | None = None  # value[i]: a Media (hash set) or a case
        self.item_has_media = False
        self.media: _Builder | None = None  # value[i].Media[j]
        self.started = False

    def event(self, prefix: str, event: str, value: Any) -> Iterator[ParseItem]:
        if not self.started:
            self.started = True
            if event != "start_map":
                raise FormatError("a Project VIC file is a JSON object, this is not")
        low = prefix.lower()
        if low in CONTEXT_KEYS and event == "string":
            self.context = value
            return
        if low == "value.item.media" or low.startswith("value.item.media."):
            self.item_has_media = True
            if low == "value.item.media":
                return  # the array's own start and end
            if self.media is None:
                self.media = _Builder()
            if self.media.feed(event, value):
                self.number += 1
                yield media_record(self.number, self.media.value)
                self.media = None
            return
        if low == "value.item" and event == "map_key" and str(value).lower() == "media":
            return  # the nested Media array is routed above, not built into the case
        if low == "value.item" or low.startswith("value.item."):
            if self.item is None:
                self.item = _Builder()
                self.item_has_media = False
            if self.item.feed(event, value):
                if not self.item_has_media:
                    self.number += 1
                    yield media_record(self.number, self.item.value)
                self.item = None
