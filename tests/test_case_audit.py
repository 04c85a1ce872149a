"""Case folders and the hash-chained audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthtrace.case import CaseError, create_case, open_case
from tests.conftest import database_kind, run_cli


def test_case_create_makes_folder_database_thumbs_and_audit(cli: CliRunner, tmp_path: Path) -> None:
    case_dir = tmp_path / "c"
    code, out = run_cli(
        cli, "case", "create", str(case_dir), "--name", "Op Lighthouse", "--examiner", "E. Xam"
    )
    assert code == 0, out
    assert (case_dir / "thumbs").is_dir()
    url = json.loads((case_dir / "case.json").read_text())["database_url"]
    if database_kind() == "sqlite":
        assert (case_dir / "case.db").is_file() and url is None
    else:  # a database of its own on the lab's server, named in case.json
        assert url.startswith("postgresql") and not (case_dir / "case.db").exists()
    entries = [json.loads(line) for line in (case_dir / "audit.jsonl").read_text().splitlines()]
    assert entries[0]["action"] == "case.create"
    assert entries[0]["details"]["name"] == "Op Lighthouse"
    with open_case(case_dir) as case:
        info = case.info()
        assert (info.name, info.examiner) == ("Op Lighthouse", "E. Xam")
        if database_kind() == "sqlite":
            with case.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    code, out = run_cli(cli, "case", "create", str(case_dir), "--name", "again")
    assert code != 0 and "already a case" in out


def test_open_refuses_non_case(tmp_path: Path) -> None:
    with pytest.raises(CaseError):
        open_case(tmp_path)


def _log(tmp_path: Path, n: int = 5) -> Path:
    with create_case(tmp_path / "c", name="audit") as case:
        for i in range(n):
            case.audit.append("test.event", user="tester", index=i)
    return tmp_path / "c"


def _verify(cli: CliRunner, case_dir: Path) -> tuple[int, str]:
    return run_cli(cli, "audit", "verify", str(case_dir))


def test_intact_log_verifies(cli: CliRunner, tmp_path: Path) -> None:
    code, out = _verify(cli, _log(tmp_path))
    assert code == 0 and "6 entries" in out


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder", "truncate", "append"])
def test_tampering_is_detected(cli: CliRunner, tmp_path: Path, tamper: str) -> None:
    case_dir = _log(tmp_path)
    path = case_dir / "audit.jsonl"
    lines = path.read_text().splitlines()
    if tamper == "edit":
        lines[2] = lines[2].replace('"index":1', '"index":9')
    elif tamper == "delete":
        del lines[3]
    elif tamper == "reorder":
        lines[2], lines[3] = lines[3], lines[2]
    elif tamper == "truncate":
        lines = lines[:-2]  # the chain of what is left is intact: the database head catches it
    elif tamper == "append":
        forged = json.loads(lines[-1])
        forged["seq"] += 1
        lines.append(json.dumps(forged))
    path.write_text("\n".join(lines) + "\n")
    code, out = _verify(cli, case_dir)
    assert code == 1, out


def test_edit_of_last_line_is_detected(cli: CliRunner, tmp_path: Path) -> None:
    case_dir = _log(tmp_path)
    path = case_dir / "audit.jsonl"
    lines = path.read_text().splitlines()
    lines[-1] = lines[-1].replace("tester", "someone else")
    path.write_text("\n".join(lines) + "\n")
    assert _verify(cli, case_dir)[0] == 1


def test_scans_are_audited(case: object, tmp_path: Path) -> None:
    from synthtrace.case import Case
    from synthtrace.scan.service import scan_evidence
    from tests.builders import small_jpeg, write

    assert isinstance(case, Case)
    write(tmp_path / "ev" / "a.jpg", small_jpeg(1))
    scan_evidence(case, tmp_path / "ev", "dev", workers=0)
    actions = [e["action"] for e in case.audit.entries()]
    assert actions[:3] == ["case.create", "scan.start", "scan.finish"]
    finish = case.audit.entries()[2]["details"]
    assert finish["files"] == 1 and finish["evidence"] == "dev"
    assert case.audit.verify().ok
