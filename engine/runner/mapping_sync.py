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
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from engine.connectors.base import IntacctAPI, Record, SalesforceAPI, Watermark, WriteResult
from engine.errors import SyncError, TransientError
from engine.runner.canonical import jsonable
from engine.runner.compiled import CompiledMapping, LineSet
from engine.runner.decide import (
    Decision,
    FieldRule,
    RefPending,
    RuleFailed,
    Shadow,
    creation,
    decide,
)
from engine.runner.report import MappingReport
from engine.runner.spill import SpillingRecords
from engine.state import StateStore

# Records per chunk: a multiple of the write batches (Salesforce Collections 200, Intacct
# 100 functions) and of the IN-list lookups (200 / 100 keys), so no call of a chunk is
# partly empty (500 cost ceil(500/200) = 3 Collections calls: 20% more than the minimum).
CHUNK = 1000
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Options:
    """How a run behaves."""

    full: bool = False
    dry_run: bool = False
    overlap: dt.timedelta = dt.timedelta(seconds=60)
    timezone: dt.tzinfo = dt.UTC
    chunk: int = CHUNK
    retry_ids: frozenset[int] | None = None  # replay: these error ids (None = all open)
    replay: bool = False
    relationship: str = "one-to-one"  # Opportunity -> sales documents (actions)


@dataclass(slots=True)
class Pair:
    """One Intacct record and its Salesforce partner, either of which may be unknown."""

    key: str
    intacct: Record | None
    salesforce: Record | None
    sf_id: str | None
    recordno: str | None
    shadow: Shadow = field(default_factory=Shadow)
    new_link: bool = False


@dataclass(slots=True)
class Batch:
    """Writes collected for one chunk, applied together."""

    sf_creates: list[tuple[Pair, Decision]] = field(default_factory=list)
    with_lines: list[Pair] = field(default_factory=list)
    intacct_creates: list[tuple[Pair, Decision]] = field(default_factory=list)
    updates: list[tuple[Pair, Decision]] = field(default_factory=list)
    links: list[Pair] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)


