"""Definition and session functions: lookup, inspect and getAPISession, from the catalogs."""

from __future__ import annotations

from lxml import etree

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.intacct import errors
from mapsync.engine.sandbox.intacct.context import Context, Outcome
from mapsync.engine.sandbox.intacct.errors import FunctionFailure
from mapsync.engine.sandbox.intacct.render import data_element, text_element
from mapsync.engine.sandbox.intacct.values import format_stored, from_python
from mapsync.engine.sandbox.intacct.xml import child_text

DATATYPES = {
    "id": "SEQUENCE",
    "integer": "INTEGER",
    "decimal": "DECIMAL",
    "currency": "CURRENCY",
    "percent": "PERCENT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "picklist": "ENUM",
    "multipicklist": "ENUM",
}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _lookup_field(spec: FieldInfo) -> etree._Element:
    field = etree.Element("Field")
    text_element(field, "ID", spec.name)
    text_element(field, "LABEL", spec.label)
    text_element(field, "DESCRIPTION", spec.label)
    text_element(field, "REQUIRED", _bool(spec.required))
    text_element(field, "READONLY", _bool(spec.readonly))
    text_element(field, "DATATYPE", DATATYPES.get(spec.type, "TEXT"))
    if spec.values:
        valid = etree.SubElement(field, "VALIDVALUES")
        for value in spec.values:
            text_element(valid, "VALIDVALUE", value)
    text_element(field, "ISCUSTOM", _bool(spec.custom))
    return field


def _relationships(info: ObjectInfo) -> etree._Element:
    relationships = etree.Element("Relationships")
    for spec in info.fields.values():
        for target in spec.references:
            relationship = etree.SubElement(relationships, "Relationship")
            text_element(relationship, "OBJECTPATH", spec.name.removesuffix("ID") or spec.name)
            text_element(relationship, "OBJECTNAME", target)
            text_element(relationship, "LABEL", spec.label)
            text_element(relationship, "RELATIONSHIPTYPE", "MANY2ONE")
            text_element(relationship, "RELATEDBY", spec.name)
    return relationships


def lookup(ctx: Context, element: etree._Element) -> Outcome:
    """lookup: the object definition `query` works with (fields and relationships)."""
    info = ctx.object_info(child_text(element, "object", "") or "")
    data = data_element({"listtype": "All", "count": 1})
    kind = etree.SubElement(
        data, "Type", Name=info.name, DocumentType=child_text(element, "docparid", "") or ""
    )
    fields = etree.SubElement(kind, "Fields")
    for spec in info.fields.values():
        fields.append(_lookup_field(spec))
    kind.append(_relationships(info))
    return Outcome(data, records=1)


def _inspect_field(spec: FieldInfo) -> etree._Element:
    field = etree.Element("Field")
    text_element(field, "Name", spec.name)
    text_element(field, "GroupName", spec.name.rpartition(".")[0])
    text_element(field, "dataName", DATATYPES.get(spec.type, "TEXT"))
    text_element(field, "externalDataName", spec.type)
    text_element(field, "isRequired", _bool(spec.required))
    text_element(field, "isReadOnly", _bool(spec.readonly))
    text_element(field, "maxLength", str(spec.length or ""))
    text_element(field, "DisplayLabel", spec.label)
    text_element(field, "Description", spec.label)
    text_element(field, "id", spec.name)
    text_element(field, "relationship", "MANY2ONE" if spec.references else "")
    text_element(field, "relatedObject", ",".join(spec.references))
    default = (
        format_stored(spec, from_python(spec, spec.default)) if spec.default is not None else ""
    )
    if default:
        text_element(field, "defaultValue", default)
    return field


def _find(ctx: Context, element: etree._Element) -> ObjectInfo:
    name = child_text(element, "object")
    if name is not None:
        return ctx.object_info(name)
    printable = child_text(element, "name", "") or ""
    for info in ctx.store.catalogs.values():
        if printable == info.label or printable in info.docparids:
            return info
    raise FunctionFailure(errors.unknown_object(printable))


def inspect(ctx: Context, element: etree._Element) -> Outcome:
    """inspect: `*` lists the objects; otherwise one object's fields (detail="1" for all facts)."""
    if child_text(element, "object") == "*":
        data = data_element({"listtype": "All", "count": len(ctx.store.catalogs)})
        for info in ctx.store.catalogs.values():
            etree.SubElement(data, "type", typename=info.name).text = info.label
        return Outcome(data, records=len(ctx.store.catalogs))
    info = _find(ctx, element)
    data = data_element({"listtype": info.name, "count": 1})
    kind = etree.SubElement(data, "Type", Name=info.name)
    if element.get("detail", "0") == "1":
        attributes = etree.SubElement(kind, "Attributes")
        text_element(attributes, "SingularName", info.label)
        text_element(attributes, "PluralName", info.plural_labels.get("en_US", info.label + "s"))
        text_element(attributes, "Description", info.description)
        fields = etree.SubElement(kind, "Fields")
        for spec in info.fields.values():
            fields.append(_inspect_field(spec))
    else:
        fields = etree.SubElement(kind, "Fields")
        for name in info.fields:
            text_element(fields, "Field", name)
    return Outcome(data, records=1)


def get_api_session(ctx: Context, element: etree._Element) -> Outcome:
    """getAPISession: a new session (at an entity when `locationid` is given) and its endpoint."""
    location = child_text(element, "locationid", ctx.session.location_id) or ""
    session = ctx.session
    if not session.session_id or location != session.location_id:
        session = ctx.sessions.open(session.user_id, session.company_id, location)
    data = etree.Element("data")
    api = etree.SubElement(data, "api")
    text_element(api, "sessionid", session.session_id)
    text_element(api, "endpoint", ctx.endpoint)
    text_element(api, "locationid", location)
    return Outcome(data, records=0)
