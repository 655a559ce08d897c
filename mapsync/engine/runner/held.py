"""Salesforce writes held back so that a large mapping sends them as Bulk API 2.0 jobs.

A chunk holds at most 1,000 records, and the Salesforce connector turns a write into a Bulk
2.0 job only from `bulk_threshold` records (3,600 by default): written chunk by chunk, an
initial load of 100,000 records would take 500 sObject Collections calls where a handful of
jobs do. When a mapping reads enough records to reach the threshold, the Writer holds its
Salesforce upserts and updates here instead, across chunks, and sends each kind as one write
when the pass ends (one Bulk 2.0 job per 100 MB of CSV; or sooner, when a record cap per job,
`bulk_job_records`, is configured and reached).

Held writes keep what settling them needs (`Held`: the pair's keys, the report's samples,
the conflicts, and the shadow to store, as the JSON text the state store writes), pickled on
disk past a few hundred (`SpillingRecords`), their payloads apart; the connector reads the
payloads back from there for each pass over the write (`SalesforceClient.write_all`), so
memory stays flat at any size: the outcome of each record is stored exactly as if it had
been written with its chunk. Nothing is lost in a crash before the flush: the watermarks
only move after it, so the next run reads the records again, and its writes are upserts by
external id or updates by Id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, NamedTuple

from mapsync.engine.record import Side
from mapsync.engine.runner.decide import Decision
from mapsync.engine.runner.pairing import Pair
from mapsync.engine.runner.spill import SpillingRecords
from mapsync.engine.state import dumps_in_order

Kind = Literal["upsert", "update"]


# Held items (keys, samples, the shadow's JSON text: a few kB each) kept in memory before
# they go to disk, and read back at a time; their payloads are what the connector reads,
# once per pass over the write.
ITEMS_IN_MEMORY = 1000
PAYLOADS_IN_MEMORY = 2000


class Held(NamedTuple):
    """One held write, as settling it needs it once the write's outcome is known.

    Plain values only: a held write is pickled to disk and back, and the pair and decision
    objects it was made from cost more to pickle than everything else a sync does with
    them. `shadow` is the JSON text the state store writes once the write succeeds (None
    when its success does not settle the pair).
    """

    key: str
    read_intacct: bool  # an Intacct record was read: its lines are synced after the write
    sf_id: str | None
    recordno: str | None
    new_link: bool
    shadow: str | None
    conflicts: list[Any]
    changes: list[tuple[str, Side, Any, Any]]
    counted: bool = True  # the update counts in the report
    settle: bool = True

    @classmethod
    def of(cls, pair: Pair, decision: Decision, *, count: bool = True,
           settle: bool = True) -> Held:
        """What to hold of `pair` and its `decision`."""
        return cls(pair.key, pair.intacct is not None, pair.sf_id, pair.recordno,
                   pair.new_link, dumps_in_order(decision.shadow.to_json()) if settle else None,
                   decision.conflicts, decision.changes[:3], count, settle)

    def pair(self) -> Pair:
        """The pair's keys (its records are not kept: only the decision needed them)."""
        intacct: dict[str, Any] | None = {} if self.read_intacct else None
        return Pair(self.key, intacct, None, self.sf_id, self.recordno, new_link=self.new_link)

    def decision(self, payload: dict[str, Any]) -> Decision:
        """The decision as far as settling reads it: its Salesforce payload, conflicts and
        samples (its shadow is `shadow`, stored as held)."""
        return Decision(salesforce_patch=payload, conflicts=self.conflicts,
                        changes=self.changes)


class HeldWrites:
    """One mapping's held Salesforce upserts (creates) and updates, in order."""

    def __init__(self, job_records: int | None) -> None:
        self.job_records = None if job_records is None else max(1, job_records)
        self._held: dict[Kind, SpillingRecords[Held]] = {}
        self._payloads: dict[Kind, SpillingRecords[dict[str, Any]]] = {}
        self._count: dict[Kind, int] = {"upsert": 0, "update": 0}
        for kind in ("upsert", "update"):
            self._fresh(kind)

    def _fresh(self, kind: Kind) -> None:
        self._held[kind] = SpillingRecords(ITEMS_IN_MEMORY)
        self._payloads[kind] = SpillingRecords(PAYLOADS_IN_MEMORY)
        self._count[kind] = 0

    def __len__(self) -> int:
        return sum(self._count.values())

    def create(self, pair: Pair, decision: Decision) -> None:
        """Hold the upsert that creates the Salesforce copy of `pair`."""
        self._add("upsert", Held.of(pair, decision), decision.salesforce_patch)

    def update(
        self, pair: Pair, decision: Decision, payload: dict[str, Any], *, count: bool,
        settle: bool,
    ) -> None:
        """Hold the update of `pair`'s Salesforce record. `count`: the update counts in the
        report (a follow-up of a create does not); `settle`: its success settles the pair
        (false when the Intacct half of the same decision failed)."""
        self._add("update", Held.of(pair, decision, count=count, settle=settle), payload)

    def _add(self, kind: Kind, item: Held, payload: dict[str, Any]) -> None:
        key = str(self._count[kind])
        self._held[kind][key] = item
        self._payloads[kind][key] = payload
        self._count[kind] += 1

    @property
    def full(self) -> bool:
        """True once a kind holds a whole job's worth of records (never without a cap)."""
        cap = self.job_records
        return cap is not None and any(n >= cap for n in self._count.values())

    def take(
        self,
    ) -> Iterator[tuple[Kind, SpillingRecords[Held], SpillingRecords[dict[str, Any]], int]]:
        """Each kind's held items, their payloads (in the same order) and their count; the
        caller reads them, then they are dropped."""
        for kind in ("upsert", "update"):
            held, payloads, count = self._held[kind], self._payloads[kind], self._count[kind]
            if not count:
                continue
            self._fresh(kind)
            with held, payloads:
                yield kind, held, payloads, count

    def close(self) -> None:
        """Drop whatever is held (and the temporary files)."""
        for held in self._held.values():
            held.close()
        for payloads in self._payloads.values():
            payloads.close()
