"""Reading the live schema: which objects a rule set names, and their documents from the orgs.

    wanted = objects_named(rule_set, catalogs)        # {"intacct": {...}, "salesforce": {...}}
    documents = pull_documents(intacct, salesforce, wanted)

Intacct answers `lookup` and `inspect detail="1"` (connectors/intacct/metadata.py);
Salesforce answers `describeGlobal` and `describe`. Every document is in the catalog format,
so it can be written as a snapshot, compared with one, or laid over the shipped catalogs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mapsync.engine.catalog import Catalogs, System
from mapsync.engine.language import ast

# describe `type` -> catalog type; other types (address, location, base64, time, ...) read
# as string and are marked uncertain.
SALESFORCE_TYPES = {
    "id": "id", "string": "string", "textarea": "textarea", "email": "email", "phone": "phone",
    "url": "url", "int": "integer", "long": "integer", "double": "decimal",
    "currency": "currency", "percent": "percent", "boolean": "boolean", "date": "date",
    "datetime": "datetime", "picklist": "picklist", "multipicklist": "multipicklist",
    "combobox": "picklist", "reference": "reference",
}


class IntacctMetadata(Protocol):
    """What pulling needs of the Intacct connector."""

    @property
    def gateway(self) -> Any:  # noqa: D102 (the connector's gateway)
        ...


class SalesforceMetadata(Protocol):
    """What pulling needs of the Salesforce connector."""

    def describe_global(self) -> dict[str, Any]: ...  # noqa: D102

    def describe(self, obj: str) -> dict[str, Any]: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class Use:
    """Where a rule set uses a field: the object, the field path and the rule's position."""

    system: System
    obj: str
    path: str
    span: ast.Span


def objects_named(rule_set: ast.RuleSet, catalogs: Catalogs) -> dict[System, set[str]]:
    """The Intacct and Salesforce objects the rule set's mappings and lines declare."""
    functions = {f for info in catalogs.intacct.values() for f in info.write_functions.values()}
    found: dict[System, set[str]] = {"intacct": set(), "salesforce": set()}
    for decl in _walk(rule_set, ast.ObjectDecl):
        if decl.name not in functions:
            found[decl.system].add(decl.name)
    for info in catalogs.intacct.values():
        if any(f in found["intacct"] for f in info.write_functions.values()):
            found["intacct"].add(info.name)
    return found


def field_uses(rule_set: ast.RuleSet) -> list[Use]:
    """Every field a rule names, with the object of its side and the rule's position."""
    uses: list[Use] = []
    for block in rule_set.blocks():
        uses += _uses_in(block.statements, {})
    return uses


def _uses_in(statements: tuple[Any, ...], outer: Mapping[System, str]) -> list[Use]:
    objects = dict(outer)
    for statement in statements:
        if isinstance(statement, ast.ObjectDecl):
            objects[statement.system] = statement.name
    uses: list[Use] = []
    for statement in statements:
        if isinstance(statement, ast.LinesDecl):
            uses += _uses_in(statement.statements, {})
        elif isinstance(statement, ast.FieldRule):
            for system, side in (("intacct", statement.intacct),
                                 ("salesforce", statement.salesforce)):
                obj = objects.get(system)  # type: ignore[call-overload]
                refs = side.paths if isinstance(side, ast.FieldTuple) else (
                    (side,) if isinstance(side, ast.FieldRef) else ())
                uses += [Use(system, obj, r.path, r.span) for r in refs if obj]  # type: ignore[arg-type]
    return uses


def _walk(node: Any, kind: type[Any]) -> Iterator[Any]:
    if isinstance(node, kind):
        yield node
    if isinstance(node, tuple):
        for child in node:
            yield from _walk(child, kind)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            if isinstance(value, tuple) or dataclasses.is_dataclass(value):
                yield from _walk(value, kind)


def pull_documents(intacct: IntacctMetadata | None, salesforce: SalesforceMetadata | None,
                   wanted: Mapping[System, set[str]]) -> list[dict[str, Any]]:
    """The live documents of every wanted object (an object the org lacks is left out)."""
    from mapsync.engine.connectors.intacct.metadata import describe_object, list_objects

    documents: list[dict[str, Any]] = []
    if intacct is not None and wanted.get("intacct"):
        objects = list_objects(intacct.gateway)
        documents += [describe_object(intacct.gateway, name)
                      for name in sorted(wanted["intacct"]) if name in objects]
    if salesforce is not None and wanted.get("salesforce"):
        sobjects = {s["name"] for s in salesforce.describe_global().get("sobjects", ())}
        documents += [salesforce_document(salesforce.describe(name))
                      for name in sorted(wanted["salesforce"]) if name in sobjects]
    return documents


def salesforce_document(describe: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog document of one sObject describe answer."""
    fields = {f["name"]: _salesforce_field(f) for f in describe.get("fields", ())}
    document: dict[str, Any] = {
        "system": "salesforce", "object": describe["name"],
        "label": describe.get("label") or describe["name"], "origin": "pull",
        "source": "Salesforce describe", "fields": fields}
    if describe.get("custom"):
        document["custom"] = True
    return document


def _salesforce_field(spec: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(spec.get("type", "string"))
    out: dict[str, Any] = {"type": SALESFORCE_TYPES.get(kind, "string"),
                           "label": spec.get("label") or spec["name"]}
    if kind not in SALESFORCE_TYPES:
        out["uncertain"] = f"describe type {kind} read as string"
    if spec.get("length"):
        out["length"] = spec["length"]
    if kind in ("double", "currency", "percent") and spec.get("precision"):
        out["precision"] = spec["precision"]
        out["scale"] = spec.get("scale", 0)
    creatable, updateable = spec.get("createable", False), spec.get("updateable", False)
    if creatable and not spec.get("nillable", True) and not spec.get("defaultedOnCreate"):
        out["required"] = True
    if not creatable and not updateable:
        out["readonly"] = True
    for key, name in (("unique", "unique"), ("externalId", "external_id"), ("custom", "custom")):
        if spec.get(key):
            out[name] = True
    values = [v["value"] for v in spec.get("picklistValues") or () if v.get("active", True)]
    if values:
        out["values"] = values
    if spec.get("referenceTo"):
        out["references"] = list(spec["referenceTo"])
    if spec.get("relationshipName"):
        out["relationship_name"] = spec["relationshipName"]
    return out
