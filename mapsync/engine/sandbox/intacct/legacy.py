"""Legacy order-entry functions: create_sotransaction, update_sotransaction, delete_sotransaction.

The documented way to write sales documents (generic create of SODOCUMENT is not
supported). They store one SODOCUMENT header and SODOCUMENTENTRY lines (LINE_NO zero
based, `updatesotransitem line_num` one based) and answer with the legacy `<key>`: the
DOCID `"<transaction type>-<document number>"`, e.g. `Sales Order-SO0001`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from mapsync.engine.sandbox.intacct import errors
from mapsync.engine.sandbox.intacct.context import Context, Outcome
from mapsync.engine.sandbox.intacct.errors import FunctionFailure
from mapsync.engine.sandbox.intacct.store import DuplicateValue, Row
from mapsync.engine.sandbox.intacct.values import BadValue, Stored
from mapsync.engine.sandbox.intacct.writes import delete_with_lines
from mapsync.engine.sandbox.intacct.xml import child_text, children

HEADER = "SODOCUMENT"
LINE = "SODOCUMENTENTRY"

_HEADER_NAMES = {
    "referenceno": "PONUMBER",
    "termname": "TERM.NAME",
    "message": "MESSAGE",
    "shippingmethod": "SHIPVIA",
    "supdocid": "SUPDOCID",
    "externalid": "EXTERNALID",
    "basecurr": "BASECURR",
    "currency": "CURRENCY",
    "exchratetype": "EXCHRATETYPE",
    "exchrate": "EXCHRATE",
    "vsoepricelist": "VSOEPRCLST",
    "state": "STATE",
    "projectid": "PROJECTID",
    "createdfrom": "CREATEDFROM",
}
_HEADER_DATES = {
    "datecreated": "WHENCREATED",
    "dateposted": "WHENPOSTED",
    "datedue": "WHENDUE",
    "origdocdate": "ORIGDOCDATE",
    "exchratedate": "EXCHRATEDATE",
}
_LINE_NAMES = {"taskno": "TASKID", "renewalmacro": "RENEWALMACRO"}
_LINE_NUMBERS = ("quantity", "price", "discountpercent")
_LINE_DATES = ("revrecstartdate", "revrecenddate")
_SKIP = frozenset({"customfields", "itemdetails", "shipto", "billto"})


def _legacy_date(element: etree._Element) -> date:
    try:
        return date(
            int(child_text(element, "year", "") or ""),
            int(child_text(element, "month", "") or ""),
            int(child_text(element, "day", "") or ""),
        )
    except ValueError:
        raise FunctionFailure(
            errors.invalid_record("Transaction", f"Invalid date in <{element.tag}>", "create")
        ) from None


def _number(text: str, name: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FunctionFailure(
            errors.invalid_record("Transaction", f"'{text}' is not a valid {name}", "create")
        ) from None


def _custom_fields(element: etree._Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in element.findall("customfields/customfield"):
        name = child_text(field, "customfieldname", "") or ""
        if name:
            values[name.upper()] = child_text(field, "customfieldvalue", "") or None
    return values


def _header_values(element: etree._Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in children(element):
        tag = str(child.tag)
        if tag in _HEADER_DATES:
            values[_HEADER_DATES[tag]] = _legacy_date(child)
        elif tag in _HEADER_NAMES:
            values[_HEADER_NAMES[tag]] = (child.text or "").strip() or None
        elif tag in ("shipto", "billto"):
            contact = child_text(child, "contactname")
            values[f"{tag.upper()}.CONTACTNAME"] = contact or None
    values.update(_custom_fields(element))
    return values


def _line_values(item: etree._Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in children(item):
        tag = str(child.tag)
        text = (child.text or "").strip()
        if tag in _SKIP:
            continue
        if tag in _LINE_DATES:
            values[tag.upper()] = _legacy_date(child) if children(child) else None
        elif tag in _LINE_NUMBERS:
            values[tag.upper()] = _number(text, tag) if text else None
        else:
            values[_LINE_NAMES.get(tag, tag.upper())] = text or None
    values.update(_custom_fields(item))
    return values


def _priced(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    if values.get("PRICE") is None:
        items = ctx.store.rows_by_key(ctx.conn, "ITEM", [str(values.get("ITEMID"))])
        base = items[0].values.get("BASEPRICE") if items else None
        values["PRICE"] = Decimal(str(base)) if isinstance(base, int | float) else Decimal(0)
    quantity = values.get("QUANTITY") or Decimal(0)
    discount = values.get("DISCOUNTPERCENT") or Decimal(0)
    values["UIPRICE"] = values["PRICE"]
    values["UIVALUE"] = quantity * values["PRICE"] * (1 - discount / 100)
    values["TRX_VALUE"] = values["UIVALUE"]
    return values


def _doc_prefix(transaction_type: str) -> str:
    initials = "".join(word[0] for word in transaction_type.split() if word[:1].isalpha())
    return initials.upper() or "DOC"


def _stored(ctx: Context, obj: str, values: Mapping[str, Any]) -> dict[str, Stored]:
    try:
        return ctx.store.to_stored(obj, values)
    except BadValue as err:
        raise FunctionFailure(errors.invalid_record("Transaction", str(err), "create")) from None


def _insert(ctx: Context, obj: str, values: Mapping[str, Any]) -> Row:
    stored = _stored(ctx, obj, {k: v for k, v in values.items() if v is not None})
    return ctx.store.insert_row(ctx.conn, obj, stored)


def _customer_name(ctx: Context, customer_id: str) -> str | None:
    rows = ctx.store.rows_by_key(ctx.conn, "CUSTOMER", [customer_id])
    name = rows[0].values.get("NAME") if rows else None
    return name if isinstance(name, str) else None


def _write_lines(ctx: Context, header: Row, items: list[etree._Element], first: int) -> None:
    for offset, item in enumerate(items):
        values = _priced(ctx, _line_values(item))
        values.update(
            DOCHDRNO=header.recordno,
            DOCHDRID=header.values.get("DOCID"),
            DOCPARID=header.values.get("DOCPARID"),
            LINE_NO=first + offset,
        )
        _insert(ctx, LINE, values)


def _lines(ctx: Context, header: Row) -> list[Row]:
    rows = ctx.store.rows_where(
        ctx.conn, LINE, f"{ctx.store.column(LINE, 'DOCHDRNO')} = ?", [header.recordno]
    )
    return sorted(rows, key=lambda r: _int(r.values.get("LINE_NO")))


def _int(value: Stored) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _retotal(ctx: Context, header: Row, subtotals: Decimal) -> Row:
    total = sum((_decimal(r.values.get("UIVALUE")) for r in _lines(ctx, header)), Decimal(0))
    changes = ctx.store.to_stored(HEADER, {"SUBTOTAL": total, "TOTAL": total + subtotals})
    return ctx.store.update_row(ctx.conn, HEADER, header, changes)


def _decimal(value: Stored) -> Decimal:
    return Decimal(str(value)) if isinstance(value, int | float) else Decimal(0)


def _subtotals(element: etree._Element, path: str) -> Decimal:
    totals = [child_text(s, "total", "") or "0" for s in element.findall(path)]
    return sum((_number(t, "total") for t in totals), Decimal(0))


def create_sotransaction(ctx: Context, element: etree._Element) -> Outcome:
    """create_sotransaction: a sales document of a transaction definition, with its lines."""
    kind = child_text(element, "transactiontype", "") or ""
    customer = child_text(element, "customerid", "") or ""
    docno = child_text(element, "documentno", "") or ""
    _check_references(ctx, customer, element.findall("sotransitems/sotransitem"))
    if not docno:
        docno = f"{_doc_prefix(kind)}{ctx.store.next_sequence(ctx.conn, f'SO:{kind}'):04d}"
    values = _header_values(element)
    values.update(
        DOCNO=docno,
        DOCID=f"{kind}-{docno}",
        DOCPARID=kind,
        CUSTVENDID=customer,
        CUSTVENDNAME=_customer_name(ctx, customer),
    )
    values.setdefault("STATE", None)
    values["STATE"] = values["STATE"] or "Pending"
    try:
        header = _insert(ctx, HEADER, values)
    except DuplicateValue:
        raise FunctionFailure(errors.duplicate("Transaction", f"{kind}-{docno}")) from None
    _write_lines(ctx, header, element.findall("sotransitems/sotransitem"), 0)
    _retotal(ctx, header, _subtotals(element, "subtotals/subtotal"))
    items = len(element.findall("sotransitems/sotransitem"))
    return Outcome(key=f"{kind}-{docno}", records=1 + items)


def _header(ctx: Context, element: etree._Element, verb: str) -> Row:
    key = element.get("key", "")
    rows = ctx.store.rows_by_key(ctx.conn, HEADER, [key])
    if not rows:
        if verb == "delete":
            raise FunctionFailure(errors.delete_missing("Transaction", key))
        raise FunctionFailure(errors.update_missing(HEADER, "DOCID", key))
    return rows[0]


def update_sotransaction(ctx: Context, element: etree._Element) -> Outcome:
    """update_sotransaction key=DOCID: header fields, new lines, and lines by line_num (1-based)."""
    header = _header(ctx, element, "update")
    changes = _stored(ctx, HEADER, _header_values(element))
    header = ctx.store.update_row(ctx.conn, HEADER, header, changes)
    lines = _lines(ctx, header)
    _update_lines(ctx, lines, element.findall("updatesotransitems/updatesotransitem"))
    new = element.findall("updatesotransitems/sotransitem")
    _check_references(ctx, str(header.values.get("CUSTVENDID")), new)
    _write_lines(ctx, header, new, len(lines))
    _retotal(ctx, header, _subtotals(element, "updatesubtotals/updatesubtotal"))
    return Outcome(key=str(header.values.get("DOCID")), records=1 + len(new))


def _update_lines(ctx: Context, lines: list[Row], updates: list[etree._Element]) -> None:
    for update in updates:
        number = update.get("line_num", "")
        index = int(number) - 1 if number.isdigit() else -1
        if not 0 <= index < len(lines):
            detail = f"Line number {number} does not exist on this transaction"
            raise FunctionFailure(errors.invalid_record("Transaction", detail, "update"))
        given = _line_values(update)
        merged: dict[str, Any] = {**lines[index].values, **given}
        for name in ("QUANTITY", "PRICE", "DISCOUNTPERCENT"):
            if merged.get(name) is not None:
                merged[name] = Decimal(str(merged[name]))
        merged = _priced(ctx, merged)
        changed = {k: merged[k] for k in [*given, *_PRICE_KEYS]}
        ctx.store.update_row(ctx.conn, LINE, lines[index], _stored(ctx, LINE, changed))


_PRICE_KEYS = ("PRICE", "UIPRICE", "UIVALUE", "TRX_VALUE")


def _check_references(ctx: Context, customer: str, items: list[etree._Element]) -> None:
    if "CUSTOMER" in ctx.store.catalogs and not ctx.store.rows_by_key(
        ctx.conn, "CUSTOMER", [customer]
    ):
        detail = f"Invalid Customer {customer} specified."
        raise FunctionFailure(errors.invalid_record("Transaction", detail, "create"))
    if "ITEM" not in ctx.store.catalogs:
        return
    for item in items:
        item_id = child_text(item, "itemid", "") or ""
        if not ctx.store.rows_by_key(ctx.conn, "ITEM", [item_id]):
            detail = f"Invalid Item {item_id} specified."
            raise FunctionFailure(errors.invalid_record("Transaction", detail, "create"))


def delete_sotransaction(ctx: Context, element: etree._Element) -> Outcome:
    """delete_sotransaction key=DOCID: the header and its lines."""
    header = _header(ctx, element, "delete")
    delete_with_lines(ctx, HEADER, header)
    return Outcome(key=str(header.values.get("DOCID")), records=1)
