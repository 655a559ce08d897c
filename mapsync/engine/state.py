"""The state store: what mapsync remembers between runs, in one SQLite file.

    store = StateStore.open(".mapsync/state.db")
    with store.transaction():                      # one batch: all or nothing
        store.link_many("Customer", [("C1", "12", "001A...")])
        store.save_shadows("Customer", {"C1": {"i": {...}, "s": {...}}})
        store.set_watermark("Customer", "intacct", Watermark(modified, "12"))

Tables (schema version 2; `schema_version` holds the version, `MIGRATIONS` upgrades):

    xref        mapping, intacct_key, intacct_recordno, salesforce_id, linked_at
                one row per linked pair; unique per mapping on each side's identifier
    shadow      mapping, intacct_key, values_json, synced_at
                last synced values of a pair (JSON, as the runner gives them)
    watermark   mapping, side, modified, record_id, updated_at, window_read_at (v2)
                incremental read position per mapping and side
    run         id, command, started_at, ended_at, status, counts_json
    error       id, run_id, mapping, side, rule, record_key, error_type, error_code,
                message, payload_json, transient, status (open|resolved), attempts,
                created_at, updated_at; at most one open error per mapping/side/record
    conflict    id, run_id, mapping, record_key, field, intacct_value, salesforce_value,
                winner, policy, at

Crash safety: WAL journal with full sync; every write method runs inside the caller's
`transaction()` when there is one (so a watermark commits with the writes it covers) or
in its own otherwise. A process killed mid-batch leaves the previous commit intact.
One process writes a store at a time (SQLite takes the write lock per transaction).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from mapsync.engine.connectors.base import Watermark

Side = Literal["intacct", "salesforce"]
Migration = Callable[[sqlite3.Connection], None]
DEFAULT_PATH = Path(".mapsync") / "state.db"
_CHUNK = 500  # identifiers per IN (...) query, well under SQLite's variable limit


class StateError(Exception):
    """The state store cannot be used (newer schema, unreadable file): see the message."""


@dataclass(frozen=True, slots=True)
class Link:
    """A linked pair of records of one mapping."""

    mapping: str
    intacct_key: str
    intacct_recordno: str | None
    salesforce_id: str
    linked_at: str


@dataclass(frozen=True, slots=True)
class Run:
    """One run of `sync`, `replay`, `demo`...; `status` is running, ok, failed or interrupted."""

    id: int
    command: str
    started_at: str
    ended_at: str | None
    status: str
    counts: Any


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A record that failed: what, where (rule file:line) and the payload that was sent."""

    id: int
    run_id: int | None
    mapping: str
    side: str
    rule: str | None
    record_key: str | None
    error_type: str
    error_code: str | None
    message: str
    payload: Any
    transient: bool
    status: str
    attempts: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """A `<->` field both sides changed, the two values and which side won under `policy`."""

    id: int
    run_id: int | None
    mapping: str
    record_key: str
    field: str
    intacct_value: Any
    salesforce_value: Any
    winner: str
    policy: str
    at: str


def _migrate_1(conn: sqlite3.Connection) -> None:
    # One statement at a time: executescript() would commit the migration's transaction.
    for statement in _SCHEMA_1.split(";"):
        if statement.strip():
            conn.execute(statement)


_SCHEMA_1 = """
        CREATE TABLE xref (
            mapping TEXT NOT NULL,
            intacct_key TEXT NOT NULL,
            intacct_recordno TEXT,
            salesforce_id TEXT NOT NULL,
            linked_at TEXT NOT NULL,
            PRIMARY KEY (mapping, intacct_key),
            UNIQUE (mapping, salesforce_id)
        );
        CREATE INDEX xref_recordno ON xref (mapping, intacct_recordno);
        CREATE TABLE shadow (
            mapping TEXT NOT NULL,
            intacct_key TEXT NOT NULL,
            values_json TEXT NOT NULL,
            synced_at TEXT NOT NULL,
            PRIMARY KEY (mapping, intacct_key)
        );
        CREATE TABLE watermark (
            mapping TEXT NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('intacct', 'salesforce')),
            modified TEXT,
            record_id TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (mapping, side)
        );
        CREATE TABLE run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,
            counts_json TEXT
        );
        CREATE TABLE error (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER REFERENCES run (id),
            mapping TEXT NOT NULL,
            side TEXT NOT NULL,
            rule TEXT,
            record_key TEXT,
            error_type TEXT NOT NULL,
            error_code TEXT,
            message TEXT NOT NULL,
            payload_json TEXT,
            transient INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
            attempts INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX error_open ON error (mapping, side, record_key)
            WHERE status = 'open';
        CREATE TABLE conflict (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER REFERENCES run (id),
            mapping TEXT NOT NULL,
            record_key TEXT NOT NULL,
            field TEXT NOT NULL,
            intacct_value TEXT,
            salesforce_value TEXT,
            winner TEXT NOT NULL,
            policy TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """


