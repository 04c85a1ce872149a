"""Hash-list importers (match/formats/): Project VIC VICS JSON, ICSE, CSV and plain text.

Each input is one list file, read by its format's parser to the end as the importer reads it
(with small line and token limits, so oversize handling is reached). A parser yields records and
bad records, and raises FormatError only when the file as a whole is not its format; auto-detection
(`detect_format`) may raise FormatError too. Records must hold normalised hashes of known kinds.
The input's length picks the `--type` option, so both typed and untyped reads are fuzzed.
"""

from __future__ import annotations

import contextlib
import io

from synthtrace.match.formats import BY_NAME, HEAD_BYTES, detect_format
from synthtrace.match.formats.base import (
    BadRecord,
    FormatError,
    ListLimits,
    ListRecord,
    ReadOptions,
)
from synthtrace.match.kinds import KINDS

LIMITS = ListLimits(max_line_bytes=4096, max_token_bytes=64 * 1024)
TYPES = (None, "md5", "sha1", "sha256", "pdq")


def read_list(fmt_name: str, data: bytes) -> None:
    options = ReadOptions(hash_type=TYPES[len(data) % len(TYPES)], limits=LIMITS)
    with contextlib.suppress(FormatError):
        detect_format(data[:HEAD_BYTES])
    try:
        for item in BY_NAME[fmt_name].parse(io.BytesIO(data), options):
            if isinstance(item, BadRecord):
                assert isinstance(item.reason, str) and item.number >= 1
                continue
            assert isinstance(item, ListRecord), item
            assert item.hashes, item
            for kind, value in item.hashes:
                assert KINDS[kind].normalise(value) == value, (kind, value)
    except FormatError:
        pass


def vics_input(data: bytes) -> None:
    read_list("vics", data)


def icse_input(data: bytes) -> None:
    read_list("icse", data)


def csv_input(data: bytes) -> None:
    read_list("csv", data)


def text_input(data: bytes) -> None:
    read_list("text", data)
