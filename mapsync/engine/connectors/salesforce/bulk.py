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

from collections.abc import Callable, Mapping
from contextlib import closing
from typing import Any, Literal

from simple_salesforce.api import Salesforce
from simple_salesforce.util import call_salesforce

from mapsync.engine.connectors.salesforce.collections import Outcome
from mapsync.engine.connectors.salesforce.errors import SYSTEM, bulk_error, excerpt
from mapsync.engine.errors import ProtocolError, ServerFault, TransientError, ValidationFailed

Operation = Literal["upsert", "update", "delete"]
# Job states after which a job changes no more (Bulk API 2.0 job states).
DONE_STATES = ("JobComplete", "Failed", "Aborted")
ResultKind = Literal["successfulResults", "failedResults", "unprocessedRecords"]
RESULT_KINDS: tuple[ResultKind, ...] = ("successfulResults", "failedResults", "unprocessedRecords")
# The longest wait between two polls of a job, and how long a job may take in all.
POLL_MAX = 30.0
TIMEOUT = 3600.0


def _jobs(sf: Salesforce, obj: str) -> Any:
    # simple-salesforce's per-object Bulk 2.0 client: the single steps of a job, without
    # the polling loop (which sleeps on the wall clock) of its one-call helpers.
    return getattr(sf.bulk2, obj)._client


def submit(
    sf: Salesforce, obj: str, operation: Operation, path: str, *, external_id_field: str | None
) -> str:
    """Create an ingest job, upload the CSV file at `path` and close the job: its id (3
    calls). The file is streamed from disk (simple-salesforce's own upload takes the text
    whole, in memory)."""
    jobs = _jobs(sf, obj)
    info = jobs.create_job(operation, external_id_field=external_id_field)
    if not isinstance(info, Mapping) or info.get("state") != "Open" or not info.get("id"):
        raise ProtocolError(f"the new job is not open: {excerpt(info)}", system=SYSTEM,
                            operation=f"bulk {operation} {obj}", code="BULK_JOB_NOT_OPEN")
    job_id = str(info["id"])
    try:
        _upload(jobs, job_id, path, f"bulk {operation} {obj}")
        jobs.close_job(job_id)
    except Exception:
        abort(sf, obj, job_id)
        raise
    return job_id


def _upload(jobs: Any, job_id: str, path: str, operation: str) -> None:
    url = jobs._construct_request_url(job_id, False) + "/batches"
    headers = jobs._get_headers(jobs.CSV_CONTENT_TYPE, jobs.JSON_CONTENT_TYPE)
    with open(path, "rb") as body:
        answer = call_salesforce(url=url, method="PUT", session=jobs.session,
                                 headers=headers, data=body)
    if answer.status_code != 201:  # the documented answer to an upload: 201 Created
        raise ProtocolError(f"upload answered {answer.status_code}, not 201 Created",
                            system=SYSTEM, operation=operation, code="BULK_UPLOAD")


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


def result_to_file(sf: Salesforce, obj: str, job_id: str, kind: ResultKind, path: str) -> None:
    """Stream one result file of a finished job to `path` (never whole in memory)."""
    jobs = _jobs(sf, obj)
    url = jobs._construct_request_url(job_id, False) + "/" + kind
    headers = jobs._get_headers(jobs.JSON_CONTENT_TYPE, jobs.CSV_CONTENT_TYPE)
    answer = call_salesforce(url=url, method="GET", session=jobs.session, headers=headers,
                             stream=True)
    with closing(answer), open(path, "wb") as out:
        for chunk in answer.iter_content(64 * 1024):
            out.write(chunk)


def outcome(
    kind: str, record_id: str | None, created: bool, error: str, *,
    record: Mapping[str, Any], operation: str,
) -> Outcome:
    """The Outcome of a record from the result row its key found (`staging.Staging.take`):
    a successful row, a failed one (its `sf__Error`), an unprocessed one, or none."""
    if kind == "successfulResults":
        return Outcome(ok=True, record_id=record_id, created=created)
    if kind == "failedResults":
        return Outcome(ok=False, record_id=record_id,
                       error=bulk_error(error, operation=operation, record=record))
    if kind == "unprocessedRecords":
        return Outcome(ok=False, error=TransientError(
            "not processed by the bulk job (job aborted or failed first)",
            system=SYSTEM, operation=operation, record=record, code="UNPROCESSED",
        ))
    return Outcome(ok=False, error=ProtocolError(
        "record missing from every bulk result file", system=SYSTEM, operation=operation,
        record=record, code="MISSING_RESULT",
    ))
