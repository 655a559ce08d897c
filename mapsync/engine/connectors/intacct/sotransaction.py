"""Legacy `create_sotransaction` / `update_sotransaction` elements in the XSD's element order.

Generic `<create><SODOCUMENT>` is not a supported path, so sales documents go through the
2.1-style functions: lower-case element names in a fixed order, dates as
`<year><month><day>`, contacts as `<shipto><contactname>`, custom fields as
`<customfields><customfield>` pairs. Inputs are mappings keyed by those lower-case names
(case-insensitive) or by the SODOCUMENT / SODOCUMENTENTRY catalog names (CUSTVENDID ->
customerid, WHENCREATED -> datecreated, TERM.NAME -> termname, PONUMBER -> referenceno...);
read-only catalog fields are left out. `customfields` is a mapping of name -> value;
`subtotals` a list of mappings. On update, a line's `line_num` is one-based; a catalog
`LINE_NO` (zero-based, as reads return it) is converted. A name the XSD does not allow is a
ValidationFailed, raised before any call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lxml import etree

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.errors import ValidationFailed

from .errors import SYSTEM
from .values import element, set_text, to_wire

CREATE_ORDER = (
    "transactiontype",
    "datecreated",
    "dateposted",
    "createdfrom",
    "customerid",
    "documentno",
    "origdocdate",
    "referenceno",
    "termname",
    "datedue",
    "message",
    "shippingmethod",
    "shipto",
    "billto",
    "supdocid",
    "externalid",
    "basecurr",
    "currency",
    "exchratedate",
    "exchratetype",
    "exchrate",
    "vsoepricelist",
    "customfields",
    "state",
    "projectid",
    "sotransitems",
    "subtotals",
)
UPDATE_ORDER = (
    "datecreated",
    "dateposted",
    "referenceno",
    "termname",
    "datedue",
    "origdocdate",
    "message",
    "shippingmethod",
    "shipto",
    "billto",
    "supdocid",
    "externalid",
    "basecurr",
    "currency",
    "exchratedate",
    "exchratetype",
    "exchrate",
    "vsoepricelist",
    "customfields",
    "state",
    "projectid",
    "updatesotransitems",
    "updatesubtotals",
)
LINE_ORDER = (
    "bundlenumber",
    "itemid",
    "itemdesc",
    "taxable",
    "warehouseid",
    "quantity",
    "unit",
    "linelevelsimpletaxtype",
    "discountpercent",
    "price",
    "sourcelinekey",
    "discsurchargememo",
    "locationid",
    "departmentid",
    "memo",
    "customfields",
    "revrectemplate",
    "revrecstartdate",
    "revrecenddate",
    "renewalmacro",
    "projectid",
    "customerid",
    "vendorid",
    "employeeid",
    "classid",
    "contractid",
    "fulfillmentstatus",
    "taskno",
    "billingtemplate",
    "dropship",
    "shipto",
)
UPDATE_LINE_ORDER = tuple(n for n in LINE_ORDER if n != "sourcelinekey")
SUBTOTAL_ORDER = (
    "description",
    "total",
    "absval",
    "percentval",
    "locationid",
    "departmentid",
    "projectid",
    "customerid",
    "vendorid",
    "employeeid",
    "classid",
    "itemid",
    "contractid",
    "customfields",
)
DATE_ELEMENTS = frozenset(
    {
        "datecreated",
        "dateposted",
        "origdocdate",
        "datedue",
        "exchratedate",
        "revrecstartdate",
        "revrecenddate",
    }
)
CONTACT_ELEMENTS = frozenset({"shipto", "billto"})
REQUIRED_CREATE = ("transactiontype", "datecreated", "customerid")
CATALOG_NAMES = {
    "DOCPARID": "transactiontype",
    "DOCNO": "documentno",
    "CUSTVENDID": "customerid",
    "WHENCREATED": "datecreated",
    "WHENPOSTED": "dateposted",
    "WHENDUE": "datedue",
    "TERM.NAME": "termname",
    "PONUMBER": "referenceno",
    "SHIPTO.CONTACTNAME": "shipto",
    "BILLTO.CONTACTNAME": "billto",
}


def create_sotransaction(
    transaction: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
    header_info: ObjectInfo | None = None,
    line_info: ObjectInfo | None = None,
) -> etree._Element:
    """`<create_sotransaction>` for a header and at least one line (itemid, quantity)."""
    allowed = CREATE_ORDER[:-2] + ("subtotals",)
    header = _lower(legacy_names(transaction, header_info), allowed, "create_sotransaction")
    missing = [n for n in REQUIRED_CREATE if header.get(n) in (None, "")]
    if missing:
        raise _invalid(f"create_sotransaction needs {', '.join(missing)}", missing[0])
    items = [_lower(legacy_names(x, line_info), LINE_ORDER, "sotransitem") for x in lines]
    if not items:
        raise _invalid("create_sotransaction needs at least one line", "sotransitems")
    header["sotransitems"] = items
    return _build("create_sotransaction", header, CREATE_ORDER)


def update_sotransaction(
    key: str,
    transaction: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] = (),
    header_info: ObjectInfo | None = None,
    line_info: ObjectInfo | None = None,
) -> etree._Element:
    """`<update_sotransaction key=DOCID>`; lines with `line_num` update, others are added."""
    allowed = UPDATE_ORDER[:-2] + ("subtotals",)
    header = _lower(legacy_names(transaction, header_info), allowed, "update_sotransaction")
    node = _build("update_sotransaction", header, UPDATE_ORDER)
    node.set("key", key)
    items = [_one_based(legacy_names(x, line_info, keep=("LINE_NO",)), x) for x in lines]
    if items:
        node.append(_update_lines(items))
    subtotals = header.get("subtotals")
    if subtotals:
        node.append(_list("updatesubtotals", "updatesubtotal", subtotals, SUBTOTAL_ORDER))
    return node


def _update_lines(lines: Sequence[Mapping[str, Any]]) -> etree._Element:
    container = etree.Element("updatesotransitems")
    for line in lines:
        values = _lower(line, UPDATE_LINE_ORDER + ("line_num",), "updatesotransitem")
        line_num = values.pop("line_num", None)
        if line_num is None:
            container.append(_build("sotransitem", values, LINE_ORDER))
        else:
            item = _build("updatesotransitem", values, UPDATE_LINE_ORDER)
            item.set("line_num", to_wire(line_num))
            container.append(item)
    return container


def legacy_names(
    values: Mapping[str, Any], info: ObjectInfo | None, keep: Sequence[str] = ()
) -> dict[str, Any]:
    """Catalog names turned into legacy element names; read-only catalog fields left out."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in CATALOG_NAMES:
            out[CATALOG_NAMES[name]] = value
        elif name in keep or not _readonly(info, name):
            out[name] = value
    return out


