"""One test per fuzzing finding: the fuzzer's own input replayed through its harness, and the bug
rebuilt by hand where that says more about what went wrong and what the parser now does.

The inputs are under tests/fuzz/crashes/<target>/<finding>; benchmarks/RESULTS.md ("Fuzzing
(issue 8)") lists each finding with its fix.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import tarfile
import zlib
from pathlib import Path

import pytest
from fuzz.registry import BY_NAME
from fuzz.seeds import ewf_image

from synthtrace.analyze import c2pa_reader
from synthtrace.analyze.content import Content
from synthtrace.analyze.models.analyzer import ModelAnalyzer
from synthtrace.artifacts.readers.base import Opened, Problems
from synthtrace.artifacts.readers.chromium import ChromiumHistory
from synthtrace.artifacts.readers.firefox import FirefoxLogins, file_uri_path
from synthtrace.artifacts.sqlitecopy import DatabaseError, open_readonly, working_copy
from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.entry import Entry
from synthtrace.evidence.ewf import EwfError, EwfMedia
from synthtrace.evidence.reading import Budget
from synthtrace.evidence.walk import WalkContext
from synthtrace.limits import Limits
from synthtrace.match.formats.base import BadRecord, FormatError, ListRecord, ReadOptions
from synthtrace.match.formats.vics import VicsList
from synthtrace.match.formats.vpdq import VpdqList
from synthtrace.video.provenance import VideoTags, video_metadata
from synthtrace.video.vpdqfile import VpdqFormatError, parse_signal

CRASHES = Path(__file__).parent / "crashes"
INPUTS = sorted(p for p in CRASHES.glob("*/*") if p.is_file())


@pytest.mark.parametrize("path", INPUTS, ids=[f"{p.parent.name}/{p.name}" for p in INPUTS])
def test_fuzzer_input_no_longer_escapes(path: Path) -> None:
    BY_NAME[path.parent.name].load()(path.read_bytes())


def test_every_finding_has_its_input() -> None:
    assert {p.parent.name for p in INPUTS} >= {
        "zip",
        "tar",
        "xz",
        "ewf",
        "vpdq",
        "browser_sqlite",
        "vics",
    }


# --- archives: what the opener now yields ---------------------------------------------------------


def _open(kind: str, data: bytes, tmp_path: Path) -> tuple[list[Entry], str | None]:
    from fuzz.harnesses.archives import LIMITS, NAMES, OPENERS

    ctx = WalkContext(limits=LIMITS, spool_dir=tmp_path)
    ctx.budgets.append(Budget(LIMITS, compressed=len(data)))
    entries: list[Entry] = []
    try:
        for entry in OPENERS[kind](io.BytesIO(data), Entry(NAMES[kind], "file"), ctx):
            entries.append(entry)
    except ArchiveError as exc:
        return entries, str(exc)
    return entries, None


def _zip(
    name: bytes,
    data: bytes,
    *,
    method: int = 0,
    flags: int = 0,
    version: int = 20,
    external_attr: int = 0,
    stored_size: int | None = None,
) -> bytes:
    """A one-member ZIP written field by field, so a field can hold what zipfile never writes."""
    crc = zlib.crc32(data)
    size = len(data) if stored_size is None else stored_size
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", version, flags, method, 0, 0x21, crc, size, size, len(name), 0
    )
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        0x031E,
        version,
        flags,
        method,
        0,
        0x21,
        crc,
        size,
        size,
        len(name),
        0,
        0,
        0,
        0,
        external_attr,
        0,
    )
    body = local + name + data
    directory = len(central) + len(name)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, directory, len(body), 0)
    return body + central + name + eocd


LINK = 0o120777 << 16


def test_zip_member_with_an_empty_name_is_recorded(tmp_path: Path) -> None:
    # ZipInfo.is_dir() indexes the name's last character: IndexError lost the whole archive.
    entries, error = _open("zip", _zip(b"", b"a red barn"), tmp_path)
    assert error is None
    assert [(e.path, e.data) for e in entries] == [("evidence/x.zip!/", b"a red barn")]


def test_zip_needing_an_unknown_version_is_an_archive_error(tmp_path: Path) -> None:
    # zipfile refuses "zip file version 17.8" with NotImplementedError, not BadZipFile.
    entries, error = _open("zip", _zip(b"a.txt", b"barn", version=178), tmp_path)
    assert entries == []
    assert error is not None and "zip file version 17.8" in error


@pytest.mark.parametrize(
    ("what", "member"),
    [
        ("encrypted", _zip(b"link", b"a.txt", flags=1, external_attr=LINK)),  # RuntimeError
        ("not deflate", _zip(b"link", b"\xff" * 8, method=8, external_attr=LINK)),  # zlib.error
        ("truncated", _zip(b"link", b"", method=8, external_attr=LINK, stored_size=64)),  # EOF
    ],
)
def test_unreadable_zip_link_target_is_an_error_on_the_link(
    what: str, member: bytes, tmp_path: Path
) -> None:
    entries, error = _open("zip", member, tmp_path)
    assert error is None, what
    assert [e.kind for e in entries] == ["symlink"]
    assert entries[0].link_target is None
    assert any("link target could not be read" in e for e in entries[0].errors), entries[0].errors


def _tar_member(name: str, data: bytes, fmt: int = tarfile.GNU_FORMAT, **attrs: object) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        for key, value in attrs.items():
            setattr(info, key, value)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("mtime", [10**12, -(2**40), 2**62])
def test_tar_time_no_calendar_can_show_keeps_the_member(mtime: int, tmp_path: Path) -> None:
    # GNU base-256 mtimes reach far past year 9999: datetime raised ValueError / OverflowError /
    # OSError(EOVERFLOW) and the archive was lost. Fixed in timefmt.py (lead, 4dcdd91).
    entries, error = _open("tar", _tar_member("barn.txt", b"a red barn", mtime=mtime), tmp_path)
    assert error is None
    assert [e.data for e in entries] == [b"a red barn"]
    assert entries[0].mtime is None or entries[0].mtime.endswith("Z")  # year 33658 or none


def test_tar_pax_time_overflow_keeps_the_member(tmp_path: Path) -> None:
    pax = {"atime": "1e400", "ctime": "-1e300", "mtime": "1700000000"}
    data = _tar_member("barn.txt", b"barn", tarfile.PAX_FORMAT, pax_headers=pax)
    entries, error = _open("tar", data, tmp_path)
    assert error is None
    assert [(e.data, e.atime, e.ctime, e.mtime) for e in entries] == [
        (b"barn", None, None, "2023-11-14T22:13:20Z")
    ]


def test_tar_pax_record_length_beyond_ssize_t_is_an_archive_error(tmp_path: Path) -> None:
    # tarfile's pax parser passes the record's length to a regex as a position: OverflowError.
    good = _tar_member("first.txt", b"lake")[:1024]
    record = b"99999999999999999999 path=x\n"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, len(record)
    block = header.tobuf(tarfile.USTAR_FORMAT) + record + b"\x00" * (-len(record) % 512)
    entries, error = _open("tar", good + block + _tar_member("after.txt", b"x"), tmp_path)
    assert [e.data for e in entries] == [b"lake"]
    assert error is not None and "damaged after its last good member" in error


def test_lzma_error_between_xz_tar_members_keeps_those_before(tmp_path: Path) -> None:
    # tarfile seeks to the next header through LZMAFile, whose LZMAError ("Internal error", on
    # this damaged block) escaped read_tar, losing the members already read with the archive.
    data = (CRASHES / "xz" / "lzma-error-between-members").read_bytes()
    entries, error = _open("xz", data, tmp_path)
    assert error is not None and "damaged after its last good member" in error
    assert entries and all(e.data is not None or e.errors for e in entries)


# --- model files ----------------------------------------------------------------------------------


def _model_errors(data: bytes) -> list[str]:
    content = Content("models/x.ckpt", "application/octet-stream", len(data), "", io.BytesIO, data)
    result = ModelAnalyzer().analyze(content, Limits())
    assert result.facts is None
    return result.errors


def test_checkpoint_zip_needing_an_unknown_version_is_an_error() -> None:
    # The smoke run found it: zipfile's NotImplementedError escaped read_torch_zip.
    errors = _model_errors(_zip(b"archive/data.pkl", b"\x80\x02}q\x00.", version=111))
    assert errors == ["model file: checkpoint ZIP could not be opened: zip file version 11.1"]


@pytest.mark.parametrize(
    ("what", "flags", "method", "body"),
    [("encrypted", 1, 0, b"\x80\x02}."), ("not deflate", 0, 8, b"\xff" * 8)],
)
def test_unreadable_data_pkl_is_an_error(what: str, flags: int, method: int, body: bytes) -> None:
    # RuntimeError (password required) and zlib.error escaped the reader of data.pkl.
    errors = _model_errors(_zip(b"archive/data.pkl", body, flags=flags, method=method))
    assert len(errors) == 1 and errors[0].startswith("model file: data.pkl could not be read"), what


def _safetensors(header: dict[str, object]) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(8)


def test_safetensors_dtype_that_is_no_string_is_a_problem_not_a_crash() -> None:
    # `dtype not in DTYPES` with a list for dtype: TypeError (unhashable) out of the analyzer.
    data = _safetensors({"w": {"dtype": ["F16"], "shape": [2, 2], "data_offsets": [0, 8]}})
    name, mime = "models/x.safetensors", "application/octet-stream"
    result = ModelAnalyzer().analyze(Content(name, mime, len(data), "", io.BytesIO, data), Limits())
    assert result.errors == []
    assert result.facts["problems"] == ["tensor 'w' has unknown dtype ['F16']"]


# --- C2PA summary --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "store",
    [
        {"active_manifest": {"a": 1}, "manifests": {"m": {}}},  # unhashable label: TypeError
        {"active_manifest": "m", "manifests": "m"},  # manifests not an object: AttributeError
        {"active_manifest": "m", "manifests": {"m": {"signature_info": "issuer"}}},
        {"manifests": {"m": {"assertions": [{"label": "c2pa.actions.v2", "data": [1]}]}}},
        {"active_manifest": "m", "manifests": {"m": {"claim_generator_info": 7}}},
        {"active_manifest": "m", "manifests": {"m": {"assertions": 5, "ingredients": 4}}},
        {"validation_status": 3},
    ],
)
def test_manifest_store_of_unexpected_shape_is_summarised(store: dict[str, object]) -> None:
    # The store is the SDK's JSON of what the file's maker wrote; odd shapes count as empty.
    facts = c2pa_reader._summarise(store, None)
    assert facts.ai == [] and facts.tool is None
    assert facts.summary["actions"] == [] and facts.summary["signer"] is None


# --- hash lists -----------------------------------------------------------------------------------


def test_vics_key_that_is_not_utf8_is_a_format_error() -> None:
    # yajl reports invalid UTF-8 in a key as UnicodeDecodeError, which no importer caught.
    doc = b'{"\xc0\x8fdata.context": "x#Media", "value": []}'
    with pytest.raises(FormatError, match="not UTF-8 JSON near byte"):
        list(VicsList().parse(io.BytesIO(doc), ReadOptions()))


def test_vics_alternative_hashes_that_are_no_list_are_kept_not_fatal() -> None:
    # The fuzzer made AlternativeHashes a number (999,692 executions in): iterating it escaped.
    doc = json.dumps(
        {
            "odata.metadata": "x$metadata#Media",
            "value": [
                {
                    "MediaID": 1,
                    "MD5": "5DFCC0AAB2F3DB925B2D51BA73E48946",
                    "Category": 1,
                    "AlternativeHashes": 7,
                }
            ],
        }
    ).encode()
    (record,) = list(VicsList().parse(io.BytesIO(doc), ReadOptions()))
    assert isinstance(record, ListRecord)
    assert record.hashes == [("md5", "5dfcc0aab2f3db925b2d51ba73e48946")]
    assert record.extra is not None
    assert record.extra["AlternativeHashes"] == [{"HashName": "", "HashValue": 7}]


# --- EWF chunk reader -----------------------------------------------------------------------------


def _ewf(data: bytes, tmp_path: Path) -> EwfMedia:
    path = tmp_path / "x.E01"
    path.write_bytes(data)
    return EwfMedia([str(path)])


def _patch(data: bytes, at: int, raw: bytes) -> bytes:
    return data[:at] + raw + data[at + len(raw) :]


EWF_RAW = b"".join(bytes([65 + i % 26]) * 512 for i in range(24))  # 12 KiB, no zero chunk
VOLUME_BODY = 13 + 76  # ewf_image writes the volume section first, then the sectors and table


def _e01_table_entries(data: bytes) -> int:
    """Where ewf_image's E01 table lists its offsets."""
    sectors_size = int(struct.unpack_from("<Q", data, VOLUME_BODY + 1052 + 24)[0])
    return VOLUME_BODY + 1052 + sectors_size + 76 + 24


