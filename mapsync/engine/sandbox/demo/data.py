"""The whole demo company: one generator per domain, composed here.

Each generator is a plain object over the shared `DemoCore` (sizes, random streams,
companies, items, batching) with `intacct()` or `salesforce()` yielding its batches in the
order parents come before children, and `counts()` saying how many records of each object
it yields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from mapsync.engine.catalog import Catalogs, System
from mapsync.engine.sandbox.demo.contracts import Contracts
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.customers import Customers
from mapsync.engine.sandbox.demo.documents import SalesDocuments
from mapsync.engine.sandbox.demo.items import Items
from mapsync.engine.sandbox.demo.lists import ManagedLists
from mapsync.engine.sandbox.demo.model import SeedBatch
from mapsync.engine.sandbox.demo.projects import Projects
from mapsync.engine.sandbox.demo.salesforce import SalesforceOrg


class DemoData:
    """The demo company at `records` customers; deterministic for a (records, seed) pair."""

    def __init__(self, records: int, seed: int = 0, catalogs: Catalogs | None = None) -> None:
        self.core = DemoCore(records, seed, catalogs)
        self.lists = ManagedLists(self.core)
        self.customers = Customers(self.core)
        self.items = Items(self.core)
        self.projects = Projects(self.core, self.lists)
        self.contracts = Contracts(self.core)
        self.documents = SalesDocuments(self.core)
        self.org = SalesforceOrg(self.core)

    def intacct(self) -> Iterator[SeedBatch]:
        """Every Intacct batch, parents before children."""
        for generator in (self.lists, self.customers, self.items, self.projects,
                          self.contracts, self.documents):
            yield from generator.intacct()

    def salesforce(self) -> Iterator[SeedBatch]:
        """Every Salesforce batch, parents before children."""
        return self.org.salesforce()

    def counts(self) -> dict[str, dict[str, int]]:
        """Exactly how many records of each object `intacct()` and `salesforce()` yield."""
        intacct: Counter[str] = Counter()
        for generator in (self.lists, self.customers, self.items, self.projects,
                          self.contracts, self.documents):
            intacct.update(generator.counts())
        return {"intacct": self._known("intacct", intacct),
                "salesforce": self._known("salesforce", self.org.counts())}

    def _known(self, system: System, counts: dict[str, int]) -> dict[str, int]:
        return {o: c for o, c in counts.items() if self.core.catalogs.get(system, o) is not None}
