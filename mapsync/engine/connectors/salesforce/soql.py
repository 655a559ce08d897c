"""SOQL text built from parts: every value escaped, every name checked.

Values become literals by type (`literal`): strings single-quoted with the SOQL escapes
(`\\\\ \\' \\" \\n \\r \\t \\b \\f` and `\\uXXXX` for other control characters), dates and
aware datetimes as unquoted literals in UTC, numbers, booleans and `null` as themselves. Field
and object names must match an identifier pattern, so no value or name can change the shape
of a query.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mapsync.engine.errors import MapsyncError

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_OBJECT_RE = re.compile(rf"^{_NAME}$")
# Child-to-parent paths go at most five relationships deep.
_FIELD_RE = re.compile(rf"^{_NAME}(\.{_NAME}){{0,5}}$")
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_LIKE_ESCAPES = {"%": "\\%", "_": "\\_"}
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "LIKE"})
# The REST query resource is a GET: keep each IN list well under the URI length limit.
MAX_IN_CHARS = 8000
MAX_IN_VALUES = 200


class SoqlError(MapsyncError, ValueError):
    """A name is not a valid identifier or a value has no SOQL literal form."""


def object_name(name: str) -> str:
    """`name` if it is a valid sObject name, else SoqlError."""
    if not _OBJECT_RE.match(name):
        raise SoqlError(f"invalid sObject name {name!r}")
    return name


def field_name(name: str) -> str:
    """`name` if it is a valid field name or relationship path, else SoqlError."""
    if not _FIELD_RE.match(name):
        raise SoqlError(f"invalid field name {name!r}")
    return name


def _escape_char(ch: str, like: bool) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if like and ch in _LIKE_ESCAPES:
        return _LIKE_ESCAPES[ch]
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"\\u{ord(ch):04x}"
    return ch


def quote(text: str, *, like: bool = False) -> str:
    """A single-quoted SOQL string literal; `like=True` also escapes `%` and `_`."""
    return "'" + "".join(_escape_char(ch, like) for ch in text) + "'"


def datetime_literal(value: dt.datetime) -> str:
    """An aware datetime as a UTC SOQL literal (`2024-01-02T03:04:05Z`, `.123Z` if fractional)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise SoqlError(f"naive datetime {value.isoformat()} has no SOQL form: give a timezone")
    utc = value.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise SoqlError(f"non-finite number {value} has no SOQL form")
        return format(value, "f")
    if isinstance(value, float) and not math.isfinite(value):
        raise SoqlError(f"non-finite number {value} has no SOQL form")
    return repr(value)


def literal(value: object) -> str:
    """The SOQL literal for one Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, dt.datetime):
        return datetime_literal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return quote(value)
    raise SoqlError(f"no SOQL literal for {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Clause:
    """A piece of WHERE text built only by the functions below (so it is safe to splice)."""

    text: str

    def __str__(self) -> str:
        return self.text


def compare(field: str, op: str, value: object) -> Clause:
    """`field op literal(value)`; `op` is one of = != < <= > >= LIKE (a pattern, as given)."""
    op = op.upper()
    if op not in _OPERATORS:
        raise SoqlError(f"unsupported operator {op!r}")
    if op == "LIKE" and not isinstance(value, str):
        raise SoqlError("LIKE needs a string pattern")
    return Clause(f"{field_name(field)} {op} {literal(value)}")


def _like(field: str, before: str, text: str, after: str) -> Clause:
    # Escape the caller's text (quotes and the % _ wildcards), then add our own wildcards.
    return Clause(f"{field_name(field)} LIKE {quote(text, like=True)[:-1]}{after}'".replace(
        "LIKE '", f"LIKE '{before}", 1))


def starts_with(field: str, prefix: str) -> Clause:
    """`field LIKE 'prefix%'` with `prefix` matched literally (its % and _ escaped)."""
    return _like(field, "", prefix, "%")


def contains(field: str, text: str) -> Clause:
    """`field LIKE '%text%'` with `text` matched literally."""
    return _like(field, "%", text, "%")


def in_(field: str, values: Iterable[object], *, negate: bool = False) -> Clause:
    """`field IN (...)` (or NOT IN); an empty list is refused, since SOQL refuses it too."""
    items = [literal(v) for v in values]
    if not items:
        raise SoqlError(f"empty IN list for {field}")
    keyword = "NOT IN" if negate else "IN"
    return Clause(f"{field_name(field)} {keyword} ({', '.join(items)})")


def and_(*clauses: Clause | None) -> Clause | None:
    """Clauses joined by AND, each parenthesised (SOQL needs that when AND and OR mix)."""
    parts = [c for c in clauses if c is not None]
    if len(parts) <= 1:
        return parts[0] if parts else None
    return Clause(" AND ".join(f"({c.text})" for c in parts))


def or_(*clauses: Clause) -> Clause:
    """Clauses joined by OR, each parenthesised."""
    if not clauses:
        raise SoqlError("empty OR")
    if len(clauses) == 1:
        return clauses[0]
    return Clause(" OR ".join(f"({c.text})" for c in clauses))


def select(
    obj: str,
    fields: Sequence[str],
    *,
    where: Clause | None = None,
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> str:
    """A SELECT statement; fields are de-duplicated (case-insensitively) in order."""
    seen: dict[str, str] = {}
    for name in fields:
        seen.setdefault(field_name(name).lower(), name)
    if not seen:
        raise SoqlError(f"no fields to select from {obj}")
    text = f"SELECT {', '.join(seen.values())} FROM {object_name(obj)}"
    if where is not None:
        text += f" WHERE {where.text}"
    if order_by:
        text += " ORDER BY " + ", ".join(field_name(f) for f in order_by)
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    return text


def since_clause(
    modified_field: str, since: dt.datetime | None, *, exclusive: bool = False
) -> Clause | None:
    """Records changed at or after `since` (floored to the second Salesforce stamps at).

    Inclusive on purpose, with no `Id >` keyset: a record changed later within the same
    second as the watermark can have a smaller Id, and a keyset would skip it for good.
    Re-reading the watermark's own second is harmless (the runner suppresses echoes).
    `exclusive`: strictly after `since`, for a watermark whose second can hold nothing new
    (`Watermark.exclusive`: its overlap window was read late enough).
    """
    if since is None:
        return None
    return compare(modified_field, ">" if exclusive else ">=", since.replace(microsecond=0))


def in_chunks(
    values: Iterable[object],
    *,
    max_values: int = MAX_IN_VALUES,
    max_chars: int = MAX_IN_CHARS,
) -> Iterator[list[object]]:
    """Split values into IN lists that keep the query URL short."""
    chunk: list[object] = []
    size = 0
    for value in values:
        width = len(literal(value)) + 2
        if chunk and (len(chunk) >= max_values or size + width > max_chars):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += width
    if chunk:
        yield chunk
