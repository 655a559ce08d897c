"""SQLite tables behind the sandbox: one table per sObject, one column per field.

A connection is shared by the server threads behind one re-entrant lock; every request runs
in one transaction (`transaction()`), so a failed request leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.salesforce.ids import USER_ID, make_id
from mapsync.engine.sandbox.salesforce.schema import TEXT_TYPES, Schema, SObject, build_schema

_SQL_TYPES = {
    "integer": "INTEGER", "boolean": "INTEGER", "decimal": "REAL", "currency": "REAL",
    "percent": "REAL",
}


def quote(name: str) -> str:
    """A quoted SQL identifier (catalog names are plain, but never trust text in SQL)."""
    return '"' + name.replace('"', '""') + '"'


def _includes(stored: str | None, wanted: str) -> int:
    """SQL function: does multi-select value `stored` hold every `;` part of `wanted`?"""
    if stored is None:
        return 0
    have = {part.lower() for part in stored.split(";")}
    return int(all(part.lower() in have for part in wanted.split(";")))


class Database:
    """The sandbox's SQLite file: schema kept in step with the catalogs, rows per sObject."""

    def __init__(self, path: str | Path, objects: Iterable[ObjectInfo]) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.create_function("sf_includes", 2, _includes, deterministic=True)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _sandbox_prefixes (object TEXT PRIMARY KEY, prefix TEXT)"
        )
        known = dict(self.conn.execute("SELECT object, prefix FROM _sandbox_prefixes"))
        self.schema: Schema = build_schema(objects, known)
        self._sequences: dict[str, int] = {}
        # Called with the (object, Id) pairs a transaction created or changed, after COMMIT.
        self.observers: list[Callable[[list[tuple[str, str]]], None]] = []
        self._changed: list[tuple[str, str]] = []
        with self.transaction():
            for obj in self.schema.objects.values():
                self._sync_table(obj)

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and run the block in one transaction (nested calls join the outer one)."""
        with self.lock:
            if self.conn.in_transaction:
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._changed = []
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                self._changed = []
                raise
            self.conn.execute("COMMIT")
            changed, self._changed = self._changed, []
            for observer in list(self.observers) if changed else ():
                observer(changed)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested all-or-nothing block inside the current transaction."""
        with self.lock:
            self.conn.execute("SAVEPOINT sandbox_sp")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK TO sandbox_sp")
                self.conn.execute("RELEASE sandbox_sp")
                raise
            self.conn.execute("RELEASE sandbox_sp")

    def _sync_table(self, obj: SObject) -> None:
        table = quote(obj.name)
        self.conn.execute(
            "INSERT OR IGNORE INTO _sandbox_prefixes (object, prefix) VALUES (?, ?)",
            (obj.name, obj.prefix),
        )
        have = {row[1].lower() for row in self.conn.execute(f"PRAGMA table_info({table})")}
        columns = [
            f"{quote(name)} {_SQL_TYPES.get(info.type, 'TEXT')}"
            for name, info in obj.fields.items()
            if name.lower() not in have
        ]
        if not have:
            self.conn.execute(
                f"CREATE TABLE {table} (_seq INTEGER PRIMARY KEY, _deleted_date TEXT, "
                + ", ".join(columns) + ")"
            )
        for column in [] if not have else columns:
            self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        for name, info in obj.fields.items():
            if name == "Id" or info.unique or info.external_id or name == "SystemModstamp":
                collate = _collate(info)
                index = quote(f"ix_{obj.name}_{name}")
                self.conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({quote(name)}{collate})"
                )

    def next_id(self, obj: SObject) -> tuple[int, str]:
        """A new (sequence, Id) pair for `obj`."""
        with self.lock:
            seq = self._sequences.get(obj.name)
            if seq is None:
                row = self.conn.execute(f"SELECT MAX(_seq) FROM {quote(obj.name)}").fetchone()
                seq = int(row[0] or 0)
            seq += 1
            self._sequences[obj.name] = seq
            return seq, make_id(obj.prefix, seq)

    def insert(self, obj: SObject, values: Mapping[str, Any], stamp: str) -> str:
        """Insert a row of already-validated stored values; returns its new Id."""
        seq, record_id = self.next_id(obj)
        row = dict(values)
        row.update(
            Id=record_id, IsDeleted=0, CreatedDate=stamp, CreatedById=USER_ID,
            LastModifiedDate=stamp, LastModifiedById=USER_ID, SystemModstamp=stamp,
        )
        columns = ", ".join(["_seq", *(quote(c) for c in row)])
        marks = ", ".join("?" * (len(row) + 1))
        self.conn.execute(
            f"INSERT INTO {quote(obj.name)} ({columns}) VALUES ({marks})", (seq, *row.values())
        )
        self._changed.append((obj.name, record_id))
        return record_id

    def update(self, obj: SObject, record_id: str, values: Mapping[str, Any], stamp: str) -> None:
        """Set `values` (stored forms) on one row and stamp it as modified."""
        row = dict(values)
        row.update(LastModifiedDate=stamp, LastModifiedById=USER_ID, SystemModstamp=stamp)
        assignments = ", ".join(f"{quote(c)} = ?" for c in row)
        self.conn.execute(
            f"UPDATE {quote(obj.name)} SET {assignments} WHERE Id = ?", (*row.values(), record_id)
        )
        self._changed.append((obj.name, record_id))

    def soft_delete(self, obj: SObject, record_id: str, stamp: str) -> None:
        """Move one row to the recycle bin (IsDeleted = true)."""
        self.conn.execute(
            f"UPDATE {quote(obj.name)} SET IsDeleted = 1, SystemModstamp = ?, "
            "_deleted_date = ? WHERE Id = ?",
            (stamp, stamp, record_id),
        )

    def fetch(self, obj: SObject, record_id: str) -> dict[str, Any] | None:
        """One row's stored values by Id (deleted rows too), or None."""
        with self.lock:
            cursor = self.conn.execute(
                f"SELECT * FROM {quote(obj.name)} WHERE Id = ?", (record_id,)
            )
            row = cursor.fetchone()
            if row is None:
                return None
            names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True))

    def find_ids(self, obj: SObject, field: FieldInfo, value: Any) -> list[str]:
        """Ids of live rows whose `field` equals `value` (without case for text, unless the
        field is marked case-sensitive, as Salesforce compares unique and external IDs)."""
        collate = _collate(field)
        with self.lock:
            rows = self.conn.execute(
                f"SELECT Id FROM {quote(obj.name)} WHERE {quote(field.name)} = ?{collate} "
                "AND IsDeleted = 0 ORDER BY _seq",
                (value,),
            ).fetchall()
        return [r[0] for r in rows]

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read statement."""
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def rows(self, obj: SObject, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every row of `obj` in insertion order as {field: stored value}."""
        names = list(obj.fields)
        columns = ", ".join(quote(n) for n in names)
        where = "" if include_deleted else " WHERE IsDeleted = 0"
        found = self.select(f"SELECT {columns} FROM {quote(obj.name)}{where} ORDER BY _seq")
        return [dict(zip(names, row, strict=True)) for row in found]


def _collate(info: FieldInfo) -> str:
    """Text compares without case unless the field is marked case-sensitive; Ids always
    compare exactly (a 15-character Id is case-sensitive)."""
    if info.type in TEXT_TYPES - {"id"} and not info.case_sensitive:
        return " COLLATE NOCASE"
    return ""
