"""REST resources under /services/data/vNN.N/: query, sObject rows, describe, Collections,
getUpdated / getDeleted, limits.

Each handler takes the request and the route's match (`v` = API version) and returns a
Response; ApiError propagates to the server, which turns it into the real error body.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from mapsync.engine.sandbox.salesforce import describe, values
from mapsync.engine.sandbox.salesforce.cursors import Cursor, Cursors
from mapsync.engine.sandbox.salesforce.errors import ApiError, BodyError, not_found
from mapsync.engine.sandbox.salesforce.ids import is_id, to18
from mapsync.engine.sandbox.salesforce.query import run
from mapsync.engine.sandbox.salesforce.schema import Schema, SObject
from mapsync.engine.sandbox.salesforce.soql import SoqlError, parse
from mapsync.engine.sandbox.salesforce.store import Store
from mapsync.engine.sandbox.salesforce.wire import Request, Response, json_response

DEFAULT_BATCH = 2000
MAX_COLLECTION = 200
UPDATED_DAYS, DELETED_DAYS = 30, 15
ROLLED_BACK = ApiError(
    400, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header", (),
)
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def _batch_size(req: Request) -> int:
    found = _BATCH_RE.search(req.header("Sforce-Query-Options") or "")
    return min(max(int(found.group(1)), 200), 2000) if found else DEFAULT_BATCH


def _record_result(record_id: str, created: bool | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if created is not None:
        result["created"] = created
    return result


def _minute(stamp: dt.datetime) -> dt.datetime:
    return stamp.replace(second=0, microsecond=0)


class _Rollback(Exception):
    def __init__(self, results: list[dict[str, Any]]) -> None:
        super().__init__("all or none")
        self.results = results


class Rest:
    """The REST resources of one sandbox org."""

    def __init__(self, store: Store, api_usage: Callable[[], tuple[int, int]]) -> None:
        self.store = store
        self.cursors = Cursors()
        self.api_usage = api_usage

    @property
    def schema(self) -> Schema:
        """The objects served."""
        return self.store.schema

    def _sobject(self, name: str) -> SObject:
        obj = self.store.schema.get(name)
        if obj is None:
            raise not_found()
        return obj

    # -- query ------------------------------------------------------------------------------

    def query(self, req: Request, m: re.Match[str]) -> Response:
        """GET query/?q= and queryAll/?q=."""
        endpoint = m["endpoint"]
        text = req.query.get("q")
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "A query string is required: q=SELECT ...")
        try:
            parsed = parse(text)
        except SoqlError as err:
            raise ApiError(400, err.code, err.message) from None
        result = run(self.store.db, parsed, include_deleted=endpoint == "queryAll",
                     api_version=m["v"])
        if parsed.count:
            return json_response({"totalSize": result.total, "done": True, "records": []})
        cursor = Cursor(result.records, _batch_size(req), endpoint)
        return self._page(cursor, None, 0, m["v"])

    def query_more(self, req: Request, m: re.Match[str]) -> Response:
        """GET query/01g…-2000: the next page of a query."""
        cursor = self.cursors.get(m["locator"])
        if cursor is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, m["locator"], int(m["offset"]), m["v"])

    def _page(self, cursor: Cursor, locator: str | None, offset: int, version: str) -> Response:
        total = len(cursor.records)
        page = cursor.records[offset : offset + cursor.batch]
        body: dict[str, Any] = {"totalSize": total, "done": offset + len(page) >= total}
        if not body["done"]:
            locator = locator or self.cursors.add(cursor)
            body["nextRecordsUrl"] = (
                f"/services/data/v{version}/{cursor.endpoint}/{locator}-{offset + len(page)}"
            )
        body["records"] = page
        return json_response(body, records=len(page))

    # -- sObject rows -----------------------------------------------------------------------

    def basic_info(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/."""
        return json_response(describe.basic_info(self._sobject(m["obj"]), m["v"]))

    def describe(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/describe."""
        obj = self._sobject(m["obj"])
        instance_url = f"https://{req.header('Host') or '127.0.0.1'}"
        return json_response(describe.describe_sobject(self.schema, obj, m["v"], instance_url))

    def describe_global(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects."""
        return json_response(describe.describe_global(self.schema, m["v"]))

    def create(self, req: Request, m: re.Match[str]) -> Response:
        """POST sobjects/{Obj}/ → 201 {"id", "success", "errors"}."""
        obj = self._sobject(m["obj"])
        body = req.json()
        with self.store.db.transaction():
            record_id = self.store.writer.create(obj, body, self.store.time.stamp())
        return json_response(_record_result(record_id), 201, records=1)

    def _record_json(self, obj: SObject, stored: dict[str, Any], fields: str | None,
                     version: str) -> dict[str, Any]:
        url = f"/services/data/v{version}/sobjects/{obj.name}/{stored['Id']}"
        out: dict[str, Any] = {"attributes": {"type": obj.name, "url": url}}
        names = list(obj.fields)
        if fields:
            names = [obj.require_field(f.strip()).name for f in fields.split(",") if f.strip()]
        for name in names:
            out[name] = values.to_json(obj.fields[name], stored.get(name))
        return out

    def _live_row(self, obj: SObject, record_id: str) -> dict[str, Any]:
        stored = self.store.db.fetch(obj, to18(record_id)) if is_id(record_id) else None
        if stored is None or stored["IsDeleted"]:
            raise not_found()
        return stored

    def get(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/{id}[?fields=A,B]."""
        obj = self._sobject(m["obj"])
        stored = self._live_row(obj, unquote_plus(m["id"]))
        return json_response(self._record_json(obj, stored, req.query.get("fields"), m["v"]),
                             records=1)

    def update(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH sobjects/{Obj}/{id} → 204."""
        obj = self._sobject(m["obj"])
        body = req.json()
        with self.store.db.transaction():
            self.store.writer.update(obj, unquote_plus(m["id"]), body, self.store.time.stamp())
        return Response(status=204, content_type="", records=1)

    def delete(self, req: Request, m: re.Match[str]) -> Response:
        """DELETE sobjects/{Obj}/{id} → 204."""
        obj = self._sobject(m["obj"])
        with self.store.db.transaction():
            self.store.writer.delete(obj, unquote_plus(m["id"]), self.store.time.stamp())
        return Response(status=204, content_type="", records=1)

    def _external_matches(self, m: re.Match[str]) -> tuple[SObject, list[str]]:
        obj = self._sobject(m["obj"])
        info = self.store.writer.external_field(obj, m["field"])
        return obj, self.store.writer.matches(obj, info, unquote_plus(m["value"]))

    def _multiple(self, obj: SObject, ids: list[str] | tuple[str, ...], version: str) -> Response:
        return json_response([f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in ids],
                             300)

    def get_by_external(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/{ExtField}/{value}."""
        obj, found = self._external_matches(m)
        if not found:
            raise not_found()
        if len(found) > 1:
            return self._multiple(obj, found, m["v"])
        stored = self._live_row(obj, found[0])
        return json_response(self._record_json(obj, stored, req.query.get("fields"), m["v"]),
                             records=1)

    def upsert(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH sobjects/{Obj}/{ExtField}/{value}: 201 created, 200 updated, 300 several."""
        obj = self._sobject(m["obj"])
        body = req.json()
        try:
            with self.store.db.transaction():
                outcome = self.store.writer.upsert(
                    obj, m["field"], unquote_plus(m["value"]), body, self.store.time.stamp()
                )
        except ApiError as err:
            if err.status == 300:
                return self._multiple(obj, err.fields or (), m["v"])
            raise
        if outcome.created:
            return json_response(_record_result(outcome.id, True), 201, records=1)
        if float(m["v"]) < 46.0:
            return Response(status=204, content_type="", records=1)
        return json_response(_record_result(outcome.id, False), 200, records=1)

    def delete_by_external(self, req: Request, m: re.Match[str]) -> Response:
        """DELETE sobjects/{Obj}/{ExtField}/{value}."""
        obj, found = self._external_matches(m)
        if not found:
            raise not_found()
        if len(found) > 1:
            return self._multiple(obj, found, m["v"])
        with self.store.db.transaction():
            self.store.writer.delete(obj, found[0], self.store.time.stamp())
        return Response(status=204, content_type="", records=1)

    # -- getUpdated / getDeleted ------------------------------------------------------------

    def _window(self, req: Request, days: int) -> tuple[str, str, str]:
        """The [start, end] of a getUpdated / getDeleted call, both at the minute.

        The calls ignore the seconds of `start` and `end` (salesforce.md 2.6; "This API
        ignores the seconds portion of the supplied datetime values",
        https://search.r-project.org/CRAN/refmans/salesforcer/html/sf_get_updated.html), and
        a start that is not before the end is refused with INVALID_REPLICATION_DATE
        (https://developer.salesforce.com/docs/atlas.en-us.196.0.object_reference.meta/
        object_reference/sforce_api_calls_getupdated.htm). Records changed up to the end, or
        up to now when the end is later, are listed; `latestDateCovered`, "less than or
        equal to endDate", is the last whole minute both reached: the next call starts there
        (https://developer.salesforce.com/docs/atlas.en-us.api.meta/object_ref/
        sforce_api_calls_getupdated_getupdatedresult.htm). Returns (start, end, covered).
        """
        start, end = req.query.get("start"), req.query.get("end")
        if not start or not end:
            raise ApiError(400, "MISSING_ARGUMENT", "start and end parameters are required")
        try:
            low, high = (_minute(values.parse_datetime(t)) for t in (start, end))
        except ValueError:
            raise ApiError(400, "INVALID_REPLICATION_DATE", "invalid date format") from None
        now = self.store.time.now()
        if high <= low:
            raise ApiError(400, "INVALID_REPLICATION_DATE", "EndDate before StartDate")
        if low < now - dt.timedelta(days=days):
            raise ApiError(
                400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago"
            )
        return (values.format_datetime(low), values.format_datetime(min(high, now)),
                values.format_datetime(min(high, _minute(now))))

    def updated(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/updated/?start=&end=."""
        obj = self._sobject(m["obj"])
        low, high, covered = self._window(req, UPDATED_DAYS)
        rows = self.store.db.select(
            f'SELECT Id FROM "{obj.name}" WHERE IsDeleted = 0 AND SystemModstamp >= ? '
            "AND SystemModstamp <= ? ORDER BY SystemModstamp, _seq",
            (low, high),
        )
        ids = [r[0] for r in rows]
        return json_response({"ids": ids, "latestDateCovered": covered}, records=len(ids))

    def deleted(self, req: Request, m: re.Match[str]) -> Response:
        """GET sobjects/{Obj}/deleted/?start=&end=."""
        obj = self._sobject(m["obj"])
        low, high, covered = self._window(req, DELETED_DAYS)
        rows = self.store.db.select(
            f'SELECT Id, _deleted_date FROM "{obj.name}" WHERE IsDeleted = 1 '
            "AND _deleted_date >= ? AND _deleted_date <= ? ORDER BY _deleted_date, _seq",
            (low, high),
        )
        earliest = self.store.db.select(
            f'SELECT MIN(_deleted_date) FROM "{obj.name}" WHERE IsDeleted = 1'
        )[0][0]
        body = {
            "deletedRecords": [{"id": r[0], "deletedDate": r[1]} for r in rows],
            "earliestDateAvailable": earliest or low,
            "latestDateCovered": covered,
        }
        return json_response(body, records=len(rows))

    # -- limits and versions ----------------------------------------------------------------

    def limits(self, req: Request, m: re.Match[str]) -> Response:
        """GET limits/."""
        used, cap = self.api_usage()

        def limit(maximum: int, remaining: int) -> dict[str, int]:
            return {"Max": maximum, "Remaining": remaining}

        return json_response({
            "ConcurrentAsyncGetReportInstances": limit(200, 200),
            "DailyApiRequests": limit(cap, max(cap - used, 0)),
            "DailyAsyncApexExecutions": limit(250000, 250000),
            "DailyBulkApiBatches": limit(15000, 15000),
            "DailyBulkV2QueryFileStorageMB": limit(976562, 976562),
            "DailyBulkV2QueryJobs": limit(10000, 10000),
            "DataStorageMB": limit(1024, 1024),
            "FileStorageMB": limit(1024, 1024),
            "HourlyTimeBasedWorkflow": limit(1000, 1000),
            "SingleEmail": limit(5000, 5000),
        })

    def versions(self, req: Request, m: re.Match[str]) -> Response:
        """GET /services/data/: the API versions served."""
        return json_response([
            {"label": f"API {v}", "url": f"/services/data/v{v}", "version": v}
            for v in ("52.0", "57.0", "58.0", "59.0", "60.0", "61.0", "62.0")
        ])

    # -- sObject Collections ----------------------------------------------------------------

    def _records(self, req: Request) -> tuple[list[Any], bool]:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected {\"allOrNone\": ..., \"records\": "
                           "[...]}")
        records: list[Any] = body["records"]
        if len(records) > MAX_COLLECTION:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more "
                           f"than {MAX_COLLECTION} records into this call")
        return records, bool(body.get("allOrNone", False))

    def _typed(self, record: Any, expected: SObject | None = None) -> SObject:
        if not isinstance(record, dict):
            raise BodyError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        attributes = record.get("attributes")
        kind = attributes.get("type") if isinstance(attributes, dict) else None
        if kind is None and expected is not None:
            return expected
        obj = self.store.schema.get(kind) if isinstance(kind, str) else None
        if obj is None:
            raise BodyError(400, "INVALID_TYPE", f"sObject type '{kind}' is not supported.")
        if expected is not None and obj is not expected:
            raise BodyError(400, "INVALID_TYPE", f"Record type {kind} does not match "
                            f"{expected.name}")
        return obj

    def _run_collection(
        self, items: list[Any], all_or_none: bool, step: Callable[[Any, str], dict[str, Any]],
        failed_id: Callable[[Any], str | None] = lambda _: None,
    ) -> Response:
        stamp = self.store.time.stamp()
        try:
            with self.store.db.transaction():
                results = self._collect(items, step, stamp, failed_id)
                if all_or_none and not all(r["success"] for r in results):
                    raise _Rollback(results)
        except _Rollback as rollback:
            rolled_back = {"success": False, "errors": [ROLLED_BACK.record_error()]}
            results = [r if not r["success"] else dict(rolled_back) for r in rollback.results]
        return json_response(results, records=len(items))

    @staticmethod
    def _collect(
        items: list[Any], step: Callable[[Any, str], dict[str, Any]], stamp: str,
        failed_id: Callable[[Any], str | None],
    ) -> list[dict[str, Any]]:
        results = []
        for item in items:
            try:
                results.append(step(item, stamp))
            except BodyError:
                raise
            except ApiError as err:
                failure: dict[str, Any] = {"success": False, "errors": [err.record_error()]}
                record_id = failed_id(item)
                if record_id is not None:
                    failure = {"id": record_id, **failure}
                results.append(failure)
        return results

    def collection_create(self, req: Request, m: re.Match[str]) -> Response:
        """POST composite/sobjects."""
        records, all_or_none = self._records(req)
        typed = [(self._typed(r), r) for r in records]

        def step(item: tuple[SObject, dict[str, Any]], stamp: str) -> dict[str, Any]:
            return _record_result(self.store.writer.create(item[0], item[1], stamp))

        return self._run_collection(typed, all_or_none, step)

    def collection_update(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH composite/sobjects (records carry Id)."""
        records, all_or_none = self._records(req)
        typed = [(self._typed(r), r) for r in records]

        def step(item: tuple[SObject, dict[str, Any]], stamp: str) -> dict[str, Any]:
            obj, record = item
            record_id = record.get("Id")
            if not record_id:
                raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call",
                               ("Id",))
            return _record_result(self.store.writer.update(obj, str(record_id), record, stamp))

        return self._run_collection(typed, all_or_none, step)

    def collection_upsert(self, req: Request, m: re.Match[str]) -> Response:
        """PATCH composite/sobjects/{Obj}/{ExtField}: one result per record with `created`."""
        obj = self._sobject(m["obj"])
        info = self.store.writer.external_field(obj, m["field"])
        records, all_or_none = self._records(req)
        for record in records:
            self._typed(record, obj)
        keys = [_field_value(r, info.name) for r in records]
        repeated = {k for k, n in Counter(str(k).lower() for k in keys if k).items() if n > 1}

        def step(record: dict[str, Any], stamp: str) -> dict[str, Any]:
            value = _field_value(record, info.name)
            if value is None or value == "":
                raise ApiError(400, "MISSING_ARGUMENT", f"{info.name} not specified",
                               (info.name,))
            if str(value).lower() in repeated:
                raise ApiError(400, "DUPLICATE_EXTERNAL_ID",
                               f"Duplicate external id specified: {value}", (info.name,))
            try:
                outcome = self.store.writer.upsert(obj, info.name, value, record, stamp)
            except ApiError as err:
                if err.status != 300:
                    raise
                raise ApiError(
                    300, "DUPLICATE_EXTERNAL_ID",
                    f"{info.name}: more than one record found for external id field: "
                    f"{list(err.fields or ())}", (info.name,),
                ) from None
            return _record_result(outcome.id, outcome.created)

        return self._run_collection(records, all_or_none, step)

    def collection_delete(self, req: Request, m: re.Match[str]) -> Response:
        """DELETE composite/sobjects?ids=a,b&allOrNone=false."""
        ids = [i for i in (req.query.get("ids") or "").split(",") if i]
        if not ids:
            raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > MAX_COLLECTION:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more "
                           f"than {MAX_COLLECTION} records into this call")
        all_or_none = (req.query.get("allOrNone") or "false").lower() == "true"

        def step(record_id: str, stamp: str) -> dict[str, Any]:
            obj = self.store.schema.object_of_id(record_id) if is_id(record_id) else None
            if obj is None:
                raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", ())
            try:
                return _record_result(self.store.writer.delete(obj, record_id, stamp))
            except ApiError as err:
                if err.code == "NOT_FOUND":
                    raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                                   "invalid cross reference id", ()) from None
                raise

        return self._run_collection(ids, all_or_none, step, failed_id=lambda i: str(i))

    def collection_retrieve(self, req: Request, m: re.Match[str]) -> Response:
        """GET composite/sobjects/{Obj}?ids=a,b&fields=F1,F2 (null for ids not found)."""
        obj = self._sobject(m["obj"])
        ids = [i for i in (req.query.get("ids") or "").split(",") if i]
        fields = req.query.get("fields")
        if not ids or not fields:
            raise ApiError(400, "MISSING_ARGUMENT", "ids and fields parameters are required")
        out: list[dict[str, Any] | None] = []
        for record_id in ids:
            stored = self.store.db.fetch(obj, to18(record_id)) if is_id(record_id) else None
            live = stored is not None and not stored["IsDeleted"]
            out.append(self._record_json(obj, stored, fields, m["v"]) if live and stored else None)
        return json_response(out, records=len(ids))


def _field_value(record: Any, name: str) -> Any:
    if not isinstance(record, dict):
        return None
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)

