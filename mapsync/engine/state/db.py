"""One SQL connection as every part of the store uses it, whatever the backend.

The parts write their SQL once, with `?` placeholders and SQL that SQLite and PostgreSQL
both run (upserts with ON CONFLICT, RETURNING, savepoints); `Db` translates placeholders
for psycopg and runs transactions the same way on both.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal

Dialect = Literal["sqlite", "postgres"]
CHUNK = 500  # identifiers per IN (...) query, well under SQLite's variable limit


class Db:
    """A DB-API connection in autocommit mode, with explicit (nestable) transactions.

    `label` names the store in messages (a file path, or a URL with its password masked).
    Mappings running side by side share one `Db`: a transaction holds it for its whole
    length, so another thread's statements never land inside it, and a statement outside
    one reads only what is committed. On the shared connection a thread would see another's
    uncommitted writes, so every result is read whole while the `Db` is held (`Rows`):
    stepping a SQLite cursor later could show rows of a transaction opened since.
    """

    def __init__(self, conn: Any, dialect: Dialect, label: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.label = label
        self._depth = 0
        self.closed = False
        self._lock = threading.RLock()

    def sql(self, text: str) -> str:
        """`text` with placeholders as this backend's driver wants them."""
        return text.replace("?", "%s") if self.dialect == "postgres" else text

    def execute(self, text: str, params: Sequence[Any] = ()) -> Rows:
        """Run one statement; returns all its rows (iterate them, or fetchone())."""
        with self._lock:
            if self.dialect == "sqlite":
                return Rows(self.conn.execute(text, tuple(params)))
            return Rows(self.conn.execute(self.sql(text), tuple(params) or None))

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""
        rows = list(rows)
        if not rows:
            return
        with self._lock:
            if self.dialect == "postgres":
                with self.conn.cursor() as cursor:
                    cursor.executemany(self.sql(text), rows)
            else:
                self.conn.executemany(text, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; nests as savepoints."""
        with self._lock:
            yield from self._transaction()

    def _transaction(self) -> Iterator[None]:
        commit: tuple[str, ...]
        rollback: tuple[str, ...]
        if self._depth == 0:
            begin = "BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN"
            commit, rollback = ("COMMIT",), ("ROLLBACK",)
        else:
            name = f"sp{self._depth}"
            begin, commit = f"SAVEPOINT {name}", (f"RELEASE {name}",)
            rollback = (f"ROLLBACK TO {name}", f"RELEASE {name}")
        self.conn.execute(begin)
        self._depth += 1
        try:
            yield
        except BaseException:
            if not self.closed:  # closing the connection already rolled it back
                for statement in rollback:
                    self.conn.execute(statement)
            raise
        else:
            for statement in commit:
                self.conn.execute(statement)
        finally:
            self._depth -= 1

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back."""
        self.closed = True
        self.conn.close()


class Rows:
    """The whole result of one statement, read from the driver's cursor at once.

    Iterating it never goes back to the connection, so what a thread reads cannot change
    under it as other threads write. Offers the cursor methods the store uses.
    """

    __slots__ = ("_rows", "_next", "description")

    def __init__(self, cursor: Any) -> None:
        self.description: Any = cursor.description
        # psycopg refuses fetchall() after a statement that returns no rows
        self._rows: list[Any] = [] if cursor.description is None else cursor.fetchall()
        self._next = 0

    def fetchone(self) -> Any:
        """The next row, or None when there is none."""
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        """The rows not taken yet."""
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row


def chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """`values` in lists of at most CHUNK, for IN (...) queries."""
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def marks(count: int) -> str:
    """`?,?,?` for an IN (...) list of `count` values."""
    return ",".join("?" * count)


def now() -> str:
    """The current UTC time as stored (ISO 8601 with microseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def dumps(value: Any) -> str | None:
    """Stored JSON text of a value (None stays NULL)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


class Encoded(str):
    """JSON text encoded already (by `dumps_in_order`), stored as it is where a value is
    expected: a shadow held with a write that waits for a Bulk API 2.0 job is encoded once,
    when the write is held."""

    __slots__ = ()


def dumps_in_order(value: Any) -> str:
    """Stored JSON text of a value whose keys come in a stable order already (shadows: rule
    order), without sorting them: a third less time for the shadows a sync stores for every
    record it writes. `Encoded` text is returned as it is."""
    if isinstance(value, Encoded):
        return str(value)
    return _IN_ORDER(value)


def loads(text: str | None) -> Any:
    """The value of stored JSON text."""
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


_IN_ORDER = json.JSONEncoder(
    separators=(",", ":"), check_circular=False, default=_jsonable
).encode


class Part:
    """Base of the store's parts (links, watermarks, runs...): they share one `Db`."""

    db: Db

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """All writes inside commit together or not at all; nests as savepoints."""
        with self.db.transaction():
            yield self
