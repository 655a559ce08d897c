"""Field values: wire text <-> stored form, by catalog field type.

Stored forms sort and compare correctly in SQLite: dates `YYYY-MM-DD`, datetimes
`YYYY-MM-DD HH:MM:SS`, numbers as JSON numbers, booleans as JSON true/false, pick lists
as their API value (label). The wire form is what the real gateway sends and takes:
dates `MM/DD/YYYY`, datetimes `MM/DD/YYYY HH:MM:SS`, booleans `true`/`false`, plain
decimals without thousands separators, empty element for null.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mapsync.engine.catalog import FieldInfo

Stored = str | int | float | bool | None

NUMERIC_TYPES = frozenset({"integer", "decimal", "currency", "percent"})
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class BadValue(ValueError):
    """A wire value does not fit its field's type; the message names what was expected."""


class BadEmail(BadValue):
    """An e-mail field holds text that is not an address (Intacct: BL03000018)."""


# What Intacct's contact validation accepts, approximately: local@domain.tld, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def parse_date(text: str) -> str:
    """`MM/DD/YYYY` -> `YYYY-MM-DD`; BadValue otherwise."""
    match = _DATE.match(text.strip())
    if not match:
        raise BadValue(f"'{text}' is not a date in the format mm/dd/yyyy")
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise BadValue(f"'{text}' is not a valid date") from None


def parse_datetime(text: str) -> str:
    """`MM/DD/YYYY HH:MM:SS` (or a bare date, meaning midnight) -> `YYYY-MM-DD HH:MM:SS`."""
    text = text.strip()
    if _DATE.match(text):
        return parse_date(text) + " 00:00:00"
    match = _DATETIME.match(text)
    if not match:
        raise BadValue(f"'{text}' is not a timestamp in the format mm/dd/yyyy hh:mm:ss")
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BadValue(f"'{text}' is not a valid timestamp") from None


def parse_number(text: str, kind: str) -> int | float:
    """A plain decimal (no thousands separators) -> int when integral, else float."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise BadValue(f"'{text}' is not a valid {kind}") from None
    if not number.is_finite():
        raise BadValue(f"'{text}' is not a valid {kind}")
    if kind == "integer":
        if number != number.to_integral_value():
            raise BadValue(f"'{text}' is not a whole number")
        return int(number)
    return int(number) if number == number.to_integral_value() else float(number)


def parse_boolean(text: str) -> bool:
    """`true`/`false` (any case; also T/F and 1/0 as the UI import accepts)."""
    lowered = text.strip().lower()
    if lowered in ("true", "t", "1"):
        return True
    if lowered in ("false", "f", "0"):
        return False
    raise BadValue(f"'{text}' is not a boolean (true or false)")


def parse_wire(info: FieldInfo | None, text: str) -> Stored:
    """The stored form of `text` sent for field `info` (None info: kept as text)."""
    if text == "":
        return None
    if info is None:
        return text
    kind = info.type
    if kind in NUMERIC_TYPES:
        return parse_number(text, kind)
    if kind == "boolean":
        return parse_boolean(text)
    if kind == "date":
        return parse_date(text)
    if kind == "datetime":
        return parse_datetime(text)
    if kind == "email" and not _EMAIL.fullmatch(text):
        raise BadEmail(text)
    if kind == "picklist" and info.values and text not in info.values:
        allowed = ", ".join(info.values)
        raise BadValue(f"'{text}' is not a valid value for {info.name}; use one of: {allowed}")
    if info.length is not None and len(text) > info.length:
        raise BadValue(f"{info.name} is longer than {info.length} characters")
    return text


def from_python(info: FieldInfo | None, value: Any) -> Stored:
    """The stored form of a Python value given to the store API (seeding, tests)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    text = str(value)
    if _ISO_DATE.match(text) and info is not None and info.type == "date":
        return text
    if _ISO_DATETIME.match(text) and info is not None and info.type == "datetime":
        return text
    return parse_wire(info, text)


def format_number(value: int | float) -> str:
    """Plain decimal text: `1234.56`, `205375` (no trailing `.0`)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def format_stored(info: FieldInfo | None, value: Stored) -> str:
    """The wire text of a stored value (empty string for null).

    Dates are reformatted for date/datetime fields, and for fields no catalog describes
    (values written by legacy functions), recognised by their stored shape.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if info is not None and info.type not in ("date", "datetime"):
        return value
    if _ISO_DATETIME.match(value):
        return f"{value[5:7]}/{value[8:10]}/{value[0:4]} {value[11:]}"
    if _ISO_DATE.match(value):
        return f"{value[5:7]}/{value[8:10]}/{value[0:4]}"
    return value


def stamp(moment: datetime) -> str:
    """The stored form of an audit timestamp (second resolution)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")
