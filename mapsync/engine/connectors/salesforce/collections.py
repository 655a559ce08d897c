"""sObject Collections requests (200 records a call, allOrNone=false) and their results.

simple-salesforce does not wrap Collections, so they go through `Salesforce.restful`.
Each response is checked to hold exactly one result per record sent, in order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simple_salesforce.api import Salesforce

from mapsync.engine.connectors.salesforce.errors import SYSTEM, excerpt, record_errors
from mapsync.engine.connectors.salesforce.values import record_to_json
from mapsync.engine.errors import ProtocolError, SyncError

MAX_RECORDS = 200


@dataclass(frozen=True, slots=True)
class Outcome:
    """What Salesforce said about one record sent: its id, created flag or error."""

    ok: bool
    record_id: str | None = None
    created: bool = False
    error: SyncError | None = None
    # True when the whole call failed (already retried by then): not re-sent record by record.
    call_failed: bool = False


def _body(obj: str, records: Sequence[Mapping[str, Any]]) -> str:
    rows = [{"attributes": {"type": obj}, **record_to_json(r)} for r in records]
    return json.dumps({"allOrNone": False, "records": rows}, allow_nan=False)


def upsert(
    sf: Salesforce, obj: str, external_id_field: str, records: Sequence[Mapping[str, Any]]
) -> list[Any]:
    """PATCH composite/sobjects/{obj}/{external_id_field}: the raw per-record results."""
    path = f"composite/sobjects/{obj}/{external_id_field}"
    return _results(sf.restful(path, method="PATCH", data=_body(obj, records)), len(records), path)


def update(sf: Salesforce, obj: str, records: Sequence[Mapping[str, Any]]) -> list[Any]:
    """PATCH composite/sobjects with records carrying Id: the raw per-record results."""
    result = sf.restful("composite/sobjects", method="PATCH", data=_body(obj, records))
    return _results(result, len(records), "composite/sobjects")


def delete(sf: Salesforce, record_ids: Sequence[str]) -> list[Any]:
    """DELETE composite/sobjects?ids=...&allOrNone=false: the raw per-record results."""
    params = {"ids": ",".join(record_ids), "allOrNone": "false"}
    result = sf.restful("composite/sobjects", params=params, method="DELETE")
    return _results(result, len(record_ids), "composite/sobjects")


def send(
    sf: Salesforce, op: str, obj: str, key: str, records: Sequence[Mapping[str, Any]]
) -> list[Any]:
    """One Collections call for `op` ("upsert" by `key`, "update" or "delete" by Id)."""
    if op == "upsert":
        return upsert(sf, obj, key, records)
    if op == "update":
        return update(sf, obj, records)
    return delete(sf, [str(r["Id"]) for r in records])


def _results(result: Any, expected: int, path: str) -> list[Any]:
    if not isinstance(result, list) or len(result) != expected:
        size = len(result) if isinstance(result, list) else type(result).__name__
        raise ProtocolError(
            f"{path} answered {size} results for {expected} records: {excerpt(result)}",
            system=SYSTEM, operation="collections", code="RESULT_COUNT",
        )
    return result


def outcome(raw: Any, *, operation: str, record: Mapping[str, Any] | str | None) -> Outcome:
    """One per-record result (`id`, `success`, `created`, `errors`) as an Outcome."""
    if not isinstance(raw, Mapping):
        error = ProtocolError(
            f"result is not an object: {excerpt(raw)}", system=SYSTEM, operation=operation,
            record=record, code="BAD_RESULT",
        )
        return Outcome(ok=False, error=error)
    if raw.get("success"):
        return Outcome(ok=True, record_id=raw.get("id"), created=bool(raw.get("created")))
    errors = [e for e in raw.get("errors") or () if isinstance(e, Mapping)]
    return Outcome(
        ok=False,
        record_id=raw.get("id"),
        error=record_errors(errors, operation=operation, record=record),
    )
