"""Shared fixtures: cases in temporary folders, benign evidence built on the fly, the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthtrace.case import Case, create_case, open_case
from synthtrace.cli import app
from synthtrace.demo.evidence import build_demo_evidence
from synthtrace.export.records import iter_records
from synthtrace.scan.service import scan_evidence

# The shared reference fixtures: $SYNTHTRACE_ANCHORS, else ../shared/anchors beside the checkout.
ANCHOR_PLACES = [
    Path(p)
    for p in (
        os.environ.get("SYNTHTRACE_ANCHORS", ""),
        str(Path(__file__).resolve().parents[2] / "shared" / "anchors"),
        "/work/shared/anchors",
    )
    if p
]


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    with create_case(tmp_path / "case", name="test case", examiner="tester") as c:
        yield c


@pytest.fixture(scope="session")
def demo_devices(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path]]:
    """The demo's two benign devices, built once per session (read-only: never modify them)."""
    return build_demo_evidence(tmp_path_factory.mktemp("demo") / "evidence")


@pytest.fixture(scope="session")
def demo_case_dir(
    tmp_path_factory: pytest.TempPathFactory, demo_devices: list[tuple[str, Path]]
) -> Path:
    """A case with both demo devices scanned, shared by read-only tests."""
    root = tmp_path_factory.mktemp("democase") / "case"
    with create_case(root, name="demo", examiner="tester") as c:
        for label, path in demo_devices:
            scan_evidence(c, path, label, workers=2)
    return root


@pytest.fixture
def demo_case(demo_case_dir: Path) -> Iterator[Case]:
    with open_case(demo_case_dir) as c:
        yield c


def records(case: Case) -> list[dict[str, object]]:
    with case.sessions() as s:
        return list(iter_records(s))


def by_path(case: Case) -> dict[str, dict[str, object]]:
    return {str(r["path"]): r for r in records(case)}


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def run_cli(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def anchors() -> Path:
    for place in ANCHOR_PLACES:
        if place.is_dir():
            return place
    pytest.skip(f"reference fixtures not found in {', '.join(map(str, ANCHOR_PLACES))}")
