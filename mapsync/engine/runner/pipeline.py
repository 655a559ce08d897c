"""Sync one mapping: Reader -> Pairer -> Decider -> Writer, with a Ledger for the state.

    MappingSync(compiled, intacct, salesforce, state, run_id=..., options=..., clock=...).run()

Order of work for a mapping:

1. The Reader reads the Salesforce records changed since the watermark (plus records whose
   earlier attempt failed transiently), held by Id.
2. It streams the Intacct records changed since the watermark in chunks. The Pairer pairs
   each with its linked Salesforce record (from step 1 when that changed too), links it
   by external id or natural key on first sight, or marks it for creation in Salesforce
   when the mapping allows it. The Decider (pure) decides each pair's writes; the Writer
   sends them and stores the chunk's links and shadows through the Ledger.
3. Salesforce records not paired in step 2 go the same way towards Intacct. When the
   Intacct read finds nothing at all (it starts first), no Salesforce record can meet a
   partner there: Salesforce's changes then go through chunk by chunk as they are read,
   none held.
4. Records waiting for a parent that was written in this run are tried once more.
5. Both watermarks advance to the greatest position read, in one transaction after the
   last chunk's: a crash before that re-reads, and the shadows make the re-read a no-op.

When the Salesforce records read and the first Intacct records read (up to the connector's
Bulk API 2.0 threshold) reach that threshold, the Writer holds the mapping's Salesforce
writes and sends them as Bulk 2.0 jobs after each pass (`Writer.flush`): before the records
that wait for a parent written in this run are tried again, so their parents are linked.

Every write is idempotent on retry: Salesforce writes are upserts by external id or updates
by Id; an Intacct record created from Salesforce gets a deterministic key (mapped, or the
18-character Salesforce Id, `engine.salesforce_ids`), which Intacct keeps unique: a create
refused because a record (a crashed run's, one made in Intacct) already holds the key
links that record instead. Only what a create could not catch is looked up before it (the
key earlier versions gave, natural keys other than the key), in one request per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from itertools import chain, islice

from mapsync.engine.connectors.base import IntacctAPI, Record, SalesforceAPI
from mapsync.engine.program import CompiledMapping, RefPending, TransformError
from mapsync.engine.record import Side
from mapsync.engine.runner.decide import Decision
from mapsync.engine.runner.decider import Decider
from mapsync.engine.runner.ledger import Ledger
from mapsync.engine.runner.pairer import Paired, Pairer
from mapsync.engine.runner.pairing import Batch, Options, Pair, chunks, text
from mapsync.engine.runner.probe import Prefetched, QuietSide
from mapsync.engine.runner.reader import Clock, Reader, utc_now
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.runner.status import StatusBoard
from mapsync.engine.runner.writer import Writer
from mapsync.engine.state import StateStore


def unique_chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    """Salesforce records `size` Ids at a time, one version of each Id per chunk (the
    later), so that a chunk never creates two partners for one record."""
    iterator = iter(records)
    while True:
        chunk: dict[str, Record] = {}
        for record in iterator:
            chunk[str(record["Id"])] = record
            if len(chunk) >= size:
                break
        if not chunk:
            return
        yield list(chunk.values())


class MappingSync:
    """Runs one compiled mapping through its collaborators."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        state: StateStore,
        *,
        run_id: int | None,
        options: Options,
        clock: Clock = utc_now,
        quiet: Mapping[str, QuietSide] | None = None,
        prefetched: Prefetched | None = None,
    ) -> None:
        self.m = mapping
        self.intacct = intacct
        self.salesforce = salesforce
        self.options = options
        self.ledger = Ledger(mapping, state, run_id=run_id, dry_run=options.dry_run)
        self.ledger.status = StatusBoard.for_plan(
            salesforce, mapping.plan, mapping.rules,
            open_errors=lambda: {str(e.record_key) for e in state.errors(mapping=mapping.name)
                                 if e.side == "salesforce"},
        )
        self.reader = Reader(mapping, intacct, salesforce, self.ledger, options, clock, quiet,
                             prefetched)
        self.pairer = Pairer(mapping, intacct, salesforce, self.ledger)
        self.decider = Decider(mapping, options.timezone)
        self.writer = Writer(
            mapping, intacct, salesforce, self.ledger, options, self.reader.retried
        )
        self.report = self.ledger.report
        self.deferred: list[Pair] = []
        self.waiting: list[tuple[Pair, RefPending]] = []

    def run(self) -> MappingReport:
        """Sync the mapping; failures of single records are recorded, not raised."""
        try:
            return self._run()
        finally:
            self.ledger.flush()  # failures kept since the last chunk, even if the run stops

    def _run(self) -> MappingReport:
        calls_before = (self.intacct.counter.by_this_thread, self.salesforce.counter.by_this_thread)
        try:
            self.both_passes()
        finally:
            self.writer.close()
        self.propagate_intacct_deletes()
        self.ledger.flush()
        self.ledger.status.flush()
        self.reader.commit_watermarks()
        self.report.intacct.api_calls = self.intacct.counter.by_this_thread - calls_before[0]
        self.report.salesforce.api_calls = self.salesforce.counter.by_this_thread - calls_before[1]
        return self.report

    def both_passes(self) -> None:
        """Intacct's changes, then Salesforce's not paired with them, then the records left
        for after both; held Salesforce writes are sent after each of these steps. When
        nothing changed in Intacct, Salesforce's changes go through as they are read."""
        intacct = self.reader.intacct_changes()
        first = next(intacct, None)
        if first is None:
            self.salesforce_pass()
        else:
            self.paired_passes(chain([first], intacct))
        self.writer.flush()
        self.create_deferred_copies()
        self.writer.flush()
        self.retry_waiting()
        self.writer.flush()

    def paired_passes(self, intacct: Iterator[Record]) -> None:
        """Salesforce's changes read and held by Id; Intacct's, each paired with its changed
        partner; then Salesforce's left."""
        with self.reader.salesforce_changes() as sf_changes:
            self.pairer.salesforce_all = self.reader.salesforce_all
            head = list(islice(intacct, self.bulk_threshold or 0))
            self.writer.hold_salesforce(len(sf_changes) + len(head))
            for chunk in chunks(chain(head, intacct), self.options.chunk):
                self.process_intacct(chunk, sf_changes)
            for remaining in sf_changes.chunks(self.options.chunk):
                self.process_salesforce(remaining)

    def salesforce_pass(self) -> None:
        """Nothing changed in Intacct, so no Salesforce record waits for an Intacct partner:
        Salesforce's changes are written chunk by chunk as the read goes on, without being
        held (the service works on one chunk while the next is read and decided; a large
        first sync spills nothing to disk). A record read twice is taken once per chunk,
        the newer; a later chunk finds it linked by the earlier one."""
        records = self.reader.salesforce_stream()
        head = list(islice(records, self.bulk_threshold or 0))
        self.writer.hold_salesforce(len(head))
        for chunk in unique_chunks(chain(head, records), self.options.chunk):
            self.process_salesforce(chunk)

    @property
    def bulk_threshold(self) -> int | None:
        """Records from which the Salesforce connector writes with Bulk API 2.0."""
        threshold = getattr(self.salesforce, "bulk_threshold", None)
        return threshold if isinstance(threshold, int) else None

    # -- one chunk, each way --------------------------------------------------------------

    def process_intacct(self, chunk: list[Record], sf_changes: MutableMapping[str, Record]) -> None:
        """Pair, decide and write a chunk of Intacct records."""
        key_field = self.m.intacct.key
        records = []
        for record in chunk:
            if text(record.get(key_field)) is None or not self.decider.accepts("intacct", record):
                self.report.intacct.skipped += 1
                continue
            records.append(record)
        paired = self.pairer.intacct_records(records, sf_changes)
        self.deferred.extend(paired.defer_salesforce)
        batch = Batch()
        for pair in paired.create_salesforce:
            self.plan_salesforce_create(pair, batch)
        self.decide_pairs(paired.pairs, batch)
        self.writer.apply(batch)

    def process_salesforce(self, records: list[Record]) -> None:
        """Pair, decide and write a chunk of Salesforce records."""
        live: list[Record] = []
        for record in records:
            if record.get("IsDeleted"):
                self.writer.delete_in_intacct(record)
            elif self.decider.accepts("salesforce", record):
                live.append(record)
            else:
                self.report.salesforce.skipped += 1
        paired = self.pairer.salesforce_records(live)
        batch = Batch()
        if paired.unlinked:
            self.link_salesforce(paired)
            batch.intacct_creates.extend(paired.create_intacct)
        self.decide_pairs(paired.pairs, batch)
        self.writer.apply(batch)
        if batch.existing:
            found = Batch()
            self.decide_pairs(batch.existing, found)
            self.writer.apply(found)

    def link_salesforce(self, paired: Paired) -> None:
        """Creation values and intended keys of unlinked Salesforce records, then pairing."""
        plans: dict[str, Decision | None] = {}
        for record in paired.unlinked:
            plans[str(record["Id"])] = self.creation_plan("salesforce", record)
        intended = {
            str(r["Id"]): self.decider.intended_key(r, plans[str(r["Id"])])
            for r in paired.unlinked
        }
        self.pairer.link_salesforce(paired, intended, plans)

    # -- deciding, with what cannot be decided recorded ----------------------------------

    def creation_plan(self, source: Side, record: Record) -> Decision | None:
        """Values to create the partner of `record`, or None when a rule failed (recorded)."""
        key = text(record.get(self.m.intacct.key if source == "intacct" else "Id")) or "?"
        try:
            return self.decider.creation(source, record)
        except RefPending as exc:
            intacct = record if source == "intacct" else None
            salesforce = record if source == "salesforce" else None
            self.waiting.append((Pair(key, intacct, salesforce, None, None), exc))
        except TransformError as exc:
            self.ledger.fail(source, key, exc, record, rule=exc.source)
        return None

    def plan_salesforce_create(self, pair: Pair, batch: Batch) -> None:
        """Queue the Salesforce record that copies an unlinked Intacct record."""
        try:
            decision = self.decider.salesforce_create(pair)
        except RefPending as exc:
            self.waiting.append((pair, exc))
            return
        except TransformError as exc:
            assert pair.intacct is not None
            self.ledger.fail("intacct", pair.key, exc, pair.intacct, rule=exc.source)
            return
        batch.sf_creates.append((pair, decision))

    def decide_pairs(self, pairs: list[Pair], batch: Batch) -> None:
        """Decide each pair's writes into `batch`."""
        for pair in pairs:
            try:
                decision = self.decider.pair(pair)
            except RefPending as exc:
                self.waiting.append((pair, exc))
                continue
            except TransformError as exc:
                record = pair.intacct if pair.intacct is not None else pair.salesforce
                side = "intacct" if pair.intacct is not None else "salesforce"
                key = self.writer.error_key(pair, side)
                self.ledger.fail(side, key, exc, record, rule=exc.source)
                continue
            if pair.new_link:
                batch.links.append(pair)
            batch.updates.append((pair, decision))

    # -- after both passes ----------------------------------------------------------------

    def create_deferred_copies(self) -> None:
        """Create Salesforce copies of unlinked Intacct records, after the Salesforce side.

        In mappings that create on both sides, an unlinked Intacct record may be the one a
        crashed run created from a Salesforce record; the Salesforce pass links it again
        (the connector finds it), so copying it before that pass would duplicate it.
        """
        deferred, self.deferred = self.deferred, []
        for start in range(0, len(deferred), self.options.chunk):
            chunk = deferred[start : start + self.options.chunk]
            linked = self.ledger.links_by_intacct_keys([p.key for p in chunk])
            batch = Batch()
            for pair in chunk:
                if pair.key not in linked:
                    self.plan_salesforce_create(pair, batch)
            self.writer.apply(batch)

    def retry_waiting(self) -> None:
        """Give records that waited for a parent one more chance, then record them."""
        waiting, self.waiting = self.waiting, []
        if not waiting:
            return
        pairs = [pair for pair, _ in waiting]
        intacct_records = [
            p.intacct for p in pairs if p.intacct is not None and p.salesforce is None
        ]
        sf_records = [p.salesforce for p in pairs if p.salesforce is not None and p.intacct is None]
        paired = [p for p in pairs if p.intacct is not None and p.salesforce is not None]
        if intacct_records:
            self.process_intacct(intacct_records, {})
        if sf_records:
            self.process_salesforce(sf_records)
        if paired:
            batch = Batch()
            self.decide_pairs(paired, batch)
            self.writer.apply(batch)
        for pair, reason in self.waiting:
            side = "intacct" if pair.intacct is not None else "salesforce"
            record = pair.intacct if pair.intacct is not None else pair.salesforce
            self.ledger.fail(side, self.writer.error_key(pair, side), reason, record)
        self.waiting = []

    def propagate_intacct_deletes(self) -> None:
        """On a full read, linked records Intacct no longer has are deleted in Salesforce.

        Intacct's WHENMODIFIED does not show deletions, so only `sync --full` (which reads
        every record) can see them, and only for mappings that say `delete propagate` and
        read their whole object (no `when` filter).
        """
        if (
            not self.options.full
            or self.options.replay
            or self.options.dry_run
            or self.m.delete.mode != "propagate"
            or self.m.intacct.filter is not None
        ):
            return
        seen = self.reader.seen_intacct
        gone = [link for link in self.ledger.all_links() if link.intacct_key not in seen]
        if gone:
            self.writer.delete_in_salesforce(gone)

