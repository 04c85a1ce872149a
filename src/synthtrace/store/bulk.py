"""Many rows into one table in one statement execution: the scan writer's and passes' hot path.

On SQLite the rows go straight to the driver's executemany, with JSON columns serialised here
exactly as SQLAlchemy's JSON type would (json.dumps, Python None as JSON null): its per-row
parameter processing cost more than SQLite's insert itself (measured on 20,000 small files).
Other databases take the Core path, where the driver adapts JSON itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite


def _json(value: Any) -> str:
    # Most values are None, [] or {}: skip the encoder for those (same text json.dumps writes).
    if value is None:
        return "null"
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


@cache
def _sqlite_statement(
    table: Table, keys: tuple[str, ...], ignore: bool
) -> tuple[str, tuple[bool, ...]]:
    quote = sqlite.dialect().identifier_preparer.quote
    columns = ", ".join(quote(k) for k in keys)
    marks = ", ".join("?" for _ in keys)
    tail = " ON CONFLICT DO NOTHING" if ignore else ""
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks}){tail}"
    return sql, tuple(isinstance(table.c[k].type, JSON) for k in keys)


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], ignore_conflicts: bool = False
) -> None:
    """INSERT every row (all with the same keys); rows already present are skipped if asked."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        keys = tuple(rows[0])
        sql, is_json = _sqlite_statement(table, keys, ignore_conflicts)
        values = itemgetter(*keys)
        json_at = [i for i, j in enumerate(is_json) if j]
        params = []
        for row in rows:
            vals = list(values(row)) if len(keys) > 1 else [values(row)]
            for i in json_at:
                vals[i] = _json(vals[i])
            params.append(tuple(vals))
        conn.exec_driver_sql(sql, params)
        return
    if conn.dialect.name == "postgresql" and ignore_conflicts:
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))
        return
    conn.execute(insert(table), list(rows))


def ids_for(conn: Connection, table: Table, key: str, keys: Sequence[str]) -> dict[str, int]:
    """`{key value: id}` for rows whose `key` column is one of `keys` (a writer batch's worth)."""
    out: dict[str, int] = {}
    for start in range(0, len(keys), 10_000):  # under every database's parameter limit
        chunk = list(keys[start : start + 10_000])
        if conn.dialect.name == "sqlite":
            quote = sqlite.dialect().identifier_preparer.quote
            marks = ", ".join("?" for _ in chunk)
            sql = (
                f"SELECT {quote(key)}, id FROM {quote(table.name)} WHERE {quote(key)} IN ({marks})"
            )
            rows = conn.exec_driver_sql(sql, tuple(chunk))
        else:
            rows = conn.execute(select(table.c[key], table.c.id).where(table.c[key].in_(chunk)))
        out.update({str(k): int(i) for k, i in rows})
    return out
