"""The interface the runner uses for both services, and the per-record write result.

Records cross this boundary as flat dicts keyed by catalog field names (dotted paths
for nested Intacct values, e.g. "DISPLAYCONTACT.MAILADDRESS.CITY"), with Python values
typed per the catalog: str, int, Decimal, bool, datetime.date, datetime.datetime (naive
for Intacct, aware UTC for Salesforce) and None for empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mapsync.engine.connectors.probes import Answer, IntacctQuestion, SalesforceQuestion
from mapsync.engine.errors import SyncError
from mapsync.engine.record import Record
from mapsync.engine.watermark import Watermark

__all__ = [
    "CallCounter",
    "IntacctAPI",
    "ReadBack",
    "Record",
    "SalesforceAPI",
    "Watermark",
    "WriteResult",
]



@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one record of a batch write, in the order the records were given."""

    index: int
    ok: bool
    record_id: str | None = None  # RECORDNO (as str) or Salesforce Id
    key: str | None = None  # business key (CUSTOMERID, legacy <key>, external id value)
    created: bool = False
    error: SyncError | None = None
    # Intacct creates asked to read back: the record Intacct holds under the key sent (the
    # one just created, or, when the create failed, one that already had the key).
    row: Record | None = None


@dataclass(frozen=True, slots=True)
class ReadBack:
    """What an Intacct create reads back, in the request that creates: the fields of the
    records by `key_field` (values Intacct computed, such as RECORDNO and defaults)."""

    key_field: str
    fields: Sequence[str]
    docparid: str | None = None


@dataclass(slots=True)
class CallCounter:
    """API calls made by one client, per operation name, and by the calling thread.

    Mappings running side by side share one client, each in its own thread: what one
    mapping cost is `by_this_thread` before and after it, not `total`, which also counts
    the calls of the mappings running beside it.
    """

    calls: dict[str, int] = field(default_factory=dict)
    # called with the operation before each request is sent: may refuse it (LimitExceeded)
    gate: Callable[[str], None] | None = field(default=None, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _mine: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def add(self, operation: str, n: int = 1) -> None:
        """Count `n` calls of `operation` (first passing them through `gate`)."""
        if self.gate is not None:
            self.gate(operation)
        with self._lock:
            self.calls[operation] = self.calls.get(operation, 0) + n
        self._mine.total = getattr(self._mine, "total", 0) + n

    @property
    def total(self) -> int:
        """All calls made."""
        with self._lock:
            return sum(self.calls.values())

    @property
    def by_this_thread(self) -> int:
        """The calls made from the calling thread."""
        return int(getattr(self._mine, "total", 0))


class IntacctAPI(Protocol):
    """What the runner needs from the Intacct connector."""

    counter: CallCounter

    def read_changed(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        *,
        docparid: str | None = None,
        where: str | None = None,
    ) -> Iterator[Record]:
        """Records modified at or after `since` (all when None); order is the server's, so
        advance a watermark only to the greatest (WHENMODIFIED, RECORDNO) of a whole stream."""
        ...

    def read_by_keys(
        self,
        obj: str,
        key_field: str,
        keys: Sequence[str],
        fields: Sequence[str],
        *,
        docparid: str | None = None,
    ) -> list[Record]:
        """Records whose `key_field` is one of `keys` (batched, values escaped)."""
        ...

    def read_by_key_sets(
        self,
        obj: str,
        wanted: Mapping[str, Sequence[str]],
        fields: Sequence[str],
        *,
        docparid: str | None = None,
    ) -> dict[str, list[Record]]:
        """For each field of `wanted`, the records whose field is one of its keys: every
        look-up in one request (its pages, if any, follow)."""
        ...

    def create(
        self,
        obj: str,
        records: Sequence[Mapping[str, Any]],
        *,
        read_back: ReadBack | None = None,
    ) -> list[WriteResult]:
        """Create records (many functions per request, uniqueid on); one result per record.

        With `read_back`, each result's `row` is the record as Intacct holds it, read in the
        same request as the creates."""
        ...

    def update(self, obj: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update records identified by RECORDNO or key; one result per record."""
        ...

    def delete(self, obj: str, record_ids: Sequence[str]) -> list[WriteResult]:
        """Delete records by RECORDNO; one result per record."""
        ...

    def create_sotransaction(
        self, transaction: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]
    ) -> WriteResult:
        """Legacy create_sotransaction; the result's key is the returned <key>."""
        ...

    def create_sotransactions(
        self, documents: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]]
    ) -> list[WriteResult]:
        """Several create_sotransaction functions, batched like other writes."""
        ...

    def changed_since(self, questions: Sequence[IntacctQuestion]) -> list[Answer]:
        """For each question, whether a record changed since its watermark: one `query`
        function each, all in as few requests as the functions cap allows (probe.py)."""
        ...


class SalesforceAPI(Protocol):
    """What the runner needs from the Salesforce connector."""

    counter: CallCounter

    def read_changed(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        *,
        include_deleted: bool = False,
        where: str | None = None,
    ) -> Iterator[Record]:
        """Records with SystemModstamp at or after `since`, ordered by SystemModstamp, Id."""
        ...

    def read_by_keys(
        self, obj: str, key_field: str, keys: Sequence[str], fields: Sequence[str]
    ) -> list[Record]:
        """Records whose `key_field` is one of `keys` (SOQL IN, values escaped, chunked)."""
        ...

    def upsert(
        self, obj: str, external_id_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[WriteResult]:
        """Upsert by external id: Collections (200 a call) or Bulk API 2.0 above the threshold."""
        ...

    def update(self, obj: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update records by Id (each record has "Id")."""
        ...

    def delete(self, obj: str, record_ids: Sequence[str]) -> list[WriteResult]:
        """Delete records by Id."""
        ...

    def changed_since(self, questions: Sequence[SalesforceQuestion]) -> list[Answer]:
        """For each question, whether anything changed: /composite calls of up to 25
        subrequests (5 of them queries), each counted as one API call. A ReadQuestion's
        answer holds the first page of its read."""
        ...

    def resume(
        self, obj: str, fields: Sequence[str], page: Any, *, include_deleted: bool = False
    ) -> Iterator[Record]:
        """The records `read_changed(obj, fields, ...)` yields, from its first `page` on."""
        ...
