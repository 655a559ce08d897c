"""Loading the demo company into both sandboxes' stores."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.data import DemoData
from mapsync.engine.sandbox.demo.model import PROFILES, Ref, SeedBatch
from mapsync.engine.sandbox.demo.vocabulary import DOC_TYPES
from mapsync.engine.sandbox.salesforce.values import format_datetime

if TYPE_CHECKING:
    from mapsync.engine.sandbox.intacct import IntacctSandbox
    from mapsync.engine.sandbox.intacct.store import IntacctStore
    from mapsync.engine.sandbox.salesforce import SalesforceSandbox, Store


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seed run loaded: records per object, per system."""

    profile: str
    records: int
    intacct: Mapping[str, int]
    salesforce: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"profile": self.profile, "records": self.records,
                "intacct": dict(self.intacct), "salesforce": dict(self.salesforce)}


class Loader:
    """Inserts batches into the two stores, turning `Ref`s into RECORDNOs and Ids."""

    def __init__(self, intacct: IntacctStore, salesforce: Store | None) -> None:
        self.intacct = intacct
        self.salesforce = salesforce
        self.handles: dict[tuple[str, str, str], Any] = {}
        self._found: dict[tuple[str, str], int] = {}
        self.loaded: dict[str, dict[str, int]] = {"intacct": {}, "salesforce": {}}

    def load(self, batch: SeedBatch) -> None:
        """Insert one batch (references resolved first) and remember its handles."""
        records = [self._resolved(r) for r in batch.records]
        if batch.system == "intacct":
            created: list[Any] = self._insert_intacct(batch.object, records)
        elif self.salesforce is not None:
            created = self._insert_salesforce(self.salesforce, batch.object, records)
        else:
            return
        for key, made in zip(batch.keys, created, strict=False):
            if key:
                self.handles[(batch.system, batch.object, key)] = made
        counts = self.loaded[batch.system]
        counts[batch.object] = counts.get(batch.object, 0) + len(records)

    def _insert_intacct(self, obj: str, records: list[Record]) -> list[int]:
        """Insert as `IntacctStore.insert_many` does, without printing the rows back."""
        store = self.intacct
        with store.transaction() as conn:
            return [
                store.insert_row(conn, obj, store.with_defaults(obj, store.to_stored(obj, r)))
                .recordno
                for r in records
            ]

    @staticmethod
    def _insert_salesforce(store: Store, obj: str, records: list[Record]) -> list[str]:
        if obj == "Pricebook2":
            return [standard_pricebook(store, r) if r.get("IsStandard") else
                    store.insert(obj, r) for r in records]
        return store.insert_many(obj, records)

    def _resolved(self, record: Record) -> Record:
        return {k: self.resolve(v) if isinstance(v, Ref) else v
                for k, v in record.items() if v is not None}

    def resolve(self, ref: Ref) -> Any:
        """The RECORDNO or Id a reference names; KeyError when nothing was seeded under it."""
        handle = self.handles.get((ref.system, ref.object, ref.key))
        if handle is not None:
            return handle
        if ref.system != "intacct":
            raise KeyError(f"no seeded {ref.object} {ref.key!r}")
        cached = self._found.get((ref.object, ref.key))
        if cached is None:
            found = self.intacct.find(ref.object, ref.key)
            if found is None:
                raise KeyError(f"no seeded {ref.object} {ref.key!r}")
            if len(self._found) > 10_000:  # lines follow their header: a small cache suffices
                self._found.clear()
            cached = self._found[(ref.object, ref.key)] = int(found["RECORDNO"])
        return cached


def standard_pricebook(store: Store, record: Record) -> str:
    """The Id of the org's standard price book, given `record`'s other fields.

    Every org has one standard book (the sandbox makes it on start); IsStandard is read-only
    through the API, so only when the book is missing does the seeder write it below the
    API's field checks.
    """
    changes = {k: v for k, v in record.items() if k not in ("IsStandard", "Name")}
    existing = store.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    if existing.records:
        book_id = str(existing.records[0]["Id"])
        store.update("Pricebook2", book_id, changes)
        return book_id
    obj = store.sobject("Pricebook2")
    writable = {k: v for k, v in record.items() if k != "IsStandard"}
    with store.db.transaction():
        row = store.writer.prepare(obj, writable, creating=True)
        row["IsStandard"] = 1
        return store.writer.insert_prepared(obj, row, store.clock())


def advance_document_numbers(store: IntacctStore, counts: Mapping[str, int]) -> None:
    """Move each transaction definition's number sequence past the seeded documents.

    create_sotransaction without a document number takes the next number of the sequence
    `SO:<definition>`; the seeded documents used 1..n, so the next one is n + 1.
    """
    with store.transaction() as conn:
        for docpar, count in counts.items():
            for _ in range(count):
                store.next_sequence(conn, f"SO:{docpar}")


def seed_stores(
    intacct: IntacctStore,
    salesforce: Store | None,
    records: int = 100,
    profile: str = "demo",
    seed: int = 0,
) -> SeedReport:
    """Load the `profile` data set at `records` customers into the two stores."""
    if profile not in PROFILES:
        raise ValueError(f"unknown seed profile {profile!r}; use one of {', '.join(PROFILES)}")
    if profile == "none":
        return SeedReport(profile, 0, {}, {})
    data = DemoData(records, seed)
    loader = Loader(intacct, salesforce)
    with one_instant(intacct, salesforce):
        for batch in data.intacct():
            loader.load(batch)
        advance_document_numbers(intacct, {d: data.core.documents(d) for d, _p in DOC_TYPES})
        if salesforce is not None:
            for batch in data.salesforce():
                loader.load(batch)
    return SeedReport(profile, records, loader.loaded["intacct"], loader.loaded["salesforce"])


@contextmanager
def one_instant(intacct: IntacctStore, salesforce: Store | None) -> Iterator[None]:
    """Stamp every seeded record of both stores with the same second.

    A first link of two seeded records that differ settles `conflict newest` by their
    modification times. Stamped as seeding went, a record crossing a second boundary between
    its Intacct and its Salesforce half got a newer Salesforce time, so which side won
    depended on the machine's speed: two directories seeded alike synced to different values
    (the flaky "differing field values" of the fault tests). One instant makes the tie, and
    its outcome, the same everywhere.
    """
    moment = datetime.now(UTC).replace(microsecond=0)
    saved = intacct.clock, salesforce.clock if salesforce is not None else None
    intacct.clock = lambda: moment.replace(tzinfo=None)
    if salesforce is not None:
        salesforce.clock = lambda: format_datetime(moment)
    try:
        yield
    finally:
        intacct.clock = saved[0]
        if salesforce is not None and saved[1] is not None:
            salesforce.clock = saved[1]


def seed(
    intacct_sandbox: IntacctSandbox,
    salesforce_sandbox: SalesforceSandbox | None,
    records: int = 100,
    profile: str = "demo",
    seed: int = 0,
) -> SeedReport:
    """Seed running sandboxes (the Salesforce one must be started: its store opens then)."""
    sf_store = salesforce_sandbox.store if salesforce_sandbox is not None else None
    return seed_stores(intacct_sandbox.store, sf_store, records, profile, seed)
