"""`StateStore`: what the runner and the commands need from a state store, any backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from mapsync.engine.record import Side
from mapsync.engine.state.records import ChunkWrites, ConflictRecord, ErrorRecord, Link, Run
from mapsync.engine.watermark import Watermark


class StateStore(Protocol):
    """The state of one company pair. SQLite (`SqlStore` over a file) and PostgreSQL
    (`SqlStore` over a schema of a database) both implement it; `open_store` picks one."""

    label: str
    dialect: str

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        ...

    def close(self) -> None:
        """Close the store; an open transaction is rolled back."""
        ...

    def __enter__(self) -> StateStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def transaction(self) -> AbstractContextManager[Any]:
        """All writes inside commit together or not at all; nests."""
        ...

    # links and shadows
    def link(
        self,
        mapping: str,
        intacct_key: str,
        salesforce_id: str,
        intacct_recordno: str | None = None,
    ) -> None:
        """Record that two records are the same."""
        ...

    def link_many(self, mapping: str, links: Iterable[tuple[str, str | None, str]]) -> None:
        """Link many (intacct_key, intacct_recordno, salesforce_id) pairs."""
        ...

    def unlink(self, mapping: str, intacct_key: str) -> None:
        """Forget a pair and its shadow."""
        ...

    def links_by_intacct_keys(self, mapping: str, keys: Iterable[str]) -> dict[str, Link]:
        """Existing links by Intacct key."""
        ...

    def links_by_salesforce_ids(self, mapping: str, ids: Iterable[str]) -> dict[str, Link]:
        """Existing links by Salesforce Id."""
        ...

    def links_with_shadows(
        self, mapping: str, side: Side, values: Iterable[str]
    ) -> dict[str, tuple[Link, Any]]:
        """Links of Intacct keys (`side` "intacct") or Salesforce Ids, with their shadows."""
        ...

    def links_by_recordnos(self, mapping: str, recordnos: Iterable[str]) -> dict[str, Link]:
        """Existing links by Intacct RECORDNO."""
        ...

    def all_links(self, mapping: str) -> Iterator[Link]:
        """Every link of a mapping, by Intacct key."""
        ...

    def count_links(self, mapping: str) -> int:
        """How many pairs of a mapping are linked."""
        ...

    def ref_resolver(self) -> Callable[[str, Side], Mapping[str, str]]:
        """A `transforms.RefResolver` reading this store."""
        ...

    def save_shadows(self, mapping: str, shadows: Mapping[str, Any]) -> None:
        """Store the last synced values per Intacct key."""
        ...

    def shadows(self, mapping: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored shadows of the given Intacct keys."""
        ...

    # watermarks
    def watermark(self, mapping: str, side: Side) -> Watermark | None:
        """Where the last committed incremental read ended."""
        ...

    def set_watermark(
        self,
        mapping: str,
        side: Side,
        mark: Watermark,
        *,
        window_read_at: dt.datetime | None = None,
    ) -> None:
        """Move a watermark inside the transaction of the writes it covers."""
        ...

    def window_read_at(self, mapping: str, side: Side) -> dt.datetime | None:
        """When a read last covered the overlap window for good."""
        ...

    def reset_watermarks(self, mapping: str | None = None) -> None:
        """Forget watermarks so the next run reads everything."""
        ...

    # runs, errors, conflicts
    def start_run(self, command: str) -> int:
        """Record a run starting."""
        ...

    def finish_run(self, run_id: int, status: str, counts: Any = None) -> None:
        """Record a run's end."""
        ...

    def runs(self, limit: int = 20) -> list[Run]:
        """The latest runs, newest first."""
        ...

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
        """Store a failed record."""
        ...

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
        """`record_error` for an exception."""
        ...

    def errors(
        self,
        *,
        status: str | None = "open",
        ids: Iterable[int] | None = None,
        mapping: str | None = None,
        transient: bool | None = None,
    ) -> list[ErrorRecord]:
        """Stored errors, oldest first."""
        ...

    def resolve_errors(self, mapping: str, side: str, record_keys: Iterable[str]) -> None:
        """Close the open errors of records that have now synced."""
        ...

    def write_chunk(self, mapping: str, run_id: int | None, writes: ChunkWrites) -> None:
        """Store all of a chunk's writes in one transaction."""
        ...

    def resolve_error(self, error_id: int) -> None:
        """Close one error by id."""
        ...

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
        """Record a `<->` conflict."""
        ...

    def conflicts(
        self, *, run_id: int | None = None, mapping: str | None = None
    ) -> list[ConflictRecord]:
        """Logged conflicts, oldest first."""
        ...
