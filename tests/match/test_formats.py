"""Hash-list parsers: every format, every kind of damage, and properties over arbitrary input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.match.formats import FORMATS, detect_format, get_format
from synthtrace.match.formats.base import (
    BadRecord,
    FormatError,
    ListLimits,
    ListRecord,
    ReadOptions,
    bounded_lines,
)
from synthtrace.match.kinds import KINDS, PDQ, BadHash
from tests.match.conftest import vics_media

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PDQ_HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def parse(fmt: str, data: bytes, **options: object) -> list[ListRecord | BadRecord]:
    return list(get_format(fmt).parse(io.BytesIO(data), ReadOptions(**options)))  # type: ignore[arg-type]


def good(items: list[ListRecord | BadRecord]) -> list[ListRecord]:
    return [i for i in items if isinstance(i, ListRecord)]


def bad(items: list[ListRecord | BadRecord]) -> list[BadRecord]:
    return [i for i in items if isinstance(i, BadRecord)]


# --- hash kinds ---------------------------------------------------------------------------------


def test_kinds_normalise_and_refuse() -> None:
    assert KINDS["md5"].normalise(f"  {MD5.upper()} ") == MD5
    assert KINDS["sha1"].normalise("0x" + SHA1) == SHA1
    with pytest.raises(BadHash, match="32 hex digits"):
        KINDS["md5"].normalise(MD5[:-1])
    with pytest.raises(BadHash, match="non-hex character 'g'"):
        KINDS["sha256"].normalise("g" + SHA256[1:])
    assert PDQ.distance(PDQ_HEX, PDQ_HEX) == 0
    flipped = f"{int(PDQ_HEX, 16) ^ 0b1011:064x}"
    assert PDQ.distance(PDQ_HEX, flipped) == 3
    assert KINDS["md5"].distance(MD5, MD5.upper()) == 0


@given(st.text(max_size=80))
def test_normalise_accepts_only_hex_of_the_right_length(value: str) -> None:
    for kind in KINDS.values():
        try:
            out = kind.normalise(value)
        except BadHash:
            continue
        assert len(out) == kind.hex_length
        int(out, 16)


# --- text ---------------------------------------------------------------------------------------


def test_text_list_with_labels_comments_and_damage() -> None:
    data = (
        f"# known files\n{MD5}  empty.txt\n{SHA1.upper()} *empty.bin\n\n"
        f"{MD5[:30]}\nzz{MD5[2:]}\n{MD5}\tname with tab\n"
    ).encode()
    items = parse("text", data)
    recs = good(items)
    assert [(r.number, r.hashes, r.label) for r in recs] == [
        (2, [("md5", MD5)], "empty.txt"),
        (3, [("sha1", SHA1)], "empty.bin"),
        (7, [("md5", MD5)], "name with tab"),
    ]
    problems = bad(items)
    assert [p.number for p in problems] == [5, 6]
    assert "not an MD5 or SHA-1 length" in problems[0].reason
    assert "non-hex" in problems[1].reason


def test_text_needs_type_for_64_digits() -> None:
    with pytest.raises(FormatError, match="--type"):
        parse("text", f"{SHA256}\n".encode())
    assert good(parse("text", f"{SHA256}\n".encode(), hash_type="sha256"))[0].hashes == [
        ("sha256", SHA256)
    ]
    assert good(parse("text", f"{PDQ_HEX}\n".encode(), hash_type="pdq"))[0].hashes == [
        ("pdq", PDQ_HEX)
    ]


def test_two_gigabyte_line_is_one_counted_skip(tmp_path: Path) -> None:
    """A 2 GiB line (a sparse file: no disk used) streams past in bounded memory."""
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.write(f"{MD5}\n".encode())
        fh.seek(2 * 1024**3, 1)  # 2 GiB of NUL bytes, no newline
        fh.write(f"\n{SHA1}\n".encode())
    with open(path, "rb") as fh:
        items = list(get_format("text").parse(fh, ReadOptions()))
    assert [type(i).__name__ for i in items] == ["ListRecord", "BadRecord", "ListRecord"]
    assert "longer than" in items[1].reason  # type: ignore[union-attr]
    with open(path, "rb") as fh, pytest.raises(FormatError, match="binary"):
        detect_format(fh.read(1 << 16) + b"\x00")


@given(st.binary(max_size=3000), st.integers(1, 64))
@settings(max_examples=150)
def test_bounded_lines_agree_with_splitting(data: bytes, limit: int) -> None:
    got = list(bounded_lines(io.BytesIO(data), limit))
    body = data.removeprefix(b"\xef\xbb\xbf")
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    assert [n for n, _ in got] == list(range(1, len(lines) + 1))
    for (_, text), raw in zip(got, lines, strict=True):
        if len(raw) > limit:
            assert text is None
        else:
            assert text == raw.decode("utf-8", "replace").rstrip("\r")


@given(st.binary(max_size=2000))
@settings(max_examples=150)
def test_line_formats_never_crash_on_arbitrary_bytes(data: bytes) -> None:
    for fmt in ("text", "csv", "icse"):
        try:
            items = parse(fmt, data, hash_type="sha256")
        except FormatError:
            continue
        for item in items:
            if isinstance(item, ListRecord):
                for kind, value in item.hashes:
                    assert KINDS[kind].normalise(value) == value


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["md5", "sha1", "sha256"]),
            st.binary(min_size=32, max_size=32),
            st.sampled_from(["0", "1", "2", "3", "4", ""]),
        ),
        max_size=30,
    )
)
def test_csv_round_trips_generated_lists(rows: list[tuple[str, bytes, str]]) -> None:
    lengths = {"md5": 16, "sha1": 20, "sha256": 32}
    lines = ["md5,sha1,sha256,category"]
    expected = []
    for kind, raw, cat in rows:
        value = raw[: lengths[kind]].hex()
        cells = {"md5": "", "sha1": "", "sha256": ""}
        cells[kind] = value.upper()
        lines.append(",".join([cells["md5"], cells["sha1"], cells["sha256"], cat]))
        expected.append(([(kind, value)], cat or None))
    items = parse("csv", ("\n".join(lines) + "\n").encode())
    assert [(r.hashes, r.category) for r in good(items)] == expected
    assert not bad(items)


# --- CSV and ICSE -------------------------------------------------------------------------------


def test_csv_header_names_columns_in_any_order_and_case() -> None:
    data = (
        '"Label";"SHA-1";"MD5";"Category";"Series";"PDQ"\n'
        f'"lighthouse.jpg";{SHA1};{MD5.upper()};1;"Coast";{PDQ_HEX}\n'
        f'"bad.jpg";{SHA1[:-2]};{MD5};1;;\n'
        ";;;;;\n"
    ).encode()
    items = parse("csv", data)
    rec = good(items)[0]
    assert rec.hashes == [("md5", MD5), ("sha1", SHA1), ("pdq", PDQ_HEX)]
    assert (rec.category, rec.series, rec.label) == ("1", "Coast", "lighthouse.jpg")
    reasons = [b.reason for b in bad(items)]
    assert "sha1 must be 40 hex digits" in reasons[0]
    assert reasons[1] == "no hash on this line"


def test_nsrl_style_csv_reads_its_hash_columns() -> None:
    data = (
        '"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n'
        f'"{SHA1.upper()}","{MD5.upper()}","00000000","empty.txt",0,1,"358",""\n'
    ).encode()
    rec = good(parse("csv", data))[0]
    assert rec.hashes == [("md5", MD5), ("sha1", SHA1)]
    assert rec.label == "empty.txt"


def test_csv_without_hash_header_is_the_wrong_format() -> None:
    with pytest.raises(FormatError, match="names no hash column"):
        parse("csv", f"{MD5},1\n".encode())
    with pytest.raises(FormatError, match="names no hash column"):
        parse("csv", vics_media([{"MD5": MD5}]).encode())


def test_icse_with_and_without_header() -> None:
    with_header = f"ID;MD5;SHA1;PhotoDNA\n17;{MD5};{SHA1};AAAA\n".encode()
    assert good(parse("icse", with_header))[0].hashes == [("md5", MD5), ("sha1", SHA1)]
    headerless = f"{MD5.upper()};{SHA1};x;{SHA256}\n;;\n".encode()
    items = parse("icse", headerless)
    assert good(items)[0].hashes == [("md5", MD5), ("sha1", SHA1), ("sha256", SHA256)]
    assert bad(items)[0].reason == "no hash on this line"


# --- VICS ---------------------------------------------------------------------------------------


def media(**fields: object) -> dict[str, object]:
    return {"MediaID": 1, "MD5": MD5.upper(), "SHA1": SHA1.upper(), "Category": 1, **fields}


@pytest.mark.parametrize("v1", [False, True])
@pytest.mark.parametrize("cases", [False, True])
def test_vics_versions_and_shapes(v1: bool, cases: bool) -> None:
    doc = vics_media(
        [
            media(
                Series="Lighthouses",
                VictimIdentified="true",
                OffenderIdentified=False,
                IsDistributed="false",
                Tags="coast;night",
                AlternativeHashes=[
                    {"HashName": "PDQ", "HashValue": PDQ_HEX},
                    {"HashName": "PhotoDNA", "HashValue": "AbCd=="},
                ],
                MediaFiles=[{"FileName": "lighthouse.jpg", "FilePath": "Pictures"}],
            ),
            {"MediaID": 2, "md5": MD5, "Category": "2"},
        ],
        cases=cases,
        v1=v1,
    )
    recs = good(parse("vics", doc.encode()))
    assert [r.hashes for r in recs] == [
        [("md5", MD5), ("sha1", SHA1), ("pdq", PDQ_HEX)],
        [("md5", MD5)],
    ]
    first = recs[0]
    assert (first.category, first.series, first.label) == ("1", "Lighthouses", "lighthouse.jpg")
    assert first.extra == {
        "VictimIdentified": True,
        "OffenderIdentified": False,
        "IsDistributed": False,
        "MediaID": 1,
        "Tags": "coast;night",
        "AlternativeHashes": [{"HashName": "PhotoDNA", "HashValue": "AbCd=="}],
    }
    assert recs[1].category == "2"
    assert detect_format(doc.encode()).name == "vics"


def test_vics_damaged_records_are_counted() -> None:
    doc = vics_media(
        [media(), {"MediaID": 2, "MD5": "xyz"}, {"MediaID": 3}, "not an object", media(MD5="")],
    )
    items = parse("vics", doc.encode())
    assert [type(i).__name__ for i in items] == [
        "ListRecord",
        "BadRecord",
        "BadRecord",
        "BadRecord",
        "ListRecord",
    ]
    assert good(items)[1].hashes == [("sha1", SHA1)]  # an empty MD5 is absent, not bad


def test_truncated_vics_is_a_format_error() -> None:
    doc = vics_media([media(), media(MediaID=2)]).encode()
    with pytest.raises(FormatError, match=r"truncated|not valid JSON"):
        parse("vics", doc[: len(doc) // 2])
    with pytest.raises(FormatError, match="not a Project VIC file"):
        parse("vics", json.dumps({"value": [media()]}).encode())
    with pytest.raises(FormatError, match="JSON object"):
        parse("vics", b"[1, 2]")


def test_vics_token_larger_than_any_list_is_refused() -> None:
    doc = b'{"@odata.context": "x#Media", "value": [{"Tags": "' + b"a" * (3 << 20) + b'"}]}'
    limits = ListLimits(max_token_bytes=1 << 20)
    with pytest.raises(FormatError, match="single JSON value"):
        parse("vics", doc, limits=limits)


def test_vics_is_streamed_one_media_at_a_time() -> None:
    """A Cases file yields its first Media before the rest of the file is read."""
    doc = vics_media([media(MediaID=i) for i in range(20000)], cases=True).encode()
    stream = io.BytesIO(doc)
    first = next(iter(get_format("vics").parse(stream, ReadOptions())))
    assert isinstance(first, ListRecord)
    assert stream.tell() < len(doc)


# --- detection ----------------------------------------------------------------------------------


def test_auto_detection() -> None:
    assert detect_format(vics_media([media()]).encode()).name == "vics"
    assert detect_format(f"MD5;SHA1\n{MD5};{SHA1}\n".encode()).name == "icse"
    assert detect_format(f"{MD5};{SHA1}\n".encode()).name == "icse"
    assert detect_format(f"md5,category\n{MD5},1\n".encode()).name == "csv"
    assert detect_format(f"{MD5}\n".encode()).name == "text"
    with pytest.raises(FormatError, match="not a Project VIC"):
        detect_format(b'{"value": []}')
    vpdq_line = f"0,100,{'ab' * 32},0.000\n"
    assert detect_format(vpdq_line.encode()).name == "vpdq"  # ThreatExchange's vpdq output
    assert detect_format(b'id,vpdq\nv1,"[]"\n').name == "vpdq"  # CSV with a vPDQ signal column
    assert {f.name for f in FORMATS} == {"vics", "vpdq", "icse", "csv", "text"}
