"""The Decider: what to write for a pair, or to create a record's partner. Pure.

It reads no service and no state: it takes records and shadows and returns decisions. A
rule that cannot run raises `TransformError`; a `ref` to a record not linked yet raises
`RefPending`. The caller (the mapping's pipeline) records either in the ledger.
"""

from __future__ import annotations

import datetime as dt

from mapsync.engine.program import CompiledMapping
from mapsync.engine.record import Record, Side
from mapsync.engine.runner.decide import Decision, creation, decide
from mapsync.engine.runner.pairing import Pair, text
from mapsync.engine.salesforce_ids import new_key


class Decider:
    """Decides the writes of one mapping's pairs."""

    def __init__(self, mapping: CompiledMapping, timezone: dt.tzinfo) -> None:
        self.m = mapping
        self.timezone = timezone
        self.watches = mapping.watches
        # Keys are never renamed by a sync, and read-only fields are never sent.
        self.unwritable = (mapping.intacct.readonly | {mapping.intacct.key},
                           mapping.salesforce.readonly | {mapping.salesforce.key})

    def accepts(self, system: str, record: Record) -> bool:
        """True when `record` passes the mapping's filter on `system`."""
        condition = self.m.intacct.filter if system == "intacct" else self.m.salesforce.filter
        return condition is None or bool(condition.test(record))

    def creation(self, source: Side, record: Record) -> Decision:
        """The values that create the partner of `record` (a `source` record)."""
        target = "salesforce" if source == "intacct" else "intacct"
        return creation(self.m.rules, source, record, self.m.program(target))

    def salesforce_create(self, pair: Pair) -> Decision:
        """The Salesforce record to create for an unlinked Intacct record."""
        assert pair.intacct is not None
        decision = self.creation("intacct", pair.intacct)
        decision.salesforce_patch[self.m.salesforce.key] = pair.key
        return decision

    def intended_key(self, record: Record, decision: Decision | None = None) -> str | None:
        """The Intacct key a Salesforce record has or will get (deterministic for retries).

        None when the mapping's Intacct key is the system RECORDNO, which Intacct assigns.
        """
        ext = text(record.get(self.m.salesforce.key))
        if ext:
            return ext
        if self.m.intacct.key == self.m.intacct.record_id:
            return None
        if decision is not None:
            mapped = text(decision.intacct_patch.get(self.m.intacct.key))
            if mapped:
                return mapped
        return new_key(str(record["Id"]))

    def newest(self, pair: Pair) -> Side:
        """The side whose record changed last (`conflict newest`)."""
        i_stamp = pair.intacct.get(self.m.intacct.modified) if pair.intacct else None
        s_stamp = pair.salesforce.get(self.m.salesforce.modified) if pair.salesforce else None
        if not isinstance(i_stamp, dt.datetime) or not isinstance(s_stamp, dt.datetime):
            return "intacct"
        if i_stamp.tzinfo is None:
            i_stamp = i_stamp.replace(tzinfo=self.timezone)
        return "salesforce" if s_stamp > i_stamp else "intacct"

    def pair(self, pair: Pair) -> Decision:
        """The writes of a linked (or just matched) pair.

        A pair read on one side only goes straight to the mapping's update function for
        that side (as `decide_update` does): most pairs of an incremental run are such.
        """
        intacct, salesforce = pair.intacct, pair.salesforce
        # `decide_update` in line, as this runs for every pair of an incremental run.
        if salesforce is None and intacct is not None:
            decision = self.watches["intacct"].update(intacct, pair.shadow)
            if not self.unwritable[1].isdisjoint(decision.salesforce_patch):
                self._drop_unwritable(decision)
        elif intacct is None and salesforce is not None:
            decision = self.watches["salesforce"].update(salesforce, pair.shadow)
            if not self.unwritable[0].isdisjoint(decision.intacct_patch):
                self._drop_unwritable(decision)
        else:
            decision = decide(self.m.rules, intacct, salesforce, pair.shadow,
                              policy=self.m.conflict, newest=lambda: self.newest(pair),
                              programs=self.m.programs)
            self._drop_unwritable(decision)
        if pair.new_link:
            self._stamp_external_id(pair, decision)
        return decision

    def _stamp_external_id(self, pair: Pair, decision: Decision) -> None:
        """A record linked by natural key gets the Intacct key in its external id field."""
        ext = self.m.salesforce.key
        if pair.salesforce is not None and text(pair.salesforce.get(ext)) != pair.key:
            if ext not in self.m.salesforce.readonly and ext != self.m.salesforce.record_id:
                decision.salesforce_patch[ext] = pair.key

    def _drop_unwritable(self, decision: Decision) -> None:
        """Keys are never renamed by a sync, and read-only fields are never sent."""
        intacct, salesforce = self.unwritable
        for name in intacct.intersection(decision.intacct_patch):
            del decision.intacct_patch[name]
        for name in salesforce.intersection(decision.salesforce_patch):
            del decision.salesforce_patch[name]
