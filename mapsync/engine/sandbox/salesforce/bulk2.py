"""Bulk API 2.0: ingest jobs (CSV upload, per-row results) and query jobs (CSV pages).

Ingest: POST jobs/ingest → Open; PUT jobs/ingest/{id}/batches (CSV, 201); PATCH
{"state": "UploadComplete"} starts processing: Open → UploadComplete → InProgress →
JobComplete. Salesforce splits a job into internal batches of 10,000 records ("How Requests
Are Processed", Bulk API 2.0 guide); the sandbox processes the first batch before the PATCH
answers and the others in a thread of the job, or in a poll that finds one still waiting,
so a job of up to 10,000 records is complete at the first GET (tests count the polls) and a
larger one never holds a request for longer than one batch. The first `in_progress_polls`
GETs of a complete job still answer InProgress, as a busy org does. GET
…/successfulResults, …/failedResults, …/unprocessedrecords (any case) give CSV.
Query: POST jobs/query runs the query; GET jobs/query/{id}/results?maxRecords=&locator= gives
CSV pages with `Sforce-NumberOfRecords` and `Sforce-Locator` (`null` on the last page).
"""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.sandbox.salesforce.errors import ApiError, BodyError
from mapsync.engine.sandbox.salesforce.ids import USER_ID, make_id
from mapsync.engine.sandbox.salesforce.query import run
from mapsync.engine.sandbox.salesforce.schema import SObject
from mapsync.engine.sandbox.salesforce.soql import SoqlError, parse
from mapsync.engine.sandbox.salesforce.store import Store
from mapsync.engine.sandbox.salesforce.wire import Request, Response, json_response

BATCH_RECORDS = 10_000  # "a separate batch for every 10,000 records in your job data"

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CSV_TYPE = "text/csv"


@dataclass(slots=True)
class Job:
    """One Bulk API 2.0 job and everything it produced."""

    id: str
    kind: str
    operation: str
    object: str
    created: str
    version: str
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id: str | None = None
    query: str = ""
    state: str = "Open"
    modstamp: str = ""
    error_message: str | None = None
    polls_left: int = 0  # job-info GETs still answered InProgress
    uploads: list[bytes] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    pending: list[list[str]] = field(default_factory=list)  # ingest rows not processed yet
    lock: threading.Lock = field(default_factory=threading.Lock)

    def info(self) -> dict[str, Any]:
        """The job-info JSON."""
        body: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.object,
            "createdById": USER_ID, "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.version),
            "jobType": "V2Ingest" if self.kind == "ingest" else "V2Query",
            "lineEnding": self.line_ending, "columnDelimiter": self.delimiter,
        }
        if self.kind == "ingest":
            body["contentUrl"] = f"services/data/v{self.version}/jobs/ingest/{self.id}/batches"
            if self.external_id:
                body["externalIdFieldName"] = self.external_id
            body["numberRecordsProcessed"] = len(self.successful) + len(self.failed)
            body["numberRecordsFailed"] = len(self.failed)
        else:
            body["numberRecordsProcessed"] = len(self.rows)
        body.update(retries=0, totalProcessingTime=0, apiActiveProcessingTime=0,
                    apexProcessingTime=0)
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


