"""`synthtrace serve` and `synthtrace triage`: arguments, refusals, and what reaches uvicorn."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from synthtrace.accounts import add_user
from synthtrace.case import Case
from synthtrace.cli import app
from tests.web.seed import PASSWORD


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(application: Any, **kwargs: Any) -> None:
        calls.append({"app": application, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_serve_refuses_a_case_without_users(case: Case, runs: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["serve", str(case.root)])
    assert result.exit_code == 2 and "no users" in result.output
    assert runs == []


def test_serve_binds_to_loopback_by_default(case: Case, runs: list[dict[str, Any]]) -> None:
    add_user(case, "root", PASSWORD, "admin", by="test")
    result = CliRunner().invoke(app, ["serve", str(case.root)])
    assert result.exit_code == 0, result.output
    (call,) = runs
    assert isinstance(call["app"], FastAPI)
    assert (call["host"], call["port"]) == ("127.0.0.1", 8000)
    assert call["ssl_certfile"] is None and "warning" not in result.output


def test_serve_warns_when_reachable_from_other_machines(
    case: Case, runs: list[dict[str, Any]], tmp_path: Any
) -> None:
    add_user(case, "root", PASSWORD, "admin", by="test")
    result = CliRunner().invoke(
        app, ["serve", str(case.root), "--host", "0.0.0.0", "--port", "9001"]
    )
    assert result.exit_code == 0 and "warning" in result.output and "plain HTTP" in result.output
    assert (runs[0]["host"], runs[0]["port"]) == ("0.0.0.0", 9001)
    half = CliRunner().invoke(app, ["serve", str(case.root), "--tls-cert", str(tmp_path / "c.pem")])
    assert half.exit_code == 2 and "go together" in half.output


def test_serve_refuses_a_folder_that_is_not_a_case(
    tmp_path: Any, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 2 and "not a synthtrace case" in result.output


def test_triage_command_rebuilds_and_reports(scanned: Case) -> None:
    result = CliRunner().invoke(app, ["triage", str(scanned.root)])
    assert result.exit_code == 0, result.output
    assert "review queue: 5 pictures by bucket (1: 5," in result.output
