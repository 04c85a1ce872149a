"""Hash-list formats, tried in this order when the format is `auto` (text is the fallback)."""

from __future__ import annotations

from synthtrace.match.formats.base import FormatError, ListFormat
from synthtrace.match.formats.csvlist import CsvList
from synthtrace.match.formats.icse import IcseList
from synthtrace.match.formats.text import TextList
from synthtrace.match.formats.vics import VicsList
from synthtrace.match.formats.vpdq import VpdqList

FORMATS: list[ListFormat] = [VicsList(), VpdqList(), IcseList(), CsvList(), TextList()]
BY_NAME: dict[str, ListFormat] = {f.name: f for f in FORMATS}
HEAD_BYTES = 64 * 1024


def detect_format(head: bytes) -> ListFormat:
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith((b"{", b"[")) and not BY_NAME["vics"].detect(head):
        raise FormatError("this JSON is not a Project VIC (VICS) file: no odata.metadata/context")
    if b"\x00" in head[:4096]:
        raise FormatError("this is a binary file, not a hash list")
    for fmt in FORMATS:
        if fmt.detect(head):
            return fmt
    raise FormatError("unrecognised hash-list format")


def get_format(name: str) -> ListFormat:
    try:
        return BY_NAME[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; choose auto, {', '.join(BY_NAME)}") from None