def test_ewf_smart_last_chunk_is_read(tmp_path: Path) -> None:
    # EWF-S01 (SMART) keeps its chunks inside the table section: the last one was taken to end
    # where the table starts, so it read as zeros and was named bad. Found building the seeds.
    media = _ewf(ewf_image(EWF_RAW, smart=True), tmp_path)
    assert media.read() == EWF_RAW
    assert media.bad_chunks == [] and media.errors == []


def test_ewf_chunk_size_beyond_reason_is_left_to_libewf(tmp_path: Path) -> None:
    # 2^31 sectors of 2^31 bytes per chunk: each read allocated a chunk (OverflowError,
    # MemoryError); now an EwfError, and the scan reads the image with libewf.
    data = _patch(ewf_image(EWF_RAW), VOLUME_BODY + 8, struct.pack("<II", 1 << 31, 1 << 31))
    with pytest.raises(EwfError, match="more than this reader takes"):
        _ewf(data, tmp_path)


@pytest.mark.parametrize("base", [1 << 62, (1 << 64) - 1024])
def test_ewf_chunk_past_its_segment_reads_as_zeros(base: int, tmp_path: Path) -> None:
    # A table's base offset past the file: seek raised OSError (EINVAL) or ValueError.
    data = ewf_image(EWF_RAW)
    table = _e01_table_entries(data) - 24
    media = _ewf(_patch(data, table + 8, struct.pack("<Q", base)), tmp_path)
    assert media.read() == bytes(len(EWF_RAW))
    assert [why for _, why in media.bad_chunks] == ["lies past the end of its segment file"] * 2


