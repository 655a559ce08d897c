"""Closing the store never closes a connection a request thread is still using.

The server waits a bounded time for request threads before it closes the store; a SQLite
connection closed under a running statement crashes the process, so a borrowed connection
stays usable and is closed when it is given back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mapsync.engine.sandbox.intacct.store import IntacctStore


def test_a_borrowed_connection_outlives_close_and_is_closed_when_given_back(
        tmp_path: Path) -> None:
    store = IntacctStore(tmp_path / "intacct.db")
    with store.connection() as first, store.connection() as second:
        pass  # both back in the pool
    with store.connection() as borrowed:
        (idle,) = {first, second} - {borrowed}
        store.close()
        with pytest.raises(sqlite3.ProgrammingError):
            idle.execute("SELECT 1")
        assert borrowed.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    with pytest.raises(sqlite3.ProgrammingError):
        borrowed.execute("SELECT 1")
