"""A write as Bulk API 2.0 jobs, streamed: one job per upload part, memory flat at any size.

    results = BulkWrite(client, "upsert", "Account", "Ext__c").run(source)

`source` gives the records afresh each time it is called (a list, or held writes read back
from disk), so nothing holds them all: pass one finds the CSV columns (every column any
record has, in first-seen order), pass two writes the upload parts (staging.py), the jobs
run one after another, their result rows go to disk, and a last pass over the records
takes each one's outcome by its key column, in order. Records that failed transiently
(a lock, a rollback, a job that left them unprocessed) are sent again as the Collections
path re-sends them: by Collections when fewer than the Bulk 2.0 threshold remain, else by
another job. A job that cannot be run fails its own records; a transient failure (the
service is down) also fails the later parts without calling again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from mapsync.engine.connectors.salesforce import bulk
from mapsync.engine.connectors.salesforce.collections import Outcome
from mapsync.engine.connectors.salesforce.staging import Part, Staging, Stored
from mapsync.engine.connectors.salesforce.values import to_csv
from mapsync.engine.errors import AuthenticationError, LimitExceeded, SessionExpired, SyncError

Source = Callable[[], Iterable[Mapping[str, Any]]]
# Errors no record-by-record handling can get past: the run must stop.
STOP = (AuthenticationError, LimitExceeded, SessionExpired)


class Driver(Protocol):
    """What a bulk write needs of the client (SalesforceClient has it)."""

    bulk_threshold: int
    bulk_job_records: int | None
    bulk_job_bytes: int

    def run_job(self, op: str, obj: str, key: str, part: Part, staging: Staging) -> None:
        """Submit one part as a job, wait for it, load its result rows into `staging`."""

    def retryable(self, outcome: Outcome) -> bool:
        """True for an outcome worth sending again."""

    def retry_pause(self, attempt: int) -> None:
        """Wait before pass `attempt` (1 for the first retry)."""

    @property
    def attempts(self) -> int:
        """Passes at most (the first one and its retries)."""

    def collections(
        self, op: str, obj: str, key: str, batch: list[Mapping[str, Any]]
    ) -> list[Outcome]:
        """One pass of `batch` through sObject Collections."""


class BulkWrite:
    """One write of records of `obj` by `op`, matched on the `key` column."""

    def __init__(self, client: Driver, op: str, obj: str, key: str) -> None:
        self.client, self.op, self.obj, self.key = client, op, obj, key
        self.operation = f"bulk {op} {obj}"
        self.job_errors: dict[tuple[int, int], SyncError] = {}
        # Outcomes of records sent again by Collections: few (under the threshold).
        self.by_collections: dict[int, Outcome] = {}

    def run(
        self, source: Source, rejected: Mapping[int, SyncError], columns: list[str]
    ) -> Iterator[tuple[int, Mapping[str, Any], Outcome]]:
        """(position, record, outcome) of every record of `source` not `rejected`, in order
        (`rejected`: positions refused before sending, with their error; `columns`: every
        column of the records sent, in first-seen order)."""
        with Staging() as staging:
            pending = _unrejected(source, rejected)
            for attempt in range(self.client.attempts):
                if attempt:
                    count = staging.held_count(attempt)
                    if not count:
                        break
                    self.client.retry_pause(attempt)
                    pending = _held(staging, attempt)
                    if count < self.client.bulk_threshold:
                        self._resend(attempt, list(pending()), staging)
                        continue
                    columns = list(dict.fromkeys(c for _, r in pending() for c in r))
                self._pass(attempt, pending, columns, staging)
            outcomes = staging.outcomes()
            stored = next(outcomes, None)
            for index, record in enumerate(source()):
                if index in rejected:
                    continue
                assert stored is not None and stored.index == index
                yield index, record, self._outcome(stored, record)
                stored = next(outcomes, None)

    def _resend(
        self, attempt: int, items: list[tuple[int, Mapping[str, Any]]], staging: Staging
    ) -> None:
        """Send a few records again through sObject Collections."""
        outs = self.client.collections(self.op, self.obj, self.key, [r for _, r in items])
        for (index, record), out in zip(items, outs, strict=True):
            self._keep(attempt, index, record, out, staging)

    def _pass(
        self, attempt: int, pending: Callable[[], Iterator[tuple[int, Mapping[str, Any]]]],
        columns: list[str], staging: Staging,
    ) -> None:
        """Send the pending records once as jobs; store each outcome, hold those to send
        again."""
        parts = staging.write_parts((r for _, r in pending()), columns,
                                    self.client.bulk_job_bytes, self.client.bulk_job_records)
        failed = self._run_jobs(attempt, parts, staging)
        part_of = _part_of(parts)
        for position, (index, record) in enumerate(pending()):
            number = part_of(position)
            if (attempt, number) in failed:
                kind, sf_id, created, text = "job", None, False, f"{attempt}:{number}"
            else:
                kind, sf_id, created, text = staging.take(number, to_csv(record.get(self.key)))
            stored = Stored(index, kind, sf_id, created, text, False)
            self._keep(attempt, index, record, self._outcome(stored, record), staging,
                       stored=stored)
        staging.clear_results()

    def _run_jobs(self, attempt: int, parts: list[Part], staging: Staging) -> set[tuple[int, int]]:
        """Run each part's job; the (attempt, part) of those whose job failed as a whole."""
        failed: set[tuple[int, int]] = set()
        outage: SyncError | None = None
        for part in parts:
            if outage is not None:
                self.job_errors[(attempt, part.number)] = outage
                failed.add((attempt, part.number))
                continue
            try:
                self.client.run_job(self.op, self.obj, self.key, part, staging)
            except STOP:
                raise
            except SyncError as error:
                outage = error if error.transient else None
                self.job_errors[(attempt, part.number)] = error
                failed.add((attempt, part.number))
        return failed

    def _keep(
        self, attempt: int, index: int, record: Mapping[str, Any], out: Outcome,
        staging: Staging, *, stored: Stored | None = None,
    ) -> None:
        retry = self.client.retryable(out)
        if stored is None:
            stored = _stored(index, out)
        if stored.kind == "collections":
            self.by_collections[index] = out
        staging.store(Stored(stored.index, stored.kind, stored.record_id, stored.created,
                             stored.text, retry))
        if retry:
            staging.hold(attempt + 1, index, record)

    def _outcome(self, stored: Stored, record: Mapping[str, Any]) -> Outcome:
        if stored.kind == "collections":
            return self.by_collections[stored.index]
        if stored.kind == "job":
            attempt, _, number = stored.text.partition(":")
            error = self.job_errors[(int(attempt), int(number))]
            return Outcome(ok=False, error=error, call_failed=True)
        return bulk.outcome(stored.kind, stored.record_id, stored.created, stored.text,
                            record=record, operation=self.operation)


def _stored(index: int, out: Outcome) -> Stored:
    return Stored(index, "collections", out.record_id, out.created, "", False)


def _unrejected(
    source: Source, rejected: Mapping[int, SyncError]
) -> Callable[[], Iterator[tuple[int, Mapping[str, Any]]]]:
    return lambda: ((i, r) for i, r in enumerate(source()) if i not in rejected)


def _held(staging: Staging, attempt: int) -> Callable[[], Iterator[tuple[int, Mapping[str, Any]]]]:
    return lambda: iter(staging.held(attempt))


def _part_of(parts: list[Part]) -> Callable[[int], int]:
    """The part holding the row at a position (positions asked in increasing order)."""
    current = 0

    def part_of(position: int) -> int:
        nonlocal current
        while position >= parts[current].first + parts[current].rows:
            current += 1
        return parts[current].number

    return part_of
