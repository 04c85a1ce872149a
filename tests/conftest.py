"""Shared fixtures: cases in temporary folders, benign evidence built on the fly, the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthtrace.case import Case, create_case, open_case
from synthtrace.cli import app
from synthtrace.demo.evidence import build_demo_evidence
from synthtrace.export.records import iter_records
from synthtrace.scan.service import scan_evidence
from synthtrace.store.db import SERVER_ENV
from tests.pgserver import PostgresServer

_SERVER = pytest.StashKey[PostgresServer]()

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


# The whole suite runs on SQLite, and again on PostgreSQL (`make test` does both):
# `--database postgresql` or SYNTHTRACE_TEST_DATABASE=postgresql starts a throwaway server for the
# session and sets SYNTHTRACE_DATABASE_SERVER, so every case a test creates (create_case, the
# `case create` and `demo` commands, in this process or a child) gets a fresh database there.
DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=DATABASES,
        default=os.environ.get("SYNTHTRACE_TEST_DATABASE") or "sqlite",
        help="database every test case is created on (default: $SYNTHTRACE_TEST_DATABASE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(why): checks something only SQLite has (skipped on PostgreSQL)"
    )
    database = config.getoption("--database")
    os.environ["SYNTHTRACE_TEST_DATABASE"] = database  # what database_kind() reads, children too
    if database == "sqlite":
        os.environ.pop(SERVER_ENV, None)
        return
    from tests.pgserver import start_server

    server = start_server()
    config.stash[_SERVER] = server
    os.environ[SERVER_ENV] = server.url()


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        os.environ.pop(SERVER_ENV, None)
        server.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"synthtrace test database: {config.getoption('--database')}"


# Tests that never use a database (parsers, decoders, fuzz smoke, PDQ conformance) prove nothing
# more on PostgreSQL: the SQLite run records which tests used one (any SQLAlchemy connection in
# this process, or a case folder made under the test's tmp_path by a child), and the PostgreSQL
# run leaves out those that did not. A test the record does not know runs on both; so does
# everything when SYNTHTRACE_TEST_EVERY=1 or the pytest cache is off.
USED_DATABASE = "synthtrace/used-database"
_used = {"now": False}
_record: dict[str, bool] = {}
_LEFT_OUT = pytest.StashKey[int]()


def _checkout(*_args: object) -> None:
    _used["now"] = True


def _recording(config: pytest.Config) -> bool:
    return config.getoption("--database") == "sqlite" and config.cache is not None


def pytest_sessionstart(session: pytest.Session) -> None:
    if _recording(session.config):
        from sqlalchemy import event
        from sqlalchemy.pool import Pool

        event.listen(Pool, "checkout", _checkout)


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _used["now"] = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if isinstance(tmp, Path) and next(tmp.rglob("case.json"), None) is not None:
        _used["now"] = True
    yield


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    _record[nodeid] = _used["now"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _recording(config) and _record and config.cache is not None:
        known = dict(config.cache.get(USED_DATABASE, {}))
        known.update(_record)
        config.cache.set(USED_DATABASE, known)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--database") == "sqlite":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.args[0] if marker.args else "SQLite only"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))
    if os.environ.get("SYNTHTRACE_TEST_EVERY") == "1" or config.cache is None:
        return
    known: dict[str, bool] = config.cache.get(USED_DATABASE, {})
    keep = [item for item in items if known.get(item.nodeid, True)]
    left_out = [item for item in items if not known.get(item.nodeid, True)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep
    config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} tests that use no database ran on SQLite only (recorded by the SQLite "
            "run; SYNTHTRACE_TEST_EVERY=1 runs them here too)"
        )


def database_kind() -> str:
    """'sqlite' or 'postgresql': what the cases of this test session live in."""
    return os.environ.get("SYNTHTRACE_TEST_DATABASE") or "sqlite"


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
