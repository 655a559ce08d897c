"""The Writer: one mapping's decisions sent to the services, in batches, and remembered.

Creates (Intacct creates read their records back in the same requests), updates, the
follow-up of what Intacct computed for the records it created, and the lines of the headers
written; then the chunk's links, shadows and resolved errors go to the ledger in one
transaction, so a crash loses at most the chunk being written (and its writes are
idempotent). Deletions seen on one side are applied to the other here too.

A mapping that reads enough records to reach the connector's Bulk API 2.0 threshold holds
its Salesforce upserts and updates (`hold_salesforce`, runner/held.py) and sends them
together at `flush`: each held record's outcome is then stored as its chunk would have
stored it, a chunk of records per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from mapsync.engine.connectors.base import (
    IntacctAPI,
    ReadBack,
    Record,
    SalesforceAPI,
    WriteResult,
)
from mapsync.engine.errors import RUN_STOPPERS, SyncError
from mapsync.engine.program import CompiledMapping, LineSet, RefPending, TransformError
from mapsync.engine.runner.cost import Limits, Planner
from mapsync.engine.runner.decide import Decision, follow_up, line_payload
from mapsync.engine.runner.held import ITEMS_IN_MEMORY, Held, HeldWrites, Kind
from mapsync.engine.runner.ledger import Ledger, LinkRow
from mapsync.engine.runner.pairing import CHUNK, TOMBSTONE, Batch, Options, Pair, text
from mapsync.engine.runner.spill import SpillingRecords
from mapsync.engine.state import Encoded, Link


def salesforce_payload(record: dict[str, Any]) -> dict[str, Any]:
    """Empty text becomes null: Salesforce clears a field with null, and a reference to a
    record deleted in Salesforce resolves to empty."""
    return {k: None if v == "" else v for k, v in record.items()}


class Writer:
    """Sends a chunk's writes through the connectors and remembers what succeeded."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        ledger: Ledger,
        options: Options,
        retried: set[str],
    ) -> None:
        self.m = mapping
        self.intacct = intacct
        self.salesforce = salesforce
        self.ledger = ledger
        self.report = ledger.report
        self.options = options
        self.retried = retried  # Intacct keys read again because they failed before
        self.status = ledger.status
        # Dry runs: the calls the sync will make where this one writes nothing.
        self.cost = Planner(self.report, Limits.of(intacct, salesforce))
        self.held: HeldWrites | None = None  # Salesforce writes waiting for a Bulk 2.0 job

    # -- holding Salesforce writes for Bulk API 2.0 ----------------------------------------

    def hold_salesforce(self, records: int) -> bool:
        """Hold Salesforce writes from now on when a pass reads `records` records, enough
        for the connector's Bulk API 2.0 threshold; True when writes are held. A dry run
        holds them too, so that `plan` counts the jobs the sync would run."""
        threshold = getattr(self.salesforce, "bulk_threshold", None)
        if self.held is None and isinstance(threshold, int) and records >= threshold:
            cap = getattr(self.salesforce, "bulk_job_records", None)
            self.held = HeldWrites(cap if isinstance(cap, int) else None)
        return self.held is not None

    def flush(self) -> None:
        """Send the held Salesforce writes, one write per kind (Bulk 2.0 jobs once they
        reach the threshold), read back from disk as the connector streams them, then store
        each record's outcome, a chunk at a time."""
        if self.held is None:
            return
        for kind, held, payloads, count in self.held.take():
            results = self.send_held(kind, payloads, count)
            for chunk, sent in zip(held.chunks(ITEMS_IN_MEMORY),
                                   payloads.chunks(ITEMS_IN_MEMORY), strict=True):
                self.settle_held(kind, chunk, sent, list(islice(results, len(chunk))))

    def send_held(
        self, kind: Kind, held: SpillingRecords[dict[str, Any]], count: int
    ) -> Iterator[WriteResult]:
        """Held payloads through the connector, read from `held` for each pass the
        connector makes over them; results in order, lazily."""
        if self.options.dry_run or not hasattr(self.salesforce, "write_all"):
            yield from self.send("salesforce", kind, [p for c in held.chunks(CHUNK) for p in c])
            return

        def payloads() -> Iterator[dict[str, Any]]:
            for chunk in held.chunks(CHUNK):
                yield from self.status.stamp([salesforce_payload(p) for p in chunk])

        sent = 0
        try:
            for result in self.salesforce.write_all(kind, self.m.salesforce.object,
                                                    self.m.salesforce.key, payloads):
                sent += 1
                yield result
        except RUN_STOPPERS:
            raise
        except SyncError as exc:
            yield from (WriteResult(index=i, ok=False, error=exc) for i in range(sent, count))

    def settle_held(
        self, kind: Kind, items: list[Held], payloads: list[dict[str, Any]],
        results: list[WriteResult],
    ) -> None:
        """Store the outcome of held writes as `apply` stores a chunk's, with the shadows
        encoded when they were held."""
        batch, links, shadows = Batch(), list[LinkRow](), dict[str, Any]()
        for item, payload, result in zip(items, payloads, results, strict=True):
            pair, decision = item.pair(), item.decision(payload)
            if kind == "upsert":
                self.salesforce_created(pair, decision, result, batch, links, shadows)
            elif self.updated("salesforce", pair, decision, result, item.counted) and item.settle:
                self.settle(pair, decision, batch if item.counted else Batch(), shadows)
            if item.shadow is not None and pair.key in shadows:
                shadows[pair.key] = Encoded(item.shadow)
        self.finish(batch, links, shadows)

    def close(self) -> None:
        """Drop held writes never flushed (the run stopped): the next run reads them again."""
        if self.held is not None:
            self.held.close()

    # -- a chunk ---------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Write a chunk's changes, then store links, shadows and errors in one transaction."""
        shadows: dict[str, Any] = {}
        links: list[LinkRow] = []
        for pair in batch.links:
            if pair.sf_id:
                links.append((pair.key, pair.recordno, pair.sf_id))
                self.report.salesforce.linked += 1
        self.write_salesforce_creates(batch, links, shadows)
        self.write_intacct_creates(batch, links, shadows)
        self.write_updates(batch, shadows)
        self.finish(batch, links, shadows)
        if self.held is not None and self.held.full:
            self.flush()

    def finish(self, batch: Batch, links: list[LinkRow], shadows: dict[str, Any]) -> None:
        """The lines of the headers written, then links, shadows and resolved errors stored
        in one transaction, and the sync statuses written."""
        lines_failed = self.sync_lines(batch.with_lines)
        resolved = [
            (side, key)
            for side, key in batch.resolved
            if not (side == "intacct" and key in lines_failed)
        ]
        if not self.options.dry_run:
            self.status.cleared(key for side, key in resolved if side == "salesforce")
        if self.options.planned is not None:
            self.options.planned.add(self.m.name, links)
        self.ledger.commit(links, shadows, resolved)
        self.status.flush()

    def error_key(self, pair: Pair, side: str) -> str:
        """The key an error of `side` is recorded under: the record's own id on that side."""
        if side == "salesforce" and pair.sf_id:
            return pair.sf_id
        return pair.key

    def write_salesforce_creates(
        self, batch: Batch, links: list[LinkRow], shadows: dict[str, Any]
    ) -> None:
        if not batch.sf_creates:
            return
        if self.held is not None:
            for pair, decision in batch.sf_creates:
                self.held.create(pair, decision)
            return
        payloads = [d.salesforce_patch for _, d in batch.sf_creates]
        results = self.send("salesforce", "upsert", payloads)
        for (pair, decision), result in zip(batch.sf_creates, results, strict=True):
            self.salesforce_created(pair, decision, result, batch, links, shadows)

    def salesforce_created(
        self,
        pair: Pair,
        decision: Decision,
        result: WriteResult,
        batch: Batch,
        links: list[LinkRow],
        shadows: dict[str, Any],
    ) -> None:
        """Record the outcome of the upsert that created `pair`'s Salesforce copy."""
        if not result.ok:
            self.ledger.fail("intacct", pair.key, result.error, decision.salesforce_patch)
            return
        self.ledger.sample("create salesforce", pair, decision)
        pair.sf_id = result.record_id
        links.append((pair.key, pair.recordno, str(result.record_id)))
        shadows[pair.key] = decision.shadow.to_json()
        self.report.salesforce.created += 1
        batch.resolved.append(("intacct", pair.key))
        batch.with_lines.append(pair)

    def write_intacct_creates(
        self, batch: Batch, links: list[LinkRow], shadows: dict[str, Any]
    ) -> None:
        """Create the chunk's Intacct records, each batch reading its records back in the
        same request. A create refused because another record already holds its key (a
        crashed run's create, a record made in Intacct) leaves that record's pair in
        `batch.existing`, for the pipeline to link and update instead."""
        if not batch.intacct_creates:
            return
        payloads = [d.intacct_patch for _, d in batch.intacct_creates]
        results = self.send("intacct", "create", payloads)
        made = {str(r.key) for r in results if r.ok and r.key}
        created: list[tuple[Pair, Decision, Record | None]] = []
        for (pair, decision), result in zip(batch.intacct_creates, results, strict=True):
            if not result.ok:
                if not self.take_existing(batch, pair, result, made):
                    self.ledger.fail(
                        "salesforce", pair.sf_id or pair.key, result.error, decision.intacct_patch
                    )
                continue
            self.ledger.sample("create intacct", pair, decision)
            pair.recordno = result.record_id
            if self.m.intacct.key == self.m.intacct.record_id:
                pair.key = str(result.record_id)
            else:
                pair.key = result.key or pair.key
            assert pair.sf_id is not None
            links.append((pair.key, pair.recordno, pair.sf_id))
            shadows[pair.key] = decision.shadow.to_json()
            self.report.intacct.created += 1
            batch.resolved.append(("salesforce", pair.sf_id))
            created.append((pair, decision, result.row))
        self.complete_intacct_creates(created, shadows)

    def take_existing(
        self, batch: Batch, pair: Pair, result: WriteResult, made: set[str]
    ) -> bool:
        """True when a failed create's key belongs to a record that was there before it:
        that record becomes the pair's partner, as a look-up before the create would have
        found it (one this very write created does not: two records wanted one key)."""
        row = result.row
        side = self.m.intacct
        if row is None or pair.salesforce is None or text(row.get(side.key)) is None:
            return False
        key = str(row[side.key])
        if key in made:
            return False
        recordno = text(row.get(side.record_id))
        batch.existing.append(Pair(key, row, pair.salesforce, pair.sf_id, recordno, new_link=True))
        return True

    def complete_intacct_creates(
        self, created: list[tuple[Pair, Decision, Record | None]], shadows: dict[str, Any]
    ) -> None:
        """Send what Intacct computed for the records just created (read back in the
        requests that created them) to Salesforce."""
        if not created:
            return
        if self.options.dry_run:
            if self.held is None:
                self.cost.intacct_created(len(created), self.m.salesforce.object)
                return
            # Held like the sync's write-backs, so that `plan` counts them in their job (the
            # read-back rides in the create requests: no Intacct call of its own).
            for pair, _, _ in created:
                self.held.update(pair, Decision(), {}, count=False, settle=False)
            return
        follow_ups: list[tuple[Pair, Decision]] = []
        for pair, decision, record in created:
            if record is None:
                continue
            pair.intacct = record
            pair.shadow = decision.shadow
            try:
                update = follow_up(self.m, pair.key, record, decision.shadow)
            except (RefPending, TransformError):
                continue  # the next change of this record retries these fields
            follow_ups.append((pair, update))
        self.write_updates(Batch(updates=follow_ups), shadows, count=False)

    def write_updates(self, batch: Batch, shadows: dict[str, Any], *, count: bool = True) -> None:
        sf_items = [(p, d) for p, d in batch.updates if d.salesforce_patch and p.sf_id]
        i_items = [(p, d) for p, d in batch.updates if d.intacct_patch]
        failed: set[str] = set()
        sf_payloads = [{**d.salesforce_patch, "Id": p.sf_id} for p, d in sf_items]
        if sf_items and self.held is None:
            failed |= self.update_side("salesforce", sf_items, sf_payloads, count)
        if i_items:
            payloads = [self.intacct_update_payload(p, d) for p, d in i_items]
            failed |= self.update_side("intacct", i_items, payloads, count)
        later: set[int] = set()
        if sf_items and self.held is not None:
            for (pair, decision), payload in zip(sf_items, sf_payloads, strict=True):
                settle = pair.key not in failed
                self.held.update(pair, decision, payload, count=count, settle=settle)
                later.add(id(pair))
        for pair, decision in batch.updates:
            if pair.key not in failed and id(pair) not in later:
                self.settle(pair, decision, batch, shadows)

    def settle(
        self, pair: Pair, decision: Decision, batch: Batch, shadows: dict[str, Any]
    ) -> None:
        """A pair whose writes all succeeded: its shadow, conflicts and resolved errors."""
        shadows[pair.key] = decision.shadow.to_json()
        for conflict in decision.conflicts:
            self.ledger.log_conflict(pair, conflict)
        batch.resolved.append(("intacct", pair.key))
        if pair.sf_id:
            batch.resolved.append(("salesforce", pair.sf_id))
        if pair.intacct is not None and (
            decision.salesforce_patch or pair.new_link or pair.key in self.retried
        ):
            batch.with_lines.append(pair)

    def update_side(
        self,
        target: str,
        items: list[tuple[Pair, Decision]],
        payloads: list[dict[str, Any]],
        count: bool,
    ) -> set[str]:
        """Send one side's updates; the keys of the pairs that failed."""
        results = self.send(target, "update", payloads)
        return {
            pair.key
            for (pair, decision), result in zip(items, results, strict=True)
            if not self.updated(target, pair, decision, result, count)
        }

    def updated(
        self, target: str, pair: Pair, decision: Decision, result: WriteResult, count: bool
    ) -> bool:
        """Record the outcome of one update of `target`; True when it succeeded."""
        if result.ok:
            self.report.side(target).updated += count
            self.ledger.sample(f"update {target}", pair, decision)
            return True
        source = "intacct" if target == "salesforce" else "salesforce"
        patch = decision.salesforce_patch if target == "salesforce" else decision.intacct_patch
        self.ledger.fail(source, self.error_key(pair, source), result.error, patch)
        return False

    def intacct_update_payload(self, pair: Pair, decision: Decision) -> dict[str, Any]:
        payload = dict(decision.intacct_patch)
        if pair.recordno:
            payload[self.m.intacct.record_id] = pair.recordno
        else:
            payload[self.m.intacct.key] = pair.key
        return payload

    def send(self, system: str, op: str, payloads: list[dict[str, Any]]) -> list[WriteResult]:
        """Write through the connector (or pretend to, in a dry run)."""
        obj = self.m.salesforce.object if system == "salesforce" else self.m.intacct.object
        if self.options.dry_run:
            self.cost.write(system, obj, op, len(payloads))
            return [
                WriteResult(index=i, ok=True, record_id=f"(new {i})", key=None, created=True)
                for i in range(len(payloads))
            ]
        try:
            if system == "salesforce":
                payloads = self.status.stamp([salesforce_payload(p) for p in payloads])
                if op == "upsert":
                    return self.salesforce.upsert(obj, self.m.salesforce.key, payloads)
                return self.salesforce.update(obj, payloads)
            if op == "create":
                side = self.m.intacct
                read_back = ReadBack(side.key, side.read_fields, side.docparid)
                return self.intacct.create(obj, payloads, read_back=read_back)
            return self.intacct.update(obj, payloads)
        except RUN_STOPPERS:
            raise
        except SyncError as exc:
            return [WriteResult(index=i, ok=False, error=exc) for i in range(len(payloads))]

    def sync_lines(self, headers: list[Pair]) -> set[str]:
        """Upsert the lines of headers just written to Salesforce (Intacct -> Salesforce).

        One read of the lines of all headers of a chunk and one batched upsert per line set.
        Returns the keys of headers with a failed line: their errors stay open (a header
        written while a line failed is not synced), and their next try re-sends the lines.
        """
        headers = [p for p in headers if p.sf_id is not None]
        failed: set[str] = set()
        if not self.m.lines or not headers:
            return failed
        for lines in self.m.lines:
            failed |= self.sync_line_set(lines, {p.key: p for p in headers})
        return failed

    def sync_line_set(self, lines: LineSet, headers: dict[str, Pair]) -> set[str]:
        i_side, s_side = lines.intacct, lines.salesforce
        failed: set[str] = set()
        if i_side.parent is None or s_side.parent is None:
            return failed
        rows = self.intacct.read_by_keys(
            i_side.object, i_side.parent, list(headers), i_side.read_fields
        )
        payloads: list[dict[str, Any]] = []
        owners: list[str] = []
        for row in rows:
            owner = headers.get(str(row.get(i_side.parent)))
            if owner is None:
                continue
            try:
                patch = line_payload(lines, row, owner.sf_id)
            except RefPending as exc:
                failed.add(owner.key)
                self.ledger.fail("intacct", owner.key, exc, row)
                continue
            except TransformError as exc:
                failed.add(owner.key)
                self.ledger.fail("intacct", owner.key, exc, row, rule=exc.source)
                continue
            payloads.append(patch)
            owners.append(owner.key)
        if not payloads:
            return failed
        if self.options.dry_run:  # the lines were read as the sync reads them
            self.cost.write("salesforce", s_side.object, "upsert", len(payloads))
            return failed
        results = self.salesforce.upsert(
            s_side.object, s_side.key, [salesforce_payload(p) for p in payloads]
        )
        for result, payload, owner_key in zip(results, payloads, owners, strict=True):
            if not result.ok:
                failed.add(owner_key)
                self.ledger.fail(
                    "intacct", owner_key, result.error, payload, rules=lines.rules
                )
        return failed

    # -- deletions ------------------------------------------------------------------------

    def delete_in_intacct(self, record: Record) -> None:
        """A linked Salesforce record was deleted: apply the mapping's delete policy."""
        sf_id = str(record["Id"])
        link = self.ledger.links_by_salesforce_ids([sf_id]).get(sf_id)
        mode = self.m.delete.mode
        if link is None or mode == "ignore" or self.options.dry_run:
            return
        target = link.intacct_recordno or link.intacct_key
        if mode == "propagate" and link.intacct_recordno:
            results = self.intacct.delete(self.m.intacct.object, [link.intacct_recordno])
        else:
            payload = {
                self.m.delete.field or "": self.m.delete.value,
                self.m.intacct.record_id if link.intacct_recordno else self.m.intacct.key: target,
            }
            results = self.intacct.update(self.m.intacct.object, [payload])
        result = results[0]
        if not result.ok:
            self.ledger.fail("salesforce", sf_id, result.error, record)
            return
        self.report.intacct.deleted += 1
        if mode == "propagate":
            self.ledger.unlink(link.intacct_key)
        else:
            # The deactivated Intacct record stays linked to a tombstone, so it is not
            # copied back to Salesforce as a new record by the next run.
            self.ledger.link(link.intacct_key, TOMBSTONE + sf_id, link.intacct_recordno)

    def delete_in_salesforce(self, gone: list[Link]) -> None:
        """Delete the Salesforce partners of linked records Intacct no longer has."""
        results = self.salesforce.delete(
            self.m.salesforce.object, [link.salesforce_id for link in gone]
        )
        for link, result in zip(gone, results, strict=True):
            if result.ok:
                self.report.salesforce.deleted += 1
                self.ledger.unlink(link.intacct_key)
            else:
                self.ledger.fail(
                    "intacct", link.intacct_key, result.error, {"Id": link.salesforce_id}
                )