def test_ewf_chunk_claiming_gigabytes_reads_what_a_chunk_holds(tmp_path: Path) -> None:
    # The last chunk of a stored image ends with its sectors section, which claimed 2^40 bytes:
    # the whole claim was read into memory (MemoryError). Also a table claiming 2^32 entries.
    data = ewf_image(EWF_RAW, compress=False)
    data = _patch(data, VOLUME_BODY + 1052 + 24, struct.pack("<Q", 1 << 40))
    media = _ewf(data, tmp_path)
    assert media.read() == EWF_RAW
    data = ewf_image(EWF_RAW)
    many = _patch(data, _e01_table_entries(data) - 24, struct.pack("<I", 0xFFFFFFFF))
    assert _ewf(many, tmp_path).read() == EWF_RAW


# --- browser databases and files ------------------------------------------------------------------


def _open_db(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    copy, _ = working_copy(_write(tmp_path / "staged", data), None, tmp_path / "work", "History")
    return open_readonly(copy)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("file://[x/Downloads/a.jpg", "file://[x/Downloads/a.jpg"),  # found by the fuzzer
        ("file:///C:/Users/a/Downloads/x%20y.jpg", "C:/Users/a/Downloads/x y.jpg"),
        ("/home/a/x.jpg", "/home/a/x.jpg"),
    ],
)
def test_firefox_download_target_that_is_no_url_is_kept_as_written(uri: str, path: str) -> None:
    assert file_uri_path(uri) == path


