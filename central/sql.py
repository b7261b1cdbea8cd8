"""Small SQL helpers the ingest shares, portable to SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

CHUNK = 5000   # keys per IN (…) list on SQLite (which allows 32,766 parameters since 3.32)


def marks(n: int) -> str:
    """``n`` parameter placeholders, comma-separated."""
    return ", ".join(["%s"] * n)


def chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``n``."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


def select_in(cur, sql: str, column: str, keys: Iterable[Any], params: Sequence[Any] = (),
              chunk: int = CHUNK) -> list[tuple]:
    """The rows of ``sql`` (with ``{where}`` standing for "``column`` is one of ``keys``").

    PostgreSQL: one statement whatever the number of keys, the keys sent as one JSON array (encoded in C;
    psycopg dumps a Python list element by element) and unpacked once into an array, so the planner
    probes the index as for a literal array. Elsewhere: ``IN (…)``, ``chunk`` keys a statement.
    """
    keys = sorted(set(keys))
    if not keys:
        return []
    if cur.db.vendor == "postgresql":
        cast = "::bigint" if isinstance(keys[0], int) else ""
        where = f"{column} = ANY(ARRAY(SELECT json_array_elements_text(%s::json){cast}))"
        cur.execute(sql.format(where=where), [*params, json.dumps(keys)])
        return cur.fetchall()
    rows: list[tuple] = []
    for part in chunks(keys, chunk):
        cur.execute(sql.format(where=f"{column} IN ({marks(len(part))})"), [*params, *part])
        rows.extend(cur.fetchall())
    return rows
