"""What the Salesforce client checks before it sends a record or follows a page.

A record that cannot be sent fails alone (ValidationFailed naming the field); a query that
keeps announcing pages past its `totalSize` is a ProtocolError instead of an endless loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.connectors import valuecheck
from mapsync.engine.connectors.salesforce import soql, values
from mapsync.engine.connectors.salesforce.errors import SYSTEM
from mapsync.engine.errors import ProtocolError, SyncError, ValidationFailed

PAGE_MARGIN = 3


def announced_pages(first: Mapping[str, Any], size: int) -> int:
    """Pages after the first that `totalSize` allows, plus a margin for rows added meanwhile."""
    total = first.get("totalSize")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ProtocolError("query answer has no usable totalSize", system=SYSTEM,
                            operation="query", code="BAD_PAGE")
    return -(-max(0, total - size) // max(1, size)) + PAGE_MARGIN


def check_record(
    record: Mapping[str, Any], key: str, operation: str, info: ObjectInfo | None = None
) -> SyncError | None:
    """Why a record cannot be sent (missing key, bad field name or value), or None."""
    if record.get(key) in (None, ""):
        return ValidationFailed(
            f"record has no {key}", system=SYSTEM, operation=operation, record=dict(record),
            code="REQUIRED_FIELD_MISSING", field=key,
        )
    for name in record:
        try:
            soql.object_name(name)
        except soql.SoqlError:
            return ValidationFailed(
                f"invalid field name {name!r}", system=SYSTEM, operation=operation,
                record=dict(record), code="INVALID_FIELD", field=str(name),
            )
    for name, value in record.items():
        reason = valuecheck.problem(value, info.field(name) if info else None, xml=False)
        if reason:
            return ValidationFailed(
                f"{name} {reason}", system=SYSTEM, operation=operation, record=dict(record),
                code=valuecheck.code(reason), field=str(name),
            )
    try:
        values.record_to_json(record)
    except values.ValueConversionError as exc:
        return ValidationFailed(
            str(exc), system=SYSTEM, operation=operation, record=dict(record),
            code="INVALID_VALUE",
        )
    return None