def test_sqlite_schema_error_quoting_bytes_that_are_not_utf8_is_a_database_error(
    tmp_path: Path,
) -> None:
    # SQLite's "malformed database schema" quotes the schema: the sqlite3 module decoded that
    # message as strict UTF-8 and raised UnicodeDecodeError out of open_readonly.
    data = (CRASHES / "browser_sqlite" / "schema-message-not-utf8").read_bytes()
    with pytest.raises(DatabaseError, match="malformed database schema"):
        _open_db(data, tmp_path)


def test_sqlite_out_of_memory_on_a_damaged_file_is_a_database_error(tmp_path: Path) -> None:
    # SQLITE_NOMEM (a damaged record) is a MemoryError from the sqlite3 module.
    data = (CRASHES / "browser_sqlite" / "sqlite-nomem").read_bytes()
    with pytest.raises(DatabaseError, match="MemoryError"):
        _open_db(data, tmp_path)


@pytest.mark.parametrize("value", ["1e999", "-1e999", "X'FF00'"])
def test_raw_cells_in_extra_are_json(value: str, tmp_path: Path) -> None:
    # An infinite REAL time went to extra.raw_time, a BLOB or infinite byte count to the
    # download's extra: json.dumps wrote Infinity (which PostgreSQL's JSONB refuses) or raised.
    from fuzz.seeds import _BROWSER_SCHEMAS, _sqlite

    schema = _BROWSER_SCHEMAS["chromium-history"]
    data = _sqlite(
        f"{schema}UPDATE visits SET visit_time = {value};"
        f"UPDATE downloads SET start_time = {value}, received_bytes = {value}, mime_type = {value};"
    )
    con = _open_db(data, tmp_path)
    try:
        found = list(
            ChromiumHistory().read(Opened(tmp_path / "History", "History", con), Problems())
        )
    finally:
        con.close()
    assert found
    for item in found:
        json.dumps(item.extra, allow_nan=False)
    downloads = [f.extra for f in found if f.kind == "download"]
    assert downloads and downloads[0] is not None
    extra = downloads[0]
    if value.startswith("X"):  # a BLOB: as text, as the reader's other text cells
        assert extra["received"] == extra["mime_type"] == "\ufffd\x00"
    else:
        assert extra["raw_time"] == extra["received"] == str(float(value))


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_logins_json_time_that_is_no_number_keeps_its_name(number: str, tmp_path: Path) -> None:
    # Python's json reads NaN and Infinity; the raw time went into extra as a float.
    path = _write(
        tmp_path / "logins.json",
        f'{{"logins": [{{"hostname": "https://example.org", "timeCreated": {number}}}]}}'.encode(),
    )
    [found] = FirefoxLogins().read(Opened(path, "logins.json"), Problems())
    assert found.time is None
    assert json.loads(json.dumps(found.extra, allow_nan=False))["raw_time"] == str(float(number))


