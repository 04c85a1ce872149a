"""No silent record: every file has its hashes or an error saying why, and sizes are bytes read."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

from synthtrace.case import Case
from synthtrace.scan.service import scan_evidence
from synthtrace.summary import case_summary
from tests.conftest import records

TEN_GIB = 10 * 1024**3


def _header(name: str, size: int, kind: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def lying_tar(payload: bytes) -> bytes:
    """A 4 KB tar: one honest member, one device node whose header claims 10 GiB, then a regular
    member whose header claims 10 GiB with only `payload` behind it."""
    honest = b"an honest member\n"
    return (
        _header("ok.txt", len(honest), tarfile.REGTYPE)
        + _pad(honest)
        + _header("dev/null-ish", TEN_GIB, tarfile.CHRTYPE)
        + _header("huge.bin", TEN_GIB, tarfile.REGTYPE)
        + payload
    )


def test_a_lying_tar_header_is_never_silent(case: Case, tmp_path: Path) -> None:
    payload = b"A" * 2000
    ev = tmp_path / "ev"
    ev.mkdir()
    archive = lying_tar(payload)
    assert len(archive) <= 4096
    (ev / "liar.tar").write_bytes(archive)
    scan_evidence(case, ev, "dev", workers=0)
    recs = {str(r["path"]): r for r in records(case)}

    assert recs["liar.tar!/ok.txt"]["status"] == "ok"
    special = recs["liar.tar!/dev/null-ish"]
    assert special["sha256"] is None
    assert special["status"] == "error"
    assert any(
        "character device is not a regular file" in e and str(TEN_GIB) in e
        for e in special["errors"]  # type: ignore[union-attr]
    )
    huge = recs["liar.tar!/huge.bin"]
    assert huge["sha256"] == hashlib.sha256(payload).hexdigest()  # what was there is identified
    assert huge["size"] == len(payload)
    assert any(
        f"the hashes are of the {len(payload)} bytes read of the {TEN_GIB}" in e
        for e in huge["errors"]  # type: ignore[union-attr]
    )
    for rec in recs.values():  # never a silent record
        if rec["kind"] not in ("directory", "symlink"):
            assert rec["sha256"] or rec["errors"], rec["path"]

    # The summary counts the bytes actually read, not what the headers claim.
    (dev,) = case_summary(case).evidence
    read = len(archive) + len(b"an honest member\n") + len(payload)
    assert dev.bytes == read
