"""Batched writes: many functions per request, one result per record, never applied twice.

Each record becomes one function (so each gets its own `<result>`) with a controlid derived
from the record (controlids.py); requests go out `batch_size` functions at a time with
`uniqueid` on. Results are matched back to records by controlid.

De-duplication. When a function comes back "already executed" the gateway has run that
controlid before — either an earlier attempt of this very request whose answer was lost
(HTTP 5xx, 524, a cut connection) or an earlier run that sent the same record. Its outcome
is not in the answer, so it is checked, not assumed:

- create: the record is looked up by its key field (one readByQuery for all of a batch).
  Found -> success (created, with the RECORDNO found). Not found -> the first run failed,
  so the function is sent again under a fresh controlid and its real answer is reported.
  No key (RECORDNO-keyed objects) -> the one record holding every value sent is the first
  run's (the controlid is a digest of those values); none or several -> DuplicateRecord
  ("already executed; outcome unknown"), never a resend.
- update / update_sotransaction: re-sent under a fresh controlid; an update sets the same
  values again, so this is harmless if the first run succeeded and reports the real error
  if it failed.
- delete: looked up by RECORDNO. Gone -> success. Still there -> re-sent fresh.
- create_sotransaction: looked up by DOCNO within its transaction type when a document
  number was given (success with DOCID as the key); otherwise DuplicateRecord as above.

A `Rider` (keyed.py) may add one function to each batch's first request: the read-back of
the records the batch creates, answered in the same response.

A request-level failure (after retries) becomes a failed result for each record of the
batch; an AuthenticationError stops the remaining batches (they fail with the same error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from mapsync.engine.connectors.base import WriteResult
from mapsync.engine.errors import (
    AuthenticationError,
    DuplicateRecord,
    LimitExceeded,
    ProtocolError,
    SyncError,
)

from .controlids import fresh
from .envelope import MAX_FUNCTIONS, Function
from .errors import SYSTEM, for_record, from_chain, is_already_executed
from .gateway import Gateway
from .response import Result

RecordRef = Mapping[str, Any] | str


@dataclass(frozen=True, slots=True)
class Planned:
    """One record's function, and how to name, read and verify its outcome."""

    index: int
    kind: str  # create | update | delete | create_sotransaction | update_sotransaction
    obj: str
    record: RecordRef
    function: Function
    label: str
    key_field: str | None = None
    key: str | None = None
    record_id: str | None = None


# A verifier answers for planned writes whose controlid had already run: results it could
# settle, and the ones to re-send under a fresh controlid.
Verifier = Callable[[list[Planned]], tuple[dict[int, WriteResult], list[Planned]]]

_FATAL = (AuthenticationError, LimitExceeded)


class Rider(Protocol):
    """A read sent as the last function of each batch's first request (keyed.py)."""

    def function(self, batch: Sequence[Planned]) -> Function | None:
        """The function to add to the request that sends `batch`, or None."""
        ...

    def answer(self, result: Result | None) -> None:
        """Its result (None when the response had none)."""
        ...


