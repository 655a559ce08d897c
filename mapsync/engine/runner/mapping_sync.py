"""Sync one mapping: read both sides' changes, link, decide, write in batches, remember.

Order of work for a mapping:

1. Salesforce records changed since the watermark (plus records whose earlier attempt
   failed transiently) are read and held by Id.
2. Intacct records changed since the watermark are streamed in chunks. Each is paired with
   its linked Salesforce record (from step 1 when that changed too), linked by external id
   or natural key on first sight, or created in Salesforce when the mapping allows it.
3. Salesforce records not paired in step 2 are handled the same way towards Intacct.
4. Records waiting for a parent that was written in this run are tried once more.
5. Both watermarks advance to the greatest position read, in the transaction that stores
   the last batch's links and shadows: a crash before that re-reads, and the shadows make
   the re-read a no-op.

Every write is idempotent on retry: Salesforce writes are upserts by external id or updates
by Id; an Intacct record created from Salesforce gets a deterministic key (mapped, or
derived from the Salesforce Id) and is looked up by that key before any create.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, MutableMapping

from mapsync.engine.connectors.base import Record
from mapsync.engine.errors import TransientError
from mapsync.engine.program import RefPending, TransformError
from mapsync.engine.runner.decide import Decision, Shadow, creation, decide
from mapsync.engine.runner.pairing import (
    TOMBSTONE,
    Batch,
    Pair,
    chunks,
    is_tombstone,
    take_live,
    text,
)
from mapsync.engine.runner.reading import Reading
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.runner.writing import Writing


class MappingSync(Reading, Writing):
    """Runs one compiled mapping against both services and the state store."""

    def run(self) -> MappingReport:
        """Sync the mapping; failures of single records are recorded, not raised."""
        calls_before = (self.intacct.counter.total, self.salesforce.counter.total)
        with self.read_salesforce_changes() as sf_changes:
            for chunk in chunks(self.read_intacct_changes(), self.options.chunk):
                self.process_intacct(chunk, sf_changes)
            for remaining in sf_changes.chunks(self.options.chunk):
                self.process_salesforce(remaining)
        self.create_deferred_copies()
        self.retry_waiting()
        self.propagate_intacct_deletes()
        self.commit_watermarks()
        self.report.intacct.api_calls = self.intacct.counter.total - calls_before[0]
        self.report.salesforce.api_calls = self.salesforce.counter.total - calls_before[1]
        return self.report

    def accepts(self, system: str, record: Record) -> bool:
        condition = self.m.intacct.filter if system == "intacct" else self.m.salesforce.filter
        return condition is None or bool(condition.test(record))

    def process_intacct(self, chunk: list[Record], sf_changes: MutableMapping[str, Record]) -> None:
        key_field = self.m.intacct.key
        records = []
        for record in chunk:
            if text(record.get(key_field)) is None or not self.accepts("intacct", record):
                self.report.intacct.skipped += 1
                continue
            records.append(record)
        keys = [str(r[key_field]) for r in records]
        links = self.state.links_by_intacct_keys(self.m.name, keys)
        shadows = self.state.shadows(self.m.name, keys)
        pairs: list[Pair] = []
        unlinked: list[Record] = []
        for record, key in zip(records, keys, strict=True):
            link = links.get(key)
            if link is None:
                unlinked.append(record)
                continue
            if is_tombstone(link.salesforce_id):
                self.report.salesforce.skipped += 1  # its Salesforce record was deleted
                continue
            pairs.append(
                Pair(
                    key=key,
                    intacct=record,
                    salesforce=take_live(sf_changes, link.salesforce_id),
                    sf_id=link.salesforce_id,
                    recordno=text(record.get(self.m.intacct.record_id)),
                    shadow=Shadow.from_json(shadows.get(key)),
                )
            )
        batch = Batch()
        pairs.extend(self.link_intacct_records(unlinked, sf_changes, batch))
        self.decide_pairs(pairs, batch)
        self.apply(batch)

    def link_intacct_records(
        self, records: list[Record], sf_changes: MutableMapping[str, Record], batch: Batch
    ) -> list[Pair]:
        """Find Salesforce partners of unlinked Intacct records, or plan their creation."""
        if not records:
            return []
        side = self.m.salesforce
        key_field = self.m.intacct.key
        keys = [str(r[key_field]) for r in records]
        by_ext = {
            str(r[side.key]): r
            for r in self.salesforce.read_by_keys(side.object, side.key, keys, side.read_fields)
        }
        matched = self.match_salesforce(
            [r for r, k in zip(records, keys, strict=True) if k not in by_ext]
        )
        pairs: list[Pair] = []
        for record, key in zip(records, keys, strict=True):
            partner = by_ext.get(key) or matched.get(key)
            recordno = text(record.get(self.m.intacct.record_id))
            if partner is not None:
                sf_id = str(partner["Id"])
                partner = take_live(sf_changes, sf_id) or partner
                pair = Pair(key, record, partner, sf_id, recordno, new_link=True)
                pairs.append(pair)
                continue
            if "salesforce" in self.m.create:
                pair = Pair(key, record, None, None, recordno)
                if "intacct" in self.m.create:
                    self.deferred.append(pair)
                else:
                    self.plan_salesforce_create(pair, batch)
            else:
                self.report.salesforce.skipped += 1
        return pairs

    def match_salesforce(self, records: list[Record]) -> dict[str, Record]:
        """Salesforce records matching unlinked Intacct records by a natural key."""
        found: dict[str, Record] = {}
        side = self.m.salesforce
        for i_path, s_field in self.m.match:
            todo = [r for r in records if str(r[self.m.intacct.key]) not in found]
            values = {str(r.get(i_path)): r for r in todo if text(r.get(i_path))}
            if not values:
                continue
            candidates = self.salesforce.read_by_keys(
                side.object, s_field, list(values), side.read_fields
            )
            linked = self.state.links_by_salesforce_ids(
                self.m.name, [str(c["Id"]) for c in candidates]
            )
            for candidate in candidates:
                record = values.get(str(candidate.get(s_field)))
                if record is not None and str(candidate["Id"]) not in linked:
                    found.setdefault(str(record[self.m.intacct.key]), candidate)
        return found

    def process_salesforce(self, records: list[Record]) -> None:
        batch = Batch()
        live: list[Record] = []
        for record in records:
            if record.get("IsDeleted"):
                self.handle_salesforce_delete(record, batch)
            elif self.accepts("salesforce", record):
                live.append(record)
            else:
                self.report.salesforce.skipped += 1
        ids = [str(r["Id"]) for r in live]
        links = self.state.links_by_salesforce_ids(self.m.name, ids)
        shadows = self.state.shadows(self.m.name, [link.intacct_key for link in links.values()])
        pairs: list[Pair] = []
        unlinked: list[Record] = []
        for record, sf_id in zip(live, ids, strict=True):
            link = links.get(sf_id)
            if link is None:
                unlinked.append(record)
                continue
            shadow = Shadow.from_json(shadows.get(link.intacct_key))
            pairs.append(Pair(link.intacct_key, None, record, sf_id, link.intacct_recordno, shadow))
        pairs.extend(self.link_salesforce_records(unlinked, batch))
        self.decide_pairs(pairs, batch)
        self.apply(batch)

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
        return f"SF-{str(record['Id'])[:15]}"

    def link_salesforce_records(self, records: list[Record], batch: Batch) -> list[Pair]:
        """Find Intacct partners of unlinked Salesforce records, or plan their creation."""
        if not records:
            return []
        plans: dict[str, Decision | None] = {}
        for record in records:
            plans[str(record["Id"])] = self.creation_plan("salesforce", record)
        intended = {str(r["Id"]): self.intended_key(r, plans[str(r["Id"])]) for r in records}
        side = self.m.intacct
        wanted = [k for k in intended.values() if k is not None]
        existing = (
            self.intacct.read_by_keys(
                side.object, side.key, wanted, side.read_fields, docparid=side.docparid
            )
            if wanted
            else []
        )
        by_key = {str(r[side.key]): r for r in existing}
        unmatched = [r for r in records if intended[str(r["Id"])] not in by_key]
        matched = self.match_intacct(unmatched, absent=set(wanted))
        pairs: list[Pair] = []
        for record in records:
            sf_id = str(record["Id"])
            key = intended[sf_id]
            partner = (by_key.get(key) if key is not None else None) or matched.get(sf_id)
            if partner is not None:
                found = str(partner[side.key])
                recordno = text(partner.get(side.record_id))
                pairs.append(Pair(found, partner, record, sf_id, recordno, new_link=True))
                continue
            decision = plans[sf_id]
            if "intacct" in self.m.create and decision is not None:
                pair = Pair(key or "", None, record, sf_id, None)
                if key is not None:
                    decision.intacct_patch[side.key] = key
                batch.intacct_creates.append((pair, decision))
            elif "intacct" not in self.m.create:
                self.report.intacct.skipped += 1
        return pairs

    def match_intacct(
        self, records: list[Record], absent: Collection[str] = ()
    ) -> dict[str, Record]:
        """Intacct records matching unlinked Salesforce records by a natural key.

        `absent`: keys just looked up and not found; a natural key on the key field itself
        (`match CUSTOMERID = AccountNumber`) does not ask for them again.
        """
        found: dict[str, Record] = {}
        side = self.m.intacct
        for i_path, s_field in self.m.match:
            todo = [r for r in records if str(r["Id"]) not in found]
            values = {str(r.get(s_field)): r for r in todo if text(r.get(s_field))}
            if i_path == side.key:
                values = {v: r for v, r in values.items() if v not in absent}
            if not values:
                continue
            candidates = self.intacct.read_by_keys(
                side.object, i_path, list(values), side.read_fields, docparid=side.docparid
            )
            linked = self.state.links_by_intacct_keys(
                self.m.name, [str(c[side.key]) for c in candidates]
            )
            for candidate in candidates:
                record = values.get(str(candidate.get(i_path)))
                if record is not None and str(candidate[side.key]) not in linked:
                    found.setdefault(str(record["Id"]), candidate)
        return found

    def creation_plan(self, source: str, record: Record) -> Decision | None:
        """Values to create the partner of `record`, or None when a rule failed (recorded)."""
        key = text(record.get(self.m.intacct.key if source == "intacct" else "Id")) or "?"
        try:
            target = "salesforce" if source == "intacct" else "intacct"
            return creation(self.m.rules, source, record, self.m.program(target))
        except RefPending as exc:
            self.wait(
                Pair(
                    key,
                    record if source == "intacct" else None,
                    record if source == "salesforce" else None,
                    None,
                    None,
                ),
                exc,
            )
        except TransformError as exc:
            self.fail(source, key, exc, record, rule=exc.source)
        return None

    def plan_salesforce_create(self, pair: Pair, batch: Batch) -> None:
        assert pair.intacct is not None
        decision = self.creation_plan("intacct", pair.intacct)
        if decision is None:
            return
        decision.salesforce_patch[self.m.salesforce.key] = pair.key
        batch.sf_creates.append((pair, decision))

    def newest(self, pair: Pair) -> str:
        i_stamp = pair.intacct.get(self.m.intacct.modified) if pair.intacct else None
        s_stamp = pair.salesforce.get(self.m.salesforce.modified) if pair.salesforce else None
        if not isinstance(i_stamp, dt.datetime) or not isinstance(s_stamp, dt.datetime):
            return "intacct"
        if i_stamp.tzinfo is None:
            i_stamp = i_stamp.replace(tzinfo=self.options.timezone)
        return "salesforce" if s_stamp > i_stamp else "intacct"

    def decide_pairs(self, pairs: list[Pair], batch: Batch) -> None:
        for pair in pairs:
            try:
                decision = decide(
                    self.m.rules,
                    pair.intacct,
                    pair.salesforce,
                    pair.shadow,
                    policy=self.m.conflict,
                    newest=lambda p=pair: self.newest(p),  # type: ignore[misc]
                )
            except RefPending as exc:
                self.wait(pair, exc)
                continue
            except TransformError as exc:
                record = pair.intacct if pair.intacct is not None else pair.salesforce
                side = "intacct" if pair.intacct is not None else "salesforce"
                self.fail(side, self.error_key(pair, side), exc, record, rule=exc.source)
                continue
            self.drop_unwritable(decision)
            if pair.new_link:
                batch.links.append(pair)
                self.stamp_external_id(pair, decision)
            batch.updates.append((pair, decision))

    def stamp_external_id(self, pair: Pair, decision: Decision) -> None:
        """A record linked by natural key gets the Intacct key in its external id field."""
        ext = self.m.salesforce.key
        if pair.salesforce is not None and text(pair.salesforce.get(ext)) != pair.key:
            if ext not in self.m.salesforce.readonly and ext != self.m.salesforce.record_id:
                decision.salesforce_patch[ext] = pair.key

    def drop_unwritable(self, decision: Decision) -> None:
        """Keys are never renamed by a sync, and read-only fields are never sent."""
        for name in list(decision.intacct_patch):
            if name == self.m.intacct.key or name in self.m.intacct.readonly:
                del decision.intacct_patch[name]
        for name in list(decision.salesforce_patch):
            if name == self.m.salesforce.key or name in self.m.salesforce.readonly:
                del decision.salesforce_patch[name]

    def handle_salesforce_delete(self, record: Record, batch: Batch) -> None:
        sf_id = str(record["Id"])
        link = self.state.links_by_salesforce_ids(self.m.name, [sf_id]).get(sf_id)
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
        if result.ok:
            self.report.intacct.deleted += 1
            if mode == "propagate":
                self.state.unlink(self.m.name, link.intacct_key)
            else:
                # The deactivated Intacct record stays linked to a tombstone, so it is not
                # copied back to Salesforce as a new record by the next run.
                self.state.link(
                    self.m.name, link.intacct_key, TOMBSTONE + sf_id, link.intacct_recordno
                )
        else:
            self.fail("salesforce", sf_id, result.error, record)

    def create_deferred_copies(self) -> None:
        """Create Salesforce copies of unlinked Intacct records, after the Salesforce side.

        In mappings that create on both sides, an unlinked Intacct record may be the one a
        crashed run created from a Salesforce record; the Salesforce pass links it again
        (the connector finds it), so copying it before that pass would duplicate it.
        """
        deferred, self.deferred = self.deferred, []
        for start in range(0, len(deferred), self.options.chunk):
            chunk = deferred[start : start + self.options.chunk]
            linked = self.state.links_by_intacct_keys(self.m.name, [p.key for p in chunk])
            batch = Batch()
            for pair in chunk:
                if pair.key not in linked:
                    self.plan_salesforce_create(pair, batch)
            self.apply(batch)

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
        gone = [
            link
            for link in self.state.all_links(self.m.name)
            if link.intacct_key not in self.seen_intacct
        ]
        if not gone:
            return
        results = self.salesforce.delete(
            self.m.salesforce.object, [link.salesforce_id for link in gone]
        )
        for link, result in zip(gone, results, strict=True):
            if result.ok:
                self.report.salesforce.deleted += 1
                self.state.unlink(self.m.name, link.intacct_key)
            else:
                self.fail("intacct", link.intacct_key, result.error, {"Id": link.salesforce_id})

    def wait(self, pair: Pair, exc: RefPending) -> None:
        """A record whose referenced parent is not linked yet: try again after the chunk."""
        self.waiting.append(pair)
        self.waiting_for[id(pair)] = exc

    def retry_waiting(self) -> None:
        """Give records that waited for a parent one more chance, then record them."""
        waiting, self.waiting = self.waiting, []
        if not waiting:
            return
        intacct_records = [
            p.intacct for p in waiting if p.intacct is not None and p.salesforce is None
        ]
        sf_records = [
            p.salesforce for p in waiting if p.salesforce is not None and p.intacct is None
        ]
        paired = [p for p in waiting if p.intacct is not None and p.salesforce is not None]
        if intacct_records:
            self.process_intacct(intacct_records, {})
        if sf_records:
            self.process_salesforce(sf_records)
        if paired:
            batch = Batch()
            self.decide_pairs(paired, batch)
            self.apply(batch)
        for pair in self.waiting:
            side = "intacct" if pair.intacct is not None else "salesforce"
            record = pair.intacct if pair.intacct is not None else pair.salesforce
            reason = self.waiting_for.get(id(pair)) or TransientError("waiting for a parent")
            self.fail(side, self.error_key(pair, side), reason, record)
        self.waiting = []
        self.waiting_for.clear()
