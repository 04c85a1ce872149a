"""Engines and migrations: SQLite (WAL) by default, PostgreSQL by URL, schema always at head.

A lab with one PostgreSQL server for every case sets `SYNTHTRACE_DATABASE_SERVER` (a URL naming
the server and a database to connect to for administration, e.g.
`postgresql+psycopg://synthtrace@db.lab/postgres`): each new case then gets a database of its own
there, created on `case create`, unless `--database` names one.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

MIGRATIONS = Path(__file__).parent / "migrations"
SERVER_ENV = "SYNTHTRACE_DATABASE_SERVER"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable against a killed process in WAL mode; only a power cut may lose the tail.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


NUL = "\x00"
NUL_STORED = "\ufffd"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, NUL_STORED)
    if isinstance(value, dict):
        return {k: _no_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_no_nul(v) for v in value)
    return value


def _store_nul_as_replacement(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    """PostgreSQL text cannot hold a NUL character; evidence text can (XMP padding, names).

    Every database stores U+FFFD in its place, so a case exports the same text on SQLite and
    PostgreSQL and a lookup finds what was stored. JSON values are not affected (their NULs are
    escaped as \\u0000 in the JSON text, which both databases keep).
    """
    # Checked first, copied only when needed: this runs for every statement of every scan.
    return statement, _no_nul(parameters) if _has_nul(parameters) else parameters


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _store_nul_as_replacement, retval=True)
    return engine


def new_server_database(name: str, server_url: str | None = None) -> str | None:
    """Create a fresh database for a new case on the lab's server; its URL, or None without one.

    The name is the case name's letters plus a random suffix, so two cases never share one.
    """
    server_url = server_url or os.environ.get(SERVER_ENV) or None
    if server_url is None:
        return None
    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"{SERVER_ENV} must name a PostgreSQL server, not {url.drivername}")
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "case"
    database = f"synthtrace_{slug}_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    finally:
        admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back when it raises."""
    with factory() as session, session.begin():
        yield session


def table_of(model: Any) -> Table:
    """A mapped class's table, for Core statements (bulk writes skip the ORM's per-row work)."""
    return cast(Table, model.__table__)


def insert_ignore(session: Session, table: Any) -> Insert:
    """INSERT that skips rows already present (unique keys), on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def binary_collation(session: Session) -> str:
    """Byte-order collation name, so exports sort the same on every database."""
    return "C" if session.get_bind().dialect.name == "postgresql" else "BINARY"


def refresh_statistics(engine: Engine, *tables: str) -> None:
    """After a bulk rewrite of `tables`: on PostgreSQL, VACUUM ANALYZE them, so the planner
    knows their new size and counts are index-only scans (the visibility map is set); waiting for
    autovacuum leaves the review queue's first counts reading every row. SQLite needs neither."""
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(engine.dialect.identifier_preparer.quote(t) for t in tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {names}")
