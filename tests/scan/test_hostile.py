"""Hostile and broken input: each bad file gets a clear error on its record; the scan goes on,
memory stays bounded and nothing is written outside the case folder."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

import synthtrace.analyze.pipeline as pipeline
import synthtrace.evidence.walk as walk
from synthtrace.case import create_case
from synthtrace.scan.service import scan_evidence
from tests.builders import nested_zip, png_claiming, small_jpeg, write, zip_bytes, zip_of_zeros
from tests.conftest import by_path

GOOD = "good/after.jpg"


def _errors(rec: dict[str, object]) -> str:
    assert rec["status"] == "error", rec
    errors = rec["errors"]
    assert isinstance(errors, list) and errors
    return " | ".join(errors)


@pytest.fixture(scope="module")
def hostile_evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "ev"
    jpg = small_jpeg(1)
    write(root / "truncated.jpg", jpg[: len(jpg) // 3])
    write(root / "zero.jpg", b"")
    write(root / "random.png", os.urandom(4096))
    write(root / "bomb.png", png_claiming(60000, 60000))
    zip_of_zeros(root / "zipbomb.zip", 300)
    write(root / "traversal.zip", zip_bytes({"../../x": b"escaped?", "ok.txt": b"fine"}))
    write(root / "nested20.zip", nested_zip(20, small_jpeg(2)))
    bad_name = os.fsencode(root) + b"/caf\xe9.jpg"
    with open(bad_name, "wb") as fh:
        fh.write(small_jpeg(3))
    write(root / "unreadable.jpg", small_jpeg(4))
    os.chmod(root / "unreadable.jpg", 0)
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.mkfifo(root / "pipe")
    write(root / GOOD, small_jpeg(5))
    return root


@pytest.fixture(scope="module")
def hostile_records(
    hostile_evidence: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, object]]:
    case_dir = tmp_path_factory.mktemp("hostile-case") / "case"
    mp = pytest.MonkeyPatch()
    if os.geteuid() == 0:
        # root reads files whatever their mode: simulate the permission error the OS would raise.
        real = pipeline.open_evidence

        def deny(path: bytes | str):  # type: ignore[no-untyped-def]
            if os.fsdecode(path).endswith("unreadable.jpg"):
                raise PermissionError(13, "Permission denied")
            return real(path)

        mp.setattr(pipeline, "open_evidence", deny)
        mp.setattr(walk, "open_evidence", deny)
    try:
        with create_case(case_dir, name="hostile") as case:
            outcome = scan_evidence(case, hostile_evidence, "hostile", workers=0)
            assert outcome.errors >= 9
            return by_path(case)
    finally:
        mp.undo()


def test_the_scan_goes_on(hostile_records: dict[str, dict[str, object]]) -> None:
    assert hostile_records[GOOD]["status"] == "ok"
    assert hostile_records[GOOD]["pdq"]


def test_truncated_and_zero_length_images(hostile_records: dict[str, dict[str, object]]) -> None:
    assert "truncated" in _errors(hostile_records["truncated.jpg"])
    assert hostile_records["truncated.jpg"]["sha256"]  # still identified
    assert "zero-length" in _errors(hostile_records["zero.jpg"])


def test_random_bytes_named_png(hostile_records: dict[str, dict[str, object]]) -> None:
    rec = hostile_records["random.png"]
    assert rec["extension_mismatch"] is True
    if str(rec["mime"]).startswith("image/"):
        assert "decoder" in _errors(rec) or "image" in _errors(rec)
    else:
        assert rec["pdq"] is None
        # Never a silent plain record: the name's claim and the content's type are both said.
        assert f"name says image/png (.png) but the content is {rec['mime']}" in _errors(rec)


def test_decompression_bomb(hostile_records: dict[str, dict[str, object]]) -> None:
    rec = hostile_records["bomb.png"]
    assert "exceeds the decode limit" in _errors(rec)
    assert (rec["width"], rec["height"]) == (60000, 60000)
    assert rec["pdq"] is None


def test_zip_bomb(hostile_records: dict[str, dict[str, object]]) -> None:
    assert "possible archive bomb" in _errors(hostile_records["zipbomb.zip!/zeros.bin"])
    assert hostile_records["zipbomb.zip!/zeros.bin"]["sha256"] is None


def test_member_named_outside_the_archive(hostile_records: dict[str, dict[str, object]]) -> None:
    rec = hostile_records["traversal.zip!/../../x"]
    assert "outside the archive" in _errors(rec)
    assert hostile_records["traversal.zip!/ok.txt"]["status"] == "ok"


def test_archives_nested_20_deep(hostile_records: dict[str, dict[str, object]]) -> None:
    deep = [p for p in hostile_records if p.startswith("nested20.zip")]
    depths = {p.count("!/") for p in deep}
    assert max(depths) == 16  # the default depth limit
    limit_rec = [p for p in deep if p.count("!/") == 16]
    assert "nested deeper than the limit" in _errors(hostile_records[limit_rec[0]])


def test_file_names_not_utf8(hostile_records: dict[str, dict[str, object]]) -> None:
    rec = hostile_records["caf\\xe9.jpg"]
    assert "not valid UTF-8" in _errors(rec)
    assert "636166e92e6a7067" in _errors(rec)  # the raw bytes, in hex
    assert rec["pdq"]  # still fully analysed


def test_unreadable_file(hostile_records: dict[str, dict[str, object]]) -> None:
    rec = hostile_records["unreadable.jpg"]
    assert "Permission denied" in _errors(rec)
    assert rec["sha256"] is None


def test_symlink_loop_and_fifo(hostile_records: dict[str, dict[str, object]]) -> None:
    assert "loop" in _errors(hostile_records["loop1"])
    assert "special file" in _errors(hostile_records["pipe"])


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


@pytest.mark.slow
def test_cli_scan_bounded_memory_nothing_outside_case(
    hostile_evidence: Path, tmp_path: Path
) -> None:
    work = tmp_path / "cwd"
    tmpdir = tmp_path / "tmpdir"
    work.mkdir()
    tmpdir.mkdir()
    case_dir = tmp_path / "case"
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [sys.executable, "-m", "synthtrace", "case", "create", str(case_dir), "--name", "h"],
        check=True,
        env=env,
        cwd=work,
    )
    before = set(os.listdir(hostile_evidence))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synthtrace",
            "scan",
            str(case_dir),
            str(hostile_evidence),
            "--label",
            "hostile",
            "--workers",
            "2",
        ],
        env=env,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    watched = psutil.Process(proc.pid)

    def watch() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(0.02)

    t = threading.Thread(target=watch)
    t.start()
    out, err = proc.communicate(timeout=300)
    t.join()
    assert proc.returncode == 0, err  # finished, even with file errors
    assert peak < 1024**3, f"peak memory {peak / 1e6:.0f} MB"
    assert os.listdir(work) == [] and os.listdir(tmpdir) == []
    assert set(os.listdir(hostile_evidence)) == before
    assert "with errors" in out
    summary = subprocess.run(
        [sys.executable, "-m", "synthtrace", "export", str(case_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    recs = [json.loads(line) for line in summary.stdout.splitlines()]
    assert any(r["path"] == GOOD and r["status"] == "ok" for r in recs)


def test_scan_that_cannot_run_exits_non_zero(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    subprocess.run(
        [sys.executable, "-m", "synthtrace", "case", "create", str(case_dir), "--name", "x"],
        check=True,
    )
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "synthtrace",
            "scan",
            str(case_dir),
            str(tmp_path / "nope"),
            "--label",
            "x",
        ],
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "not found" in missing.stderr
    inside = subprocess.run(
        [sys.executable, "-m", "synthtrace", "scan", str(case_dir), str(tmp_path), "--label", "x"],
        capture_output=True,
        text=True,
    )
    assert inside.returncode != 0 and "contain each other" in inside.stderr


def test_truncation_is_seen_whatever_else_set_pillows_switch() -> None:
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import; analysis in the same
    process must still report a truncated picture as truncated."""
    import io

    from PIL import ImageFile

    from synthtrace.analyze.pipeline import analyze_stream
    from synthtrace.limits import Limits

    jpg = small_jpeg(1)
    cut = jpg[: len(jpg) // 3]
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        media, _ = analyze_stream("cut.jpg", lambda: io.BytesIO(cut), Limits(), None, data=cut)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert media.image is not None and media.image.pdq is None
    assert any("truncated" in e for e in media.image.errors)
