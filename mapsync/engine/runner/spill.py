"""Changed records held for pairing: in memory up to a limit, then in a temporary SQLite file.

A mapping whose Intacct side changed too reads every changed Salesforce record before it
streams Intacct's, so that an Intacct record meets its changed partner (runner/pipeline.py);
held Bulk writes keep their items and payloads here as well (runner/held.py). Past `limit`
records the values move to a private temporary SQLite database (SQLite deletes it when the
connection closes), so memory stays flat whatever the size. Small runs never touch the disk.

Values are pickled: records hold the connector's values (str, int, float, Decimal, date,
datetime, bool, None), and only this object reads back what it wrote. Once on disk, records
set are written `WRITE_BATCH` at a time (one `executemany`): a statement per record cost
about as much as pickling it.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator, MutableMapping
from typing import Generic, TypeVar

V = TypeVar("V")

SPILL_AFTER = 5000
WRITE_BATCH = 500


class SpillingRecords(MutableMapping[str, V], Generic[V]):
    """Records (or any picklable values) by id, in insertion order; on disk once there are
    more than `limit`."""

    def __init__(self, limit: int = SPILL_AFTER) -> None:
        self.limit = limit
        self._memory: dict[str, V] | None = {}
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, V] = {}  # set since the last write to disk

    @property
    def spilled(self) -> bool:
        """True once the records live in the temporary database."""
        return self._db is not None

    # --- mapping protocol ----------------------------------------------------------------

    def __getitem__(self, key: str) -> V:
        if self._memory is not None:
            return self._memory[key]
        if key in self._pending:
            return self._pending[key]
        row = self._conn().execute("SELECT data FROM records WHERE id = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        record: V = pickle.loads(row[0])
        return record

    def __setitem__(self, key: str, record: V) -> None:
        if self._memory is not None:
            self._memory[key] = record
            if len(self._memory) > self.limit:
                self._spill()
            return
        self._pending[key] = record
        if len(self._pending) >= WRITE_BATCH:
            self._write_pending()

    def __delitem__(self, key: str) -> None:
        if self._memory is not None:
            del self._memory[key]
            return
        pending = self._pending.pop(key, None)
        # A key set again after it reached the disk is in both places.
        gone = self._conn().execute("DELETE FROM records WHERE id = ?", (key,)).rowcount
        if pending is None and gone == 0:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        if self._memory is not None:
            return iter(list(self._memory))
        self._write_pending()
        rows = self._conn().execute("SELECT id FROM records ORDER BY seq").fetchall()
        return iter([row[0] for row in rows])

    def __len__(self) -> int:
        if self._memory is not None:
            return len(self._memory)
        self._write_pending()
        return int(self._conn().execute("SELECT count(*) FROM records").fetchone()[0])

    # --- streaming -----------------------------------------------------------------------

    def chunks(self, size: int) -> Iterator[list[V]]:
        """The records left, `size` at a time, in insertion order (only a chunk in memory)."""
        if self._memory is not None:
            values = list(self._memory.values())
            for start in range(0, len(values), size):
                yield values[start : start + size]
            return
        self._write_pending()
        last = 0
        while True:
            rows = (
                self._conn()
                .execute(
                    "SELECT seq, data FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (last, size)
                )
                .fetchall()
            )
            if not rows:
                return
            last = rows[-1][0]
            yield [pickle.loads(data) for _seq, data in rows]

    def close(self) -> None:
        """Drop the records (and the temporary database)."""
        self._memory, self._pending = {}, {}
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def __enter__(self) -> SpillingRecords[V]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- spilling ------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    def _write_pending(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        self._conn().executemany(
            "INSERT INTO records (id, data) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            ((k, pickle.dumps(v, pickle.HIGHEST_PROTOCOL)) for k, v in pending.items()),
        )

    def _spill(self) -> None:
        # "" opens a private temporary database on disk; nothing here needs durability.
        db = sqlite3.connect("")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(
            "CREATE TABLE records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, data BLOB)"
        )
        assert self._memory is not None
        db.executemany(
            "INSERT INTO records (id, data) VALUES (?, ?)",
            ((k, pickle.dumps(v, pickle.HIGHEST_PROTOCOL)) for k, v in self._memory.items()),
        )
        self._db, self._memory = db, None
