"""Values between Salesforce's wire forms and the Python types of the catalog.

Reads: JSON values (numbers already decoded as Decimal) become str, int, Decimal, bool,
date and aware UTC datetimes by the field's catalog type; parent relationship objects are
flattened into dotted keys. Writes: Python values become JSON values for REST calls or CSV
cells for Bulk API 2.0 (where an empty cell means "leave unchanged" and `#N/A` means null).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from mapsync.engine.catalog import Catalogs, ObjectInfo
from mapsync.engine.errors import MapsyncError
from mapsync.engine.record import Record

_TEXT = frozenset(
    {"id", "string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "reference"}
)
_NUMERIC = frozenset({"decimal", "currency", "percent"})
# Fields every sObject has, typed even for objects without a catalog file.
_SYSTEM_TYPES = {
    "id": "id",
    "isdeleted": "boolean",
    "systemmodstamp": "datetime",
    "createddate": "datetime",
    "lastmodifieddate": "datetime",
    "createdbyid": "reference",
    "lastmodifiedbyid": "reference",
}
BULK_NULL = "#N/A"


class ValueConversionError(MapsyncError, ValueError):
    """A value cannot be converted for the field's type (the message names the field)."""


def _field_type(info: ObjectInfo | None, name: str) -> str | None:
    if info is not None:
        f = info.field(name)
        if f is None:
            f = next((v for k, v in info.fields.items() if k.lower() == name.lower()), None)
        if f is not None:
            return f.type
    return _SYSTEM_TYPES.get(name.lower())


def _related(catalogs: Catalogs, info: ObjectInfo | None, rel: str) -> ObjectInfo | None:
    if info is None:
        return None
    for f in info.fields.values():
        if f.relationship_name and f.relationship_name.lower() == rel.lower() and f.references:
            return catalogs.get("salesforce", f.references[0])
    return None


def field_type(catalogs: Catalogs, obj: str, path: str) -> str | None:
    """The catalog type of `path` on `obj` (following relationship names), or None."""
    info = catalogs.get("salesforce", obj)
    *rels, last = path.split(".")
    for rel in rels:
        info = _related(catalogs, info, rel)
    return _field_type(info, last)


def types_for(catalogs: Catalogs, obj: str, fields: Sequence[str]) -> dict[str, str | None]:
    """Catalog types of the given field paths (None where unknown: values pass through)."""
    return {f: field_type(catalogs, obj, f) for f in fields}


def parse_datetime(text: str) -> dt.datetime:
    """`2011-07-07T00:37:00.000+0000` (or any ISO form with an offset) as aware UTC."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def from_wire(kind: str | None, value: Any) -> Any:
    """One wire value as the Python value for catalog type `kind` (None: unchanged)."""
    if value is None or kind is None:
        return value
    if value == "" and kind not in _TEXT:
        return None
    if kind == "datetime":
        return parse_datetime(str(value))
    if kind == "date":
        return dt.date.fromisoformat(str(value)[:10])
    if kind == "boolean":
        return _parse_bool(value)
    if kind == "integer":
        return int(Decimal(str(value)))
    if kind in _NUMERIC:
        return Decimal(str(value))
    if kind in _TEXT:
        return str(value)
    return value


def _lookup(node: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    if key in node:
        return True, node[key]
    lowered = key.lower()
    for k, v in node.items():
        if k.lower() == lowered:
            return True, v
    return False, None


def _walk(raw: Mapping[str, Any], path: str) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        _, node = _lookup(node, part)
    return node


def record_from_wire(raw: Mapping[str, Any], types: Mapping[str, str | None]) -> Record:
    """A query result record as a flat dict keyed by the requested field paths."""
    return {path: from_wire(kind, _walk(raw, path)) for path, kind in types.items()}


def _decimal_to_json(value: Decimal) -> float | str:
    if not value.is_finite():
        raise ValueConversionError(f"non-finite number {value}")
    as_float = float(value)
    try:
        exact = Decimal(repr(as_float)) == value
    except InvalidOperation:
        exact = False
    # JSON numbers are read as doubles by Salesforce; digits a double cannot hold go as text.
    return as_float if exact else format(value, "f")


def _datetime_text(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueConversionError(
            f"naive datetime {value.isoformat()}: Salesforce needs a timezone"
        )
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def to_json(value: Any) -> Any:
    """A Python value as a JSON-ready value for REST writes."""
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal_to_json(value)
    return value


def to_csv(value: Any) -> str:
    """A Python value as a Bulk API 2.0 CSV cell (`#N/A` sets the field to null)."""
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueConversionError(f"non-finite number {value}")
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_to_json(record: Mapping[str, Any]) -> Record:
    """Every value of a record converted by `to_json`."""
    return {k: to_json(v) for k, v in record.items()}