def _readonly(info: ObjectInfo | None, name: str) -> bool:
    field = info.fields.get(name) if info is not None else None
    return field is not None and field.readonly


def _one_based(values: dict[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """`LINE_NO` (zero-based, from reads) becomes `line_num` (one-based, for updates)."""
    line_no = values.pop("LINE_NO", None)
    if line_no is not None and "line_num" not in {k.lower() for k in original}:
        values["line_num"] = int(line_no) + 1
    return values


def _lower(values: Mapping[str, Any], allowed: Sequence[str], where: str) -> dict[str, Any]:
    out = {k.lower(): v for k, v in values.items()}
    unknown = sorted(set(out) - set(allowed))
    if unknown:
        raise _invalid(f"{where}: unknown element(s) {', '.join(unknown)}", unknown[0])
    return out


def _build(tag: str, values: Mapping[str, Any], order: Sequence[str]) -> etree._Element:
    node = etree.Element(tag)
    for name in order:
        value = values.get(name)
        if value is None or (name == "subtotals" and not value):
            continue
        node.append(_element(name, value))
    return node


def _element(name: str, value: Any) -> etree._Element:
    if name in DATE_ELEMENTS:
        return date_element(name, value)
    if name in CONTACT_ELEMENTS:
        node = etree.Element(name)
        set_text(etree.SubElement(node, "contactname"), to_wire(value), name)
        return node
    if name == "customfields":
        return custom_fields(value)
    if name == "sotransitems":
        return _list("sotransitems", "sotransitem", value, LINE_ORDER)
    if name == "subtotals":
        return _list("subtotals", "subtotal", value, SUBTOTAL_ORDER)
    node = element(name, field=name)
    set_text(node, to_wire(value), name)
    return node


def _list(
    tag: str, item_tag: str, items: Iterable[Mapping[str, Any]], order: Sequence[str]
) -> etree._Element:
    node = etree.Element(tag)
    for item in items:
        node.append(_build(item_tag, _lower(item, order, item_tag), order))
    return node


def date_element(name: str, value: Any) -> etree._Element:
    """`<name><year>YYYY</year><month>MM</month><day>DD</day></name>` from a date."""
    day = _as_date(value, name)
    node = etree.Element(name)
    etree.SubElement(node, "year").text = f"{day.year:04d}"
    etree.SubElement(node, "month").text = f"{day.month:02d}"
    etree.SubElement(node, "day").text = f"{day.day:02d}"
    return node


def _as_date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    refused = _invalid(f"{name}: {value!r} is not a date", name)
    if isinstance(value, str):
        try:
            return (
                dt.date.fromisoformat(value)
                if "-" in value
                else dt.datetime.strptime(value, "%m/%d/%Y").date()
            )
        except ValueError:
            raise refused from None
    raise refused


def custom_fields(values: Mapping[str, Any]) -> etree._Element:
    """`<customfields><customfield><customfieldname/><customfieldvalue/>...`."""
    node = etree.Element("customfields")
    for name, value in values.items():
        field = etree.SubElement(node, "customfield")
        set_text(etree.SubElement(field, "customfieldname"), name, f"customfields.{name}")
        set_text(etree.SubElement(field, "customfieldvalue"), to_wire(value),
                 f"customfields.{name}")
    return node


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, system=SYSTEM, operation="create_sotransaction", field=field)
