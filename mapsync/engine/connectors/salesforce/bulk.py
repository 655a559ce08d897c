"""Bulk API 2.0 ingest jobs, with successful, failed and unprocessed rows mapped back.

A job is driven step by step through simple-salesforce's Bulk 2.0 client, so the caller
owns the waiting (`SalesforceClient` polls with an injected sleeper, never inside a library
loop) and pays only for the calls the job needs: create, upload, close (`submit`), one
job-info poll per wait (`job_info`), the successful results, and the failed or unprocessed
results only when the job info counts some. Each result row is matched to the input record
it came from by its key column (the external id for upserts, Id for updates and deletes).
Rows are CSV text, so values go through `values.to_csv`, where None becomes `#N/A`
(Bulk 2.0's null) and a column a record lacks stays empty (leave the field as it is).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from simple_salesforce.api import Salesforce

from mapsync.engine.connectors.salesforce.collections import Outcome
from mapsync.engine.connectors.salesforce.errors import SYSTEM, bulk_error, excerpt
from mapsync.engine.connectors.salesforce.values import to_csv
from mapsync.engine.errors import ProtocolError, ServerFault, TransientError, ValidationFailed

Operation = Literal["upsert", "update", "delete"]
# Job states after which a job changes no more (Bulk API 2.0 job states).
DONE_STATES = ("JobComplete", "Failed", "Aborted")
ResultKind = Literal["successfulResults", "failedResults", "unprocessedRecords"]
RESULT_KINDS: tuple[ResultKind, ...] = ("successfulResults", "failedResults", "unprocessedRecords")
# The longest wait between two polls of a job, and how long a job may take in all.
POLL_MAX = 30.0
TIMEOUT = 3600.0


def csv_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Records as CSV cells (dicts of str)."""
    return [{k: to_csv(v) for k, v in r.items()} for r in records]