def _write_csv(job: Job, header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITERS[job.delimiter],
                        lineterminator=LINE_ENDINGS[job.line_ending], quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _csv_response(body: bytes, records: int, headers: dict[str, str] | None = None) -> Response:
    return Response(status=200, body=body, content_type=CSV_TYPE, headers=headers or {},
                    records=records)


class Bulk2:
    """The Bulk API 2.0 jobs of one sandbox org (kept in memory)."""

    def __init__(self, store: Store, *, in_progress_polls: int = 0) -> None:
        self.store = store
        self.in_progress_polls = in_progress_polls
        # Whether a job's batches after the first go on in a thread (False: only polls
        # process them, one each, which a test can count on).
        self.background = True
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []

    def _new_id(self) -> str:
        with self._lock:
            self._seq += 1
            return make_id("750", self._seq)

    def _job(self, m: re.Match[str], kind: str) -> Job:
        job = self._jobs.get(m["job"])
        if job is None or job.kind != kind:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def _settings(self, body: dict[str, Any]) -> tuple[str, str]:
        delimiter = body.get("columnDelimiter", "COMMA")
        line_ending = body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise ApiError(400, "INVALIDJOB", "InvalidJob : Invalid column delimiter or line "
                           "ending")
        return delimiter, line_ending

    # -- ingest -----------------------------------------------------------------------------

    def create_ingest(self, req: Request, m: re.Match[str]) -> Response:
        """POST jobs/ingest."""
        body = req.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        obj = self.store.schema.get(str(body.get("object", "")))
        if obj is None:
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : Unable to find object: "
                           f"{body.get('object')}")
        external = body.get("externalIdFieldName")
        if operation == "upsert":
            if not external:
                raise ApiError(400, "INVALIDJOB", "InvalidJob : External ID was blank for "
                               f"{obj.name}. An External ID must be specified for upsert.")
            self.store.writer.external_field(obj, str(external))
        delimiter, line_ending = self._settings(body)
        job = Job(self._new_id(), "ingest", operation, obj.name, self.store.time.stamp(), m["v"],
                  delimiter, line_ending, external)
        self._jobs[job.id] = job
        return json_response(job.info())

    def upload(self, req: Request, m: re.Match[str]) -> Response:
        """PUT jobs/ingest/{id}/batches (CSV) → 201."""
        job = self._job(m, "ingest")
        if job.state != "Open":
            raise ApiError(409, "INVALIDJOBSTATE", f"Job {job.id} is not open for uploads")
        job.uploads.append(req.body)
        return Response(status=201, body=b"", content_type="", records=0)

    def ingest_state(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH jobs/ingest/{id} {"state": "UploadComplete" | "Aborted"}."""
        job = self._job(m, "ingest")
        body = req.json()
        wanted = body.get("state") if isinstance(body, dict) else None
        if wanted == "Aborted" and job.state not in ("JobComplete", "Failed"):
            with job.lock:  # after the batch being processed, if any
                job.state = "Aborted"
                job.unprocessed.extend(job.pending)
                job.pending = []
                job.modstamp = self.store.time.stamp()
            return json_response(job.info())
        if wanted != "UploadComplete" or job.state != "Open":
            raise ApiError(400, "INVALIDJOBSTATE", f"Cannot change state of job {job.id} from "
                           f"{job.state} to {wanted}")
        job.state = "UploadComplete"
        reply = job.info()
        job.polls_left = self.in_progress_polls
        rows = self._rows(job)
        if job.state == "Failed":
            return json_response(reply, records=0)
        job.pending, job.state = rows, "InProgress"
        if self._advance(job) and self.background:
            self._start(job)
        return json_response(reply, records=len(rows))

    def _rows(self, job: Job) -> list[list[str]]:
        """The rows of every upload, or none with the job Failed when its columns are bad."""
        obj = self.store.schema.require(job.object)
        rows: list[list[str]] = []
        for upload in job.uploads:
            reader = csv.reader(io.StringIO(upload.decode("utf-8-sig")),
                                delimiter=DELIMITERS[job.delimiter])
            header = next(reader, [])
            if job.columns and header != job.columns:
                self._fail(job, "InvalidBatch : all batches must have the same columns")
                return []
            job.columns = header
            rows.extend(r for r in reader if r)
        job.uploads = []
        problem = self._check_columns(obj, job)
        if problem:
            job.unprocessed = rows
            self._fail(job, problem)
            return []
        return rows

    def _advance(self, job: Job) -> bool:
        """Process the job's next internal batch; whether any rows are left after it."""
        with job.lock:
            if job.state != "InProgress":
                return False
            batch, job.pending = job.pending[:BATCH_RECORDS], job.pending[BATCH_RECORDS:]
            obj = self.store.schema.require(job.object)
            stamp = self.store.time.stamp()
            with self.store.db.transaction():
                for row in batch:
                    self._ingest_row(obj, job, row, stamp)
            if job.pending:
                return True
            job.state = "JobComplete"
            job.modstamp = self.store.time.stamp()
            return False

    def _start(self, job: Job) -> None:
        """Process the job's remaining batches in a thread of its own."""
        def work() -> None:
            while not self._stopping.is_set() and self._advance(job):
                continue

        worker = threading.Thread(target=work, name=f"bulk2-{job.id}", daemon=True)
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def close(self) -> None:
        """Stop processing jobs (between two batches) and wait for the threads doing it."""
        self._stopping.set()
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.join()

    def _fail(self, job: Job, message: str) -> None:
        job.state = "Failed"
        job.error_message = message
        job.modstamp = self.store.time.stamp()

    def _check_columns(self, obj: SObject, job: Job) -> str | None:
        for column in job.columns:
            head = column.split(".")[0]
            if obj.field(column) is None and obj.relationship(head) is None:
                return f"InvalidBatch : Field name not found : {column}"
        if job.operation in ("update", "delete", "hardDelete") and "id" not in (
            c.lower() for c in job.columns
        ):
            return "InvalidBatch : Id column is required"
        if job.operation == "upsert" and (job.external_id or "").lower() not in (
            c.lower() for c in job.columns
        ):
            return f"InvalidBatch : External ID field {job.external_id} is missing"
        return None

    def _record(self, obj: SObject, job: Job, row: list[str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for column, text in zip(job.columns, row, strict=False):
            if text == "":
                continue
            value = None if text == "#N/A" else text
            if "." in column:
                rel, _, ext = column.partition(".")
                record[rel] = {ext: value}
            else:
                record[column] = value
        return record

    def _ingest_row(self, obj: SObject, job: Job, row: list[str], stamp: str) -> None:
        writer = self.store.writer
        record = self._record(obj, job, row)
        record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
        try:
            if job.operation == "insert":
                new_id, created = writer.create(obj, record, stamp), True
            elif job.operation == "upsert":
                key = str(job.external_id)
                value = next((v for k, v in record.items() if k.lower() == key.lower()), None)
                if value is None:
                    raise ApiError(400, "REQUIRED_FIELD_MISSING",
                                   f"Required fields are missing: [{key}]", (key,))
                outcome = writer.upsert(obj, key, value, record, stamp)
                new_id, created = outcome.id, outcome.created
            elif job.operation == "update":
                body = {k: v for k, v in record.items() if k.lower() != "id"}
                new_id, created = writer.update(obj, str(record_id or ""), body, stamp), False
            else:
                new_id, created = writer.delete(obj, str(record_id or ""), stamp), False
        except ApiError as err:
            job.failed.append([str(record_id or ""), _bulk_error(obj, err, record), *row])
            return
        job.successful.append([new_id, "true" if created else "false", *row])

    def ingest_results(self, req: Request, m: re.Match[str]) -> Response:
        """GET jobs/ingest/{id}/successfulResults | failedResults | unprocessedrecords."""
        job = self._job(m, "ingest")
        kind = m["kind"].lower()
        if kind == "successfulresults":
            header, rows = ["sf__Id", "sf__Created", *job.columns], job.successful
        elif kind == "failedresults":
            header, rows = ["sf__Id", "sf__Error", *job.columns], job.failed
        else:
            header, rows = list(job.columns), job.unprocessed
        return _csv_response(_write_csv(job, header, rows), len(rows))

    # -- query ------------------------------------------------------------------------------

    def create_query(self, req: Request, m: re.Match[str]) -> Response:
        """POST jobs/query: the query runs now; results wait for GET …/results."""
        body = req.json()
        if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
            raise ApiError(400, "INVALIDJOB", "InvalidJob : operation must be query or queryAll")
        text = str(body.get("query") or "")
        try:
            parsed = parse(text)
        except SoqlError as err:
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : {err.message}") from None
        if parsed.count or parsed.offset is not None:
            raise ApiError(400, "INVALIDJOB", "InvalidJob : COUNT() and OFFSET are not "
                           "supported by Bulk API 2.0 queries")
        delimiter, line_ending = self._settings(body)
        result = run(self.store.db, parsed, include_deleted=body["operation"] == "queryAll",
                     api_version=m["v"])
        job = Job(self._new_id(), "query", body["operation"], parsed.object,
                  self.store.time.stamp(), m["v"], delimiter, line_ending, query=text)
        obj = self.store.schema.require(parsed.object)
        job.columns = [".".join(p) for p in result.paths]
        job.rows = [_flatten(r, result.paths) for r in result.records]
        job.object = obj.name
        reply = job.info()
        reply["state"] = "UploadComplete"
        job.state = "JobComplete"
        self._jobs[job.id] = job
        return json_response(reply, records=0)

    def query_results(self, req: Request, m: re.Match[str]) -> Response:
        """GET jobs/query/{id}/results?maxRecords=&locator=."""
        job = self._job(m, "query")
        try:
            start = int(req.query.get("locator") or 0)
            size = max(int(req.query.get("maxRecords") or 50000), 1)
        except ValueError:
            raise ApiError(400, "INVALIDLOCATOR", "Invalid locator or maxRecords") from None
        page = job.rows[start : start + size]
        after = start + len(page)
        locator = str(after) if after < len(job.rows) else "null"
        headers = {"Sforce-NumberOfRecords": str(len(page)), "Sforce-Locator": locator}
        return _csv_response(_write_csv(job, job.columns, page), len(page), headers)

    # -- shared -----------------------------------------------------------------------------

    def get(self, req: Request, m: re.Match[str]) -> Response:
        """GET jobs/{ingest|query}/{id}."""
        job = self._job(m, m["kind"])
        if job.state == "InProgress" and not self._stopping.is_set():
            self._advance(job)
        info = job.info()
        if job.polls_left > 0 and job.state == "JobComplete":
            job.polls_left -= 1
            info.update(state="InProgress", numberRecordsProcessed=0, numberRecordsFailed=0)
        return json_response(info)

    def abort_query(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH jobs/query/{id} {"state": "Aborted"}."""
        job = self._job(m, "query")
        if job.state != "JobComplete":
            job.state = "Aborted"
        return json_response(job.info())

    def delete(self, req: Request, m: re.Match[str]) -> Response:
        """DELETE jobs/{ingest|query}/{id} → 204."""
        job = self._job(m, m["kind"])
        with self._lock:
            self._jobs.pop(job.id, None)
        return Response(status=204, content_type="")

    def list(self, req: Request, m: re.Match[str]) -> Response:
        """GET jobs/{ingest|query}: every job of that kind."""
        jobs = [j.info() for j in self._jobs.values() if j.kind == m["kind"]]
        return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


def _bulk_error(obj: SObject, err: ApiError, record: dict[str, Any]) -> str:
    if isinstance(err, BodyError) and err.field:
        info = obj.field(err.field)
        label = info.label if info is not None else err.field
        value = next((v for k, v in record.items() if k.lower() == err.field.lower()), "")
        return (f"INVALID_TYPE_ON_FIELD_IN_RECORD:{label}: value not of required type: "
                f"{value}:{err.field} --")
    if err.code == "NOT_FOUND":
        return "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id: --"
    return err.bulk_error()


def _flatten(record: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> list[str]:
    out = []
    for path in paths:
        value: Any = record
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        out.append(_csv_text(value))
    return out


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

