"""Canonical, JSON-ready forms of field values, so shadows compare equal across runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

EXACT = 10**27  # integers below this have at most 27 digits: Decimal keeps them whole


def canonical(value: Any) -> Any:
    """A JSON-ready value that compares equal for equal field values.

    Empty strings, None and False are the same (both systems return empty for unset, and
    a Salesforce checkbox is never null), numbers
    compare by value (Decimal('1.50') == 1.5), dates and datetimes by ISO text in UTC.
    It is never '' (the generated update functions rely on it).
    """
    if value.__class__ is str:
        return value or None  # the common case first: text is its own canonical form
    if value is None or value == "" or value is False:
        # A Salesforce checkbox cannot be null: unset and false are the same value.
        return None
    if value is True:
        return True
    if value.__class__ is Decimal:
        return decimal_text(value)
    if value.__class__ is int and -EXACT < value < EXACT:
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value)).normalize()
        return format(number, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value) or None


def shadow_value(values: Mapping[str, Any], fields: Sequence[str]) -> Any:
    """What a shadow holds for one side of a rule: the canonical value of its one field
    itself, or the list of its fields' canonical values when it has several (or none)."""
    if len(fields) == 1:
        return canonical(values.get(fields[0]))
    return [canonical(values.get(f)) for f in fields]


def decimal_text(value: Decimal) -> str:
    """`canonical` of a Decimal: plain notation, no trailing zeros."""
    text = str(value)
    # Plain notation without trailing zeros, within the context's 28 digits, is already
    # what normalize() and format() would write.
    if len(text) < 28 and "E" not in text and "N" not in text and (
            "." not in text or text[-1] != "0"):
        return text
    return format(value.normalize(), "f")


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a record value for payloads and error reports."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
