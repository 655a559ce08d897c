"""Run a parsed SOQL query against the SQLite tables and shape records as the REST API does.

Child-to-parent paths become LEFT JOINs (one alias per relationship chain); conditions become
SQL with bound parameters only. Semantics kept from the real service: text `=`, LIKE and
ORDER BY are case-insensitive, `!=` and `NOT IN` also match nulls, nulls sort first unless told
otherwise, a date literal only compares with date fields and a datetime literal with datetime
fields, OFFSET is at most 2000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mapsync.engine.catalog import FieldInfo
from mapsync.engine.sandbox.salesforce import values
from mapsync.engine.sandbox.salesforce.db import Database, quote
from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.ids import to18
from mapsync.engine.sandbox.salesforce.schema import TEXT_TYPES, Schema, SObject
from mapsync.engine.sandbox.salesforce.soql import (
    BoolOp,
    Compare,
    Condition,
    Includes,
    InList,
    Like,
    Not,
    Path,
    Query,
    Relative,
    Value,
)

MAX_OFFSET = 2000
_NUMBERS = frozenset({"integer", "decimal", "currency", "percent"})
_TYPE_WORDS = {
    "boolean": "boolean", "date": "date", "datetime": "dateTime", "integer": "int",
    "decimal": "double", "currency": "currency", "percent": "percent",
}


@dataclass(frozen=True, slots=True)
class Column:
    """A resolved path: the SQL alias it is read from, its field and the relationship chain."""

    alias: str
    info: FieldInfo
    chain: tuple[tuple[str, SObject], ...]
    obj: SObject


@dataclass(slots=True)
class _Joins:
    root: SObject
    schema: Schema
    aliases: dict[tuple[str, ...], tuple[str, SObject]] = field(default_factory=dict)
    sql: list[str] = field(default_factory=list)

    def resolve(self, path: Path) -> Column:
        obj, alias = self.root, "t0"
        chain: list[tuple[str, SObject]] = []
        key: tuple[str, ...] = ()
        for part in path.parts[:-1]:
            ref = obj.relationship(part)
            target = self.target(ref)
            if ref is None or target is None:
                raise _no_column(obj, ".".join(path.parts), part)
            key = (*key, part.lower())
            if key not in self.aliases:
                new_alias = f"t{len(self.aliases) + 1}"
                self.sql.append(
                    f"LEFT JOIN {quote(target.name)} {new_alias} "
                    f"ON {new_alias}.Id = {alias}.{quote(ref.name)}"
                )
                self.aliases[key] = (new_alias, target)
            alias, obj = self.aliases[key]
            chain.append((ref.relationship_name or part, obj))
        info = obj.field(path.parts[-1])
        if info is None:
            raise _no_column(obj, ".".join(path.parts), path.parts[-1])
        return Column(alias, info, tuple(chain), obj)

    def target(self, ref: FieldInfo | None) -> SObject | None:
        if ref is None or not ref.references:
            return None
        return self.schema.get(ref.references[0])


def _no_column(obj: SObject, shown: str, part: str) -> ApiError:
    return ApiError(
        400, "INVALID_FIELD",
        f"\n{shown}\n^\nERROR at Row:1:Column:1\nNo such column '{part}' on entity "
        f"'{obj.name}'. If you are attempting to use a custom field, be sure to append the "
        "'__c' after the custom field name. Please reference your WSDL or the describe call "
        "for the appropriate names.",
    )


def _filter_type_error(info: FieldInfo, quoted: bool) -> ApiError:
    word = _TYPE_WORDS.get(info.type, "string")
    enclosed = "should be enclosed in quotes" if word == "string" else (
        "should not be enclosed in quotes"
    )
    return ApiError(
        400, "INVALID_QUERY_FILTER_OPERATOR",
        f"\nvalue of filter criterion for field '{info.name}' must be of type {word} and "
        f"{enclosed}",
    )


def _relative_range(value: Relative) -> tuple[dt.date, dt.date]:
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    spans = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_N_DAYS": (today - value.days * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (value.days + 1) * day),
    }
    return spans[value.name]


def _stored(info: FieldInfo, value: Value) -> Any:
    """The stored form of a literal compared with `info`; refuses mismatched literal types."""
    if value is None:
        return None
    kind = info.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            raise _filter_type_error(info, False)
        return to18(value) if kind in ("id", "reference") else value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _filter_type_error(info, isinstance(value, str))
        return int(value)
    if kind in _NUMBERS:
        if not isinstance(value, Decimal):
            raise _filter_type_error(info, isinstance(value, str))
        return float(value)
    if kind == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise _filter_type_error(info, isinstance(value, str))
        return value.isoformat()
    if kind == "datetime":
        if not isinstance(value, dt.datetime):
            raise _filter_type_error(info, isinstance(value, str))
        return values.format_datetime(value)
    raise _filter_type_error(info, isinstance(value, str))


class _Compiler:
    def __init__(self, joins: _Joins) -> None:
        self.joins = joins
        self.params: list[Any] = []

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, BoolOp):
            return "(" + f" {cond.op} ".join(self.condition(c) for c in cond.items) + ")"
        if isinstance(cond, Not):
            return f"(NOT COALESCE({self.condition(cond.item)}, 0))"
        if isinstance(cond, Compare):
            return self.compare(cond)
        if isinstance(cond, InList):
            return self.in_list(cond)
        if isinstance(cond, Like):
            return self.like(cond)
        return self.includes(cond)

    def _column(self, path: Path) -> tuple[str, FieldInfo]:
        col = self.joins.resolve(path)
        return f"{col.alias}.{quote(col.info.name)}", col.info

    def compare(self, cond: Compare) -> str:
        sql, info = self._column(cond.path)
        if isinstance(cond.value, Relative):
            return self.relative(sql, info, cond.op, cond.value)
        value = _stored(info, cond.value)
        collate = " COLLATE NOCASE" if info.type in TEXT_TYPES - {"id", "reference"} else ""
        if value is None:
            return f"{sql} IS {'NOT ' if cond.op == '!=' else ''}NULL" if cond.op in (
                "=", "!=") else "0"
        self.params.append(value)
        if cond.op == "!=":
            return f"({sql} IS NULL OR {sql} != ?{collate})"
        return f"{sql} {cond.op} ?{collate}"

    def relative(self, sql: str, info: FieldInfo, op: str, value: Relative) -> str:
        if info.type not in ("date", "datetime"):
            raise _filter_type_error(info, False)
        start, end = _relative_range(value)

        def bound(day: dt.date) -> str:
            if info.type == "date":
                return day.isoformat()
            return values.format_datetime(dt.datetime.combine(day, dt.time(), dt.UTC))

        low, high = bound(start), bound(end)
        forms = {
            "=": (f"({sql} >= ? AND {sql} < ?)", [low, high]),
            "!=": (f"({sql} IS NULL OR {sql} < ? OR {sql} >= ?)", [low, high]),
            "<": (f"{sql} < ?", [low]),
            ">=": (f"{sql} >= ?", [low]),
            ">": (f"{sql} >= ?", [high]),
            "<=": (f"{sql} < ?", [high]),
        }
        text, params = forms[op]
        self.params.extend(params)
        return text

    def in_list(self, cond: InList) -> str:
        sql, info = self._column(cond.path)
        stored = [_stored(info, v) for v in cond.values if not isinstance(v, Relative)]
        collate = " COLLATE NOCASE" if info.type in TEXT_TYPES - {"id", "reference"} else ""
        present = [v for v in stored if v is not None]
        has_null = len(present) != len(stored)
        self.params.extend(present)
        marks = ", ".join("?" * len(present)) or "NULL"
        if cond.negated:
            null_part = f"{sql} IS NOT NULL AND " if has_null else f"{sql} IS NULL OR "
            return f"({null_part}{sql}{collate} NOT IN ({marks}))"
        null_part = f" OR {sql} IS NULL" if has_null else ""
        return f"({sql}{collate} IN ({marks}){null_part})"

    def like(self, cond: Like) -> str:
        sql, info = self._column(cond.path)
        if info.type not in TEXT_TYPES:
            raise ApiError(
                400, "INVALID_QUERY_FILTER_OPERATOR",
                f"\ninvalid operator on {info.type} field: LIKE",
            )
        pattern = "".join(
            ch if wild else ("\\" + ch if ch in "%_\\" else ch) for ch, wild in cond.chars
        )
        self.params.append(pattern)
        return f"{sql} LIKE ? ESCAPE '\\'"

    def includes(self, cond: Includes) -> str:
        sql, info = self._column(cond.path)
        if info.type != "multipicklist":
            raise ApiError(
                400, "INVALID_QUERY_FILTER_OPERATOR",
                f"\nincludes or excludes operator only valid on multipicklist field: {info.name}",
            )
        self.params.extend(cond.values)
        parts = " OR ".join(f"sf_includes({sql}, ?)" for _ in cond.values)
        return f"(NOT COALESCE(({parts}), 0))" if cond.negated else f"({parts})"


@dataclass(frozen=True, slots=True)
class QueryResult:
    """All records of a query (already shaped as JSON), or the count of a COUNT() query."""

    records: list[dict[str, Any]]
    total: int
    paths: tuple[tuple[str, ...], ...] = ()


def _shape(
    api_version: str, root: SObject, columns: list[Column], rows: list[tuple[Any, ...]],
    parent_index: dict[tuple[str, ...], int],
) -> list[dict[str, Any]]:
    base = f"/services/data/v{api_version}/sobjects/"
    out: list[dict[str, Any]] = []
    for row in rows:
        record: dict[str, Any] = {
            "attributes": {"type": root.name, "url": f"{base}{root.name}/{row[0]}"}
        }
        for i, col in enumerate(columns):
            holder: dict[str, Any] | None = record
            key: tuple[str, ...] = ()
            for rel_name, obj in col.chain:
                key = (*key, rel_name.lower())
                if holder is None:
                    break
                if rel_name not in holder:
                    parent_id = row[parent_index[key]]
                    holder[rel_name] = None if parent_id is None else {
                        "attributes": {"type": obj.name, "url": f"{base}{obj.name}/{parent_id}"}
                    }
                holder = holder[rel_name]
            if holder is not None:
                holder[col.info.name] = values.to_json(col.info, row[i + 1])
        out.append(record)
    return out


def run(
    db: Database, query: Query, *, include_deleted: bool = False, api_version: str = "59.0"
) -> QueryResult:
    """Execute `query`; raises ApiError with INVALID_TYPE / INVALID_FIELD / ... on bad input."""
    root = db.schema.require(query.object)
    joins = _Joins(root, db.schema)
    compiler = _Compiler(joins)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise ApiError(
            400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
        )
    columns = [joins.resolve(p) for p in query.fields]
    seen: set[tuple[str, ...]] = set()
    for path in query.fields:
        key = tuple(p.lower() for p in path.parts)
        if key in seen:
            raise ApiError(
                400, "MALFORMED_QUERY", f"duplicate field selected: {'.'.join(path.parts)}"
            )
        seen.add(key)
    where = [compiler.condition(query.where)] if query.where is not None else []
    if not include_deleted:
        where.insert(0, "t0.IsDeleted = 0")
    order_sql = _order(joins, query)
    where_sql = (" WHERE " + " AND ".join(where)) if where else ""
    from_sql = f" FROM {quote(root.name)} t0 " + " ".join(joins.sql)
    if query.count:
        count_rows = db.select("SELECT COUNT(*)" + from_sql + where_sql, compiler.params)
        return QueryResult([], int(count_rows[0][0]))
    select = ["t0.Id", *(f"{c.alias}.{quote(c.info.name)}" for c in columns)]
    parent_index: dict[tuple[str, ...], int] = {}
    for key, (alias, _) in joins.aliases.items():
        parent_index[key] = len(select)
        select.append(f"{alias}.Id")
    limit_sql = ""
    if query.limit is not None or query.offset is not None:
        limit_sql = " LIMIT ? OFFSET ?"
        compiler.params.extend([query.limit if query.limit is not None else -1, query.offset or 0])
    sql = "SELECT " + ", ".join(select) + from_sql + where_sql + order_sql + limit_sql
    rows = db.select(sql, compiler.params)
    records = _shape(api_version, root, columns, rows, parent_index)
    paths = tuple((*(name for name, _ in c.chain), c.info.name) for c in columns)
    return QueryResult(records, len(records), paths)


def _order(joins: _Joins, query: Query) -> str:
    if not query.order:
        return " ORDER BY t0._seq"
    parts = []
    for item in query.order:
        col = joins.resolve(item.path)
        collate = " COLLATE NOCASE" if col.info.type in TEXT_TYPES - {"id", "reference"} else ""
        direction = " DESC" if item.descending else " ASC"
        nulls = " NULLS LAST" if item.nulls_last else " NULLS FIRST"
        parts.append(f"{col.alias}.{quote(col.info.name)}{collate}{direction}{nulls}")
    return " ORDER BY " + ", ".join(parts) + ", t0._seq"
