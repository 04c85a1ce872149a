"""The Alembic migrations create exactly the schema the models describe, on either database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from synthtrace.store.db import make_engine, new_server_database, upgrade
from synthtrace.store.models import Base
from tests.conftest import database_kind


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A new, empty database of this session's kind."""
    url = new_server_database("migrations") or f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_migrations_match_models(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as conn:
        if database_kind() == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        else:
            assert conn.dialect.name == "postgresql"
        assert conn.exec_driver_sql("select count(*) from alembic_version").scalar() == 1
