"""A read by key costs the same however many records the object holds.

The runner reads back every batch it creates by key (`CUSTOMERID IN (...)`). Ordered by
RECORDNO, SQLite used to walk the object's RECORDNO index and test every record, so each
read-back cost as much as reading the whole object. The work is counted in SQLite virtual
machine steps (a progress handler), not in time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collections.abc import Callable

from mapsync.engine.sandbox.intacct.query import parse_readbyquery, to_sql
from mapsync.engine.sandbox.intacct.store import IntacctStore


def _customers(store: IntacctStore, start: int, count: int) -> None:
    store.insert_many(
        "CUSTOMER",
        [{"CUSTOMERID": f"C{i:06d}", "NAME": f"Customer {i}"} for i in range(start, start + count)],
    )


def _steps(store: IntacctStore, run: Callable[[sqlite3.Connection], None]) -> int:
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with store.connection() as conn:
        conn.set_progress_handler(count, 1)
        try:
            run(conn)
        finally:
            conn.set_progress_handler(None, 1)
    return steps


def test_a_read_by_key_does_not_grow_with_the_object(tmp_path: Path) -> None:
    store = IntacctStore(tmp_path / "intacct.db")
    keys = [f"C{i:06d}" for i in range(0, 1000, 10)]
    text = "CUSTOMERID IN (" + ", ".join(f"'{k}'" for k in keys) + ")"
    pred, _ = parse_readbyquery(text, store.catalogs["CUSTOMER"])
    where, params = to_sql(pred, lambda f: store.column("CUSTOMER", f))

    def read(conn: sqlite3.Connection) -> None:
        assert len(store.ids_where(conn, "CUSTOMER", where, params)) == len(keys)
        assert len(store.rows_where(conn, "CUSTOMER", where, params, limit=200)) == len(keys)

    _customers(store, 0, 1000)
    small = _steps(store, read)
    _customers(store, 1000, 9000)
    large = _steps(store, read)
    assert large < small * 1.5, (small, large)  # a scan would take ten times the steps
    store.close()
