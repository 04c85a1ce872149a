"""The commands: hashset import/list/remove, match, categories, export --format vics."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from synthtrace.case import Case
from synthtrace.categories import case_scheme
from tests.conftest import run_cli
from tests.match.conftest import Device, digests


def test_hashset_commands(scanned: tuple[Case, Device], tmp_path: Path, cli: CliRunner) -> None:
    case, dev = scanned
    root = str(case.root)
    path = tmp_path / "l.txt"
    path.write_text(f"{digests(dev.cat)['md5']}  cat.jpg\nnot-a-hash\n")
    code, out = run_cli(
        cli, "hashset", "import", root, str(path), "--name", "cats", "--category", "1"
    )
    assert code == 0, out
    assert "imported cats (text): 1 records, 1 hashes (md5 1), 1 bad records" in out
    assert "record 2:" in out
    assert "hash lists: 1 new matches on 1 media" in out
    code, out = run_cli(
        cli, "hashset", "import", root, str(path), "--name", "cats", "--category", "1"
    )
    assert code == 0 and "unchanged since its last import" in out
    code, out = run_cli(cli, "hashset", "list", root)
    assert code == 0 and "cats" in out
    code, out = run_cli(cli, "hashset", "import", root, str(path), "--name", "x", "--type", "crc")
    assert code == 2 and "unknown hash type" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"@odata.context": "x#Media", "value": [{"MD5": ')
    code, out = run_cli(cli, "hashset", "import", root, str(bad), "--name", "broken")
    assert code == 2 and "the case is unchanged" in out
    code, out = run_cli(cli, "match", root, "--pdq-distance", "20")
    assert code == 0 and "PDQ distance 20" in out
    code, out = run_cli(cli, "hashset", "remove", root, "cats")
    assert code == 0 and "removed cats (1 hashes)" in out


def test_categories_command(case: Case, cli: CliRunner) -> None:
    root = str(case.root)
    code, out = run_cli(cli, "categories", root)
    assert code == 0 and "projectvic" in out and "Child exploitive" in out
    code, out = run_cli(cli, "categories", root, "--scheme", "caid")
    assert code == 0 and case_scheme(case)[0] == "caid"
    code, out = run_cli(cli, "categories", root, "--custom", "K=Keep,D=Discard")
    assert code == 0 and [c.code for c in case_scheme(case)[1]] == ["K", "D"]
    code, out = run_cli(cli, "categories", root, "--scheme", "nope")
    assert code == 2 and "unknown scheme" in out


def test_export_vics_command(scanned: tuple[Case, Device], tmp_path: Path, cli: CliRunner) -> None:
    case, _ = scanned
    target = tmp_path / "case.vics.json"
    code, out = run_cli(cli, "export", str(case.root), "--format", "vics", "-o", str(target))
    assert code == 0, out
    doc = json.loads(target.read_text())
    assert len(doc["value"][0]["Media"]) == 3
