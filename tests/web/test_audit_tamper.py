"""The audit chain detects an edited, a deleted, a reordered and a cut-off entry (review actions
included), through `synthtrace audit verify` and on the admin's audit page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthtrace.case import Case
from synthtrace.cli import app
from tests.web.conftest import Login, csrf_of
from tests.web.seed import media_id_of


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def edit(path: Path) -> None:
    rows = lines(path)
    entry = json.loads(rows[-3])
    entry["user"] = "someone else"
    rows[-3] = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    path.write_text("".join(rows))


def delete(path: Path) -> None:
    rows = lines(path)
    del rows[-3]
    path.write_text("".join(rows))


def reorder(path: Path) -> None:
    rows = lines(path)
    rows[-3], rows[-2] = rows[-2], rows[-3]
    path.write_text("".join(rows))


def cut(path: Path) -> None:
    path.write_text("".join(lines(path)[:-1]))


@pytest.fixture
def reviewed(scanned: Case, as_role: Login) -> Case:
    """A case where a reviewer logged in, revealed, categorised and undid."""
    client = as_role("reviewer")
    headers = {"x-csrf-token": csrf_of(client), "accept": "application/json"}
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    client.post(f"/media/{mid}/reveal", headers=headers)
    client.post("/api/categorise", json={"media": [mid], "category": "1"}, headers=headers)
    client.post("/api/undo", headers=headers)
    actions = [e["action"] for e in scanned.audit.entries()]
    assert actions[-4:] == ["login", "reveal", "categorise", "categorise.undo"]
    return scanned


def test_untouched_log_verifies(reviewed: Case) -> None:
    result = CliRunner().invoke(app, ["audit", "verify", str(reviewed.root)])
    assert result.exit_code == 0 and "intact" in result.output


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (edit, "previous-line hash does not match"),
        (delete, "sequence"),
        (reorder, "sequence"),
        (cut, "cut off"),
    ],
)
def test_tampering_is_detected(
    reviewed: Case, as_role: Login, tamper: Callable[[Path], None], says: str
) -> None:
    admin = as_role("admin")  # logs in before the tampering: the log is appended to
    tamper(reviewed.audit.path)
    result = CliRunner().invoke(app, ["audit", "verify", str(reviewed.root)])
    assert result.exit_code == 1
    assert says in result.output
    page = admin.get("/audit").text
    assert "has been tampered with" in page and says in page
