"""The sandbox's view of the Salesforce catalogs: objects, their fields and key prefixes.

Every catalog object gets the system fields the platform maintains (Id, IsDeleted, CreatedDate,
CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp) even when its catalog file
does not list them, so the sandbox can keep them up to date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.ids import STANDARD_PREFIXES, made_up_prefix

SYSTEM_FIELDS: tuple[FieldInfo, ...] = (
    FieldInfo("Id", "id", label="Record ID", readonly=True, unique=True),
    FieldInfo("IsDeleted", "boolean", label="Deleted", readonly=True),
    FieldInfo("CreatedDate", "datetime", label="Created Date", readonly=True),
    FieldInfo(
        "CreatedById", "reference", label="Created By ID", readonly=True,
        references=("User",), relationship_name="CreatedBy",
    ),
    FieldInfo("LastModifiedDate", "datetime", label="Last Modified Date", readonly=True),
    FieldInfo(
        "LastModifiedById", "reference", label="Last Modified By ID", readonly=True,
        references=("User",), relationship_name="LastModifiedBy",
    ),
    FieldInfo("SystemModstamp", "datetime", label="System Modstamp", readonly=True),
)
TEXT_TYPES = frozenset(
    {"id", "string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "reference"}
)


@dataclass(frozen=True, slots=True)
class SObject:
    """One sObject as the sandbox serves it."""

    info: ObjectInfo
    prefix: str
    fields: Mapping[str, FieldInfo]
    by_lower: Mapping[str, str]
    relationships: Mapping[str, FieldInfo]

    @property
    def name(self) -> str:
        """The API name, e.g. Account."""
        return self.info.name

    def field(self, name: str) -> FieldInfo | None:
        """A field by case-insensitive name, or None."""
        canonical = self.by_lower.get(name.lower())
        return self.fields[canonical] if canonical else None

    def require_field(self, name: str) -> FieldInfo:
        """A field by case-insensitive name, or INVALID_FIELD."""
        found = self.field(name)
        if found is None:
            raise ApiError(
                400, "INVALID_FIELD",
                f"No such column '{name}' on entity '{self.name}'. If you are attempting to use "
                "a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        return found

    def relationship(self, name: str) -> FieldInfo | None:
        """The reference field behind relationship `name` (Account for AccountId), or None."""
        return self.relationships.get(name.lower())


def _sobject(info: ObjectInfo, prefix: str) -> SObject:
    fields: dict[str, FieldInfo] = {}
    for sys_field in SYSTEM_FIELDS[:1]:
        fields[sys_field.name] = info.fields.get(sys_field.name, sys_field)
    for name, catalog_field in info.fields.items():
        if "." not in name:
            fields[name] = catalog_field
    for sys_field in SYSTEM_FIELDS[1:]:
        fields.setdefault(sys_field.name, sys_field)
    relationships = {
        f.relationship_name.lower(): f
        for f in fields.values()
        if f.type == "reference" and f.relationship_name
    }
    return SObject(
        info=info,
        prefix=prefix,
        fields=fields,
        by_lower={n.lower(): n for n in fields},
        relationships=relationships,
    )


@dataclass(frozen=True, slots=True)
class Schema:
    """All sObjects, by name (case-insensitive lookups) and by key prefix."""

    objects: Mapping[str, SObject]
    by_lower: Mapping[str, str]
    by_prefix: Mapping[str, str]

    def get(self, name: str) -> SObject | None:
        """An sObject by case-insensitive name, or None."""
        canonical = self.by_lower.get(name.lower())
        return self.objects[canonical] if canonical else None

    def require(self, name: str) -> SObject:
        """An sObject by name, or INVALID_TYPE (as a query or DML reports it)."""
        found = self.get(name)
        if found is None:
            raise ApiError(
                400, "INVALID_TYPE",
                f"sObject type '{name}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
            )
        return found

    def object_of_id(self, record_id: str) -> SObject | None:
        """The sObject whose key prefix starts `record_id`, or None."""
        name = self.by_prefix.get(record_id[:3])
        return self.objects[name] if name else None


def build_schema(infos: Iterable[ObjectInfo], known_prefixes: Mapping[str, str]) -> Schema:
    """The schema for `infos`; objects keep the prefixes in `known_prefixes` (persisted ones)."""
    ordered = sorted(infos, key=lambda i: i.name)
    prefixes = dict(known_prefixes)
    taken = set(prefixes.values()) | set(STANDARD_PREFIXES.values())
    objects: dict[str, SObject] = {}
    for info in ordered:
        prefix = prefixes.get(info.name) or STANDARD_PREFIXES.get(info.name)
        if prefix is None:
            prefix = made_up_prefix(info.name, taken)
            taken.add(prefix)
        prefixes[info.name] = prefix
        objects[info.name] = _sobject(info, prefix)
    return Schema(
        objects=objects,
        by_lower={n.lower(): n for n in objects},
        by_prefix={o.prefix: n for n, o in objects.items()},
    )
