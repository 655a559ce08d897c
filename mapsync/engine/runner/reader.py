"""Reading one mapping's changes: watermarks with their overlap window, retries, streams.

The Reader is the first stage of a mapping's sync: it yields the records to pair, and
at the end stores where the next run starts (`commit_watermarks`), in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Container, Iterator, Mapping

from mapsync.engine.connectors.base import IntacctAPI, Record, SalesforceAPI
from mapsync.engine.errors import RUN_STOPPERS, SyncError
from mapsync.engine.program import CompiledMapping
from mapsync.engine.runner.ledger import Ledger
from mapsync.engine.runner.pairing import Options, text
from mapsync.engine.runner.probe import Prefetched, QuietSide
from mapsync.engine.runner.spill import SpillingRecords
from mapsync.engine.state import Watermark

Clock = Callable[[], dt.datetime]
# Records a streamed Salesforce read remembers (Id and stamp), to skip those a read started
# again gives a second time: the first page the probe read, and more (a few MB at most).
STREAM_SEEN = 10_000
log = logging.getLogger("mapsync.run")


def utc_now() -> dt.datetime:
    """The wall clock in UTC (the default clock of a run)."""
    return dt.datetime.now(dt.UTC)


class Reader:
    """Where to read from, what to read again, and where the next run starts."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        ledger: Ledger,
        options: Options,
        clock: Clock = utc_now,
        quiet: Mapping[str, QuietSide] | None = None,
        prefetched: Prefetched | None = None,
    ) -> None:
        self.m = mapping
        # Sides the run's probe found unchanged (runner/probe.py): not read at all.
        self.quiet = dict(quiet or {})
        # The first page of the Salesforce read, when the probe read it (runner/probe.py).
        self.prefetched = prefetched
        self.intacct = intacct
        self.salesforce = salesforce
        self.ledger = ledger
        self.options = options
        self.clock = clock
        self.marks: dict[str, Watermark | None] = {"intacct": None, "salesforce": None}
        self.previous: dict[str, Watermark] = {}
        self.read_started: dict[str, dt.datetime] = {}
        self.window_read: set[str] = set()
        self.retried: set[str] = set()  # Intacct keys read again because they failed before
        self.seen_intacct: set[str] = set()
        # Every live Salesforce record of the object, when this run read them all and they
        # fit in memory (`salesforce_changes`): look-ups by key can be answered from it.
        self.salesforce_all: list[Record] | None = None

    @property
    def _retrying_only(self) -> bool:
        return self.options.replay and self.options.retry_ids is not None

    def since(self, side: str) -> Watermark | None:
        """Where this run reads `side` from.

        Normally the overlap window below the watermark is read again, for records that
        were committed late with an earlier timestamp. Once a read has covered that window
        at least `overlap` after the watermark, nothing older can still appear, and reads
        start strictly after the watermark (`Watermark.exclusive`): a quiet org then reads
        no record, not even those of the watermark's own second (often thousands: the
        runner's own writes of its last busy run).
        """
        if self.options.full or self.options.replay:
            return None
        mark = self.ledger.watermark(side)
        if mark is None or mark.modified is None:
            self.read_started[side] = self.clock()
            return mark
        self.previous[side] = mark
        self.read_started[side] = self.clock()
        if self.ledger.window_read_at(side) is not None:
            return Watermark(mark.modified, mark.record_id, exclusive=True)
        self.window_read.add(side)
        return Watermark(mark.modified - self.options.overlap, None)

    def utc(self, stamp: dt.datetime) -> dt.datetime:
        """A service timestamp in UTC (Intacct's carry no zone: the company's is configured)."""
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=self.options.timezone)
        return stamp.astimezone(dt.UTC)

    def advance(self, side: str, record: Record, modified_field: str, id_field: str) -> None:
        """Move `side`'s next watermark past `record`."""
        stamp = record.get(modified_field)
        if not isinstance(stamp, dt.datetime):
            return
        current = self.marks[side]
        position = (stamp, str(record.get(id_field) or ""))
        if (
            current is None
            or current.modified is None
            or position > (current.modified, current.record_id or "")
        ):
            self.marks[side] = Watermark(stamp, position[1])

    def retry_keys(self, side: str) -> list[str]:
        """Record keys of this mapping's open errors to try again on `side`."""
        errors = self.ledger.retry_errors(self.options.replay, self.options.retry_ids)
        own = [e.record_key for e in errors if e.side == side and e.record_key]
        other = [e.record_key for e in errors if e.side != side and e.record_key]
        # The linked partner is read too: the pair is decided from both records, not from
        # one record and a shadow the failure never updated (a partner's change would be lost).
        if side == "salesforce":
            partners = [link.salesforce_id for link in self.ledger.links_by_intacct_keys(other)
                        .values()]
        else:
            partners = [link.intacct_key for link in self.ledger.links_by_salesforce_ids(other)
                        .values()]
        return list(dict.fromkeys(own + partners))

    def salesforce_changes(self) -> SpillingRecords[Record]:
        """Salesforce records changed since the watermark, and those to retry, by Id."""
        side = self.m.salesforce
        changes = SpillingRecords[Record]()  # on disk past a few thousand: memory stays flat
        complete = False
        if not self._retrying_only and "salesforce" not in self.quiet:
            include_deleted = self.m.delete.mode != "ignore"
            since = self.since("salesforce")
            complete = since is None or since.modified is None
            for record in self._salesforce_read(since, include_deleted):
                self.advance("salesforce", record, side.modified, "Id")
                changes[str(record["Id"])] = record
        for record in self._salesforce_retries(changes):
            changes[str(record["Id"])] = record
        self.ledger.report.read["salesforce"] += len(changes)
        if complete and not changes.spilled:
            self.salesforce_all = [r for r in changes.values() if not r.get("IsDeleted")]
        return changes

    def salesforce_stream(self) -> Iterator[Record]:
        """Salesforce records changed since the watermark, then those to retry, as they are
        read, none held: for a pass where no Intacct record waits for its partner. A record
        read again as it was (a read started again after a stale cursor) is skipped and
        counts once; one changed while the read went on comes again, newer. Only the first
        `STREAM_SEEN` records are remembered for that, so memory stays flat: a read started
        again past them (a page failing after its retries, deep into a large read) writes
        the later ones again, which finds them linked and in step."""
        side = self.m.salesforce
        seen: dict[str, object] = {}  # Id -> modification stamp
        if not self._retrying_only and "salesforce" not in self.quiet:
            since = self.since("salesforce")
            for record in self._salesforce_read(since, self.m.delete.mode != "ignore"):
                record_id, stamp = str(record["Id"]), record.get(side.modified)
                before = seen.get(record_id, seen)
                if before == stamp:
                    continue
                if before is seen:
                    self.ledger.report.read["salesforce"] += 1
                if len(seen) < STREAM_SEEN or before is not seen:
                    seen[record_id] = stamp
                self.advance("salesforce", record, side.modified, "Id")
                yield record
        for record in self._salesforce_retries(seen):
            self.ledger.report.read["salesforce"] += 1
            yield record

    def _salesforce_retries(self, read: Container[str]) -> Iterator[Record]:
        """The Salesforce records to try again (open errors, and the partners of Intacct
        ones) that are not among the Ids `read`; those Salesforce no longer has are
        forgotten once the read is over."""
        side = self.m.salesforce
        retry = [k for k in self.retry_keys("salesforce") if k not in read]
        if not retry:
            return
        found: set[str] = set()
        for record in self.salesforce.read_by_keys(side.object, "Id", retry, side.read_fields):
            found.add(str(record["Id"]))
            yield record
        self.ledger.forget("salesforce", [k for k in retry if k not in found])

    def _salesforce_read(self, since: Watermark | None, include_deleted: bool) -> Iterator[Record]:
        """The Salesforce records changed since `since`: from the page the probe read for
        this very query when there is one (the read then started when the probe asked),
        else read now. A read that cannot go on from its page (its query cursor expired
        while earlier mappings ran) starts again: records are kept by Id, so a record read
        twice counts once. An error that ends the run (budget, credentials) ends it here."""
        side, fetched, self.prefetched = self.m.salesforce, self.prefetched, None
        if fetched is not None and fetched.since == since:
            self.read_started["salesforce"] = fetched.at
            try:
                yield from self.salesforce.resume(side.object, side.read_fields, fetched.page,
                                                  include_deleted=include_deleted)
                return
            except RUN_STOPPERS:
                raise
            except SyncError as exc:
                log.info("the read of %s from its first page stopped (%s): reading again",
                         side.object, exc)
        yield from self.salesforce.read_changed(
            side.object, side.read_fields, since, include_deleted=include_deleted)

    def intacct_changes(self) -> Iterator[Record]:
        """Intacct records changed since the watermark, then those to retry, streamed."""
        side = self.m.intacct
        self.retried.clear()
        self.retried.update(self.retry_keys("intacct"))
        seen = self.seen_intacct
        if not self._retrying_only and "intacct" not in self.quiet:
            for record in self.intacct.read_changed(
                side.object, side.read_fields, self.since("intacct"), docparid=side.docparid
            ):
                self.advance("intacct", record, side.modified, side.record_id)
                key = text(record.get(side.key))
                if key is not None:
                    seen.add(key)
                self.ledger.report.read["intacct"] += 1
                yield record
        retry = [k for k in self.retried if k not in seen]
        if retry:
            found: set[str] = set()
            for record in self.intacct.read_by_keys(
                side.object, side.key, retry, side.read_fields, docparid=side.docparid
            ):
                self.ledger.report.read["intacct"] += 1
                found.add(str(record.get(side.key)))
                yield record
            self.ledger.forget("intacct", [k for k in retry if k not in found])

    def commit_watermarks(self) -> None:
        """Store where the next run reads each side from."""
        if self.options.dry_run or self._retrying_only:
            return
        with self.ledger.transaction():
            for side, mark in self.marks.items():
                self._commit_watermark(side, mark)

    def _commit_watermark(self, side: str, mark: Watermark | None) -> None:
        if side in self.quiet:
            self._commit_quiet(side, self.quiet[side])
            return
        if mark is None and side in self.read_started and side not in self.previous:
            self._commit_empty(side)
            return
        previous = self.previous.get(side)
        unmoved = previous is not None and (mark is None or mark.modified == previous.modified)
        if previous is None or not unmoved:
            if mark is not None:
                self.ledger.set_watermark(side, mark)
            return
        assert previous.modified is not None
        settled = self.ledger.window_read_at(side)
        started = self.read_started[side]
        if side in self.window_read and started - self.utc(previous.modified) >= (
            self.options.overlap
        ):
            settled = started
        elif side not in self.window_read and settled is not None and started > settled:
            # A read strictly after a settled watermark that found nothing vouches for all
            # stamps up to `overlap` before it started: the next probe may start there.
            settled = started
        self.ledger.set_watermark(side, mark or previous, window_read_at=settled)

    def _commit_empty(self, side: str) -> None:
        """A first read that found no record at all: nothing is stamped before `overlap`
        ahead of its start, so the watermark goes there, settled (the next run reads, or
        probes, strictly after it instead of reading the whole object again)."""
        if self.ledger.watermark(side) is not None:
            return
        started = self.read_started[side]
        edge = (started - self.options.overlap).replace(microsecond=0)
        if side == "intacct":  # Intacct stamps in the company's time zone, without a zone
            edge = edge.astimezone(self.options.timezone).replace(tzinfo=None)
        self.ledger.set_watermark(side, Watermark(edge, None), window_read_at=started)

    def _commit_quiet(self, side: str, quiet: QuietSide) -> None:
        """A side the probe found quiet keeps its watermark; how far the probe vouched
        moves its settled time on, so the next probe starts there."""
        mark = self.ledger.watermark(side)
        if quiet.window_read_at is not None and mark is not None:
            self.ledger.set_watermark(side, mark, window_read_at=quiet.window_read_at)
