"""Intacct object definitions: `lookup` and `inspect detail="1"`, as snapshot documents.

    document = describe_object(client.gateway, "CUSTOMER")   # catalog document format
    names = list_objects(client.gateway)                    # inspect `*`: every object

`lookup` gives each field's type, required/read-only flags, valid values, whether it is a
custom field, and the relationships; `inspect detail="1"` adds lengths. User-defined objects
answer both like standard ones. A failed function raises the connector's typed error.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .envelope import Function
from .errors import from_chain
from .gateway import Gateway
from .response import Result

# lookup DATATYPE -> catalog type (schemas/catalog.schema.json).
TYPES = {
    "TEXT": "string", "INTEGER": "integer", "DECIMAL": "decimal", "CURRENCY": "currency",
    "PERCENT": "percent", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "datetime",
    "ENUM": "picklist", "SEQUENCE": "id", "EMAIL": "email", "URL": "url", "PHONE": "phone",
}


def _run(gateway: Gateway, name: str, element: etree._Element) -> Result:
    response = gateway.execute([Function(name, element, name)], operation=name, uniqueid=False)
    result = response.results[0]
    if not result.ok:
        raise from_chain(result.errors, operation=name, level="result", redact=gateway.redact)
    return result


def _call(name: str, obj: str, detail: str | None = None) -> etree._Element:
    element = etree.Element(name)
    if detail is not None:
        element.set("detail", detail)
    etree.SubElement(element, "object").text = obj
    return element


def list_objects(gateway: Gateway) -> dict[str, str]:
    """Every object the company has (standard and user-defined): name -> printable name."""
    result = _run(gateway, "inspect", _call("inspect", "*"))
    data = result.data if result.data is not None else etree.Element("data")
    return {t.get("typename", ""): (t.text or "") for t in data.iter("type")}


def describe_object(gateway: Gateway, obj: str) -> dict[str, Any]:
    """The catalog document of `obj` from `lookup` and `inspect detail="1"`."""
    looked = _run(gateway, "lookup", _call("lookup", obj)).data
    inspected = _run(gateway, "inspect", _call("inspect", obj, detail="1")).data
    kind = looked.find("Type") if looked is not None else None
    if kind is None:
        raise ValueError(f"Intacct answered lookup of {obj} without a <Type>")
    lengths, label = _inspect_facts(inspected)
    fields = {spec["name"]: spec for spec in map(_field, kind.iter("Field"))}
    for name, spec in fields.items():
        spec.pop("name")
        if name in lengths:
            spec["length"] = lengths[name]
    for path, target in _relationships(kind):
        if path in fields and target:
            fields[path]["references"] = [target]
    return {"system": "intacct", "object": kind.get("Name") or obj, "label": label or obj,
            "origin": "pull", "source": "Intacct lookup and inspect detail=\"1\"",
            "fields": fields}


def _field(node: etree._Element) -> dict[str, Any]:
    datatype = _text(node, "DATATYPE").upper()
    spec: dict[str, Any] = {"name": _text(node, "ID"), "type": TYPES.get(datatype, "string"),
                            "label": _text(node, "LABEL") or _text(node, "ID")}
    if _text(node, "REQUIRED") == "true":
        spec["required"] = True
    if _text(node, "READONLY") == "true":
        spec["readonly"] = True
    if _text(node, "ISCUSTOM") == "true":
        spec["custom"] = True
    values = [v.text or "" for v in node.iterfind("VALIDVALUES/VALIDVALUE")]
    if values and spec["type"] != "boolean":
        spec["values"] = values
    if datatype not in TYPES:
        spec["uncertain"] = f"lookup DATATYPE {datatype or '(none)'} read as string"
    return spec


def _relationships(kind: etree._Element) -> list[tuple[str, str]]:
    return [(_text(r, "RELATEDBY"), _text(r, "OBJECTNAME"))
            for r in kind.iterfind("Relationships/Relationship")]


def _inspect_facts(data: etree._Element | None) -> tuple[dict[str, int], str]:
    if data is None:
        return {}, ""
    lengths = {}
    for node in data.iter("Field"):
        length = _text(node, "maxLength")
        if length.isdigit() and int(length) > 0:
            lengths[_text(node, "Name")] = int(length)
    return lengths, _text(data.find("Type/Attributes"), "SingularName")


def _text(parent: etree._Element | None, tag: str) -> str:
    if parent is None:
        return ""
    found = parent.find(tag)
    return (found.text or "").strip() if found is not None else ""
