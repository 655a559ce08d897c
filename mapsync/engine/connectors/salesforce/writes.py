"""The writes of `SalesforceClient`: sObject Collections calls, or Bulk API 2.0 jobs.

A write of fewer than `bulk_threshold` records goes by Collections calls of up to 200
(`allOrNone=false`), re-sending the records that failed transiently; from the threshold on
it is a Bulk API 2.0 job streamed through temporary files (bulkwrite.py). Either way each
record gets one `WriteResult`, in order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Literal, TypeVar

from simple_salesforce.api import Salesforce

from mapsync.engine.catalog import Catalogs
from mapsync.engine.connectors.base import WriteResult
from mapsync.engine.connectors.retry import RetryPolicy
from mapsync.engine.connectors.salesforce import bulk, collections, soql, staging
from mapsync.engine.connectors.salesforce.bulkwrite import STOP, BulkWrite, Source
from mapsync.engine.connectors.salesforce.checks import check_record
from mapsync.engine.connectors.salesforce.collections import Outcome
from mapsync.engine.connectors.salesforce.limits import UsageTracker
from mapsync.engine.errors import SyncError

T = TypeVar("T")
WriteOp = Literal["upsert", "update", "delete"]

# Calls a Bulk 2.0 ingest job needs at least: create, upload, close, one poll, the results.
BULK_JOB_MIN_CALLS = 5


class SalesforceWrites(ABC):
    """Upserts, updates and deletes; the part of `SalesforceClient` that writes.

    It relies on the client's retry policy, batch and Bulk 2.0 settings, API usage tracker,
    sleeper and its one call path (`_call`), which it does not define."""

    bulk_job_calls = BULK_JOB_MIN_CALLS  # calls of one Bulk 2.0 job whose rows all succeed
    retry: RetryPolicy
    usage: UsageTracker
    batch_size: int
    bulk_threshold: int
    bulk_poll_interval: float
    sleep: Callable[[float], None]
    bulk_job_records: int | None
    bulk_job_bytes: int

    @abstractmethod
    def _call(self, operation: str, fn: Callable[[Salesforce], T]) -> T:
        """`fn` on the connection, through the client's checks, retries and translation."""

    @abstractmethod
    def _catalog(self) -> Catalogs:
        """The catalogs the client checks records against."""

    def upsert(
        self, obj: str, external_id_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[WriteResult]:
        """Upsert by external id: Collections (200 a call) or Bulk API 2.0 above the threshold."""
        soql.object_name(obj)
        soql.object_name(external_id_field)
        return self._write("upsert", obj, external_id_field, records)

    def update(self, obj: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update records by Id (each record has "Id")."""
        soql.object_name(obj)
        return self._write("update", obj, "Id", records)

    def delete(self, obj: str, record_ids: Sequence[str]) -> list[WriteResult]:
        """Delete records by Id; an already deleted record counts as deleted."""
        soql.object_name(obj)
        return self._write("delete", obj, "Id", [{"Id": i} for i in record_ids])

    def write_all(
        self, op: Literal["upsert", "update"], obj: str, key: str, source: Source
    ) -> Iterator[WriteResult]:
        """Upsert (by the external id `key`) or update (by Id) every record `source` gives,
        one result each, in order, lazily. `source` is called again for each pass over the
        records (a write reaching the Bulk 2.0 threshold reads them three times and holds
        none: bulkwrite.py), so a held write set can stay on disk."""
        soql.object_name(obj)
        soql.object_name(key)
        return self._stream(op, obj, key if op == "upsert" else "Id", source)

    def _write(
        self, op: WriteOp, obj: str, key: str, records: Sequence[Mapping[str, Any]]
    ) -> list[WriteResult]:
        return list(self._stream(op, obj, key, lambda: records))

    def _stream(self, op: WriteOp, obj: str, key: str, source: Source) -> Iterator[WriteResult]:
        operation = f"{op} {obj}"
        info = self._catalog().get("salesforce", obj)
        rejected: dict[int, SyncError] = {}
        columns: dict[str, None] = {}
        count = 0
        for i, record in enumerate(source()):
            count += 1
            if error := check_record(record, key, operation, info):
                rejected[i] = error
            else:
                columns.update(dict.fromkeys(record))
        if count - len(rejected) >= self.bulk_threshold:
            write = BulkWrite(self, op, obj, key)
            for i, record, outcome in write.run(source, rejected, list(columns)):
                yield _result(op, i, record, key, outcome)
            return
        records = list(source())
        pending = [i for i in range(len(records)) if i not in rejected]
        outcomes = self._send(op, obj, key, records, pending)
        outcomes.update({i: Outcome(ok=False, error=e) for i, e in rejected.items()})
        for i, record in enumerate(records):
            yield _result(op, i, record, key, outcomes[i])

    def _send(
        self,
        op: WriteOp,
        obj: str,
        key: str,
        records: Sequence[Mapping[str, Any]],
        indices: list[int],
    ) -> dict[int, Outcome]:
        """Send records; re-send those that failed transiently (lock, rollback, unprocessed)."""
        done: dict[int, Outcome] = {}
        todo = indices
        for attempt in range(self.retry.attempts):
            if not todo:
                break
            if attempt:
                self.retry.sleep(self.retry.delay(attempt - 1))
            batch = [records[i] for i in todo]
            outs = self._send_once(op, obj, key, batch)
            done.update(zip(todo, outs, strict=True))
            todo = [i for i, o in zip(todo, outs, strict=True) if _retryable(self.retry, o)]
        return done

    def _send_once(
        self, op: WriteOp, obj: str, key: str, batch: list[Mapping[str, Any]]
    ) -> list[Outcome]:
        """One pass over `batch` by Collections calls of `batch_size`.

        A call that still fails after its retries fails its own records; a transient failure
        (the service is down) also fails the rest of the pass without calling again. Errors
        that must stop the run are raised.
        """
        out: list[Outcome] = []
        outage: SyncError | None = None
        for start in range(0, len(batch), self.batch_size):
            chunk = batch[start : start + self.batch_size]
            if outage is not None:
                out.extend(_failed(outage, len(chunk)))
                continue
            try:
                out.extend(self._collections(op, obj, key, chunk))
            except STOP:
                raise
            except SyncError as error:
                outage = error if error.transient else None
                out.extend(_failed(error, len(chunk)))
        return out

    def _collections(
        self, op: WriteOp, obj: str, key: str, chunk: list[Mapping[str, Any]]
    ) -> list[Outcome]:
        operation = f"{op} {obj}"
        raw = self._call(operation, lambda sf: collections.send(sf, op, obj, key, chunk))
        return [
            collections.outcome(r, operation=operation, record=rec)
            for r, rec in zip(raw, chunk, strict=True)
        ]

    # -- what a Bulk 2.0 write (bulkwrite.BulkWrite) asks of the client ---------------------

    @property
    def attempts(self) -> int:
        """Passes over a write's records at most (the first one and its retries)."""
        return self.retry.attempts

    def retry_pause(self, attempt: int) -> None:
        """Wait before pass `attempt` of a write (1: the first retry)."""
        self.retry.sleep(self.retry.delay(attempt - 1))

    def retryable(self, outcome: Outcome) -> bool:
        """True for a record's outcome worth sending again."""
        return _retryable(self.retry, outcome)

    def collections(
        self, op: str, obj: str, key: str, batch: list[Mapping[str, Any]]
    ) -> list[Outcome]:
        """One pass of `batch` through sObject Collections."""
        return self._send_once(op, obj, key, batch)  # type: ignore[arg-type]

    def run_job(self, op: str, obj: str, key: str, part: staging.Part,
                files: staging.Staging) -> None:
        """One Bulk 2.0 job for one upload part: 5 calls when every row succeeds, 6 when
        some fail; its result rows go to `files`. A job that ends Failed raises."""
        operation = f"bulk {op} {obj}"
        self.usage.check(BULK_JOB_MIN_CALLS, operation=operation)
        ext = key if op == "upsert" else None
        job_id = self._call(operation, lambda sf: bulk.submit(
            sf, obj, op, part.path, external_id_field=ext  # type: ignore[arg-type]
        ))
        info = self._finished(operation, obj, job_id)
        if info["state"] != "JobComplete":
            raise bulk.job_error(info, operation)
        for kind in bulk.kinds_to_read(info, part.rows):
            path = files.path(f"{kind}.csv")
            self._call(operation, partial(bulk.result_to_file, obj=obj, job_id=job_id,
                                          kind=kind, path=path))
            files.load_results(part.number, kind, path, key)

    def _finished(self, operation: str, obj: str, job_id: str) -> dict[str, Any]:
        return bulk.wait_done(
            lambda: self._call(operation, lambda sf: bulk.job_info(sf, obj, job_id)),
            lambda: self._call(operation, lambda sf: bulk.abort(sf, obj, job_id)),
            self.sleep, self.bulk_poll_interval, operation=operation,
        )




def _failed(error: SyncError, n: int) -> list[Outcome]:
    return [Outcome(ok=False, error=error, call_failed=True)] * n


def _retryable(policy: RetryPolicy, outcome: Outcome) -> bool:
    if outcome.ok or outcome.call_failed or outcome.error is None:
        return False
    return policy.should_retry(outcome.error)


def _result(
    op: WriteOp, index: int, record: Mapping[str, Any], key: str, outcome: Outcome
) -> WriteResult:
    key_value = record.get(key)
    record_id = outcome.record_id or (str(record["Id"]) if op != "upsert" else None)
    if op == "delete" and outcome.error is not None and outcome.error.code == "ENTITY_IS_DELETED":
        # The wanted state holds (a retried delete, or someone deleted it first).
        return WriteResult(index=index, ok=True, record_id=record_id, key=str(key_value))
    return WriteResult(
        index=index,
        ok=outcome.ok,
        record_id=record_id,
        key=None if key_value is None else str(key_value),
        created=outcome.created,
        error=outcome.error,
    )
