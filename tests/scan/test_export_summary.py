"""Exports (jsonl, csv), the summary and the demo, through the CLI a user runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from synthtrace.export.records import BASE_KEYS
from tests.conftest import database_kind, run_cli

CONTRACT_KEYS = [
    "evidence",
    "path",
    "size",
    "mtime",
    "md5",
    "sha1",
    "sha256",
    "mime",
    "extension_mismatch",
    "status",
    "errors",
    "width",
    "height",
    "pdq",
    "pdq_quality",
    "exif",
    "xmp",
    "png_text",
]


def test_base_keys_keep_the_contract() -> None:
    assert list(BASE_KEYS[: len(CONTRACT_KEYS)]) == CONTRACT_KEYS


def _jsonl(cli: CliRunner, case_dir: Path, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "export.jsonl"
    code, text = run_cli(cli, "export", str(case_dir), "--format", "jsonl", "-o", str(out))
    assert code == 0, text
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_jsonl_export_sorted_with_every_key(
    cli: CliRunner, demo_case_dir: Path, tmp_path: Path
) -> None:
    recs = _jsonl(cli, demo_case_dir, tmp_path)
    assert recs
    keys = [(str(r["evidence"]).encode(), str(r["path"]).encode()) for r in recs]
    assert keys == sorted(keys)
    for r in recs:
        assert set(CONTRACT_KEYS) <= set(r)
        assert r["status"] in ("ok", "error")
        assert (r["status"] == "error") == bool(r["errors"])
        for key in ("md5", "sha1", "sha256", "pdq"):
            value = r[key]
            assert value is None or (isinstance(value, str) and value == value.lower())
    labels = {r["evidence"] for r in recs}
    assert labels == {"laptop-A", "phone-B"}


def test_csv_export_has_the_same_records(
    cli: CliRunner, demo_case_dir: Path, tmp_path: Path
) -> None:
    recs = _jsonl(cli, demo_case_dir, tmp_path)
    out = tmp_path / "export.csv"
    code, _ = run_cli(cli, "export", str(demo_case_dir), "--format", "csv", "-o", str(out))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["evidence"], r["path"]) for r in rows] == [(r["evidence"], r["path"]) for r in recs]
    by_path = {r["path"]: r for r in rows}
    cam = next(r for r in recs if r["exif"])
    assert json.loads(by_path[str(cam["path"])]["exif"]) == cam["exif"]
    assert by_path[str(cam["path"])]["extension_mismatch"] in ("true", "false")


def test_export_is_audited(cli: CliRunner, demo_case_dir: Path, tmp_path: Path) -> None:
    _jsonl(cli, demo_case_dir, tmp_path)
    lines = (demo_case_dir / "audit.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["action"] == "export"


def test_unknown_export_format(cli: CliRunner, demo_case_dir: Path) -> None:
    code, out = run_cli(cli, "export", str(demo_case_dir), "--format", "xml")
    assert code != 0 and "unknown export format" in out


def test_summary_counts(cli: CliRunner, demo_case_dir: Path, tmp_path: Path) -> None:
    from synthtrace.case import open_case
    from synthtrace.summary import case_summary

    recs = _jsonl(cli, demo_case_dir, tmp_path)
    with open_case(demo_case_dir) as case:
        s = case_summary(case)
    by_label = {e.label: e for e in s.evidence}
    laptop = by_label["laptop-A"]
    laptop_recs = [r for r in recs if r["evidence"] == "laptop-A"]
    assert laptop.files == len(laptop_recs)
    assert laptop.errors == sum(1 for r in laptop_recs if r["status"] == "error") >= 2
    assert laptop.bytes == sum(int(r["size"] or 0) for r in laptop_recs)  # type: ignore[call-overload]
    assert laptop.duplicate_files >= 2  # cat.jpg also inside shared.zip
    assert by_label["phone-B"].shared_media >= 1  # the cat photo is on both devices
    assert laptop.complete and laptop.files_per_second and laptop.files_per_second > 0
    code, out = run_cli(cli, "summary", str(demo_case_dir))
    assert code == 0 and "laptop-A" in out and "phone-B" in out


def test_demo_command_builds_and_scans(cli: CliRunner, tmp_path: Path) -> None:
    code, out = run_cli(cli, "demo", str(tmp_path / "demo"), "--workers", "0")
    assert code == 0, out
    assert "laptop-A" in out and "phone-B" in out
    assert (tmp_path / "demo" / "case" / "case.json").is_file()
    assert (tmp_path / "demo" / "case" / "case.db").is_file() == (database_kind() == "sqlite")
    code, out = run_cli(cli, "demo", str(tmp_path / "demo"))
    assert code != 0 and "not empty" in out
