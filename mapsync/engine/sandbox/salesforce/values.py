"""Field values: coercion of JSON and CSV input into stored values, and back out to JSON.

Stored forms (SQLite): text for text-like fields and dates (`2024-01-02`), datetimes as the API
writes them (`2024-01-02T03:04:05.000+0000`, UTC, so text order is time order), 0/1 for
booleans, INTEGER / REAL for numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mapsync.engine.catalog import FieldInfo
from mapsync.engine.sandbox.salesforce.errors import ApiError, BodyError
from mapsync.engine.sandbox.salesforce.ids import is_id, to18

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER_TYPES = frozenset({"integer", "decimal", "currency", "percent"})


def format_datetime(value: dt.datetime) -> str:
    """`2024-01-02T03:04:05.000+0000` in UTC, the form the REST API sends."""
    utc = value.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def now_text() -> str:
    """The current time, at the second as the platform stamps it."""
    return format_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0))


def parse_datetime(text: str) -> dt.datetime:
    """Parse `2024-01-02T03:04:05Z`, `...05.000+0000`, `...05+01:00`; naive means UTC."""
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":" and "T" in value:
        value = value[:-2] + ":" + value[-2:]
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _type_error(info: FieldInfo, value: Any, kind: str) -> BodyError:
    return BodyError(
        400, "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may "
        f"be missing a required field at [line:1, column:1]",
        info.name,
    )


def _number(info: FieldInfo, value: Any) -> int | float:
    if isinstance(value, bool):
        raise _type_error(info, value, "double")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _type_error(info, value, "double") from None
    if not number.is_finite():
        raise _type_error(info, value, "double")
    if info.type == "integer":
        return int(number)
    if info.scale is not None:
        number = number.quantize(Decimal(1).scaleb(-info.scale), rounding=ROUND_HALF_UP)
    return float(number)


def _boolean(info: FieldInfo, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return 1
    if text in ("false", "0", "no"):
        return 0
    raise _type_error(info, value, "boolean")


def _date(info: FieldInfo, value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise _type_error(info, value, "date") from None


def _datetime(info: FieldInfo, value: Any) -> str:
    try:
        return format_datetime(parse_datetime(str(value)))
    except ValueError:
        raise _type_error(info, value, "datetime") from None


def _text(info: FieldInfo, value: Any) -> str:
    if isinstance(value, dict | list):
        raise _type_error(info, value, "String")
    text = value if isinstance(value, str) else _plain(value)
    if info.type == "reference":
        return _reference(info, text)
    if info.length is not None and len(text) > info.length:
        raise ApiError(
            400, "STRING_TOO_LONG",
            f"{info.label or info.name}: data value too large: {text[:120]} "
            f"(max length={info.length})",
            (info.name,),
        )
    if info.type == "email" and text and not _EMAIL_RE.match(text):
        raise ApiError(
            400, "INVALID_EMAIL_ADDRESS", f"{info.label or info.name}: invalid email address: "
            f"{text}", (info.name,),
        )
    if info.type in ("picklist", "multipicklist") and info.values:
        _check_picklist(info, text)
    return text


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reference(info: FieldInfo, text: str) -> str:
    if not is_id(text):
        raise ApiError(
            400, "MALFORMED_ID",
            f"{info.label or info.name}: id value of incorrect type: {text}", (info.name,),
        )
    return to18(text)


def _check_picklist(info: FieldInfo, text: str) -> None:
    parts = text.split(";") if info.type == "multipicklist" else [text]
    for part in parts:
        if part not in info.values:
            raise ApiError(
                400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{info.label or info.name}: bad value for restricted picklist field: {part}",
                (info.name,),
            )


def coerce(info: FieldInfo, value: Any) -> Any:
    """The stored form of a JSON or CSV `value` for field `info`; None stays None."""
    if value is None:
        return None
    if info.type in _NUMBER_TYPES:
        return None if value == "" else _number(info, value)
    if info.type == "boolean":
        return _boolean(info, value)
    if info.type == "date":
        return None if value == "" else _date(info, value)
    if info.type == "datetime":
        return None if value == "" else _datetime(info, value)
    text = _text(info, value)
    return text if text != "" else None


def to_json(info: FieldInfo, stored: Any) -> Any:
    """The JSON value of a stored value (booleans back to true/false, Ids as stored)."""
    if stored is None:
        return False if info.type == "boolean" else None
    if info.type == "boolean":
        return bool(stored)
    if info.type == "integer":
        return int(stored)
    if info.type in _NUMBER_TYPES:
        return float(stored)
    return stored


def to_csv(info: FieldInfo, stored: Any) -> str:
    """The Bulk API 2.0 CSV text of a stored value (empty for null)."""
    if stored is None:
        return "false" if info.type == "boolean" else ""
    value = to_json(info, stored)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and info.type != "percent":
        return repr(value)
    return str(value)