# --- vPDQ lists -----------------------------------------------------------------------------------


def _vpdq(data: bytes) -> list[object]:
    return list(VpdqList().parse(io.BytesIO(data), ReadOptions(source="barn.vpdq.txt")))


PDQ = "f" * 64


@pytest.mark.parametrize(
    ("what", "member"),
    [
        ("encrypted", _zip(b"barn.txt", f"0,100,{PDQ},0.000\n".encode(), flags=1)),  # RuntimeError
        ("not deflate", _zip(b"barn.txt", b"\xff" * 8, method=8)),  # zlib.error
        ("truncated", _zip(b"barn.txt", b"", method=8, stored_size=64)),  # EOFError
    ],
)
def test_unreadable_vpdq_zip_member_is_a_bad_record(what: str, member: bytes) -> None:
    [bad] = _vpdq(member)
    assert isinstance(bad, BadRecord) and "unreadable member" in bad.reason, what


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("unknown version", _zip(b"barn.txt", b"x", version=255)),  # NotImplementedError
        ("name not UTF-8", _zip(b"b\xffrn.txt", b"x", flags=0x800)),  # UnicodeDecodeError
    ],
)
def test_vpdq_zip_zipfile_refuses_is_a_format_error(what: str, data: bytes) -> None:
    with pytest.raises(FormatError):
        _vpdq(data)


