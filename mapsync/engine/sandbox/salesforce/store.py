"""The sandbox's data as Python sees it: validated writes and reads for tests and the seeder.

    store = Store("sf.sqlite")                       # objects from load_catalogs()
    account_id = store.insert("Account", {"Name": "Acme", "Intacct_ID__c": "C-100"})
    store.list("Account")                            # [{"Id": ..., "Name": "Acme", ...}]

Writes go through the same validation as the REST API (REQUIRED_FIELD_MISSING, ... raise
`ApiError`), so seeded data is data the real service would accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mapsync.engine.catalog import ObjectInfo, load_catalogs
from mapsync.engine.sandbox.salesforce import derived, values
from mapsync.engine.sandbox.salesforce.db import Database
from mapsync.engine.sandbox.salesforce.dml import UpsertOutcome, Writer
from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.ids import to18
from mapsync.engine.sandbox.salesforce.org import ensure_org_records
from mapsync.engine.sandbox.salesforce.query import QueryResult, run
from mapsync.engine.sandbox.salesforce.schema import Schema, SObject
from mapsync.engine.sandbox.salesforce.soql import SoqlError, parse


def catalog_objects() -> list[ObjectInfo]:
    """The Salesforce objects of the shipped catalogs."""
    return list(load_catalogs().salesforce.values())


class SandboxTime:
    """The org's clock: the wall clock plus an offset that only moves forward.

    The REST API stamps writes (`SystemModstamp`) and bounds getUpdated / getDeleted with
    it; a test or benchmark calls `advance` to let minutes pass without sleeping (getUpdated
    works at minute granularity, so a quiet run's probe needs a minute boundary behind it).
    """

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        """The org's current time (aware, UTC)."""
        return dt.datetime.now(dt.UTC) + self.offset

    def stamp(self) -> str:
        """The current time as the platform stamps it: at the second, in the REST form."""
        return values.format_datetime(self.now().replace(microsecond=0))

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass on this org's clock."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset += dt.timedelta(seconds=seconds)


class Store:
    """SQLite-backed sObjects driven by catalogs, with the REST API's validation."""

    def __init__(self, path: str | Path, objects: Iterable[ObjectInfo] | None = None) -> None:
        self.db = Database(path, catalog_objects() if objects is None else objects)
        self.writer = Writer(self.db)
        self.time = SandboxTime()
        # Stamps of writes through this Python API (seeding, tests); the REST API stamps
        # `time`. `seed_stores` holds it still so a seeded company is the same on any
        # machine, however long seeding takes.
        self.clock: Callable[[], str] = self.time.stamp
        derived.ensure_standard_pricebook(self.db)
        ensure_org_records(self.db)

    @property
    def schema(self) -> Schema:
        """The objects served, with their key prefixes."""
        return self.db.schema

    def close(self) -> None:
        """Close the database file."""
        self.db.close()

    def sobject(self, name: str) -> SObject:
        """An object by name; ApiError(INVALID_TYPE) if no catalog defines it."""
        return self.schema.require(name)

    def insert(self, sobject: str, record: Mapping[str, Any]) -> str:
        """Create one record; returns its 18-character Id."""
        return self.insert_many(sobject, [record])[0]

    def insert_many(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """Create records in one transaction (all or none); returns their Ids in order."""
        obj = self.sobject(sobject)
        stamp = self.clock()
        with self.db.transaction():
            return [self.writer.create(obj, r, stamp) for r in records]

    def upsert(self, sobject: str, external_field: str, record: Mapping[str, Any]) -> UpsertOutcome:
        """Create or update by external ID; the value is taken from `record`."""
        obj = self.sobject(sobject)
        value = next((v for k, v in record.items() if k.lower() == external_field.lower()), None)
        if value is None:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", f"{external_field} has no value")
        with self.db.transaction():
            return self.writer.upsert(obj, external_field, value, record, self.clock())

    def update(self, sobject: str, record_id: str, record: Mapping[str, Any]) -> None:
        """Change fields of one record."""
        with self.db.transaction():
            self.writer.update(self.sobject(sobject), record_id, record, self.clock())

    def delete(self, sobject: str, record_id: str) -> None:
        """Soft-delete one record (queryAll still sees it)."""
        with self.db.transaction():
            self.writer.delete(self.sobject(sobject), record_id, self.clock())

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """One record as JSON values (deleted ones too, with IsDeleted true), or None."""
        obj = self.sobject(sobject)
        stored = self.db.fetch(obj, to18(record_id))
        return None if stored is None else self.to_json(obj, stored)

    def list(self, sobject: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of one object in creation order, as JSON values."""
        obj = self.sobject(sobject)
        return [self.to_json(obj, r) for r in self.db.rows(obj, include_deleted=include_deleted)]

    def query(self, soql: str, *, include_deleted: bool = False) -> QueryResult:
        """Run a SOQL query as the REST API would; raises SoqlError or ApiError."""
        return run(self.db, parse(soql), include_deleted=include_deleted)

    @staticmethod
    def to_json(obj: SObject, stored: Mapping[str, Any]) -> dict[str, Any]:
        """{field: JSON value} for a stored row (internal columns left out)."""
        return {n: values.to_json(f, stored.get(n)) for n, f in obj.fields.items()}


__all__ = ["ApiError", "SandboxTime", "SoqlError", "Store", "catalog_objects"]
