"""`synthtrace intake`: a manifest of devices, bad rows skipped, resumable as a whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from synthtrace.case import create_case, open_case
from synthtrace.scan.intake import IntakeError, intake, read_manifest
from synthtrace.store.models import Evidence
from tests.builders import small_jpeg, write, zip_bytes
from tests.conftest import records, run_cli


def _device(root: Path, seed: int, files: int) -> Path:
    for i in range(files):
        write(root / "DCIM" / f"{i // 40:02d}" / f"IMG_{i:04d}.jpg", small_jpeg(seed + i))
    write(root / "backup.zip", zip_bytes({f"old/{i}.jpg": small_jpeg(seed + i) for i in range(4)}))
    return root


def _manifest(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_rows_are_reported_and_skipped(tmp_path: Path, cli: CliRunner) -> None:
    phone = _device(tmp_path / "seized" / "phone", 0, 6)
    _device(tmp_path / "seized" / "laptop", 100, 4)
    manifest = _manifest(
        tmp_path / "seized" / "manifest.csv",
        [
            "label,path,examiner,notes,seized_at",
            "phone-1,phone,E. Xam,kitchen table,2026-03-01T09:30:00",
            "laptop-1,laptop,E. Xam,,2026-03-01",
            "",
            ",laptop,E. Xam,,",  # no label
            "tablet-1,,E. Xam,,",  # no path
            "phone-1,laptop,E. Xam,,",  # label given twice
            "usb-1,usb-stick,E. Xam,,",  # not there
            "copy-1,./phone,E. Xam,,",  # the same evidence twice
            "drive-1,laptop/DCIM,E. Xam,,yesterday",  # not a date
        ],
    )
    case_dir = tmp_path / "case"
    create_case(case_dir, name="seizure").close()
    code, out = run_cli(cli, "intake", str(case_dir), str(manifest), "--workers", "0")
    assert code == 1, out  # everything good was done; the skipped rows make it exit 1
    assert "2 devices taken in, 0 failed, 6 rows skipped" in out
    for line, reason in [
        (5, "no label"),
        (6, "no path"),
        (7, "label already on line 2"),
        (8, "path not found"),
        (9, "same evidence as line 2"),
        (10, "seized_at is not an ISO date"),
    ]:
        assert f"skipped line {line}" in out and reason in out
    with open_case(case_dir) as case:
        recs = records(case)
        with case.sessions() as s:
            ev = {e.label: e for e in s.scalars(select(Evidence))}
    assert sorted(ev) == ["laptop-1", "phone-1"]
    assert ev["phone-1"].source == str(phone) and ev["phone-1"].notes == "kitchen table"
    assert (ev["phone-1"].examiner, ev["phone-1"].seized_at) == ("E. Xam", "2026-03-01T09:30:00")
    assert ev["laptop-1"].seized_at == "2026-03-01T00:00:00"
    assert {r["evidence"] for r in recs} == {"phone-1", "laptop-1"}
    entries = [json.loads(x) for x in (case_dir / "audit.jsonl").read_text().splitlines()]
    start = next(e for e in entries if e["action"] == "intake.start")
    assert len(start["details"]["skipped_rows"]) == 6 and start["details"]["devices"] == 2

    again = run_cli(cli, "intake", str(case_dir), str(manifest), "--workers", "0")[1]
    assert again.count("done before") == 2  # nothing scanned twice


def test_a_manifest_without_the_columns_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    manifest = _manifest(tmp_path / "m.csv", ["name,where", "a,b"])
    with pytest.raises(IntakeError, match="missing: label, path"):
        read_manifest(manifest)
    create_case(tmp_path / "case", name="x").close()
    code, out = run_cli(cli, "intake", str(tmp_path / "case"), str(manifest))
    assert code == 2 and "needs the columns label, path" in out


def _stored(case_dir: Path) -> int:
    url = json.loads((case_dir / "case.json").read_text())["database_url"]
    engine = create_engine(url or f"sqlite:///{case_dir / 'case.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from files")).scalar_one())
    except Exception:
        return 0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_killed_intake_resumes_as_a_whole(tmp_path: Path) -> None:
    seized = tmp_path / "seized"
    # The laptop holds more files than the writer keeps before it commits (2,000 rows), so
    # the kill can land after some of its rows are stored and before it is done.
    sizes = {"phone-1": 30, "laptop-1": 2400, "usb-1": 10}
    for n, (label, files) in enumerate(sizes.items()):
        _device(seized / label, 10_000 * n, files)
    manifest = _manifest(
        seized / "manifest.csv", ["label,path", *(f"{label},{label}" for label in sizes)]
    )
    with create_case(tmp_path / "reference", name="ref") as case:
        done = intake(case, manifest, workers=2)
        assert [d.status for d in done.devices] == ["scanned"] * 3
        expected = json.dumps(records(case))

    killed = tmp_path / "killed"
    create_case(killed, name="killed").close()
    cmd = [sys.executable, "-m", "synthtrace", "intake", str(killed), str(manifest)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first_device = sizes["phone-1"] + 8  # its files, folders, the zip and its members
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored(killed) >= first_device + 40:  # well into the second device
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the intake ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    final = subprocess.run([*cmd, "--workers", "2"], capture_output=True, text=True)
    assert final.returncode == 0, final.stdout + final.stderr
    rows = {line.split("│")[1].strip(): line for line in final.stdout.splitlines() if "│" in line}
    assert "done before" in rows["phone-1"]
    assert "resumed" in rows["laptop-1"]
    assert "scanned" in rows["usb-1"]
    with open_case(killed) as case:
        assert json.dumps(records(case)) == expected  # nothing lost, nothing doubled