def _migrate_2(conn: sqlite3.Connection) -> None:
    # When a read last covered the overlap window below the watermark, late enough that
    # nothing older can still appear; from then on reads start at the watermark itself.
    conn.execute("ALTER TABLE watermark ADD COLUMN window_read_at TEXT")


MIGRATIONS: tuple[Migration, ...] = (_migrate_1, _migrate_2)
"""Schema upgrades in order: MIGRATIONS[n] takes a store from version n to n + 1."""


class StateStore:
    """The state of one mapsync project. Open with `StateStore.open(path)`; close when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._depth = 0
        self._closed = False

    @classmethod
    def open(
        cls, path: str | Path = DEFAULT_PATH, *, migrations: Sequence[Migration] = MIGRATIONS
    ) -> StateStore:
        """Open (creating folders and file as needed) and bring the schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        store = cls(conn, path)
        try:
            store._configure()
            store._migrate(migrations)
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self) -> None:
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 10000")

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        with self.transaction():
            self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            version = self.schema_version
            if version > len(migrations):
                raise StateError(
                    f"{self.path} has schema version {version}, newer than this mapsync "
                    f"knows ({len(migrations)}): upgrade mapsync"
                )
            for number in range(version, len(migrations)):
                migrations[number](self._conn)
            self._conn.execute("DELETE FROM schema_version")
            self._conn.execute("INSERT INTO schema_version VALUES (?)", (len(migrations),))

    @property
    def schema_version(self) -> int:
        """The schema version of the open file (0 for a new one)."""
        row = self._conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        """Close the file; an open transaction is rolled back."""
        self._closed = True
        self._conn.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[StateStore]:
        """All writes inside commit together or not at all; nests as savepoints."""
        commit: tuple[str, ...]
        rollback: tuple[str, ...]
        if self._depth == 0:
            begin, commit, rollback = "BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",)
        else:
            name = f"sp{self._depth}"
            begin, commit, rollback = (
                f"SAVEPOINT {name}",
                (f"RELEASE {name}",),
                (f"ROLLBACK TO {name}", f"RELEASE {name}"),
            )
        self._conn.execute(begin)
        self._depth += 1
        try:
            yield self
        except BaseException:
            if not self._closed:  # closing the file already rolled the transaction back
                for statement in rollback:
                    self._conn.execute(statement)
            raise
        else:
            for statement in commit:
                self._conn.execute(statement)
        finally:
            self._depth -= 1

    # --- cross-reference ----------------------------------------------------------------

    def link(
        self,
        mapping: str,
        intacct_key: str,
        salesforce_id: str,
        intacct_recordno: str | None = None,
    ) -> None:
        """Record that two records are the same (replacing either's previous link)."""
        self.link_many(mapping, [(intacct_key, intacct_recordno, salesforce_id)])

    def link_many(self, mapping: str, links: Iterable[tuple[str, str | None, str]]) -> None:
        """Link many pairs given as (intacct_key, intacct_recordno, salesforce_id)."""
        now = _now()
        rows = [(mapping, key, recordno, sf_id, now) for key, recordno, sf_id in links]
        with self.transaction():
            self._conn.executemany(
                "DELETE FROM xref WHERE mapping = ? AND salesforce_id = ? AND intacct_key <> ?",
                [(m, sf_id, key) for m, key, _, sf_id, _ in rows],
            )
            self._conn.executemany(
                """INSERT INTO xref VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (mapping, intacct_key) DO UPDATE SET
                   intacct_recordno = coalesce(excluded.intacct_recordno, intacct_recordno),
                   salesforce_id = excluded.salesforce_id, linked_at = excluded.linked_at""",
                rows,
            )

    def unlink(self, mapping: str, intacct_key: str) -> None:
        """Forget a pair and its shadow (after a delete was propagated)."""
        with self.transaction():
            for table in ("xref", "shadow"):
                self._conn.execute(
                    f"DELETE FROM {table} WHERE mapping = ? AND intacct_key = ?",
                    (mapping, intacct_key),
                )

    def links_by_intacct_keys(self, mapping: str, keys: Iterable[str]) -> dict[str, Link]:
        """The links of the given Intacct keys that exist, by key."""
        return {link.intacct_key: link for link in self._links(mapping, "intacct_key", keys)}

    def links_by_salesforce_ids(self, mapping: str, ids: Iterable[str]) -> dict[str, Link]:
        """The links of the given Salesforce Ids that exist, by Id."""
        return {link.salesforce_id: link for link in self._links(mapping, "salesforce_id", ids)}

    def links_by_recordnos(self, mapping: str, recordnos: Iterable[str]) -> dict[str, Link]:
        """The links of the given Intacct RECORDNOs that exist, by RECORDNO."""
        found = self._links(mapping, "intacct_recordno", recordnos)
        return {link.intacct_recordno: link for link in found if link.intacct_recordno}

    def _links(self, mapping: str, column: str, values: Iterable[str]) -> Iterator[Link]:
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            yield from (
                Link(*row)
                for row in self._conn.execute(
                    f"SELECT * FROM xref WHERE mapping = ? AND {column} IN ({marks})",
                    (mapping, *chunk),
                )
            )

    def all_links(self, mapping: str) -> Iterator[Link]:
        """Every link of a mapping, by Intacct key."""
        rows = self._conn.execute(
            "SELECT * FROM xref WHERE mapping = ? ORDER BY intacct_key", (mapping,)
        )
        return (Link(*row) for row in rows)

    def count_links(self, mapping: str) -> int:
        """How many pairs of a mapping are linked."""
        row = self._conn.execute("SELECT count(*) FROM xref WHERE mapping = ?", (mapping,))
        return int(row.fetchone()[0])

    def ref_resolver(self) -> Callable[[str, Side], RefCache]:
        """A `transforms.RefResolver` reading this store (one cache per mapping and side)."""
        caches: dict[tuple[str, Side], RefCache] = {}

        def resolve(mapping: str, side: Side) -> RefCache:
            return caches.setdefault((mapping, side), RefCache(self, mapping, side))

        return resolve

    # --- shadows --------------------------------------------------------------------------

    def save_shadows(self, mapping: str, shadows: Mapping[str, Any]) -> None:
        """Store the last synced values (any JSON value) per Intacct key of linked pairs."""
        now = _now()
        rows = [(mapping, key, _dumps(values), now) for key, values in shadows.items()]
        with self.transaction():
            self._conn.executemany("INSERT OR REPLACE INTO shadow VALUES (?, ?, ?, ?)", rows)

    def shadows(self, mapping: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored shadows of the given Intacct keys (absent keys have none)."""
        found: dict[str, Any] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for key, text in self._conn.execute(
                f"SELECT intacct_key, values_json FROM shadow WHERE mapping = ? "
                f"AND intacct_key IN ({marks})",
                (mapping, *chunk),
            ):
                found[key] = json.loads(text)
        return found

    # --- watermarks -------------------------------------------------------------------------

    def watermark(self, mapping: str, side: Side) -> Watermark | None:
        """Where the last committed incremental read of a mapping's side ended, if any."""
        row = self._conn.execute(
            "SELECT modified, record_id FROM watermark WHERE mapping = ? AND side = ?",
            (mapping, side),
        ).fetchone()
        if row is None:
            return None
        modified = dt.datetime.fromisoformat(row[0]) if row[0] else None
        return Watermark(modified=modified, record_id=row[1])

    def set_watermark(
        self,
        mapping: str,
        side: Side,
        mark: Watermark,
        *,
        window_read_at: dt.datetime | None = None,
    ) -> None:
        """Move a watermark; call inside the transaction of the writes it covers.

        `window_read_at`: when a read covered the overlap window below `mark` late enough
        to be final (see `window_read_at()`); None while it is not.
        """
        modified = mark.modified.isoformat() if mark.modified else None
        settled = window_read_at.isoformat() if window_read_at else None
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO watermark (mapping, side, modified, record_id, "
                "updated_at, window_read_at) VALUES (?, ?, ?, ?, ?, ?)",
                (mapping, side, modified, mark.record_id, _now(), settled),
            )

    def window_read_at(self, mapping: str, side: Side) -> dt.datetime | None:
        """When a read last covered the overlap window below the watermark for good."""
        row = self._conn.execute(
            "SELECT window_read_at FROM watermark WHERE mapping = ? AND side = ?", (mapping, side)
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def reset_watermarks(self, mapping: str | None = None) -> None:
        """Forget watermarks (of one mapping or all) so the next run reads everything."""
        with self.transaction():
            if mapping is None:
                self._conn.execute("DELETE FROM watermark")
            else:
                self._conn.execute("DELETE FROM watermark WHERE mapping = ?", (mapping,))

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        """Record a run starting; runs left `running` by a crash become `interrupted`."""
        with self.transaction():
            self._conn.execute("UPDATE run SET status = 'interrupted' WHERE status = 'running'")
            cursor = self._conn.execute(
                "INSERT INTO run (command, started_at, status) VALUES (?, ?, 'running')",
                (command, _now()),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, counts: Any = None) -> None:
        """Record a run's end, its status (ok, failed...) and its counts (any JSON value)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE run SET ended_at = ?, status = ?, counts_json = ? WHERE id = ?",
                (_now(), status, _dumps(counts), run_id),
            )

    def runs(self, limit: int = 20) -> list[Run]:
        """The latest runs, newest first."""
        rows = self._conn.execute("SELECT * FROM run ORDER BY id DESC LIMIT ?", (limit,))
        return [
            Run(
                id=row[0],
                command=row[1],
                started_at=row[2],
                ended_at=row[3],
                status=row[4],
                counts=_loads(row[5]),
            )
            for row in rows
        ]

    # --- errors -----------------------------------------------------------------------------

    def record_error(
        self,
        run_id: int | None,
        mapping: str,
        side: str,
        record_key: str | None,
        *,
        error_type: str,
        message: str,
        code: str | None = None,
        rule: str | None = None,
        payload: Any = None,
        transient: bool = False,
    ) -> int:
        """Store a failed record; a record that fails again bumps `attempts` of its open error."""
        now = _now()
        row = (
            run_id,
            mapping,
            side,
            rule,
            record_key,
            error_type,
            code,
            message,
            _dumps(payload),
            int(transient),
            now,
            now,
        )
        with self.transaction():
            cursor = self._conn.execute(
                """INSERT INTO error (run_id, mapping, side, rule, record_key, error_type,
                       error_code, message, payload_json, transient, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (mapping, side, record_key) WHERE status = 'open'
                   DO UPDATE SET run_id = excluded.run_id, rule = coalesce(excluded.rule, rule),
                       error_type = excluded.error_type, error_code = excluded.error_code,
                       message = excluded.message, payload_json = excluded.payload_json,
                       transient = excluded.transient, attempts = attempts + 1,
                       updated_at = excluded.updated_at
                   RETURNING id""",
                row,
            )
            return int(cursor.fetchone()[0])

    def record_exception(
        self,
        run_id: int | None,
        mapping: str,
        side: str,
        record_key: str | None,
        exc: BaseException,
        *,
        rule: str | None = None,
        payload: Any = None,
    ) -> int:
        """`record_error` for an exception (a SyncError gives its code and transient flag)."""
        to_dict = getattr(exc, "to_dict", None)
        info: Mapping[str, Any] = to_dict() if callable(to_dict) else {}
        return self.record_error(
            run_id,
            mapping,
            side,
            record_key,
            error_type=type(exc).__name__,
            message=str(exc),
            code=info.get("code"),
            rule=rule or getattr(exc, "rule", None),
            payload=payload,
            transient=bool(getattr(exc, "transient", False)),
        )

    def errors(
        self,
        *,
        status: str | None = "open",
        ids: Iterable[int] | None = None,
        mapping: str | None = None,
        transient: bool | None = None,
    ) -> list[ErrorRecord]:
        """Stored errors, oldest first, filtered by status, ids, mapping and transience."""
        where, params = _filters(status=status, mapping=mapping, transient=transient)
        if ids is not None:
            wanted = list(ids)
            where.append(f"id IN ({','.join('?' * len(wanted))})")
            params.extend(wanted)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(f"SELECT * FROM error {clause} ORDER BY id", params)
        return [_error_record(row) for row in rows]

    def resolve_errors(self, mapping: str, side: str, record_keys: Iterable[str]) -> None:
        """Close the open errors of records that have now synced."""
        with self.transaction():
            self._conn.executemany(
                "UPDATE error SET status = 'resolved', updated_at = ? WHERE mapping = ? "
                "AND side = ? AND record_key = ? AND status = 'open'",
                [(_now(), mapping, side, key) for key in record_keys],
            )

    def resolve_error(self, error_id: int) -> None:
        """Close one error by id."""
        with self.transaction():
            self._conn.execute(
                "UPDATE error SET status = 'resolved', updated_at = ? WHERE id = ?",
                (_now(), error_id),
            )

    # --- conflicts --------------------------------------------------------------------------

    def log_conflict(
        self,
        run_id: int | None,
        mapping: str,
        record_key: str,
        field: str,
        intacct_value: Any,
        salesforce_value: Any,
        winner: str,
        policy: str,
    ) -> None:
        """Record a `<->` conflict with both values and the policy's decision."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO conflict (run_id, mapping, record_key, field, intacct_value, "
                "salesforce_value, winner, policy, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    mapping,
                    record_key,
                    field,
                    _dumps(intacct_value),
                    _dumps(salesforce_value),
                    winner,
                    policy,
                    _now(),
                ),
            )

    def conflicts(
        self, *, run_id: int | None = None, mapping: str | None = None
    ) -> list[ConflictRecord]:
        """Logged conflicts, oldest first."""
        where, params = _filters(run_id=run_id, mapping=mapping)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(f"SELECT * FROM conflict {clause} ORDER BY id", params)
        return [_conflict_record(row) for row in rows]


TOMBSTONE = "deleted:"
"""Prefix of the Salesforce side of a link whose Salesforce record was deleted on purpose
(the Intacct record was deactivated): the pair stays linked so it is not copied back."""


def is_tombstone(salesforce_id: str) -> bool:
    """True for the link of an Intacct record whose Salesforce partner was deleted."""
    return salesforce_id.startswith(TOMBSTONE)


class RefCache(Mapping[str, str]):
    """Links of one mapping seen from one side, as `transforms` reads them for `ref` steps.

    `cache["C1"]` (side "salesforce") is the Salesforce Id linked to Intacct key C1;
    a miss asks the store (so pairs linked earlier in the run are found) and raises
    KeyError when there is no link. `prefetch(values)` loads a batch in one query.
    """

    def __init__(self, store: StateStore, mapping: str, side: Side) -> None:
        self._store = store
        self._mapping = mapping
        self._side = side
        self._known: dict[str, str] = {}

    def prefetch(self, values: Iterable[str]) -> None:
        """Load the links of many identifiers at once."""
        missing = [v for v in values if v not in self._known]
        if self._side == "salesforce":
            found = self._store.links_by_intacct_keys(self._mapping, missing)
            # A reference to a record deleted in Salesforce resolves to empty (no lookup).
            self._known.update(
                (k, "" if is_tombstone(link.salesforce_id) else link.salesforce_id)
                for k, link in found.items()
            )
        else:
            by_id = self._store.links_by_salesforce_ids(self._mapping, missing)
            self._known.update((k, link.intacct_key) for k, link in by_id.items())

    def __getitem__(self, value: str) -> str:
        try:
            return self._known[value]
        except KeyError:
            self.prefetch((value,))
        return self._known[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def _filters(**values: Any) -> tuple[list[str], list[Any]]:
    where = [f"{name} = ?" for name, value in values.items() if value is not None]
    params = [int(v) if isinstance(v, bool) else v for v in values.values() if v is not None]
    return where, params


def _error_record(row: tuple[Any, ...]) -> ErrorRecord:
    values = list(row)
    values[9] = _loads(values[9])
    values[10] = bool(values[10])
    return ErrorRecord(*values)


def _conflict_record(row: tuple[Any, ...]) -> ConflictRecord:
    values = list(row)
    values[5], values[6] = _loads(values[5]), _loads(values[6])
    return ConflictRecord(*values)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _jsonable(value: Any) -> Any:
    """JSON text for the Python values records carry (Decimal, dates, tuples)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
