"""readByQuery condition strings and `query` filters, with every value escaped.

readByQuery takes a SQL-WHERE-like string: string values are single-quoted with quotes and
backslashes backslash-escaped (`'Erin\\'s Software'`); XML escaping of `<` and `&` is left to
lxml when the string becomes element text. Field names are checked against a strict pattern,
since they cannot be quoted. The `query` function takes XML filters, so its values are plain
element text (lxml escapes them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from mapsync.engine.connectors.base import Watermark
from mapsync.engine.errors import ValidationFailed

from .values import DATETIME_FORMAT, to_wire

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def field_name(name: str) -> str:
    """`name` when it is a plain (optionally dotted) field name; ValidationFailed otherwise."""
    if not _FIELD_NAME.match(name):
        raise ValidationFailed(f"not a field name: {name!r}", system="intacct", field=name)
    return name


def quote(value: str) -> str:
    """A readByQuery string literal: single quotes, `\\` and `'` backslash-escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(value: Any) -> str:
    """A readByQuery literal: numbers bare, booleans 'T'/'F', everything else quoted."""
    if isinstance(value, bool):
        return quote("T" if value else "F")
    if isinstance(value, int | Decimal):
        return to_wire(value)
    return quote(to_wire(value))


def compare(field: str, op: str, value: Any) -> str:
    """`FIELD op literal` for one of the readByQuery comparison operators."""
    if op not in ("=", "!=", "<", "<=", ">", ">="):
        raise ValueError(f"unsupported operator {op!r}")
    return f"{field_name(field)} {op} {literal(value)}"


def in_list(field: str, values: Iterable[Any]) -> str:
    """`FIELD IN ('a', 'b')` with every value escaped."""
    items = ", ".join(literal(v) for v in values)
    return f"{field_name(field)} IN ({items})"


def all_of(*conditions: str | None) -> str:
    """The conditions joined by AND, each parenthesised; empty when none are given."""
    present = [c for c in conditions if c]
    if len(present) == 1:
        return present[0]
    return " AND ".join(f"({c})" for c in present)


def modified_since(since: Watermark | None, modified_field: str = "WHENMODIFIED") -> str | None:
    """`WHENMODIFIED >= 'MM/DD/YYYY HH:MM:SS'` (`>` for an exclusive watermark), or None to
    read everything."""
    if since is None or since.modified is None:
        return None
    op = ">" if since.exclusive else ">="
    return compare(modified_field, op, since.modified.strftime(DATETIME_FORMAT))


def after_watermark(
    record: dict[str, Any], since: Watermark | None, modified_field: str, id_field: str
) -> bool:
    """False for records the watermark already covers (same second, RECORDNO not after it)."""
    if since is None or since.modified is None or since.record_id is None:
        return True
    modified = record.get(modified_field)
    if not isinstance(modified, dt.datetime) or modified != since.modified.replace(microsecond=0):
        return True
    return _record_number(record.get(id_field)) > _record_number(since.record_id)


def _record_number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


# --- the `query` function's XML filter -----------------------------------------------------


def filter_element(op: str, field: str, values: Sequence[Any]) -> etree._Element:
    """`<op><field>F</field><value>v</value>...</op>` (greaterthanorequalto, in, equalto...)."""
    node = etree.Element(op)
    etree.SubElement(node, "field").text = field_name(field)
    for value in values:
        etree.SubElement(node, "value").text = to_wire(value)
    return node


def and_filter(conditions: Sequence[etree._Element]) -> etree._Element | None:
    """One filter element: the condition itself, `<and>` around several, None for none."""
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    node = etree.Element("and")
    node.extend(conditions)
    return node
