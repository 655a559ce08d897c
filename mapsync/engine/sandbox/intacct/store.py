"""SQLite storage of the sandbox company: one table of records for every catalog object.

Each record is a row (RECORDNO = rowid, never reused; the object's business key; audit
timestamps; the other fields as one JSON document keyed by catalog field name, dotted
names flat). WAL mode, a small connection pool shared by the server threads, and one
write lock so writers never meet SQLITE_BUSY. Values are kept in the sortable stored
form of `values.py`; the public methods take Python or wire values and return wire text.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mapsync.engine.catalog import FieldInfo, ObjectInfo, load_catalogs
from mapsync.engine.sandbox.intacct.values import Stored, format_stored, from_python, stamp

# Keys the protocol fixes for objects that may have no catalog yet (legacy OE writes).
PROTOCOL_KEYS = {"SODOCUMENT": "DOCID"}
AUDIT_USER = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    recordno INTEGER PRIMARY KEY AUTOINCREMENT,
    object TEXT NOT NULL,
    key TEXT,
    whencreated TEXT NOT NULL,
    whenmodified TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records(object, key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_modified ON records(object, whenmodified, recordno);
CREATE INDEX IF NOT EXISTS records_object ON records(object, recordno);
CREATE TABLE IF NOT EXISTS completed_functions (
    sender TEXT NOT NULL,
    company TEXT NOT NULL,
    controlid TEXT NOT NULL,
    completed TEXT NOT NULL,
    PRIMARY KEY (sender, company, controlid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

COLUMNS = {"RECORDNO": "recordno", "WHENCREATED": "whencreated", "WHENMODIFIED": "whenmodified"}
Clock = Callable[[], datetime]


def _order(order: str, where: str) -> str:
    """The ORDER BY terms for `order` under a condition.

    Ordered by RECORDNO alone, SQLite walks the (object, recordno) index to skip sorting and
    tests the condition on every record of the object, even when the condition could use
    the key or WHENMODIFIED index: a read by key then costs as much as reading the whole
    object. `+recordno` keeps the order but lets the condition choose its index.
    """
    return "+recordno" if where and order == "recordno" else order


def utc_now() -> datetime:
    """The default clock: naive UTC (the sandbox company's time zone is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


class DuplicateValue(Exception):
    """A unique field already holds this value on another record of the object."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field}={value} already exists")
        self.field = field
        self.value = value


@dataclass(frozen=True, slots=True)
class Row:
    """One stored record: RECORDNO and every field in stored form (dotted names flat)."""

    recordno: int
    values: Mapping[str, Stored]


class IntacctStore:
    """Records of the sandbox company in one SQLite file; safe to share between threads."""

    def __init__(
        self,
        path: str | Path,
        catalogs: Mapping[str, ObjectInfo] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.path = str(path)
        self.catalogs: Mapping[str, ObjectInfo] = (
            catalogs if catalogs is not None else load_catalogs().intacct
        )
        self.clock = clock
        self.write_lock = threading.RLock()
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self._closed = False
        with self.connection() as conn:
            conn.executescript(_SCHEMA)

    # -- connections ---------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA case_sensitive_like=ON")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a pooled connection (autocommit mode; callers manage transactions)."""
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._pool_lock:
                if self._closed:
                    conn.close()
                else:
                    self._pool.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the write lock: committed on success, else rolled back."""
        with self.write_lock, self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the idle connections now and each borrowed one when it is given back.

        A request thread may still be using its connection when the server gives up waiting
        for it; closing a SQLite connection under a running statement crashes the process.
        """
        with self._pool_lock:
            self._closed = True
            while True:
                try:
                    self._pool.get_nowait().close()
                except queue.Empty:
                    break

    # -- catalog helpers -------------------------------------------------------------

    def key_field(self, obj: str) -> str | None:
        """The business key field of `obj` (readByName key), if it has one."""
        info = self.catalogs.get(obj)
        if info is not None:
            return info.key
        return PROTOCOL_KEYS.get(obj)

    def field(self, obj: str, name: str) -> FieldInfo | None:
        """The catalog field `name` of `obj`, or None."""
        info = self.catalogs.get(obj)
        return info.fields.get(name) if info is not None else None

    def column(self, obj: str, name: str) -> str:
        """The SQL expression that yields field `name` of `obj` in stored form."""
        if name in COLUMNS:
            return COLUMNS[name]
        if name == self.key_field(obj):
            return "key"
        quoted = name.replace('"', '""')
        return f"json_extract(data, '$.\"{quoted}\"')"

    # -- low-level operations (caller holds a connection / transaction) ---------------

    def insert_row(self, conn: sqlite3.Connection, obj: str, values: Mapping[str, Stored]) -> Row:
        """Insert one record; RECORDNO and audit fields are assigned here."""
        now = stamp(self.clock())
        data: dict[str, Stored] = {
            k: v for k, v in values.items() if v is not None and k not in COLUMNS
        }
        self._audit(obj, data, created=True)
        key_field = self.key_field(obj)
        key = _key_text(data.get(key_field)) if key_field else None
        self._check_unique(conn, obj, data, key_field, key, None)
        created = _created_value(values.get("WHENCREATED"), now)
        cursor = conn.execute(
            "INSERT INTO records(object, key, whencreated, whenmodified, data) VALUES (?,?,?,?,?)",
            (obj, key, created, now, _dumps(data)),
        )
        recordno = int(cursor.lastrowid or 0)
        if key_field and key is None:
            data[key_field] = str(recordno)
            conn.execute(
                "UPDATE records SET key = ?, data = ? WHERE recordno = ?",
                (str(recordno), _dumps(data), recordno),
            )
        return Row(recordno, _merged(recordno, created, now, data))

    def update_row(
        self, conn: sqlite3.Connection, obj: str, row: Row, changes: Mapping[str, Stored]
    ) -> Row:
        """Apply `changes` (None clears a field) to `row`; WHENMODIFIED moves to now."""
        now = stamp(self.clock())
        data = {k: v for k, v in row.values.items() if k not in COLUMNS}
        for name, value in changes.items():
            if name in COLUMNS:
                continue
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        self._audit(obj, data, created=False)
        key_field = self.key_field(obj)
        key = _key_text(data.get(key_field)) if key_field else None
        self._check_unique(conn, obj, data, key_field, key, row.recordno)
        created = _created_value(row.values.get("WHENCREATED"), now)
        conn.execute(
            "UPDATE records SET key = ?, whenmodified = ?, data = ? WHERE recordno = ?",
            (key, now, _dumps(data), row.recordno),
        )
        return Row(row.recordno, _merged(row.recordno, created, now, data))

    def delete_row(self, conn: sqlite3.Connection, obj: str, recordno: int) -> bool:
        """Delete one record; False when it did not exist."""
        cursor = conn.execute(
            "DELETE FROM records WHERE object = ? AND recordno = ?", (obj, recordno)
        )
        return cursor.rowcount > 0

    def rows_by_recordno(
        self, conn: sqlite3.Connection, obj: str, recordnos: Sequence[int]
    ) -> list[Row]:
        """The records of `obj` with these RECORDNOs, in the order asked (missing ones skipped)."""
        found: dict[int, Row] = {}
        for start in range(0, len(recordnos), 900):
            chunk = list(recordnos[start : start + 900])
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT recordno, whencreated, whenmodified, data FROM records "
                f"WHERE object = ? AND recordno IN ({marks})"
            )
            for row in conn.execute(sql, [obj, *chunk]):
                found[row[0]] = _row(row)
        return [found[n] for n in recordnos if n in found]

    def rows_by_key(self, conn: sqlite3.Connection, obj: str, keys: Sequence[str]) -> list[Row]:
        """The records of `obj` whose business key is one of `keys`, in the order asked."""
        found: dict[str, Row] = {}
        for key in keys:
            row = conn.execute(
                "SELECT recordno, whencreated, whenmodified, data FROM records "
                "WHERE object = ? AND key = ?",
                (obj, key),
            ).fetchone()
            if row is not None:
                found[key] = _row(row)
        return [found[k] for k in keys if k in found]

    def rows_where(
        self,
        conn: sqlite3.Connection,
        obj: str,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "recordno",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        """Records of `obj` matching an SQL condition built by `query.py`."""
        sql = "SELECT recordno, whencreated, whenmodified, data FROM records WHERE object = ?"
        sql += f" AND ({where})" if where else ""
        sql += f" ORDER BY {_order(order, where)} LIMIT ? OFFSET ?"
        rows = conn.execute(sql, [obj, *params, -1 if limit is None else limit, offset])
        return [_row(r) for r in rows]

    def ids_where(
        self, conn: sqlite3.Connection, obj: str, where: str = "", params: Sequence[Any] = ()
    ) -> list[int]:
        """RECORDNOs of `obj` matching a condition, ascending."""
        sql = "SELECT recordno FROM records WHERE object = ?"
        sql += f" AND ({where})" if where else ""
        sql += f" ORDER BY {_order('recordno', where)}"
        return [r[0] for r in conn.execute(sql, [obj, *params])]

    def count_where(
        self, conn: sqlite3.Connection, obj: str, where: str = "", params: Sequence[Any] = ()
    ) -> int:
        """How many records of `obj` match a condition."""
        sql = "SELECT count(*) FROM records WHERE object = ?"
        sql += f" AND ({where})" if where else ""
        return int(conn.execute(sql, [obj, *params]).fetchone()[0])

    def next_sequence(self, conn: sqlite3.Connection, name: str) -> int:
        """The next number of a named document sequence (1, 2, ...)."""
        conn.execute(
            "INSERT INTO sequences(name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return int(
            conn.execute("SELECT value FROM sequences WHERE name = ?", (name,)).fetchone()[0]
        )

    def function_completed(
        self, conn: sqlite3.Connection, sender: str, company: str, controlid: str
    ) -> bool:
        """True when this function controlid already executed and completed (uniqueid)."""
        row = conn.execute(
            "SELECT 1 FROM completed_functions WHERE sender = ? AND company = ? AND controlid = ?",
            (sender, company, controlid),
        ).fetchone()
        return row is not None

    def mark_completed(
        self, conn: sqlite3.Connection, sender: str, company: str, controlid: str
    ) -> None:
        """Remember a completed function controlid (in the caller's transaction)."""
        conn.execute(
            "INSERT OR IGNORE INTO completed_functions VALUES (?, ?, ?, ?)",
            (sender, company, controlid, stamp(self.clock())),
        )

    def _audit(self, obj: str, data: dict[str, Stored], created: bool) -> None:
        info = self.catalogs.get(obj)
        if info is None:
            return
        names = ("CREATEDBY", "MODIFIEDBY") if created else ("MODIFIEDBY",)
        for name in names:
            if name in info.fields:
                data[name] = AUDIT_USER

    def _check_unique(
        self,
        conn: sqlite3.Connection,
        obj: str,
        data: Mapping[str, Stored],
        key_field: str | None,
        key: str | None,
        recordno: int | None,
    ) -> None:
        if key_field and key is not None:
            self._refuse_taken(conn, obj, "key", key, recordno, key_field)
        info = self.catalogs.get(obj)
        if info is None:
            return
        for name, spec in info.fields.items():
            if spec.unique and name not in COLUMNS and name != key_field and name in data:
                self._refuse_taken(conn, obj, self.column(obj, name), data[name], recordno, name)

    def _refuse_taken(
        self,
        conn: sqlite3.Connection,
        obj: str,
        column: str,
        value: Stored,
        recordno: int | None,
        name: str,
    ) -> None:
        sql = f"SELECT recordno FROM records WHERE object = ? AND {column} = ? AND recordno != ?"
        if conn.execute(sql, (obj, value, recordno or -1)).fetchone() is not None:
            raise DuplicateValue(name, format_stored(None, value))

    # -- public Python API (seeding, tests) ----------------------------------------

    def to_stored(self, obj: str, fields: Mapping[str, Any]) -> dict[str, Stored]:
        """Python or wire values -> stored form, by the object's catalog field types."""
        return {name: from_python(self.field(obj, name), v) for name, v in fields.items()}

    def to_wire(self, obj: str, row: Row) -> dict[str, str]:
        """A stored row as the gateway would print it: wire text, dotted names flat."""
        return {n: format_stored(self.field(obj, n), v) for n, v in row.values.items()}

    def with_defaults(self, obj: str, values: Mapping[str, Stored]) -> dict[str, Stored]:
        """`values` plus catalog defaults for the fields not given."""
        result = dict(values)
        info = self.catalogs.get(obj)
        if info is None:
            return result
        for name, spec in info.fields.items():
            if spec.default is not None and result.get(name) is None and not spec.readonly:
                result[name] = from_python(spec, spec.default)
        return result

    def insert(self, obj: str, fields: Mapping[str, Any]) -> dict[str, str]:
        """Insert one record (catalog defaults applied, no required-field check)."""
        return self.insert_many(obj, [fields])[0]

    def insert_many(self, obj: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
        """Insert records in one transaction; returns them as the gateway would print them."""
        with self.transaction() as conn:
            rows = [
                self.insert_row(conn, obj, self.with_defaults(obj, self.to_stored(obj, r)))
                for r in records
            ]
        return [self.to_wire(obj, r) for r in rows]

    def update(self, obj: str, recordno: int, fields: Mapping[str, Any]) -> dict[str, str]:
        """Change fields of one record (None or "" clears); KeyError when it does not exist."""
        with self.transaction() as conn:
            rows = self.rows_by_recordno(conn, obj, [recordno])
            if not rows:
                raise KeyError(f"{obj} {recordno}")
            row = self.update_row(conn, obj, rows[0], self.to_stored(obj, fields))
        return self.to_wire(obj, row)

    def delete(self, obj: str, recordno: int) -> bool:
        """Delete one record; False when it did not exist."""
        with self.transaction() as conn:
            return self.delete_row(conn, obj, recordno)

    def get(self, obj: str, recordno: int) -> dict[str, str] | None:
        """One record by RECORDNO, or None."""
        with self.connection() as conn:
            rows = self.rows_by_recordno(conn, obj, [recordno])
        return self.to_wire(obj, rows[0]) if rows else None

    def find(self, obj: str, key: str) -> dict[str, str] | None:
        """One record by its business key (CUSTOMERID, ITEMID, DOCID...), or None."""
        with self.connection() as conn:
            rows = self.rows_by_key(conn, obj, [key])
        return self.to_wire(obj, rows[0]) if rows else None

    def list(self, obj: str) -> list[dict[str, str]]:
        """Every record of `obj`, by RECORDNO."""
        with self.connection() as conn:
            rows = self.rows_where(conn, obj)
        return [self.to_wire(obj, r) for r in rows]

    def count(self, obj: str) -> int:
        """How many records `obj` has."""
        with self.connection() as conn:
            return self.count_where(conn, obj)

    def objects(self) -> dict[str, int]:
        """Record counts per object name (objects with at least one record)."""
        with self.connection() as conn:
            rows = conn.execute("SELECT object, count(*) FROM records GROUP BY object")
            return {name: int(n) for name, n in rows}


def _dumps(data: Mapping[str, Stored]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _key_text(value: Stored) -> str | None:
    if value is None:
        return None
    return format_stored(None, value)


def _created_value(given: Stored, now: str) -> str:
    return given if isinstance(given, str) and given else now


def _merged(
    recordno: int, created: str, modified: str, data: Mapping[str, Stored]
) -> dict[str, Stored]:
    values: dict[str, Stored] = {"RECORDNO": recordno}
    values.update(data)
    values["WHENCREATED"] = created
    values["WHENMODIFIED"] = modified
    return values


def _row(row: tuple[Any, ...]) -> Row:
    recordno, created, modified, data = row
    return Row(recordno, _merged(recordno, created, modified, json.loads(data)))
