"""Generic write functions: create, update and delete (several objects per call).

Nested elements are written to dotted catalog fields (`<DISPLAYCONTACT><MAILADDRESS><CITY>`
-> `DISPLAYCONTACT.MAILADDRESS.CITY`); an empty element clears a field on update; read-only
fields are ignored; required fields, pick lists, value formats and unique keys are checked
against the catalog. Without a transaction the objects written before a failure stay
written and are listed in the failed result's `<data>`, as the real service does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lxml import etree

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.sandbox.intacct import errors
from mapsync.engine.sandbox.intacct.context import Context, Outcome, required_text
from mapsync.engine.sandbox.intacct.errors import Chain, FunctionFailure
from mapsync.engine.sandbox.intacct.render import data_element, text_element
from mapsync.engine.sandbox.intacct.store import DuplicateValue, Row
from mapsync.engine.sandbox.intacct.values import (
    BadEmail,
    BadValue,
    Stored,
    format_stored,
    parse_wire,
)
from mapsync.engine.sandbox.intacct.xml import children


def flatten(element: etree._Element, prefix: str = "") -> dict[str, str]:
    """Leaf values of a record element by dotted path (`""` for empty leaves)."""
    values: dict[str, str] = {}
    for child in children(element):
        path = f"{prefix}{child.tag}"
        if children(child):
            values.update(flatten(child, path + "."))
        else:
            values[path] = (child.text or "").strip()
    return values


def _refuse_write(info: ObjectInfo, verb: str) -> None:
    if info.readonly:
        raise FunctionFailure(errors.unsupported(f"{info.name} is read-only through the API"))
    legacy = info.write_functions.get(verb)
    if legacy:
        raise FunctionFailure(
            errors.unsupported(
                f"{info.name} cannot be written with the generic {verb} function; use {legacy}"
            )
        )


def parse_fields(info: ObjectInfo, wire: Mapping[str, str], verb: str) -> dict[str, Stored]:
    """Wire values -> stored values of writable catalog fields; failures as error chains."""
    names = {n.upper(): n for n in info.fields}
    stored: dict[str, Stored] = {}
    bad_emails: list[tuple[str, str]] = []
    for given, text in wire.items():
        name = names.get(given.upper())
        if name is None:
            raise FunctionFailure(
                errors.invalid_record(
                    info.label, f"Invalid field {given} for object {info.name}", verb
                )
            )
        spec = info.fields[name]
        if spec.readonly:
            continue
        try:
            stored[name] = parse_wire(spec, text)
        except BadEmail:
            bad_emails.append((name, text))
        except BadValue as err:
            raise FunctionFailure(errors.invalid_record(info.label, str(err), verb)) from None
    if bad_emails:
        raise FunctionFailure(errors.bad_emails(info.label, bad_emails, verb))
    return stored


def check_required(info: ObjectInfo, values: Mapping[str, Stored], verb: str) -> None:
    """A failure naming the first required field that is missing or empty."""
    for name in info.required_fields():
        if values.get(name) is None:
            spec = info.fields[name]
            raise FunctionFailure(errors.missing_required(info.label, spec.label, name, verb))


def written_element(info: ObjectInfo, row: Row) -> etree._Element:
    """`<customer><RECORDNO>..</RECORDNO><CUSTOMERID>..</CUSTOMERID></customer>`."""
    element = etree.Element(info.name.lower())
    text_element(element, "RECORDNO", str(row.recordno))
    if info.key and info.key != "RECORDNO":
        text_element(element, info.key, format_stored(None, row.values.get(info.key)))
    return element


def _objects_data(written: list[etree._Element]) -> etree._Element:
    data = data_element({"listtype": "objects", "count": len(written)})
    for element in written:
        data.append(element)
    return data


Writer = Callable[[Context, ObjectInfo, dict[str, str]], Row]


def _each_object(ctx: Context, element: etree._Element, verb: str, write: Writer) -> Outcome:
    written: list[etree._Element] = []
    for item in children(element):
        try:
            info = ctx.object_info(str(item.tag))
            _refuse_write(info, verb)
            with ctx.savepoint():
                row = write(ctx, info, flatten(item))
        except FunctionFailure as failure:
            raise FunctionFailure(failure.chain, _objects_data(written)) from None
        written.append(written_element(info, row))
    return Outcome(_objects_data(written), records=len(written))


def _duplicate(info: ObjectInfo, err: DuplicateValue, verb: str) -> Chain:
    return errors.duplicate(info.label, err.value, verb)


def _create_one(ctx: Context, info: ObjectInfo, wire: dict[str, str]) -> Row:
    values = ctx.store.with_defaults(info.name, parse_fields(info, wire, "create"))
    check_required(info, values, "create")
    try:
        return ctx.store.insert_row(ctx.conn, info.name, values)
    except DuplicateValue as err:
        raise FunctionFailure(_duplicate(info, err, "create")) from None


def _update_one(ctx: Context, info: ObjectInfo, wire: dict[str, str]) -> Row:
    row = _target(ctx, info, wire)
    changes = parse_fields(info, wire, "update")
    check_required(info, {**row.values, **changes}, "update")
    try:
        return ctx.store.update_row(ctx.conn, info.name, row, changes)
    except DuplicateValue as err:
        raise FunctionFailure(_duplicate(info, err, "update")) from None


def _target(ctx: Context, info: ObjectInfo, wire: Mapping[str, str]) -> Row:
    upper = {k.upper(): v for k, v in wire.items()}
    recordno = upper.get("RECORDNO", "")
    if recordno:
        rows = ctx.store.rows_by_recordno(
            ctx.conn, info.name, [int(recordno)] if recordno.isdigit() else []
        )
        field, value = "RECORDNO", recordno
    elif info.key and upper.get(info.key.upper()):
        value = upper[info.key.upper()]
        rows = ctx.store.rows_by_key(ctx.conn, info.name, [value])
        field = info.key
    else:
        detail = f"Provide RECORDNO{' or ' + info.key if info.key else ''} to update {info.name}"
        raise FunctionFailure(errors.invalid_record(info.label, detail, "update"))
    if not rows:
        raise FunctionFailure(errors.update_missing(info.name, field, value))
    return rows[0]


def create(ctx: Context, element: etree._Element) -> Outcome:
    """create: one or more objects (even of different types) in one call."""
    return _each_object(ctx, element, "create", _create_one)


def update(ctx: Context, element: etree._Element) -> Outcome:
    """update: records found by RECORDNO or business key; only the fields sent change."""
    return _each_object(ctx, element, "update", _update_one)


def delete(ctx: Context, element: etree._Element) -> Outcome:
    """delete: records by RECORDNO list; owned lines go with their header."""
    info = ctx.object_info(required_text(element, "object"))
    _refuse_write(info, "delete")
    keys = [k.strip() for k in required_text(element, "keys").split(",") if k.strip()]
    for key in keys:
        rows = ctx.store.rows_by_recordno(ctx.conn, info.name, [int(key)] if key.isdigit() else [])
        if not rows:
            raise FunctionFailure(errors.delete_missing(info.label, key))
        delete_with_lines(ctx, info.name, rows[0])
    return Outcome(records=len(keys))


def delete_with_lines(ctx: Context, obj: str, row: Row) -> None:
    """Delete a record and the owned line records that point to it."""
    for child_obj, field, header_field in ctx.children_of(obj):
        column = ctx.store.column(child_obj, field)
        value = row.values.get(header_field)
        for line in ctx.store.rows_where(ctx.conn, child_obj, f"{column} = ?", [value]):
            ctx.store.delete_row(ctx.conn, child_obj, line.recordno)
    ctx.store.delete_row(ctx.conn, obj, row.recordno)
