"""Hash-list importers (match/formats/): Project VIC VICS JSON, vPDQ, ICSE, CSV and plain text.

Each input is one list file, read by its format's parser to the end as the importer reads it
(with small line and token limits, so oversize handling is reached). A parser yields records and
bad records, and raises FormatError only when the file as a whole is not its format; auto-detection
(`detect_format`) may raise FormatError too. Records must hold normalised hashes of known kinds.
The input's length picks the `--type` option, so both typed and untyped reads are fuzzed.

vPDQ (match/formats/vpdq.py, with video/vpdqfile.py's line and signal parsers) reads a vpdq text
file (one video, labelled by the list's file name), a zip of them, or a CSV with a `vpdq` column
of python-threatexchange JSON signals; a VICS file may carry such a signal too. A vpdq record
holds one entry, the SHA-256 of its frames, and the frames in `extra`, which the importer stores
in a JSON column: it must be JSON without NaN or Infinity (PostgreSQL's JSONB refuses both).
"""

from __future__ import annotations

import contextlib
import io
import json
import re

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
VPDQ = "vpdq"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def read_list(fmt_name: str, data: bytes) -> None:
    options = ReadOptions(
        hash_type=TYPES[len(data) % len(TYPES)], limits=LIMITS, source="evidence/barn.vpdq.txt"
    )
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
                if kind == VPDQ:
                    _check_vpdq(item, value)
                else:
                    assert KINDS[kind].normalise(value) == value, (kind, value)
    except FormatError:
        pass


def _check_vpdq(item: ListRecord, value: str) -> None:
    assert _DIGEST.fullmatch(value), value
    assert [k for k, _ in item.hashes].count(VPDQ) == 1, item.hashes  # one video per record
    assert item.extra is not None and item.extra["frames"], item
    json.dumps(item.extra, allow_nan=False)
    for frame, quality, pdq, timestamp in item.extra["frames"]:
        assert isinstance(frame, int) and frame >= 0 and 0 <= quality <= 100, (frame, quality)
        assert KINDS["pdq"].normalise(pdq) == pdq, pdq
        assert isinstance(timestamp, float), timestamp


def vics_input(data: bytes) -> None:
    read_list("vics", data)


def vpdq_input(data: bytes) -> None:
    read_list("vpdq", data)


def icse_input(data: bytes) -> None:
    read_list("icse", data)


def csv_input(data: bytes) -> None:
    read_list("csv", data)


def text_input(data: bytes) -> None:
    read_list("text", data)
