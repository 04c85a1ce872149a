"""Type by content (libmagic through python-magic) and whether the file name says otherwise."""

from __future__ import annotations

import mimetypes
import threading

import magic

_local = threading.local()

# Text-like types libmagic often reports as plain text: a `.csv` that is text is not a mismatch.
_TEXTUAL_APPLICATION = {
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-sh",
    "application/sql",
    "application/toml",
    "application/x-yaml",
    "application/yaml",
}


def _magics() -> tuple[magic.Magic, magic.Magic]:
    # libmagic handles are not thread-safe: one pair per thread (and so per worker process).
    pair = getattr(_local, "pair", None)
    if pair is None:
        pair = (magic.Magic(mime=True), magic.Magic(extension=True))  # type: ignore[call-arg]
        _local.pair = pair
    return pair


def detect_mime(head: bytes) -> str:
    """MIME type of content from its first bytes."""
    try:
        return str(_magics()[0].from_buffer(head))
    except magic.MagicException:
        return "application/octet-stream"


def _expected_extensions(head: bytes, mime: str) -> set[str]:
    try:
        listed = str(_magics()[1].from_buffer(head))
    except magic.MagicException:
        listed = "???"
    exts = set() if listed == "???" else {e.lower() for e in listed.split("/") if e}
    exts.update(e.lstrip(".").lower() for e in mimetypes.guess_all_extensions(mime, strict=False))
    return exts


def _is_textual(mime: str) -> bool:
    return mime.startswith("text/") or mime in _TEXTUAL_APPLICATION


def claimed_type(name: str) -> str | None:
    """The non-text type a file name claims by its extension, if any."""
    base = name.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    claimed, _ = mimetypes.guess_type(f"x.{base.rsplit('.', 1)[1].lower()}", strict=False)
    return None if claimed is None or _is_textual(claimed) else claimed


def extension_mismatch(name: str, head: bytes, mime: str) -> bool:
    """True when the name's extension names another type than the content has.

    Unknown extensions and empty files never mismatch: only a contradiction counts.
    """
    base = name.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return False
    ext = base.rsplit(".", 1)[1].lower()
    if not ext or mime in ("application/x-empty", "inode/x-empty"):
        return False
    if ext in _expected_extensions(head, mime):
        return False
    claimed, _ = mimetypes.guess_type(f"x.{ext}", strict=False)
    if claimed is None:
        return False  # the name claims nothing we know
    return not (claimed == mime or (_is_textual(claimed) and _is_textual(mime)))
