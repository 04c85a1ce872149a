"""One test per fuzzing finding: the fuzzer's own input replayed through its harness, and the bug
rebuilt by hand where that says more about what went wrong and what the parser now does.

The inputs are under tests/fuzz/crashes/<target>/<finding>; benchmarks/RESULTS.md ("Fuzzing
(issue 8)") lists each finding with its fix.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile
import zlib
from pathlib import Path

import pytest
from fuzz.registry import BY_NAME

from synthtrace.analyze import c2pa_reader
from synthtrace.analyze.content import Content
from synthtrace.analyze.models.analyzer import ModelAnalyzer
from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.entry import Entry
from synthtrace.evidence.reading import Budget
from synthtrace.evidence.walk import WalkContext
from synthtrace.limits import Limits
from synthtrace.match.formats.base import FormatError, ReadOptions
from synthtrace.match.formats.vics import VicsList

CRASHES = Path(__file__).parent / "crashes"
INPUTS = sorted(p for p in CRASHES.glob("*/*") if p.is_file())


@pytest.mark.parametrize("path", INPUTS, ids=[f"{p.parent.name}/{p.name}" for p in INPUTS])
def test_fuzzer_input_no_longer_escapes(path: Path) -> None:
    BY_NAME[path.parent.name].load()(path.read_bytes())


def test_every_finding_has_its_input() -> None:
    assert {p.parent.name for p in INPUTS} >= {"zip", "tar", "xz"}


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
