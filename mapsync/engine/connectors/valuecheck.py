"""Whether a service can carry a value, checked per record before anything is sent.

A value a service cannot carry must fail its own record, with the field named and a reason
a person can act on, and never the request or the run it travels in:

- XML (Intacct) cannot hold most C0 control characters, lone surrogates, U+FFFE or U+FFFF;
- text longer than the catalog's length for the field is refused by either service;
- a number, boolean or date field must receive one.

`problem()` returns that reason (or None) and `code()` the error code the services use for
it; the connectors raise it as ValidationFailed with `field` set, so the runner records it
against the rule that writes the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from mapsync.engine.catalog import FieldInfo

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMERIC = frozenset({"integer", "decimal", "currency", "percent", "double", "int"})
_NAMES = {0x00: "NUL", 0x09: "tab", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape"}


def xml_problem(text: str) -> str | None:
    """Why `text` cannot travel in XML, naming the first bad character and its position."""
    found = _NOT_XML.search(text)
    if found is None:
        return None
    return (f"holds {describe(found.group())} at position {found.start() + 1}, which XML "
            "cannot carry; remove it from the source record")


def describe(char: str) -> str:
    """`U+000B (vertical tab)`: a character as a person can find it."""
    code = ord(char)
    name = _NAMES.get(code) or unicodedata.name(char, "").lower() or "control character"
    if 0xD800 <= code <= 0xDFFF:
        name = "unpaired surrogate"
    return f"U+{code:04X} ({name})"


def problem(value: Any, field: FieldInfo | None, *, xml: bool) -> str | None:
    """Why this value cannot be written to `field` (None when it can)."""
    if value is None:
        return None
    if isinstance(value, str):
        if xml and (reason := xml_problem(value)):
            return reason
        return _text_problem(value, field)
    if isinstance(value, list | tuple):
        return next((r for v in value if (r := problem(v, field, xml=xml))), None)
    return _typed_problem(value, field)


def code(reason: str) -> str:
    """The service error code for a reason `problem()` gave (Salesforce's names)."""
    if "characters long" in reason:
        return "STRING_TOO_LONG"
    if "not a number" in reason or "not a date" in reason or "finite" in reason:
        return "INVALID_TYPE_ON_FIELD_IN_RECORD"
    return "INVALID_VALUE"


def _text_problem(text: str, field: FieldInfo | None) -> str | None:
    if field is None:
        return None
    if field.length and field.type not in _NUMERIC and len(text) > field.length:
        return (f"is {len(text)} characters long; the field holds at most {field.length}")
    if field.type in _NUMERIC and text.strip():
        try:
            Decimal(text.strip().replace(",", ""))
        except InvalidOperation:
            return f"is not a number (the field is {field.type})"
    return None


def _typed_problem(value: Any, field: FieldInfo | None) -> str | None:
    if field is None:
        return None
    if field.type in _NUMERIC and (isinstance(value, bool)
                                   or not isinstance(value, int | float | Decimal)):
        return f"is {_kind(value)}, not a number (the field is {field.type})"
    if field.type in ("date", "datetime") and not isinstance(value, dt.date):
        return f"is {_kind(value)}, not a date (the field is {field.type})"
    if isinstance(value, float | Decimal) and not Decimal(str(value)).is_finite():
        return "is not a finite number"
    return None


def _kind(value: Any) -> str:
    return {bool: "true/false", dict: "a structure"}.get(type(value), f"a {type(value).__name__}")