def csv_text(rows: Sequence[Mapping[str, str]]) -> str:
    """One CSV upload: a header of every column any row has, in first-seen order."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _jobs(sf: Salesforce, obj: str) -> Any:
    # simple-salesforce's per-object Bulk 2.0 client: the single steps of a job, without
    # the polling loop (which sleeps on the wall clock) of its one-call helpers.
    return getattr(sf.bulk2, obj)._client


def submit(
    sf: Salesforce, obj: str, operation: Operation, text: str, *, external_id_field: str | None
) -> str:
    """Create an ingest job, upload `text` and close the job: its id (3 calls)."""
    jobs = _jobs(sf, obj)
    info = jobs.create_job(operation, external_id_field=external_id_field)
    if not isinstance(info, Mapping) or info.get("state") != "Open" or not info.get("id"):
        raise ProtocolError(f"the new job is not open: {excerpt(info)}", system=SYSTEM,
                            operation=f"bulk {operation} {obj}", code="BULK_JOB_NOT_OPEN")
    job_id = str(info["id"])
    try:
        jobs.upload_job_data(job_id, text)
        jobs.close_job(job_id)
    except Exception:
        abort(sf, obj, job_id)
        raise
    return job_id


def abort(sf: Salesforce, obj: str, job_id: str) -> None:
    """Abort a job that will not be waited for (best effort: the job may be gone)."""
    try:
        _jobs(sf, obj).abort_job(job_id, False)
    except Exception:  # noqa: BLE001 - the error being handled matters more than this one
        return


def job_info(sf: Salesforce, obj: str, job_id: str) -> dict[str, Any]:
    """The job-info JSON of an ingest job."""
    info = _jobs(sf, obj).get_job(job_id, False)
    if not isinstance(info, Mapping) or not isinstance(info.get("state"), str):
        raise ProtocolError(f"job info without a state: {excerpt(info)}", system=SYSTEM,
                            operation="bulk job", code="BAD_JOB_INFO")
    return dict(info)


def wait_done(
    poll: Callable[[], dict[str, Any]],
    abort_job: Callable[[], None],
    sleep: Callable[[float], None],
    interval: float,
    *,
    operation: str,
) -> dict[str, Any]:
    """Poll a job until it is done: wait `interval`, then twice as long each time up to
    `POLL_MAX`. The waits go through `sleep` and add up to `TIMEOUT`: no clock is read."""
    delay, waited = interval, 0.0
    while True:
        sleep(delay)
        waited += delay
        info = poll()
        if info["state"] in DONE_STATES:
            return info
        if waited >= TIMEOUT:
            abort_job()
            raise ServerFault(
                f"bulk job {info.get('id')} still {info['state']} after {waited:.0f} s: aborted",
                system=SYSTEM, operation=operation, code="BULK_TIMEOUT",
            )
        delay = min(max(delay, 0.1) * 2, POLL_MAX)


def job_error(info: Mapping[str, Any], operation: str) -> TransientError | ValidationFailed:
    """The error of a job that ended Failed or Aborted: every record it held fails with it.

    InvalidBatch means the CSV or the job settings were refused, which retrying cannot fix.
    """
    text = f"bulk job {info.get('state')}: {info.get('errorMessage') or 'no message'}"
    if "InvalidBatch" in text:
        return ValidationFailed(excerpt(text, 400), system=SYSTEM, operation=operation,
                                code="BULK_JOB_FAILED")
    return ServerFault(excerpt(text, 400), system=SYSTEM, operation=operation,
                       code="BULK_JOB_FAILED")


def kinds_to_read(info: Mapping[str, Any], sent: int) -> tuple[ResultKind, ...]:
    """The result files worth a call: failed rows only when some failed, unprocessed rows
    only when the job processed fewer rows than were sent."""
    failed = int(info.get("numberRecordsFailed") or 0)
    processed = int(info.get("numberRecordsProcessed") or 0)
    kinds: list[ResultKind] = ["successfulResults"] if processed > failed else []
    if failed:
        kinds.append("failedResults")
    if processed < sent:
        kinds.append("unprocessedRecords")
    return tuple(kinds)


def _parse(text: str) -> list[dict[str, str]]:
    # Read the body whole (newline=""): quoted cells may hold line breaks.
    return list(csv.DictReader(io.StringIO(text, newline="")))




def result_text(sf: Salesforce, obj: str, job_id: str, kind: ResultKind) -> str:
    """The CSV text of one result file of a finished job."""
    return str(_jobs(sf, obj).get_ingest_results(job_id, kind))


def parse_results(texts: Sequence[str]) -> list[dict[str, str]]:
    """Rows of one or more result files of the same kind."""
    return [row for text in texts for row in _parse(text)]


def _by_key(rows: Sequence[Mapping[str, str]], key: str) -> dict[str, deque[Mapping[str, str]]]:
    index: dict[str, deque[Mapping[str, str]]] = defaultdict(deque)
    for row in rows:
        index[row.get(key, "")].append(row)
    return index


def map_back(
    records: Sequence[Mapping[str, Any]],
    key: str,
    results: tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]],
    *,
    operation: str,
) -> list[Outcome]:
    """One Outcome per input record, in input order, matched on the `key` column."""
    ok, failed, unprocessed = (_by_key(rows, key) for rows in results)
    outcomes: list[Outcome] = []
    for record in records:
        value = to_csv(record.get(key))
        outcomes.append(_one(value, ok, failed, unprocessed, record, operation))
    return outcomes


def _one(
    value: str,
    ok: dict[str, deque[Mapping[str, str]]],
    failed: dict[str, deque[Mapping[str, str]]],
    unprocessed: dict[str, deque[Mapping[str, str]]],
    record: Mapping[str, Any],
    operation: str,
) -> Outcome:
    if ok.get(value):
        row = ok[value].popleft()
        created = row.get("sf__Created", "").strip().lower() == "true"
        return Outcome(ok=True, record_id=row.get("sf__Id") or None, created=created)
    if failed.get(value):
        row = failed[value].popleft()
        error = bulk_error(row.get("sf__Error", ""), operation=operation, record=record)
        return Outcome(ok=False, record_id=row.get("sf__Id") or None, error=error)
    if unprocessed.get(value):
        unprocessed[value].popleft()
        return Outcome(ok=False, error=TransientError(
            "not processed by the bulk job (job aborted or failed first)",
            system=SYSTEM, operation=operation, record=record, code="UNPROCESSED",
        ))
    return Outcome(ok=False, error=ProtocolError(
        "record missing from every bulk result file", system=SYSTEM, operation=operation,
        record=record, code="MISSING_RESULT",
    ))
