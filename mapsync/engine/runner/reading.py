"""Reading one mapping's changes: watermarks with their overlap window, retries, streams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mapsync.engine.connectors.base import Record, Watermark
from mapsync.engine.runner.pairing import text
from mapsync.engine.runner.spill import SpillingRecords
from mapsync.engine.runner.sync_base import SyncBase


class Reading(SyncBase):
    """Where to read from, what to read again, and where the next run starts."""

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
            include_deleted = self.m.delete.mode != "ignore"
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
                key = text(record.get(side.key))
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
