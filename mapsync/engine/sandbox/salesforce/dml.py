"""Record writes with the platform's validation: create, update, upsert by external ID, delete.

Each method checks the request as Salesforce does and raises `ApiError` with the real error
code: INVALID_FIELD, JSON_PARSER_ERROR (`BodyError`: the body cannot be read at all),
INVALID_FIELD_FOR_INSERT_UPDATE, REQUIRED_FIELD_MISSING, STRING_TOO_LONG,
INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, MALFORMED_ID, DUPLICATE_VALUE, NOT_FOUND,
ENTITY_IS_DELETED. Objects a catalog marks read-only (managed lists) stay writable here: they
are read-only for ordinary users, not for the integration user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapsync.engine.catalog import FieldInfo
from mapsync.engine.sandbox.salesforce import derived, values
from mapsync.engine.sandbox.salesforce.db import Database, quote
from mapsync.engine.sandbox.salesforce.errors import ApiError, BodyError
from mapsync.engine.sandbox.salesforce.ids import is_id, to18
from mapsync.engine.sandbox.salesforce.schema import SObject


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """The result of one upsert: the record Id and whether it was created."""

    id: str
    created: bool


def _writable(obj: SObject, body: Mapping[str, Any], *, allow_id: bool) -> list[str]:
    readonly = [
        obj.fields[obj.by_lower[k.lower()]].name
        for k in body
        if k.lower() in obj.by_lower
        and obj.fields[obj.by_lower[k.lower()]].readonly
        and not (allow_id and k.lower() == "id")
    ]
    return readonly


class Writer:
    """Validates and applies writes to the database; call inside `db.transaction()`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- preparing values -------------------------------------------------------------------

    def prepare(
        self, obj: SObject, body: Mapping[str, Any], *, creating: bool, allow_id: bool = False
    ) -> dict[str, Any]:
        """Stored values for `body`, keyed by canonical field name; raises on any bad input."""
        if not isinstance(body, Mapping):
            raise BodyError(400, "JSON_PARSER_ERROR", "Expected a JSON object for the record")
        prepared: dict[str, Any] = {}
        readonly = _writable(obj, body, allow_id=allow_id)
        for key, raw in body.items():
            if key == "attributes" or (allow_id and key.lower() == "id"):
                continue
            if isinstance(raw, Mapping) and obj.relationship(key) is not None:
                ref = obj.relationship(key)
                assert ref is not None
                prepared[ref.name] = self._foreign_key(obj, ref, raw)
                continue
            info = obj.field(key)
            if info is None:
                raise BodyError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            if info.readonly:
                continue
            prepared[info.name] = values.coerce(info, raw)
        if creating and "id" in (k.lower() for k in body) and not allow_id:
            raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ("Id",))
        if readonly:
            raise ApiError(
                400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(readonly)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                tuple(readonly),
            )
        return prepared

    def _foreign_key(self, obj: SObject, ref: FieldInfo, raw: Mapping[str, Any]) -> str | None:
        """Resolve `{"Intacct_ID__c": "C-1"}` given for relationship `ref` to the parent Id."""
        target = self.db.schema.get(ref.references[0]) if ref.references else None
        keys = [k for k in raw if k != "attributes"]
        if target is None or len(keys) != 1:
            raise BodyError(400, "INVALID_FIELD", f"Invalid foreign key for {ref.name}")
        info = target.field(keys[0])
        if info is None or not (info.external_id or info.name == "Id"):
            raise BodyError(
                400, "INVALID_FIELD",
                f"Field {keys[0]} is not an External ID or indexed field for {target.name}",
            )
        value = raw[keys[0]]
        found = self.db.find_ids(target, info, to18(str(value)) if info.name == "Id" else value)
        if len(found) != 1:
            raise ApiError(
                400, "INVALID_FIELD",
                f"Foreign key external ID: {value} not found for field {info.name} in entity "
                f"{target.name}",
            )
        return found[0]

    # -- checks against stored data --------------------------------------------------------

    def _check_required(self, obj: SObject, row: Mapping[str, Any], names: list[str]) -> None:
        missing = [
            n for n in names
            if obj.fields[n].required and not obj.fields[n].readonly and row.get(n) is None
        ]
        if missing:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]", tuple(missing),
            )

    def _check_references(self, obj: SObject, row: Mapping[str, Any]) -> None:
        for name, value in row.items():
            info = obj.fields[name]
            if info.type != "reference" or value is None:
                continue
            targets = [self.db.schema.get(r) for r in info.references]
            known = [t for t in targets if t is not None]
            if len(known) != len(targets):
                continue
            owner = self.db.schema.object_of_id(value)
            if owner is None or owner not in known:
                raise ApiError(
                    400, "FIELD_INTEGRITY_EXCEPTION",
                    f"{info.label or name}: id value of incorrect type: {value}", (name,),
                )
            stored = self.db.fetch(owner, value)
            if stored is None:
                raise ApiError(
                    400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (name,)
                )
            if stored["IsDeleted"]:
                raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", (name,))

    def _check_unique(self, obj: SObject, row: Mapping[str, Any], own_id: str | None) -> None:
        for name, value in row.items():
            info = obj.fields[name]
            if not info.unique or value is None or name == "Id":
                continue
            others = [i for i in self.db.find_ids(obj, info, value) if i != own_id]
            if others:
                raise ApiError(
                    400, "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: "
                    f"{others[0]}",
                    (),
                )

    def _live(self, obj: SObject, record_id: str) -> dict[str, Any]:
        stored = self.db.fetch(obj, to18(record_id)) if is_id(record_id) else None
        if stored is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if stored["IsDeleted"]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", ())
        return stored

    # -- writes ------------------------------------------------------------------------------

    def create(self, obj: SObject, body: Mapping[str, Any], stamp: str) -> str:
        """Insert one record; returns its Id."""
        return self.insert_prepared(obj, self.prepare(obj, body, creating=True), stamp)

    def insert_prepared(self, obj: SObject, row: dict[str, Any], stamp: str) -> str:
        """Insert already-prepared values after the required / reference / unique checks."""
        for name, info in obj.fields.items():
            if name not in row and not info.readonly:
                if info.default is not None:
                    row[name] = values.coerce(info, info.default)
                elif info.type == "boolean":
                    row[name] = 0
        self._check_required(obj, row, list(obj.fields))
        self._check_references(obj, row)
        derived.apply(self.db, obj, row, None)
        self._check_unique(obj, row, None)
        return self.db.insert(obj, row, stamp)

    def update(self, obj: SObject, record_id: str, body: Mapping[str, Any], stamp: str) -> str:
        """Update one record by Id; returns the 18-character Id."""
        stored = self._live(obj, record_id)
        row = self.prepare(obj, body, creating=False, allow_id=True)
        body_id = next((v for k, v in body.items() if k.lower() == "id"), None)
        if body_id is not None and to18(str(body_id)) != stored["Id"]:
            raise ApiError(400, "INVALID_ID_FIELD", "The Id field should not be specified in the "
                           "sobject data.", ())
        return self.update_prepared(obj, stored["Id"], row, stamp)

    def update_prepared(self, obj: SObject, record_id: str, row: dict[str, Any], stamp: str) -> str:
        """Apply prepared values to the live record `record_id`."""
        self._check_required(obj, row, list(row))
        self._check_references(obj, row)
        derived.apply(self.db, obj, row, self.db.fetch(obj, record_id))
        self._check_unique(obj, row, record_id)
        self.db.update(obj, record_id, row, stamp)
        return record_id

    def external_field(self, obj: SObject, name: str) -> FieldInfo:
        """The field an upsert matches on; NOT_FOUND unless it is an external ID (or Id)."""
        info = obj.field(name)
        if info is None or not (info.external_id or info.name == "Id"):
            raise ApiError(
                404, "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {name}",
            )
        return info

    def matches(self, obj: SObject, info: FieldInfo, value: Any) -> list[str]:
        """Live record Ids whose external ID `info` equals `value`."""
        if info.name == "Id":
            return self.db.find_ids(obj, info, to18(str(value))) if is_id(str(value)) else []
        return self.db.find_ids(obj, info, values.coerce(info, value))

    def upsert(
        self, obj: SObject, ext_name: str, ext_value: Any, body: Mapping[str, Any], stamp: str
    ) -> UpsertOutcome:
        """Create or update the record whose external ID `ext_name` is `ext_value`.

        Several matches raise ApiError(300, "MULTIPLE_CHOICES") carrying the matching Ids in
        `fields`, which the server turns into the real 300 body (a list of record URLs).
        """
        info = self.external_field(obj, ext_name)
        found = self.matches(obj, info, ext_value)
        if len(found) > 1:
            raise ApiError(300, "MULTIPLE_CHOICES", "More than one record found", tuple(found))
        clean = {k: v for k, v in body.items() if k.lower() != info.name.lower()}
        given = next((v for k, v in body.items() if k.lower() == info.name.lower()), None)
        if given is not None and str(given) != str(ext_value):
            raise ApiError(
                400, "INVALID_FIELD",
                f"The value of the external ID field {info.name} in the record does not match "
                "the value in the URL",
            )
        if found:
            row = self.prepare(obj, clean, creating=False)
            return UpsertOutcome(self.update_prepared(obj, found[0], row, stamp), False)
        if info.name == "Id":
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        row = self.prepare(obj, clean, creating=True)
        row[info.name] = values.coerce(info, ext_value)
        return UpsertOutcome(self.insert_prepared(obj, row, stamp), True)

    def delete(self, obj: SObject, record_id: str, stamp: str) -> str:
        """Soft-delete one record (it stays visible to queryAll); returns its Id.

        As in Salesforce, records that point to it are updated too: an optional lookup is
        cleared, and a record whose required reference points to it (master-detail) is
        deleted with it.
        """
        stored = self._live(obj, record_id)
        self.db.soft_delete(obj, stored["Id"], stamp)
        self._release_references(obj, str(stored["Id"]), stamp)
        return str(stored["Id"])

    def _release_references(self, parent: SObject, record_id: str, stamp: str) -> None:
        for child in self.db.schema.objects.values():
            for field in child.fields.values():
                if field.type != "reference" or parent.name not in field.references:
                    continue
                table, column = quote(child.name), quote(field.name)
                rows = self.db.conn.execute(
                    f"SELECT Id FROM {table} WHERE {column} = ? AND IsDeleted = 0", (record_id,)
                ).fetchall()
                for (child_id,) in rows:
                    if field.required:
                        self.delete(child, str(child_id), stamp)
                    else:
                        self.db.conn.execute(
                            f"UPDATE {table} SET {column} = NULL, SystemModstamp = ? WHERE Id = ?",
                            (stamp, child_id),
                        )
