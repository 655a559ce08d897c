"""Object catalogs: the fields of every Intacct and Salesforce object rules may touch.

Catalogs are data (`schemas/catalog/<system>/<OBJECT>.json`), validated by
`schemas/catalog.schema.json`. The checker, compiler, sandboxes, connectors and the
package generator all read them through `load_catalogs()`.

A real org adds its own fields and objects. `overlay()` lays a rule set's schema snapshot
(`schema/<system>/<OBJECT>.json`, the same document format; see `engine.schema`) over the
shipped catalogs: snapshot objects add their fields to the shipped object of the same name,
or add whole objects (custom Salesforce objects, Intacct user-defined objects).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mapsync.engine.errors import MapsyncError
from mapsync.engine.record import Side
from mapsync.engine.resources import schema_file, schemas_dir

System = Side  # the catalogs are kept per side
SYSTEMS: tuple[System, ...] = ("intacct", "salesforce")
SHIPPED = "the shipped catalogs"


class CatalogError(MapsyncError):
    """A catalog file is not valid against `schemas/catalog.schema.json`; fix the file named."""


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of a catalog object."""

    name: str
    type: str
    label: str = ""
    length: int | None = None
    scale: int | None = None
    required: bool = False
    readonly: bool = False
    unique: bool = False
    external_id: bool = False
    case_sensitive: bool = False
    default: Any = None
    values: tuple[str, ...] = ()
    query_codes: Mapping[str, str] = field(default_factory=dict, compare=False)
    references: tuple[str, ...] = ()
    relationship_name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    precision: int | None = field(default=None, compare=False)
    description: str = field(default="", compare=False)
    custom: bool = field(default=False, compare=False)
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One catalog object: its identity fields and its fields by name (dotted paths allowed)."""

    system: System
    name: str
    label: str
    fields: Mapping[str, FieldInfo]
    record_id: str
    key: str | None = None
    name_field: str | None = None
    modified_field: str | None = None
    custom: bool = False
    readonly: bool = False
    docparids: tuple[str, ...] = ()
    parent: Mapping[str, str] | None = None
    write_functions: Mapping[str, str] = field(default_factory=dict, compare=False)
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    plural_labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    description: str = ""
    snapshot: str | None = field(default=None, compare=False, repr=False)

    def field(self, name: str) -> FieldInfo | None:
        """The field called `name`, or None."""
        return self.fields.get(name)

    def required_fields(self) -> list[str]:
        """Names of the fields the API requires on create, in catalog order."""
        return [n for n, f in self.fields.items() if f.required]


@dataclass(frozen=True, slots=True)
class Catalogs:
    """All catalog objects of both systems."""

    intacct: Mapping[str, ObjectInfo]
    salesforce: Mapping[str, ObjectInfo]
    origin: str = field(default=SHIPPED, compare=False)
    snapshot: str | None = field(default=None, compare=False)

    def checked_against(self) -> dict[str, Any]:
        """What a check used, for machines: the words of `origin`, the snapshot folder (or
        None) and the snapshot files laid over the shipped catalogs."""
        files = sorted({info.snapshot for info in self if info.snapshot is not None})
        return {"origin": self.origin, "catalogs": "shipped", "snapshot": self.snapshot,
                "snapshot_files": files}

    def system(self, system: System) -> Mapping[str, ObjectInfo]:
        """The objects of one system, by name."""
        return self.intacct if system == "intacct" else self.salesforce

    def get(self, system: System, name: str) -> ObjectInfo | None:
        """One object by system and name, or None."""
        return self.system(system).get(name)

    def __iter__(self) -> Iterator[ObjectInfo]:
        yield from self.intacct.values()
        yield from self.salesforce.values()


def _field_from_json(name: str, data: Mapping[str, Any]) -> FieldInfo:
    return FieldInfo(
        name=name,
        type=data["type"],
        label=data.get("label", name),
        length=data.get("length"),
        scale=data.get("scale"),
        required=data.get("required", False),
        readonly=data.get("readonly", False),
        unique=data.get("unique", False),
        case_sensitive=data.get("case_sensitive", False),
        external_id=data.get("external_id", False),
        default=data.get("default"),
        values=tuple(data.get("values", ())),
        query_codes=dict(data.get("query_codes", {})),
        references=tuple(data.get("references", ())),
        relationship_name=data.get("relationship_name"),
        labels=dict(data.get("labels", {})),
        precision=data.get("precision"),
        description=data.get("description", ""),
        custom=data.get("custom", False),
        source=data.get("source", ""),
    )


def object_from_json(data: Mapping[str, Any]) -> ObjectInfo:
    """Build an ObjectInfo from one (already validated) catalog document."""
    system: System = data["system"]
    return ObjectInfo(
        system=system,
        name=data["object"],
        label=data["label"],
        fields={n: _field_from_json(n, f) for n, f in data["fields"].items()},
        record_id=data.get("record_id", "RECORDNO" if system == "intacct" else "Id"),
        key=data.get("key"),
        name_field=data.get("name_field"),
        modified_field=data.get(
            "modified_field", "WHENMODIFIED" if system == "intacct" else "SystemModstamp"
        ),
        custom=data.get("custom", False),
        readonly=data.get("readonly", False),
        docparids=tuple(data.get("docparids", ())),
        parent=data.get("parent"),
        write_functions=dict(data.get("write_functions", {})),
        labels=dict(data.get("labels", {})),
        plural_labels=dict(data.get("plural_labels", {})),
        description=data.get("description", ""),
    )


@lru_cache(maxsize=1)
def catalog_schema() -> dict[str, Any]:
    """The JSON Schema every catalog document must satisfy."""
    schema: dict[str, Any] = json.loads(schema_file("catalog.schema.json").read_text("utf-8"))
    return schema


def iter_catalog_documents() -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (relative path, parsed JSON) for every shipped catalog file, sorted by path."""
    root = schemas_dir().joinpath("catalog")
    for system in SYSTEMS:
        folder = root.joinpath(system)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                yield f"catalog/{system}/{entry.name}", json.loads(entry.read_text("utf-8"))


