"""Type by content, once per file, and whether the file name says otherwise.

libmagic (through python-magic) decides, but its full pass costs 0.2-0.3 ms on any buffer and
1-3 ms on text, where the regexes of its magic database ("soft magic") scan the whole buffer: on an
ordinary device of small files that was most of a scan. So, measured and kept in one place:

1. formats whose first bytes decide the type libmagic gives are told by their signature (a test
   checks each against libmagic);
2. libmagic runs without its magic database first (0.05 ms): its built-in checks tell text,
   JSON, CSV, from the rest;
3. the full pass runs on everything that is not text, and on text whose first lines show a
   format the database can name (markup, scripts, mail, keys, source code). Other text is
   text/plain, which is what the full pass says of it too: on 6,000 text files of a Debian system
   the two agreed on 99.5%, every difference being one text type for another (troff, asm, TeX
   called text/plain), never text for a picture or a binary format.

The expected extensions come from a table keyed by MIME type (analyze/extensions.py).
"""

from __future__ import annotations

import re
import struct
import threading

import magic

from synthtrace.analyze.extensions import (
    TEXT_ALIASES,
    claimed_types,
    extension,
    is_picture_or_video,
    is_textual,
    own_extensions,
    primary_type,
)

# What libmagic reads of a file with no decisive signature (as much as it was given before).
MAGIC_HEAD = 64 * 1024
EMPTY = "application/x-empty"
_MAGIC_NO_CHECK_SOFT = 0x4000  # libmagic: skip the magic database, keep the built-in checks
# Text whose start the magic database can name: markup, scripts, PostScript/PDF/RTF, PEM and PGP
# armour, vCard/iCalendar, mail and HTTP-like headers, registry exports...
_TEXT_FORMAT_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:#!|<|!<arch>|%!|%PDF|\{\\rtf|-----BEGIN|BEGIN:|From |"
    rb"[A-Za-z][A-Za-z0-9-]*: |Windows Registry Editor|REGEDIT4)"
)
# ...and source code, which it names by lines near the top.
_SOURCE_LINE = re.compile(
    rb"^[ \t]*(?:import [\w.]|from [\w.]+ import |def \w|class \w|"
    rb"#[ \t]*(?:include|define|ifn?def|if|pragma)\b|package [\w.]+;|using [\w.]+;|"
    rb"namespace \w|(?:function|var|const|let|export) \w|module\.exports|[\x27\x22]use strict|"
    rb"require[ (]|/\*|\.(?:\\\x22|[A-Z]{2}\b)|@(?:echo|rem)\b|<)",
    re.M,
)
_TEXT_START, _SOURCE_WINDOW, _BUILTIN_HEAD = 512, 4096, 8192

_local = threading.local()


def _magics() -> tuple[magic.Magic, magic.Magic]:
    # libmagic handles are not thread-safe: one pair per thread (and so per worker process).
    pair = getattr(_local, "pair", None)
    if pair is None:
        builtin = magic.Magic(mime=True)
        magic.magic_setflags(builtin.cookie, builtin.flags | _MAGIC_NO_CHECK_SOFT)
        pair = (magic.Magic(mime=True), builtin)
        _local.pair = pair
    return pair


def _names_a_text_format(head: bytes) -> bool:
    return bool(
        _TEXT_FORMAT_START.match(head[:_TEXT_START]) or _SOURCE_LINE.search(head[:_SOURCE_WINDOW])
    )


def _pe(head: bytes) -> str | None:
    # MZ with a PE header where e_lfanew points: what libmagic calls a portable executable.
    if len(head) < 0x40:
        return None
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    if offset + 24 <= len(head) and head[offset : offset + 4] == b"PE\x00\x00":
        return "application/vnd.microsoft.portable-executable"
    return None


def signature_mime(head: bytes) -> str | None:
    """The MIME type libmagic gives content with this start, where the start alone decides it."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"SQLite format 3\x00"):
        return "application/vnd.sqlite3"
    if head.startswith(b"MZ"):
        return _pe(head)
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "application/x-xz"
    return None


def detect_mime(head: bytes) -> str:
    """MIME type of content from its first bytes (at least MAGIC_HEAD of them when there are)."""
    if not head:
        return EMPTY
    found = signature_mime(head)
    if found is not None:
        return found
    head = head[:MAGIC_HEAD]
    full, builtin = _magics()
    try:
        first = str(builtin.from_buffer(head[:_BUILTIN_HEAD]))
        if first == "text/plain" and len(head) > _BUILTIN_HEAD:
            # The built-in checks cost time in proportion to the bytes; what they would see past
            # the first 8 KiB matters only for JSON (parsed whole) and for text turning binary.
            if head.lstrip()[:1] in (b"{", b"["):
                first = str(builtin.from_buffer(head))
            elif b"\x00" in head:
                first = "application/octet-stream"
        if first in ("application/json", "text/csv"):
            return first
        if first == "text/plain" and not _names_a_text_format(head):
            return first
        return str(full.from_buffer(head))
    except magic.MagicException:
        return "application/octet-stream"


def extension_mismatch(name: str, mime: str) -> bool:
    """True when the name hides what the content is.

    A picture or video must carry one of its own extensions: `holiday.dat`, `cache.bin` and a name
    with no extension at all hide it (the classic concealment). For other content only a
    contradiction counts: an unknown extension, or a text type named as another text type, is no
    mismatch.
    """
    if mime in (EMPTY, "inode/x-empty"):
        return False
    ext = extension(name)
    if is_picture_or_video(mime):
        return ext not in own_extensions(mime)
    if not ext or ext in own_extensions(mime):
        return False
    claimed = claimed_types(name)
    if not claimed:
        return False  # the name claims nothing we know
    return not any(c == mime or (is_textual(c) and is_textual(mime)) for c in claimed)


def _claimed_media(name: str) -> str | None:
    media = [c for c in claimed_types(name) if is_picture_or_video(c)]
    if not media:
        return None
    primary = primary_type(extension(name))
    return primary if primary in media else sorted(media)[0]


def name_claim_error(name: str, mime: str, size: int) -> str | None:
    """An error when the name promises a picture or video (or a binary type, for an empty file)
    that the content is not: random bytes named `.png` are recorded as what they are, and said."""
    ext = extension(name)
    if size == 0:
        binary = [c for c in claimed_types(name) if not is_textual(c)]
        if binary and ext not in TEXT_ALIASES:
            primary = primary_type(ext)
            said = primary if primary in binary else sorted(binary)[0]
            return f"zero-length file, though its name says {said}"
        return None
    claimed = _claimed_media(name)
    if claimed is None or is_picture_or_video(mime):
        return None
    if is_textual(mime) and ext in TEXT_ALIASES:
        return None  # a TypeScript `.ts`
    if claimed.startswith("video/") and mime.startswith("audio/"):
        return None  # MP4, WebM, ASF and Ogg files often hold sound alone
    kind = "video" if claimed.startswith("video/") else "picture"
    return f"name says {claimed} (.{ext}) but the content is {mime}: not a {kind}"
