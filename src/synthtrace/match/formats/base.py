"""What every hash-list format yields, and the bounded line reader they share.

A parser yields records (the hashes of one list line or VICS Media, with what the list says of
it) and bad records (a line it could not use, with the reason); it raises FormatError only when
the file as a whole cannot be read as its format (truncated JSON, no header, a JSON value larger
than any sane list needs). The importer counts bad records and rolls back on FormatError.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from synthtrace.match.kinds import KINDS, BadHash

CHUNK = 1 << 20


class Readable(Protocol):
    """What parsers read from: an open binary file, or the importer's hashing wrapper."""

    def read(self, n: int = -1, /) -> bytes: ...


class FormatError(Exception):
    """The file cannot be read as this format at all."""


@dataclass(frozen=True)
class ListLimits:
    max_line_bytes: int = 1 << 20  # a CSV or text line longer than this is a counted bad line
    max_token_bytes: int = 64 << 20  # a single JSON value this large means: not a hash list


@dataclass(frozen=True)
class ReadOptions:
    hash_type: str | None = None  # --type: what bare values are, where length cannot say
    limits: ListLimits = field(default_factory=ListLimits)
    source: str | None = None  # the list file's name (a vpdq file is named by its video's id)


@dataclass
class ListRecord:
    number: int  # line number (text, CSV) or Media number (VICS), from 1
    hashes: list[tuple[str, str]]  # (kind name, normalised lower-case hex)
    category: str | None = None
    series: str | None = None
    label: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class BadRecord:
    number: int
    reason: str


ParseItem = ListRecord | BadRecord


class ListFormat(Protocol):
    name: str

    def detect(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format."""
        ...

    def parse(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]: ...


def normalise(kind: str, value: str) -> tuple[str, str]:
    """(kind, lower-case hex) or BadHash."""
    return kind, KINDS[kind].normalise(value)


def category_text(value: Any) -> str | None:
    """A category as lists write it (1, "1", 1.0, "A") as the case's code string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def first_line(head: bytes) -> str:
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def bounded_lines(stream: Readable, max_len: int) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each line; text is None for a line over `max_len` bytes.

    Python's own line iteration would hold a 2 GB line in memory; this keeps at most one chunk
    plus `max_len` bytes, skipping the rest of an overlong line as it streams past.
    """
    carry = bytearray()
    skipping = False
    number = 0
    first = True
    while chunk := stream.read(CHUNK):
        if first:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            first = False
        parts = chunk.split(b"\n")
        for piece in parts[:-1]:
            number += 1
            if skipping or len(carry) + len(piece) > max_len:
                yield number, None
            else:
                carry += piece
                yield number, carry.decode("utf-8", "replace").rstrip("\r")
            carry.clear()
            skipping = False
        tail = parts[-1]
        if not skipping:
            if len(carry) + len(tail) > max_len:
                skipping = True
                carry.clear()
            else:
                carry += tail
    if skipping:
        yield number + 1, None
    elif carry:
        yield number + 1, carry.decode("utf-8", "replace").rstrip("\r")


__all__ = [
    "BadHash",
    "BadRecord",
    "FormatError",
    "ListFormat",
    "ListLimits",
    "ListRecord",
    "ParseItem",
    "ReadOptions",
    "Readable",
    "bounded_lines",
    "category_text",
    "first_line",
    "normalise",
]