def validate_document(path: str, data: Mapping[str, Any]) -> None:
    """Raise CatalogError naming `path` and the JSON pointer when `data` breaks the schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(catalog_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        pointer = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise CatalogError(f"{path}: {pointer}: {first.message}")


@lru_cache(maxsize=1)
def load_catalogs(validate: bool = False) -> Catalogs:
    """Load every shipped catalog (once per process).

    `validate=True` checks each document against the catalog schema first.
    """
    intacct: dict[str, ObjectInfo] = {}
    salesforce: dict[str, ObjectInfo] = {}
    for path, data in iter_catalog_documents():
        if validate:
            validate_document(path, data)
        info = object_from_json(data)
        (intacct if info.system == "intacct" else salesforce)[info.name] = info
    return Catalogs(intacct=intacct, salesforce=salesforce)


def overlay(base: Catalogs, documents: Iterable[tuple[str, Mapping[str, Any]]],
            origin: str, snapshot: str | None = None) -> Catalogs:
    """`base` with the snapshot `documents` ((path, validated document) pairs) laid over it.

    A document for an object `base` knows adds the fields `base` lacks (shipped facts win for
    the fields both name, as they carry what metadata calls do not: query codes, write
    functions, labels); a document for a new object adds it whole. `origin` says in words
    what was used, for diagnostics; `snapshot` names the folder the documents came from.
    """
    merged: dict[System, dict[str, ObjectInfo]] = {
        "intacct": dict(base.intacct), "salesforce": dict(base.salesforce)}
    for path, data in documents:
        info = dataclasses.replace(object_from_json(data), snapshot=path)
        known = merged[info.system].get(info.name)
        merged[info.system][info.name] = info if known is None else _extend(known, info)
    return Catalogs(intacct=merged["intacct"], salesforce=merged["salesforce"], origin=origin,
                    snapshot=snapshot)


def _extend(known: ObjectInfo, extra: ObjectInfo) -> ObjectInfo:
    fields = dict(known.fields)
    for name, spec in extra.fields.items():
        shipped = fields.get(name)
        # The org's pick-list values are the admin's to change; the other facts are standard.
        fields[name] = spec if shipped is None else dataclasses.replace(
            shipped, values=spec.values or shipped.values)
    return dataclasses.replace(known, fields=fields, snapshot=extra.snapshot)


def how_to_add(info: ObjectInfo, what: str) -> list[str]:
    """Hints for a name `info` lacks: what was checked, then pull the org's schema or declare it."""
    where = info.snapshot or f"schema/{info.system}/{info.name}.json"
    used = (f"the schema snapshot {info.snapshot}" if info.snapshot
            else "the shipped catalog (no schema snapshot for it)")
    return [f"{info.name} was checked against {used}; if the org has {what}, run "
            f"`mapsync schema pull` or declare it in {where} (see docs/schema.md)"]


def object_hint(catalogs: Catalogs, system: System, name: str) -> list[str]:
    """Hints for an object `catalogs` lacks: which catalogs were used and how to add it."""
    return [f"checked against {catalogs.origin}; if the org has this object, run `mapsync "
            f"schema pull --object {name}` or declare it in schema/{system}/{name}.json "
            "(see docs/schema.md)"]


def relationship_paths(info: ObjectInfo) -> dict[str, tuple[str, str]]:
    """`path -> (field, target object)` for each relationship of `info`, as Intacct names
    them in dotted query fields: a grouped field's group (`BILLTO` for BILLTO.CONTACTNAME),
    else the target object (`CUSTOMER` for CUSTVENDID)."""
    paths: dict[str, tuple[str, str]] = {}
    for name, spec in info.fields.items():
        for target in spec.references[:1]:
            path = name.rpartition(".")[0] or target
            paths.setdefault(path, (name, target))
    return paths


def resolve_path(catalogs: Catalogs, info: ObjectInfo, path: str,
                 depth: int = 2) -> FieldInfo | None:
    """The field `path` names on `info`: its own (dotted) field, or a field of a related
    object through a relationship (`CUSTOMER.NAME` on SODOCUMENT), up to `depth` hops."""
    found = info.fields.get(path)
    if found is not None or depth == 0 or "." not in path:
        return found
    for prefix, (_field, target) in relationship_paths(info).items():
        if path.startswith(prefix + "."):
            related = catalogs.get(info.system, target)
            if related is not None:
                return resolve_path(catalogs, related, path[len(prefix) + 1:], depth - 1)
    return None
