"""The vPDQ list parsers on arbitrary input: records, counted bad records or a FormatError,
never any other exception (and never a hang)."""

from __future__ import annotations

import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.match.formats.base import BadRecord, FormatError, ListRecord, ReadOptions
from synthtrace.match.formats.vpdq import VpdqList, signal_hash
from synthtrace.video.vpdqfile import VpdqFormatError, parse_line, parse_signal

LINE = "0,100," + "ab" * 32 + ",0.000"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes(data: bytes) -> None:
    try:
        items = list(VpdqList().parse(io.BytesIO(data), ReadOptions()))
    except FormatError:
        return
    assert all(isinstance(i, ListRecord | BadRecord) for i in items)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([LINE, "", "x", "1,2,3,4", LINE.upper(), "#c", LINE + ",x"])))
def test_vpdq_text_lines(lines: list[str]) -> None:
    data = ("\n".join([LINE, *lines]) + "\n").encode()
    items = list(VpdqList().parse(io.BytesIO(data), ReadOptions(source="clip-7.vpdq.txt")))
    records = [i for i in items if isinstance(i, ListRecord)]
    assert len(records) == 1 and records[0].label == "clip-7"
    assert records[0].hashes[0][0] == "vpdq"


@given(st.text(max_size=300))
def test_line_and_signal(text: str) -> None:
    for parse in (parse_line, parse_signal):
        with contextlib.suppress(VpdqFormatError):
            parse(text)
    signal_hash(text)  # None or a hash, never an exception
