"""Salesforce metadata XML, one builder per metadata type, built as lxml elements.

Child elements follow the order of the Metadata API WSDL's `xsd:sequence` for each type
(the `*_ORDER` tuples), because the API validates against it. `to_bytes` serialises an
element the same way every time (4-space indent, UTF-8, trailing newline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from lxml import etree

from mapsync.engine.catalog import FieldInfo
from mapsync.engine.package.model import ActionSpec, FieldSpec, ObjectSpec, PackageError

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
API_VERSION = "59.0"

CUSTOM_FIELD_ORDER = (
    "fullName", "defaultValue", "deleteConstraint", "description", "externalId", "label",
    "length", "precision", "referenceTo", "relationshipName", "required", "scale", "type",
    "unique", "valueSet", "visibleLines",
)
CUSTOM_OBJECT_ORDER = (
    "fullName", "deploymentStatus", "description", "fields", "label", "nameField",
    "pluralLabel", "sharingModel",
)
OBJECT_TRANSLATION_ORDER = ("caseValues", "fields", "nameFieldLabel", "quickActions")
QUICK_ACTION_ORDER = (
    "description", "fieldOverrides", "label", "optionsCreateFeedItem", "quickActionLayout",
    "type",
)
CUSTOM_LABEL_ORDER = ("fullName", "categories", "language", "protected", "shortDescription",
                      "value")

Element = etree._Element
Value = str | bool | int | Element | list[Element] | None


def to_bytes(root: Element) -> bytes:
    """The document for `root`: XML declaration, 4-space indent, trailing newline."""
    etree.indent(root, space="    ")
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return text + b"\n"


def _tag(name: str) -> str:
    return f"{{{METADATA_NS}}}{name}"


def _element(name: str, order: Iterable[str], values: Mapping[str, Value],
             parent: Element | None = None) -> Element:
    """An element (a document root when `parent` is None) with `values` as children in
    `order`; None values are left out, booleans are written `true`/`false`."""
    if parent is None:
        node = etree.Element(_tag(name), nsmap={None: METADATA_NS})  # type: ignore[dict-item]
    else:
        node = etree.SubElement(parent, _tag(name))
    unknown = set(values) - set(order)
    if unknown:
        raise ValueError(f"{name}: no place for {sorted(unknown)} in the element order")
    for key in order:
        _append(node, key, values.get(key))
    return node


def _append(node: Element, key: str, value: Value) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _append(node, key, item)
    elif isinstance(value, etree._Element):
        value.tag = _tag(key)
        node.append(value)
    else:
        child = etree.SubElement(node, _tag(key))
        child.text = _text(value)


def _text(value: str | bool | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _detached(name: str, order: Iterable[str], values: Mapping[str, Value]) -> Element:
    """A child element built apart, to be placed (and renamed) by `_append`."""
    node = etree.Element(_tag(name))
    for key in order:
        _append(node, key, values.get(key))
    return node


# --- CustomField ---------------------------------------------------------------------------

def custom_field(spec: FieldSpec, default_language: str, *, tag: str = "CustomField") -> Element:
    """A CustomField (a document root, or a detached `<fields>` child with `tag="fields"`)."""
    info = spec.info
    values: dict[str, Value] = {
        "fullName": spec.name,
        "description": info.description or None,
        "label": spec.labels[default_language],
        "externalId": True if info.external_id else None,
        "unique": True if info.unique else None,
        "required": True if info.required else None,
    }
    values.update(_type_values(spec))
    if tag == "CustomField":
        return _element(tag, CUSTOM_FIELD_ORDER, values)
    return _detached(tag, CUSTOM_FIELD_ORDER, values)


def _type_values(spec: FieldSpec) -> dict[str, Value]:
    if spec.info.type == "reference":
        return _lookup(spec)
    builder = _TYPE_BUILDERS.get(spec.info.type)
    if builder is None:
        raise PackageError(f"{spec.name}: no Salesforce field type for catalog type "
                           f"{spec.info.type!r}")
    return builder(spec.info)


def _text_field(info: FieldInfo) -> dict[str, Value]:
    length = info.length or 255
    if length > 255:
        return _long_text(info)
    return {"type": "Text", "length": length}


def _long_text(info: FieldInfo) -> dict[str, Value]:
    return {"type": "LongTextArea", "length": info.length or 32768, "visibleLines": 3}


def _text_area(info: FieldInfo) -> dict[str, Value]:
    if info.length is not None and info.length <= 255:
        return {"type": "TextArea"}
    return _long_text(info)


def _number(kind: str, default_scale: int) -> Callable[[FieldInfo], dict[str, Value]]:
    def build(info: FieldInfo) -> dict[str, Value]:
        scale = info.scale if info.scale is not None else default_scale
        return {"type": kind, "precision": info.precision or 18, "scale": scale}
    return build


def _checkbox(info: FieldInfo) -> dict[str, Value]:
    return {"type": "Checkbox", "defaultValue": bool(info.default)}


def _plain(kind: str) -> Callable[[FieldInfo], dict[str, Value]]:
    return lambda info: {"type": kind}


def _picklist(kind: str) -> Callable[[FieldInfo], dict[str, Value]]:
    def build(info: FieldInfo) -> dict[str, Value]:
        values: dict[str, Value] = {"type": kind, "valueSet": _value_set(info)}
        if kind == "MultiselectPicklist":
            values["visibleLines"] = 4
        return values
    return build


def _value_set(info: FieldInfo) -> Element:
    values = [
        _detached("value", ("fullName", "default", "label"),
                  {"fullName": v, "default": v == info.default, "label": v})
        for v in info.values
    ]
    definition = _detached("valueSetDefinition", ("sorted", "value"),
                           {"sorted": False, "value": values})
    return _detached("valueSet", ("restricted", "valueSetDefinition"),
                     {"restricted": True, "valueSetDefinition": definition})


def _lookup(spec: FieldSpec) -> dict[str, Value]:
    if len(spec.info.references) != 1:
        raise PackageError(f"{spec.name}: a custom lookup points to exactly one object, "
                           f"not {list(spec.info.references)}")
    return {
        "type": "Lookup",
        "referenceTo": spec.info.references[0],
        "relationshipName": spec.relationship_name,
        # Required lookups cannot clear themselves when the parent goes.
        "deleteConstraint": "Restrict" if spec.info.required else None,
    }


_TYPE_BUILDERS: dict[str, Callable[[FieldInfo], dict[str, Value]]] = {
    "string": _text_field,
    "textarea": _text_area,
    "integer": _number("Number", 0),
    "decimal": _number("Number", 0),
    "currency": _number("Currency", 2),
    "percent": _number("Percent", 2),
    "boolean": _checkbox,
    "date": _plain("Date"),
    "datetime": _plain("DateTime"),
    "email": _plain("Email"),
    "phone": _plain("Phone"),
    "url": _plain("Url"),
    "picklist": _picklist("Picklist"),
    "multipicklist": _picklist("MultiselectPicklist"),
}


# --- CustomObject --------------------------------------------------------------------------

READ_ONLY_NOTE = ("Read-only managed list: mapsync copies it one way from Intacct and "
                  "overwrites changes made in Salesforce.")


def custom_object(obj: ObjectSpec, default_language: str, *, inline_fields: bool) -> Element:
    """A CustomObject document; mdapi format (`inline_fields`) also carries the fields, and
    a standard object then carries nothing else."""
    fields = [custom_field(f, default_language, tag="fields") for f in obj.fields]
    values: dict[str, Value] = {"fields": fields if inline_fields else None}
    if obj.custom:
        values.update(_custom_object_values(obj, default_language))
    return _element("CustomObject", CUSTOM_OBJECT_ORDER, values)


def _custom_object_values(obj: ObjectSpec, language: str) -> dict[str, Value]:
    description = obj.info.description
    if obj.info.readonly:
        description = f"{READ_ONLY_NOTE} {description}".strip()
    name_field = _detached("nameField", ("label", "type"),
                           {"label": obj.name_field_labels[language], "type": "Text"})
    return {
        "deploymentStatus": "Deployed",
        "description": description or None,
        "label": obj.labels[language],
        "nameField": name_field,
        "pluralLabel": obj.plural_labels[language],
        "sharingModel": "Read" if obj.info.readonly else "ReadWrite",
    }


# --- the button ----------------------------------------------------------------------------

def quick_action(action: ActionSpec, default_language: str) -> Element:
    """An `Update` quick action that ticks the request checkbox when the user saves."""
    override = _detached("fieldOverrides", ("field", "formula"),
                         {"field": action.field, "formula": "true"})
    return _element("QuickAction", QUICK_ACTION_ORDER, {
        "description": f"Asks mapsync to run {action.name} for this record "
                       f"(sets {action.field}; the next sync picks it up).",
        "fieldOverrides": override,
        "label": action.labels[default_language],
        "optionsCreateFeedItem": False,
        "quickActionLayout": _confirmation_layout(),
        "type": "Update",
    })


def _confirmation_layout() -> Element:
    items = [
        _detached("quickActionLayoutItems", ("emptySpace", "field", "uiBehavior"),
                  {"emptySpace": False, "field": name, "uiBehavior": "Readonly"})
        for name in ("Name", "AccountId", "CloseDate")
    ]
    columns = [
        _detached("quickActionLayoutColumns", ("quickActionLayoutItems",),
                  {"quickActionLayoutItems": items}),
        _detached("quickActionLayoutColumns", (), {}),
    ]
    return _detached("quickActionLayout", ("layoutSectionStyle", "quickActionLayoutColumns"),
                     {"layoutSectionStyle": "TwoColumnsLeftToRight",
                      "quickActionLayoutColumns": columns})


def custom_labels(actions: Iterable[ActionSpec], default_language: str) -> Element:
    """The CustomLabels document: one label per action, named like its button."""
    labels = [
        _detached("labels", CUSTOM_LABEL_ORDER, {
            "fullName": a.name, "categories": "mapsync", "language": default_language,
            "protected": False, "shortDescription": a.labels[default_language],
            "value": a.labels[default_language],
        })
        for a in actions
    ]
    return _element("CustomLabels", ("labels",), {"labels": labels})


# --- translations --------------------------------------------------------------------------

def object_translation(obj: ObjectSpec, actions: Iterable[ActionSpec], language: str, *,
                       inline_fields: bool) -> Element:
    """A CustomObjectTranslation for one language: object and name-field labels (custom
    objects), field labels (inline in mdapi format) and button labels."""
    values: dict[str, Value] = {
        "quickActions": [
            _detached("quickActions", ("label", "name"),
                      {"label": a.labels[language], "name": a.name})
            for a in actions if language in a.labels
        ],
    }
    if inline_fields:
        values["fields"] = [field_translation(f, language, tag="fields")
                            for f in translated_fields(obj, language)]
    if obj.custom:
        values["caseValues"] = _case_values(obj, language)
        values["nameFieldLabel"] = obj.name_field_labels.get(language)
    return _element("CustomObjectTranslation", OBJECT_TRANSLATION_ORDER, values)


def translated_fields(obj: ObjectSpec, language: str) -> list[FieldSpec]:
    """The object's fields that carry a label in `language`."""
    return [f for f in obj.fields if language in f.labels]