def _chunks(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


TOMBSTONE = "deleted:"


def is_tombstone(salesforce_id: str) -> bool:
    """True for the link of an Intacct record whose Salesforce partner was deleted."""
    return salesforce_id.startswith(TOMBSTONE)


def _take_live(changes: MutableMapping[str, Record], sf_id: str) -> Record | None:
    """Pop a changed Salesforce record to pair it, unless it was deleted (handled later)."""
    record = changes.get(sf_id)
    if record is None or record.get("IsDeleted"):
        return None
    return changes.pop(sf_id)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


class MappingSync:
    """Runs one compiled mapping against both services and the state store."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        state: StateStore,
        *,
        run_id: int | None,
        options: Options,
    ) -> None:
        self.m = mapping
        self.intacct = intacct
        self.salesforce = salesforce
        self.state = state
        self.run_id = run_id
        self.options = options
        self.report = MappingReport(mapping.name, mapping.kind)
        self.marks: dict[str, Watermark | None] = {"intacct": None, "salesforce": None}
        self.waiting: list[Pair] = []
        self.retried: set[str] = set()  # Intacct keys read again because they failed before
        self.seen_intacct: set[str] = set()
        self.previous: dict[str, Watermark] = {}
        self.read_started: dict[str, dt.datetime] = {}
        self.window_read: set[str] = set()
        self.deferred: list[Pair] = []

    # --- the run ------------------------------------------------------------------------

    def run(self) -> MappingReport:
        """Sync the mapping; failures of single records are recorded, not raised."""
        calls_before = (self.intacct.counter.total, self.salesforce.counter.total)
        with self.read_salesforce_changes() as sf_changes:
            for chunk in _chunks(self.read_intacct_changes(), self.options.chunk):
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

    # --- reading ------------------------------------------------------------------------

    def since(self, side: str) -> Watermark | None:
        """Where this run reads `side` from.

        Normally the overlap window below the watermark is read again, for records that
        were committed late with an earlier timestamp. Once a read has covered that window
        at least `overlap` after the watermark, nothing older can still appear, and reads
        start at the watermark itself (a quiet org then costs one read per side).
        """
        if self.options.full or self.options.replay:
            return None
        mark = self.state.watermark(self.m.name, side)  # type: ignore[arg-type]
        if mark is None or mark.modified is None:
            return mark
        self.previous[side] = mark
        self.read_started[side] = dt.datetime.now(dt.UTC)
        if self.state.window_read_at(self.m.name, side) is not None:  # type: ignore[arg-type]
            return mark
        self.window_read.add(side)
        return Watermark(mark.modified - self.options.overlap, None)

    def utc(self, stamp: dt.datetime) -> dt.datetime:
        """A service timestamp in UTC (Intacct's carry no zone: the company's is configured)."""
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=self.options.timezone)
        return stamp.astimezone(dt.UTC)

    def advance(self, side: str, record: Record, modified_field: str, id_field: str) -> None:
        stamp = record.get(modified_field)
        if not isinstance(stamp, dt.datetime):
            return
        current = self.marks[side]
        position = (stamp, str(record.get(id_field) or ""))
        if (
            current is None
            or current.modified is None
            or position
            > (
                current.modified,
                current.record_id or "",
            )
        ):
            self.marks[side] = Watermark(stamp, position[1])

    def retry_keys(self, side: str) -> list[str]:
        """Record keys of this mapping's open errors to try again on `side`."""
        if self.options.replay:
            errors = self.state.errors(mapping=self.m.name)
            if self.options.retry_ids is not None:
                errors = [e for e in errors if e.id in self.options.retry_ids]
        else:
            errors = self.state.errors(mapping=self.m.name, transient=True)
        own = [e.record_key for e in errors if e.side == side and e.record_key]
        other = [e.record_key for e in errors if e.side != side and e.record_key]
        # The linked partner is read too: the pair is decided from both records, not from
        # one record and a shadow the failure never updated (a partner's change would be lost).
        if side == "salesforce":
            links = self.state.links_by_intacct_keys(self.m.name, other).values()
            partners = [link.salesforce_id for link in links]
        else:
            links = self.state.links_by_salesforce_ids(self.m.name, other).values()
            partners = [link.intacct_key for link in links]
        return list(dict.fromkeys(own + partners))

    def read_salesforce_changes(self) -> SpillingRecords:
        side = self.m.salesforce
        changes = SpillingRecords()  # on disk past a few thousand: memory stays flat
        if not (self.options.replay and self.options.retry_ids is not None):
            include_deleted = self.m.delete.get("mode", "ignore") != "ignore"
            for record in self.salesforce.read_changed(
                side.object,
                side.read_fields,
                self.since("salesforce"),
                include_deleted=include_deleted,
            ):
                self.advance("salesforce", record, side.modified, "Id")
                changes[str(record["Id"])] = record
        retry = [k for k in self.retry_keys("salesforce") if k not in changes]
        if retry:
            for record in self.salesforce.read_by_keys(side.object, "Id", retry, side.read_fields):
                changes[str(record["Id"])] = record
            self.forget_gone("salesforce", [k for k in retry if k not in changes])
        self.report.read["salesforce"] += len(changes)
        return changes

    def forget_gone(self, side: str, keys: list[str]) -> None:
        """Close the errors of records that no longer exist: there is nothing to retry."""
        if keys and not self.options.dry_run:
            self.state.resolve_errors(self.m.name, side, keys)

    def read_intacct_changes(self) -> Iterator[Record]:
        side = self.m.intacct
        self.retried = set(self.retry_keys("intacct"))
        seen = self.seen_intacct
        if not (self.options.replay and self.options.retry_ids is not None):
            for record in self.intacct.read_changed(
                side.object, side.read_fields, self.since("intacct"), docparid=side.docparid
            ):
                self.advance("intacct", record, side.modified, side.record_id)
                key = _text(record.get(side.key))
                if key is not None:
                    seen.add(key)
                self.report.read["intacct"] += 1
                yield record
        retry = [k for k in self.retried if k not in seen]
        if retry:
            found: set[str] = set()
            for record in self.intacct.read_by_keys(
                side.object, side.key, retry, side.read_fields, docparid=side.docparid
            ):
                self.report.read["intacct"] += 1
                found.add(str(record.get(side.key)))
                yield record
            self.forget_gone("intacct", [k for k in retry if k not in found])

    # --- pairing ------------------------------------------------------------------------

    def accepts(self, system: str, record: Record) -> bool:
        condition = self.m.intacct.filter if system == "intacct" else self.m.salesforce.filter
        return condition is None or bool(condition.test(record))

    def process_intacct(self, chunk: list[Record], sf_changes: MutableMapping[str, Record]) -> None:
        key_field = self.m.intacct.key
        records = []
        for record in chunk:
            if _text(record.get(key_field)) is None or not self.accepts("intacct", record):
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
                    salesforce=_take_live(sf_changes, link.salesforce_id),
                    sf_id=link.salesforce_id,
                    recordno=_text(record.get(self.m.intacct.record_id)),
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
            recordno = _text(record.get(self.m.intacct.record_id))
            if partner is not None:
                sf_id = str(partner["Id"])
                partner = _take_live(sf_changes, sf_id) or partner
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
            values = {str(r.get(i_path)): r for r in todo if _text(r.get(i_path))}
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
        ext = _text(record.get(self.m.salesforce.key))
        if ext:
            return ext
        if self.m.intacct.key == self.m.intacct.record_id:
            return None
        if decision is not None:
            mapped = _text(decision.intacct_patch.get(self.m.intacct.key))
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
                recordno = _text(partner.get(side.record_id))
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
            values = {str(r.get(s_field)): r for r in todo if _text(r.get(s_field))}
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

    # --- deciding -----------------------------------------------------------------------

    def creation_plan(self, source: str, record: Record) -> Decision | None:
        """Values to create the partner of `record`, or None when a rule failed (recorded)."""
        key = _text(record.get(self.m.intacct.key if source == "intacct" else "Id")) or "?"
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
        except RuleFailed as exc:
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
            except RuleFailed as exc:
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
        if pair.salesforce is not None and _text(pair.salesforce.get(ext)) != pair.key:
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

    def error_key(self, pair: Pair, side: str) -> str:
        if side == "salesforce" and pair.sf_id:
            return pair.sf_id
        return pair.key

    # --- writing ------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Write a chunk's changes, then store links, shadows and errors in one transaction."""
        shadows: dict[str, Any] = {}
        links: list[tuple[str, str | None, str]] = []
        for pair in batch.links:
            if pair.sf_id:
                links.append((pair.key, pair.recordno, pair.sf_id))
                self.report.salesforce.linked += 1
        self.write_salesforce_creates(batch, links, shadows)
        self.write_intacct_creates(batch, links, shadows)
        self.write_updates(batch, shadows)
        lines_failed = self.sync_lines(batch.with_lines)
        if self.options.dry_run:
            return
        with self.state.transaction():
            if links:
                self.state.link_many(self.m.name, links)
            if shadows:
                self.state.save_shadows(self.m.name, shadows)
            for side, key in batch.resolved:
                if not (side == "intacct" and key in lines_failed):
                    self.state.resolve_errors(self.m.name, side, [key])

    def sample(self, action: str, pair: Pair, decision: Decision) -> None:
        for rule_id, target, before, after in decision.changes[:3]:
            self.report.sample(
                SAMPLES,
                action=action,
                key=pair.key,
                rule=rule_id,
                target=target,
                before=before,
                after=after,
            )

    def write_salesforce_creates(
        self, batch: Batch, links: list[tuple[str, str | None, str]], shadows: dict[str, Any]
    ) -> None:
        if not batch.sf_creates:
            return
        payloads = [d.salesforce_patch for _, d in batch.sf_creates]
        results = self.send("salesforce", "upsert", payloads)
        for (pair, decision), result in zip(batch.sf_creates, results, strict=True):
            if not result.ok:
                self.fail("intacct", pair.key, result.error, decision.salesforce_patch)
                continue
            self.sample("create salesforce", pair, decision)
            pair.sf_id = result.record_id
            links.append((pair.key, pair.recordno, str(result.record_id)))
            shadows[pair.key] = decision.shadow.to_json()
            self.report.salesforce.created += 1
            batch.resolved.append(("intacct", pair.key))
            batch.with_lines.append(pair)

    def write_intacct_creates(
        self, batch: Batch, links: list[tuple[str, str | None, str]], shadows: dict[str, Any]
    ) -> None:
        if not batch.intacct_creates:
            return
        payloads = [d.intacct_patch for _, d in batch.intacct_creates]
        results = self.send("intacct", "create", payloads)
        created: list[tuple[Pair, Decision]] = []
        for (pair, decision), result in zip(batch.intacct_creates, results, strict=True):
            if not result.ok:
                self.fail(
                    "salesforce", pair.sf_id or pair.key, result.error, decision.intacct_patch
                )
                continue
            self.sample("create intacct", pair, decision)
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
            created.append((pair, decision))
        self.complete_intacct_creates(created, shadows)

    def complete_intacct_creates(
        self, created: list[tuple[Pair, Decision]], shadows: dict[str, Any]
    ) -> None:
        """Read created Intacct records back and send what Intacct computed to Salesforce."""
        if not created or self.options.dry_run:
            return
        side = self.m.intacct
        fresh = {
            str(r[side.key]): r
            for r in self.intacct.read_by_keys(
                side.object,
                side.key,
                [p.key for p, _ in created],
                side.read_fields,
                docparid=side.docparid,
            )
        }
        follow_ups: list[tuple[Pair, Decision]] = []
        for pair, decision in created:
            record = fresh.get(pair.key)
            if record is None:
                continue
            pair.intacct = record
            pair.shadow = decision.shadow
            try:
                update = decide(self.m.rules, record, None, decision.shadow, policy="intacct")
            except (RefPending, RuleFailed):
                continue  # the next change of this record retries these fields
            update.salesforce_patch[self.m.salesforce.key] = pair.key
            update.intacct_patch.clear()
            follow_ups.append((pair, update))
        self.write_updates(Batch(updates=follow_ups), shadows, count=False)

    def write_updates(self, batch: Batch, shadows: dict[str, Any], *, count: bool = True) -> None:
        sf_items = [(p, d) for p, d in batch.updates if d.salesforce_patch and p.sf_id]
        i_items = [(p, d) for p, d in batch.updates if d.intacct_patch]
        failed: set[str] = set()
        if sf_items:
            payloads = [{**d.salesforce_patch, "Id": p.sf_id} for p, d in sf_items]
            failed |= self.update_side("salesforce", sf_items, payloads, count)
        if i_items:
            payloads = [self.intacct_update_payload(p, d) for p, d in i_items]
            failed |= self.update_side("intacct", i_items, payloads, count)
        for pair, decision in batch.updates:
            if pair.key in failed:
                continue
            shadows[pair.key] = decision.shadow.to_json()
            for conflict in decision.conflicts:
                self.log_conflict(pair, conflict)
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
        source = "intacct" if target == "salesforce" else "salesforce"
        failed: set[str] = set()
        results = self.send(target, "update", payloads)
        for (pair, decision), result in zip(items, results, strict=True):
            if result.ok:
                self.report.side(target).updated += count
                self.sample(f"update {target}", pair, decision)
                continue
            failed.add(pair.key)
            patch = decision.salesforce_patch if target == "salesforce" else decision.intacct_patch
            self.fail(source, self.error_key(pair, source), result.error, patch)
        return failed

    def intacct_update_payload(self, pair: Pair, decision: Decision) -> dict[str, Any]:
        payload = dict(decision.intacct_patch)
        if pair.recordno:
            payload[self.m.intacct.record_id] = pair.recordno
        else:
            payload[self.m.intacct.key] = pair.key
        return payload

    def send(self, system: str, op: str, payloads: list[dict[str, Any]]) -> list[WriteResult]:
        """Write through the connector (or pretend to, in a dry run)."""
        if self.options.dry_run:
            client = self.salesforce if system == "salesforce" else self.intacct
            size = max(1, int(getattr(client, "batch_size", 100)))
            self.report.planned_write_calls[system] += -(-len(payloads) // size)
            return [
                WriteResult(index=i, ok=True, record_id=f"(new {i})", key=None, created=True)
                for i in range(len(payloads))
            ]
        obj = self.m.salesforce.object if system == "salesforce" else self.m.intacct.object
        try:
            if system == "salesforce":
                if op == "upsert":
                    return self.salesforce.upsert(obj, self.m.salesforce.key, payloads)
                return self.salesforce.update(obj, payloads)
            if op == "create":
                return self.intacct.create(obj, payloads)
            return self.intacct.update(obj, payloads)
        except SyncError as exc:
            return [WriteResult(index=i, ok=False, error=exc) for i in range(len(payloads))]

    # --- lines, deletes, waiting --------------------------------------------------------

    def sync_lines(self, headers: list[Pair]) -> set[str]:
        """Upsert the lines of headers just written to Salesforce (Intacct -> Salesforce).

        One read of the lines of all headers of a chunk and one batched upsert per line set.
        Returns the keys of headers with a failed line: their errors stay open (a header
        written while a line failed is not synced), and their next try re-sends the lines.
        """
        headers = [p for p in headers if p.sf_id is not None]
        failed: set[str] = set()
        if not self.m.lines or not headers or self.options.dry_run:
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
                decision = creation(lines.rules, "intacct", row)
            except RefPending as exc:
                failed.add(owner.key)
                self.fail("intacct", owner.key, RefPendingError(str(exc)), row)
                continue
            except RuleFailed as exc:
                failed.add(owner.key)
                self.fail("intacct", owner.key, exc, row, rule=exc.source)
                continue
            patch = {k: v for k, v in decision.salesforce_patch.items() if k not in s_side.readonly}
            patch[s_side.key] = str(row[i_side.key])
            patch[s_side.parent] = owner.sf_id
            payloads.append(patch)
            owners.append(owner.key)
        if not payloads:
            return failed
        results = self.salesforce.upsert(s_side.object, s_side.key, payloads)
        for result, payload, owner_key in zip(results, payloads, owners, strict=True):
            if not result.ok:
                failed.add(owner_key)
                rule = self.rule_of(result.error, "salesforce", lines.rules)
                self.fail("intacct", owner_key, result.error, payload, rule=rule)
        return failed

    def handle_salesforce_delete(self, record: Record, batch: Batch) -> None:
        sf_id = str(record["Id"])
        link = self.state.links_by_salesforce_ids(self.m.name, [sf_id]).get(sf_id)
        mode = self.m.delete.get("mode", "ignore")
        if link is None or mode == "ignore" or self.options.dry_run:
            return
        target = link.intacct_recordno or link.intacct_key
        if mode == "propagate" and link.intacct_recordno:
            results = self.intacct.delete(self.m.intacct.object, [link.intacct_recordno])
        else:
            payload = {
                self.m.delete["field"]: self.m.delete.get("value"),
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
            or self.m.delete.get("mode") != "propagate"
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
        self.pending_reason = exc

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
            reason = RefPendingError(str(self.pending_reason))
            self.fail(side, self.error_key(pair, side), reason, record)
        self.waiting = []

    # --- bookkeeping --------------------------------------------------------------------

    def fail(
        self,
        side: str,
        key: str,
        exc: BaseException | None,
        payload: Mapping[str, Any] | None,
        *,
        rule: str | None = None,
    ) -> None:
        """Record a failed record (the run goes on)."""
        target = "salesforce" if side == "intacct" else "intacct"
        self.report.side(target).failed += 1
        if self.options.dry_run:
            return
        error = exc or SyncError("unknown failure")
        self.state.record_exception(
            self.run_id,
            self.m.name,
            side,
            key,
            error,
            rule=rule or self.rule_of(error, target) or self.m.source,
            payload=jsonable(dict(payload or {})),
        )

    def rule_of(
        self, error: BaseException | None, target: str, rules: Sequence[FieldRule] | None = None
    ) -> str | None:
        """The position of the rule writing the field a service rejected, when it names one."""
        name = getattr(error, "field", None)
        if not name:
            return None
        for rule in self.m.rules if rules is None else rules:
            if name in (rule.salesforce_fields if target == "salesforce" else rule.intacct_fields):
                return rule.source
        return None

    def log_conflict(self, pair: Pair, conflict: Any) -> None:
        self.report.conflicts += 1
        if len(self.report.conflict_samples) < SAMPLES:
            self.report.conflict_samples.append(
                {
                    "key": pair.key,
                    "rule": conflict.rule_id,
                    "intacct": conflict.intacct_value,
                    "salesforce": conflict.salesforce_value,
                    "winner": conflict.winner,
                }
            )
        if not self.options.dry_run:
            self.state.log_conflict(
                self.run_id,
                self.m.name,
                pair.key,
                conflict.rule_id,
                conflict.intacct_value,
                conflict.salesforce_value,
                conflict.winner,
                self.m.conflict,
            )

    def commit_watermarks(self) -> None:
        if self.options.dry_run or (self.options.replay and self.options.retry_ids is not None):
            return
        with self.state.transaction():
            for side, mark in self.marks.items():
                self.commit_watermark(side, mark)

    def commit_watermark(self, side: str, mark: Watermark | None) -> None:
        previous = self.previous.get(side)
        unmoved = previous is not None and (mark is None or mark.modified == previous.modified)
        if previous is None or not unmoved:
            if mark is not None:
                self.state.set_watermark(self.m.name, side, mark)  # type: ignore[arg-type]
            return
        assert previous.modified is not None
        settled = self.state.window_read_at(self.m.name, side)  # type: ignore[arg-type]
        started = self.read_started[side]
        if side in self.window_read and started - self.utc(previous.modified) >= (
            self.options.overlap
        ):
            settled = started
        self.state.set_watermark(
            self.m.name,
            side,  # type: ignore[arg-type]
            mark or previous,
            window_read_at=settled,
        )


class RefPendingError(TransientError):
    """A record refers to a record not synced yet; it is retried by the next run."""


def pairs_of(values: Sequence[Any]) -> list[Any]:
    """Identity helper kept for readability of call sites."""
    return list(values)