def test_vpdq_zip_member_with_an_empty_name_is_read() -> None:
    # ZipInfo.is_dir() indexes the name's last character: IndexError.
    [record] = _vpdq(_zip(b"", f"0,100,{PDQ},0.000\n".encode()))
    assert isinstance(record, ListRecord) and record.hashes[0][0] == "vpdq"


@pytest.mark.parametrize(
    "data",
    [
        f"0,100,{PDQ},1e999\n".encode(),  # the text format: float() gives inf
        b'id,vpdq\nbarn,"[{""hash"": ""'
        + PDQ.encode()
        + b'"", ""quality"": 90, ""timestamp"": NaN}]"\n',
        b'id,vpdq\nbarn,"[{""hash"": ""'
        + PDQ.encode()
        + b'"", ""quality"": 90, ""timestamp"": 1'
        + b"0" * 400
        + b'}]"\n',
    ],
    ids=["text-inf", "signal-nan", "signal-int-past-float"],
)
def test_vpdq_timestamp_that_is_not_finite_is_a_bad_line(data: bytes) -> None:
    # The frames go into the entry's extra (a JSON column): NaN and Infinity were kept.
    items = _vpdq(data)
    assert not any(isinstance(i, ListRecord) for i in items)
    assert any(isinstance(i, BadRecord) and "finite" in i.reason for i in items), items


def test_vpdq_signal_nested_too_deep_is_not_vpdq() -> None:
    # json.loads raises RecursionError, not ValueError, on deep nesting. Found reading the code.
    with pytest.raises(VpdqFormatError, match="not JSON"):
        parse_signal("[" * 100_000)


# --- video tags -----------------------------------------------------------------------------------


def test_video_comment_nested_too_deep_stays_a_comment() -> None:
    # The same RecursionError out of video_metadata's JSON comment. Found reading the code.
    comment = '{"prompt": ' + "[" * 100_000
    meta = video_metadata(VideoTags("mov,mp4", {"comment": comment}, None))
    assert meta.comment == comment and "prompt" not in meta.texts


# --- wallet addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(("after", "found"), [(b"xyz and more", 0), (b" and more", 1)])
def test_wallet_run_cut_by_a_block_edge_is_read_whole(after: bytes, found: int) -> None:
    # A file over 4 MiB is searched a block at a time: a run of letters and digits cut by the
    # block's end was checked as it stood, so a valid address followed by more letters (no
    # address, in memory) counted at the edge. The wallets target reads by short blocks.
    from fuzz.seeds import wallet_addresses

    from synthtrace.artifacts.wallet_analyzer import CHUNK, WalletAnalyzer

    address = wallet_addresses()["bitcoin-p2pkh"].encode()
    data = b"x " * ((CHUNK - len(address)) // 2) + address + after
    assert data.index(address) + len(address) == CHUNK
    content = Content("notes/big.txt", "text/plain", len(data), "0" * 64, lambda: io.BytesIO(data))
    facts = WalletAnalyzer().analyze(content, Limits()).facts or []
    assert [f["count"] for f in facts] == [1] * found