def _case_values(obj: ObjectSpec, language: str) -> list[Element]:
    labels = ((False, obj.labels.get(language)), (True, obj.plural_labels.get(language)))
    return [_detached("caseValues", ("plural", "value"), {"plural": plural, "value": text})
            for plural, text in labels if text]


def field_translation(spec: FieldSpec, language: str, *,
                      tag: str = "CustomFieldTranslation") -> Element:
    """A field's label in one language (a source-format file, or an inline `<fields>`)."""
    values: dict[str, Value] = {"label": spec.labels[language], "name": spec.name}
    if tag == "CustomFieldTranslation":
        return _element(tag, ("label", "name"), values)
    return _detached(tag, ("label", "name"), values)


def translations(actions: Iterable[ActionSpec], language: str) -> Element:
    """The Translations document of one language: the custom labels' text."""
    labels = [_detached("customLabels", ("label", "name"),
                        {"label": a.labels[language], "name": a.name})
              for a in actions if language in a.labels]
    return _element("Translations", ("customLabels",), {"customLabels": labels})


# --- package.xml ---------------------------------------------------------------------------

def package_manifest(members: Mapping[str, Iterable[str]]) -> Element:
    """package.xml: every member by type (both sorted) and the API version."""
    types = [
        _detached("types", ("members", "name"), {"members": _texts("members", names),
                                                 "name": kind})
        for kind, names in sorted(members.items())
    ]
    return _element("Package", ("types", "version"), {"types": types, "version": API_VERSION})


def _texts(tag: str, names: Iterable[str]) -> list[Element]:
    nodes = []
    for name in sorted(set(names)):
        node = etree.Element(_tag(tag))
        node.text = name
        nodes.append(node)
    return nodes
