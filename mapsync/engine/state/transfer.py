"""Moving a store between backends: every row of every table, as JSON lines.

    mapsync-state 1                      first line: {"format": "mapsync-state", ...}
    {"table": "xref", "row": {...}}      then one line per row, parents first

Every stored value is text or an integer on both backends, so a dump is exact: importing
it into an empty store of either backend and exporting again gives the same lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from mapsync.engine.state.records import StateError
from mapsync.engine.state.schema import TABLES
from mapsync.engine.state.store import SqlStore

FORMAT = "mapsync-state"
_ORDER = {
    "xref": "mapping, intacct_key",
    "shadow": "mapping, intacct_key",
    "watermark": "mapping, side",
}


def export_lines(store: SqlStore) -> Iterator[str]:
    """The store as JSON lines: a header, then each table's rows in a stable order."""
    header = {"format": FORMAT, "schema_version": store.schema_version, "from": store.dialect}
    yield json.dumps(header, sort_keys=True)
    for table in TABLES:
        cursor = store.db.execute(f"SELECT * FROM {table} ORDER BY {_ORDER.get(table, 'id')}")
        names = [column[0] for column in cursor.description]
        for row in cursor.fetchall():
            line = {"table": table, "row": dict(zip(names, row, strict=True))}
            yield json.dumps(line, sort_keys=True, ensure_ascii=False)


def import_lines(store: SqlStore, lines: Iterable[str], *, source: str = "<dump>") -> int:
    """Load an export into an empty store in one transaction; returns the rows loaded."""
    rows = iter(enumerate(lines, start=1))
    _header(next(rows, (1, "")), source, store)
    if any(_count(store, table) for table in TABLES):
        raise StateError(f"{store.label} is not empty: import only into a new store")
    loaded = 0
    with store.transaction():
        for number, text in rows:
            if not text.strip():
                continue
            table, row = _row(text, source, number)
            columns = ", ".join(row)
            marks = ", ".join("?" * len(row))
            store.db.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
            )
            loaded += 1
        if store.dialect == "postgres":  # explicit ids leave the identity sequences behind
            for table in ("run", "error", "conflict"):
                store.db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce(max(id), 0) + 1, false) FROM {table}"
                )
    return loaded


def _header(first: tuple[int, str], source: str, store: SqlStore) -> dict[str, Any]:
    try:
        header = json.loads(first[1])
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StateError(f"{source}:1: not a mapsync state export (made by `mapsync state export`)")
    if header.get("schema_version") != store.schema_version:
        raise StateError(
            f"{source}:1: exported at schema version {header.get('schema_version')}, "
            f"{store.label} is at {store.schema_version}: run the same mapsync version "
            "on both sides"
        )
    return header


def _row(text: str, source: str, number: int) -> tuple[str, dict[str, Any]]:
    try:
        line = json.loads(text)
        table, row = line["table"], line["row"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise StateError(f"{source}:{number}: not a row of a state export") from None
    if table not in TABLES or not isinstance(row, dict) or not row:
        raise StateError(f"{source}:{number}: unknown table {table!r}")
    if not all(isinstance(name, str) and name.isidentifier() for name in row):
        raise StateError(f"{source}:{number}: bad column names")
    return table, row


def _count(store: SqlStore, table: str) -> int:
    return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