class Writer:
    """Sends planned writes in batches and maps every result back to its record."""

    def __init__(self, gateway: Gateway, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._gateway = gateway
        self.batch_size = batch_size

    def write(
        self,
        planned: Sequence[Planned],
        operation: str,
        verify: Verifier,
        rider: Rider | None = None,
    ) -> list[WriteResult]:
        """One WriteResult per planned write, in the order given; `rider` adds its function
        to each batch's request."""
        results: dict[int, WriteResult] = {}
        fatal: SyncError | None = None
        # A rider's function shares the request, whose function count is capped.
        size = min(self.batch_size, MAX_FUNCTIONS - 1) if rider is not None else self.batch_size
        for batch in _chunks(list(planned), size):
            if fatal is not None:
                results.update(_failed_all(batch, fatal))
                continue
            try:
                results.update(self._batch(batch, operation, verify, rider))
            except SyncError as error:
                results.update(_failed_all(batch, error))
                fatal = error if isinstance(error, _FATAL) else None
        return [results[p.index] for p in planned]

    def _batch(
        self, batch: list[Planned], operation: str, verify: Verifier, rider: Rider | None
    ) -> dict[int, WriteResult]:
        settled, repeats = self._send(batch, operation, rider)
        if repeats:
            checked, resend = verify(repeats)
            settled.update(checked)
            if resend:
                settled.update(self._resend(resend, operation))
        return settled

    def _send(
        self, batch: list[Planned], operation: str, rider: Rider | None = None
    ) -> tuple[dict[int, WriteResult], list[Planned]]:
        functions = [p.function for p in batch]
        extra = rider.function(batch) if rider is not None else None
        if extra is not None:
            functions.append(extra)
        response = self._gateway.execute(functions, operation=operation, uniqueid=True)
        if rider is not None and extra is not None:
            rider.answer(_result_of(extra, response.results, len(batch)))
        by_id = _match(batch, response.results)
        settled: dict[int, WriteResult] = {}
        repeats: list[Planned] = []
        for item in batch:
            result = by_id.get(item.function.controlid)
            if result is not None and not result.ok and is_already_executed(result.errors):
                repeats.append(item)
            else:
                settled[item.index] = self._outcome(item, result)
        return settled, repeats

    def _resend(self, items: list[Planned], operation: str) -> dict[int, WriteResult]:
        renamed = [
            replace(p, function=replace(p.function, controlid=fresh(p.function.controlid)))
            for p in items
        ]
        settled, repeats = self._send(renamed, operation)
        for item in repeats:
            settled[item.index] = failure(
                item,
                DuplicateRecord(
                    "already executed under two different controlids; check the record in Intacct",
                    system=SYSTEM,
                    operation=item.function.name,
                ),
            )
        return settled

    def _outcome(self, item: Planned, result: Result | None) -> WriteResult:
        if result is None:
            return failure(
                item,
                ProtocolError(
                    "the response has no result for this function",
                    system=SYSTEM,
                    operation=item.function.name,
                ),
            )
        if not result.ok:
            error = from_chain(
                result.errors,
                operation=item.function.name,
                level="result",
                redact=self._gateway.redact,
                record=item.record,
                label=item.label,
            )
            return WriteResult(
                index=item.index, ok=False, key=item.key, record_id=item.record_id, error=error
            )
        return success(item, result)


def success(item: Planned, result: Result) -> WriteResult:
    """The WriteResult of a function that succeeded: RECORDNO and key from `<data>`/`<key>`."""
    record_id, key = item.record_id, item.key
    rows = result.records()
    if rows:
        record_id = (rows[0].findtext("RECORDNO") or "").strip() or record_id
        if item.key_field:
            key = (rows[0].findtext(item.key_field) or "").strip() or key
    if result.key:
        key = result.key
    created = item.kind in ("create", "create_sotransaction")
    return WriteResult(index=item.index, ok=True, record_id=record_id, key=key, created=created)


def failure(item: Planned, error: SyncError) -> WriteResult:
    """A failed WriteResult carrying `error` attributed to the item's record."""
    attributed = for_record(error, item.record, item.function.name, item.label)
    return WriteResult(
        index=item.index, ok=False, record_id=item.record_id, key=item.key, error=attributed
    )


def rejected(
    index: int, record: RecordRef, operation: str, label: str, error: SyncError
) -> WriteResult:
    """A failed WriteResult for a record refused before any call (bad shape, bad field name)."""
    return WriteResult(index=index, ok=False, error=for_record(error, record, operation, label))


def _failed_all(batch: Sequence[Planned], error: SyncError) -> dict[int, WriteResult]:
    return {p.index: failure(p, error) for p in batch}


def _match(batch: Sequence[Planned], results: Sequence[Result]) -> dict[str, Result]:
    """Results by controlid; by position when the gateway echoed no usable controlids."""
    by_id = {r.controlid: r for r in results if r.controlid}
    wanted = {p.function.controlid for p in batch}
    if wanted <= set(by_id):
        return by_id
    return {p.function.controlid: r for p, r in zip(batch, results, strict=False)}


def _result_of(function: Function, results: Sequence[Result], position: int) -> Result | None:
    """The result of `function`, by controlid, else by its position in the request."""
    for result in results:
        if result.controlid == function.controlid:
            return result
    return results[position] if len(results) > position else None


def _chunks(items: list[Planned], size: int) -> Iterator[list[Planned]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
