"""Offender-trace fixtures: the three benign devices, scanned once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synthtrace.case import Case, create_case, open_case
from synthtrace.scan.service import scan_evidence
from tests.artifacts.devices import build_devices


@pytest.fixture(scope="session")
def trace_devices(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path]]:
    """Built once per session (read-only: never modify them)."""
    return build_devices(tmp_path_factory.mktemp("traces") / "evidence")


@pytest.fixture(scope="session")
def traces_case_dir(
    tmp_path_factory: pytest.TempPathFactory, trace_devices: list[tuple[str, Path]]
) -> Path:
    """A case with the three devices scanned, shared by read-only tests."""
    root = tmp_path_factory.mktemp("tracescase") / "case"
    with create_case(root, name="offender traces", examiner="tester") as case:
        for label, path in trace_devices:
            scan_evidence(case, path, label, workers=0)
    return root


@pytest.fixture
def traces_case(traces_case_dir: Path) -> Iterator[Case]:
    with open_case(traces_case_dir) as case:
        yield case
