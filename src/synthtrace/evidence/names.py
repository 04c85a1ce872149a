"""Evidence addresses: POSIX paths, archive members after `!/`, non-UTF-8 names made visible."""

from __future__ import annotations

import os

SEP = "!/"


def member_address(container: str, member: str) -> str:
    return f"{container}{SEP}{member}"


def display_name(raw: bytes | str) -> tuple[str, str | None]:
    """Text for a raw name, and an error when the name is not valid UTF-8.

    Invalid bytes are shown as `\\xNN` escapes: the record stays readable and the original bytes
    can still be told apart from the escape, because the error names them in hex.
    """
    if isinstance(raw, str):
        raw = os.fsencode(raw)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="backslashreplace")
        return (
            text,
            f"file name is not valid UTF-8 (raw bytes: {raw.hex()}); shown with \\x escapes",
        )


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member name would escape its archive if extracted, or None when it is safe."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"member name {name!r} is absolute; recorded, never extracted"
    if ".." in parts:
        return f"member name {name!r} points outside the archive; recorded, never extracted"
    return None
