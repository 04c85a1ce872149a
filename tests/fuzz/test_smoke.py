"""A short fuzzing run of every target (`make test`): the harness works and the seeds pass.

Each target runs in its own process under atheris, from its kept corpus (seeds included), for a
few hundred executions; `make fuzz` runs them for longer (docs/fuzzing.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz.registry import TARGETS

ROOT = Path(__file__).resolve().parents[2]
RUNS = 400


def _run(target: str, runs: int, out: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = out / "result.jsonl"
    cmd = [sys.executable, "-m", "fuzz.run", "--target", target, "--smoke", f"--runs={runs}"]
    proc = subprocess.run(
        [*cmd, "--json", str(report)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    results = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(results) == 1, proc.stdout + proc.stderr
    return proc, results[0]


@pytest.mark.parametrize("target", [t.name for t in TARGETS])
def test_smoke(target: str, tmp_path: Path) -> None:
    proc, result = _run(target, RUNS, tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert result["finding"] is None, result
    assert result["executions"] >= RUNS, result


def test_runner_reports_an_escaping_exception(tmp_path: Path) -> None:
    """The planted bug is three coverage-guided bytes deep: found, reported, its input kept."""
    proc, result = _run("tests.fuzz.canary:planted_bug", 200_000, tmp_path)
    assert proc.returncode == 1, proc.stdout[-4000:]
    assert result["finding"] == "uncaught exception", result
    assert any("planted bug reached" in line for line in result["detail"]), result
    crash = Path(result["artifact"])
    assert crash.read_bytes()[:3] == b"FUZ"
    crash.unlink()
