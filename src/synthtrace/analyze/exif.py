"""EXIF as JSON: every tag Pillow reads, by name, GPS also in decimal degrees."""

from __future__ import annotations

import math
from typing import Any

from PIL import ExifTags, Image, TiffImagePlugin

EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
USER_COMMENT = 0x9286
MAX_BINARY = 4096


class UserCommentError(ValueError):
    """A UserComment whose declared encoding its bytes do not follow."""


def _utf16(raw: bytes) -> str:
    if len(raw) % 2:
        raise UserCommentError(f"UserComment declares UTF-16 but has an odd length ({len(raw)})")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    # The byte order follows the TIFF header, which is not passed down: the order that yields
    # more ASCII-range characters is the right one (text from generators is mostly ASCII).
    candidates = []
    for codec in ("utf-16-be", "utf-16-le"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((sum(c < "\x80" for c in text), text))
    if not candidates:
        raise UserCommentError("UserComment is not valid UTF-16")
    return max(candidates, key=lambda c: c[0])[1]


def decode_user_comment(raw: bytes) -> str:
    """The text of an EXIF UserComment (8-byte charset code, then the text)."""
    code, body = raw[:8], raw[8:]
    if code == b"UNICODE\x00":
        return _utf16(body).rstrip("\x00")
    if code == b"ASCII\x00\x00\x00":
        return body.decode("ascii", errors="replace").rstrip("\x00")
    if code == b"JIS\x00\x00\x00\x00\x00":
        return body.decode("shift_jis", errors="replace").rstrip("\x00")
    # Undefined code (zeros) or none at all: generators then write UTF-8.
    payload = body if code == b"\x00" * 8 else raw
    return payload.decode("utf-8", errors="replace").rstrip("\x00")


def _bytes_value(value: bytes) -> str:
    stripped = value.rstrip(b"\x00")
    try:
        text = stripped.decode("utf-8")
        if text.isprintable():
            return text
    except UnicodeDecodeError:
        pass
    if len(value) > MAX_BINARY:
        return f"hex:{value[:MAX_BINARY].hex()}… ({len(value)} bytes)"
    return f"hex:{value.hex()}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, TiffImagePlugin.IFDRational):
        if value.denominator == 0:
            return None
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, bytes):
        return _bytes_value(value)
    if isinstance(value, str):
        return value.rstrip("\x00")
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int | bool) or value is None:
        return value
    return str(value)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        deg, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = deg + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    return -result if str(ref).upper().startswith(("S", "W")) else result


def exif_to_json(exif: Image.Exif) -> tuple[dict[str, Any], list[str]]:
    """JSON-able EXIF and the errors met reading it (a bad IFD is an error, not a crash)."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    for tag, value in exif.items():
        if tag in (EXIF_IFD, GPS_IFD, INTEROP_IFD):
            continue
        out[ExifTags.TAGS.get(tag, f"0x{tag:04x}")] = _jsonable(value)
    try:
        for tag, value in exif.get_ifd(EXIF_IFD).items():
            name = ExifTags.TAGS.get(tag, f"0x{tag:04x}")
            if tag == USER_COMMENT and isinstance(value, bytes):
                try:
                    out[name] = decode_user_comment(value)
                except UserCommentError as exc:
                    errors.append(str(exc))
                    out[name] = _bytes_value(value)
                continue
            out[name] = _jsonable(value)
    except Exception as exc:  # Pillow raises assorted errors on damaged IFDs
        errors.append(f"EXIF sub-IFD could not be read: {exc}")
    try:
        gps = {
            ExifTags.GPSTAGS.get(t, f"0x{t:04x}"): _jsonable(v)
            for t, v in exif.get_ifd(GPS_IFD).items()
        }
    except Exception as exc:
        errors.append(f"EXIF GPS IFD could not be read: {exc}")
        gps = {}
    if gps:
        out["GPSInfo"] = gps
        raw_gps = exif.get_ifd(GPS_IFD)
        lat = _dms(raw_gps.get(2), raw_gps.get(1, "N"))
        lon = _dms(raw_gps.get(4), raw_gps.get(3, "E"))
        if lat is not None and lon is not None:
            decimal: dict[str, float] = {"latitude": lat, "longitude": lon}
            alt = raw_gps.get(6)
            if alt is not None:
                try:
                    a = float(alt)
                    if math.isfinite(a):
                        decimal["altitude"] = -a if raw_gps.get(5) == b"\x01" else a
                except (TypeError, ValueError, ZeroDivisionError):
                    pass
            out["GPS"] = decimal
    return out, errors
