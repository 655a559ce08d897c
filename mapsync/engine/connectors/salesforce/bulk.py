"""Bulk API 2.0 ingest jobs, with successful, failed and unprocessed rows mapped back.

simple-salesforce runs the job (create, upload CSV, close, poll); the three result files are
then read and each row is matched to the input record it came from by its key column (the
external id for upserts, Id for updates and deletes). Rows are CSV text, so values go
through `values.to_csv`, where None becomes `#N/A` (Bulk 2.0's null).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from simple_salesforce.api import Salesforce

from mapsync.engine.connectors.salesforce.collections import Outcome
from mapsync.engine.connectors.salesforce.errors import SYSTEM, bulk_error
from mapsync.engine.connectors.salesforce.values import to_csv
from mapsync.engine.errors import ProtocolError, TransientError

Operation = Literal["upsert", "update", "delete"]


def csv_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Records as CSV cells (dicts of str)."""
    return [{k: to_csv(v) for k, v in r.items()} for r in records]


def run_job(
    sf: Salesforce,
    obj: str,
    operation: Operation,
    rows: list[dict[str, str]],
    *,
    external_id_field: str | None,
    poll_interval: float,
) -> list[str]:
    """Run one ingest job to completion; the job ids (one per 100 MB of CSV)."""
    handler = getattr(sf.bulk2, obj)
    if operation == "upsert":
        infos = handler.upsert(
            records=rows, external_id_field=external_id_field, wait=poll_interval
        )
    elif operation == "update":
        infos = handler.update(records=rows, wait=poll_interval)
    else:
        infos = handler.delete(records=rows, wait=poll_interval)
    return [str(info["job_id"]) for info in infos]


def _parse(text: str) -> list[dict[str, str]]:
    # Read the body whole (newline=""): quoted cells may hold line breaks.
    return list(csv.DictReader(io.StringIO(text, newline="")))


ResultKind = Literal["successfulResults", "failedResults", "unprocessedRecords"]
RESULT_KINDS: tuple[ResultKind, ...] = ("successfulResults", "failedResults", "unprocessedRecords")


def result_text(sf: Salesforce, obj: str, job_id: str, kind: ResultKind) -> str:
    """The CSV text of one result file of a finished job."""
    handler = getattr(sf.bulk2, obj)
    getter = {
        "successfulResults": handler.get_successful_records,
        "failedResults": handler.get_failed_records,
        "unprocessedRecords": handler.get_unprocessed_records,
    }[kind]
    return str(getter(job_id))


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
