"""Forensic soundness: evidence unchanged, links not followed, scans repeatable and resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from synthtrace.case import create_case
from synthtrace.scan.service import scan_evidence
from tests.builders import nested_zip, small_jpeg, tree_fingerprint, write, zip_bytes
from tests.conftest import by_path, records


def _evidence(root: Path, files: int = 30) -> Path:
    for i in range(files):
        write(root / "pics" / f"{i // 10}" / f"img_{i:03d}.jpg", small_jpeg(i))
    write(root / "pics" / "dup.jpg", small_jpeg(0))
    write(
        root / "archives" / "a.zip",
        zip_bytes({f"in/{i}.jpg": small_jpeg(100 + i) for i in range(8)}),
    )
    write(root / "archives" / "deep.zip", nested_zip(3, small_jpeg(200)))
    write(root / "docs" / "readme.txt", b"nothing to see\n")
    return root


def test_evidence_is_never_changed(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=12)
    os.symlink("pics/dup.jpg", ev / "link.jpg")
    # atime == mtime: a plain read would update atime (relatime), so this catches any read that
    # does not use O_NOATIME as well as any write.
    for p in ev.rglob("*"):
        if p.is_file() and not p.is_symlink():
            os.utime(p, (1_650_000_000, 1_650_000_000))
    before = tree_fingerprint(ev)
    with create_case(tmp_path / "case", name="ro") as case:
        scan_evidence(case, ev, "dev", workers=2)
    assert tree_fingerprint(ev) == before
    assert sorted(os.listdir(tmp_path)) == ["case", "ev"]  # nothing written beside the evidence


def test_symlinks_recorded_never_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.txt", b"outside the evidence root")
    ev = tmp_path / "ev"
    write(ev / "real.txt", b"inside")
    os.symlink(outside, ev / "escape.txt")
    os.symlink(tmp_path / "outside", ev / "escape_dir")
    os.symlink("real.txt", ev / "inside_link.txt")
    os.symlink("loop_b", ev / "loop_a")
    os.symlink("loop_a", ev / "loop_b")
    with create_case(tmp_path / "case", name="links") as case:
        scan_evidence(case, ev, "dev", workers=0)
        recs = by_path(case)
    assert set(recs) == {
        "real.txt",
        "escape.txt",
        "escape_dir",
        "inside_link.txt",
        "loop_a",
        "loop_b",
    }
    for name in ("escape.txt", "escape_dir", "inside_link.txt", "loop_a"):
        rec = recs[name]
        assert rec["kind"] == "symlink"
        assert rec["mime"] == "inode/symlink"
        assert rec["sha256"] is None  # the target's content was never read
    assert recs["escape.txt"]["link_target"] == str(outside)
    assert not any("secret" in str(r["path"]) for r in recs.values())
    assert any("loop" in e for e in recs["loop_a"]["errors"])  # type: ignore[union-attr]


def _export(case_dir: Path) -> list[dict[str, object]]:
    from synthtrace.case import open_case

    with open_case(case_dir) as case:
        return records(case)


def test_two_scans_export_identically(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=15)
    for name in ("c1", "c2"):
        with create_case(tmp_path / name, name=name) as case:
            scan_evidence(case, ev, "dev", workers=2)
    first, second = _export(tmp_path / "c1"), _export(tmp_path / "c2")
    assert first and json.dumps(first) == json.dumps(second)


def test_rescanning_same_label_adds_nothing(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=5)
    with create_case(tmp_path / "case", name="again") as case:
        first = scan_evidence(case, ev, "dev", workers=0)
        second = scan_evidence(case, ev, "dev", workers=0)
        assert first.files > 0 and second.files == 0 and second.resumed
        assert len(records(case)) == first.files


def _count_files(engine: Engine) -> int:
    """Files committed so far, read while a scan runs (a failed read counts as none yet)."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from files")).scalar_one())
    except SQLAlchemyError:
        return 0


def _scan_cmd(case_dir: Path, ev: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "synthtrace",
        "scan",
        str(case_dir),
        str(ev),
        "--label",
        "dev",
        "--workers",
        "2",
    ]


@pytest.mark.slow
def test_sigkill_at_any_moment_then_resume(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=120)
    ref = tmp_path / "ref"
    subprocess.run(
        [sys.executable, "-m", "synthtrace", "case", "create", str(ref), "--name", "k"], check=True
    )
    subprocess.run(_scan_cmd(ref, ev), check=True, capture_output=True)
    expected = _export(ref)

    killed = tmp_path / "killed"
    subprocess.run(
        [sys.executable, "-m", "synthtrace", "case", "create", str(killed), "--name", "k"],
        check=True,
    )
    # The case's own database, SQLite or PostgreSQL, read directly: opening the case would migrate.
    url = json.loads((killed / "case.json").read_text())["database_url"]
    engine = create_engine(url or f"sqlite:///{killed / 'case.db'}")
    kills = 0
    # Kill the whole process tree (scanner, forkserver, workers) at several points: during start-up,
    # after a few records, and mid-way, resuming each time from wherever it died.
    for target in (0, 5, 40, 90):
        proc = subprocess.Popen(
            _scan_cmd(killed, ev),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if target == 0 or _count_files(engine) >= target:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    engine.dispose()
    assert kills >= 2, "the scan finished before it could be killed; make the evidence larger"
    final = subprocess.run(_scan_cmd(killed, ev), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    got = _export(killed)
    assert [r["path"] for r in got] == [r["path"] for r in expected]  # none missing, none doubled
    assert json.dumps(got) == json.dumps(expected)
    assert not list((killed / "tmp").iterdir())
