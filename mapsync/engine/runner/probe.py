"""Before any mapping reads: ask both services once whether anything changed.

    verdicts = probe(mappings, intacct, salesforce, state, options, clock())
    verdicts.quiet("Customer", "salesforce")   # a QuietSide, or None: read as usual

A quiet run used to cost one read per side per mapping (60 calls for the 30 standard
mappings). The probe asks every question in the fewest calls the services allow, and a
mapping then reads only the sides that may have changed:

- Intacct: one `query` function per mapping (pagesize 1, RECORDNO of a record modified
  strictly after the watermark), all in one request (`envelope.MAX_FUNCTIONS` a request).
  Exact: a "no" is final.
- Salesforce: `/composite` calls (one API call per 25 subrequests) of getUpdated, plus
  getDeleted for mappings that follow deletions, per object. getUpdated works at whole
  minutes, so it can only vouch for time after the minute holding the watermark: a side
  whose reads have not yet covered a minute boundary past its watermark asks an exact
  `SELECT Id ... WHERE SystemModstamp > watermark LIMIT 1` instead (5 of those a call).
  A "yes" may be a false positive (a record changed earlier in the minute the probe starts
  at): that mapping then reads exactly as without a probe, and reads nothing new.
- Actions: whether any Opportunity asks for a document (`LIMIT 1`), a query subrequest.

Only sides whose overlap window is settled are asked (`Reader.since`: the watermark is
exclusive). The others must read, and on the Salesforce side the first page of that read
goes in the same composite calls (`ReadQuestion`, five queries to a call): a first run of
five mappings reads them all in one call instead of five, and each mapping goes on from
its page (`Reader`, `SalesforceAPI.resume`). A prefetched page is dropped, and the
mapping reads afresh, when an earlier mapping of the run writes to the same object.

Each watermark stays per mapping; a quiet side keeps its watermark and records how far the
probe vouched for it (`window_read_at`), so the next probe starts there. A verdict taken
before the run holds only until a mapping of the run writes to the same object on that side
(`invalidate`): a later mapping then reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.base import IntacctAPI, SalesforceAPI
from mapsync.engine.connectors.probes import (
    Answer,
    IntacctQuestion,
    ReadQuestion,
    RowsQuestion,
    SalesforceQuestion,
    UpdatedQuestion,
)
from mapsync.engine.errors import SyncError
from mapsync.engine.plan import PlanMapping
from mapsync.engine.runner.pairing import Options
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.state import StateStore, Watermark

log = logging.getLogger("mapsync.run")

UPDATED_DAYS, DELETED_DAYS = 30, 15  # how far back getUpdated / getDeleted answer
ACTION_REQUEST_FIELD = "Intacct_Create_Sales_Order__c"  # runner/actions.REQUEST_FIELD


@dataclass(frozen=True, slots=True)
class QuietSide:
    """Nothing changed on this side of the mapping since its watermark.

    `window_read_at`: the new value to store with the unchanged watermark (how far the
    probe vouched, plus the overlap), or None to leave it as it is."""

    window_read_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Prefetched:
    """The first page of a mapping's Salesforce read, read by the probe at `at` from
    `since` (as `Reader.since` gives it)."""

    page: Any
    since: Watermark | None
    at: dt.datetime


ReadFields = Callable[[PlanMapping], "tuple[str, ...] | None"]


@dataclass(slots=True)
class Verdicts:
    """What the probe found, per (mapping, side), until a write of the run spoils it."""

    sides: dict[tuple[str, str], QuietSide] = field(default_factory=dict)
    reads: dict[str, Prefetched] = field(default_factory=dict)
    objects: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=lambda: {"intacct": 0, "salesforce": 0})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def quiet(self, mapping: str, side: str) -> QuietSide | None:
        """The verdict for one side of a mapping: quiet, or None (read it)."""
        with self._lock:
            return self.sides.get((mapping, side))

    def prefetched(self, mapping: str) -> Prefetched | None:
        """The first page of `mapping`'s Salesforce read, once (None: read it)."""
        with self._lock:
            return self.reads.pop(mapping, None)

    def quiet_sides(self, mapping: str) -> dict[str, QuietSide]:
        """The quiet sides of a mapping, by side."""
        with self._lock:
            return {side: q for (name, side), q in self.sides.items() if name == mapping}

    def invalidate(self, report: MappingReport, mapping: PlanMapping) -> None:
        """Forget the verdicts on objects `mapping` just wrote (later mappings read them)."""
        written = {
            ("intacct", (mapping.intacct.object or "", mapping.intacct.docparid)),
            ("salesforce", (mapping.salesforce.object or "", None)),
        }
        wrote = {s for s in ("intacct", "salesforce") if _wrote(report, s)}
        # Lines are written without counting in the report: a read of a line object
        # (a mapping of its own in custom rules) is read afresh after their header's mapping.
        lines = {(line.salesforce.object or "", None) for line in mapping.lines}
        with self._lock:
            for key, target in list(self.objects.items()):
                if key[1] in wrote and (key[1], target) in written:
                    self.sides.pop(key, None)
                    if key[1] == "salesforce":
                        self.reads.pop(key[0], None)
                elif key[1] == "salesforce" and target in lines:
                    self.reads.pop(key[0], None)


def _wrote(report: MappingReport, side: str) -> bool:
    counts = report.side(side)
    return bool(counts.created or counts.updated or counts.deleted or counts.failed)


def probe(
    mappings: Sequence[PlanMapping],
    intacct: IntacctAPI,
    salesforce: SalesforceAPI,
    state: StateStore,
    options: Options,
    now: dt.datetime,
    read_fields: ReadFields | None = None,
) -> Verdicts:
    """Ask both services about every mapping at once; never raises for a service fault
    (the mappings then read as usual and meet the fault themselves). `read_fields`: the
    Salesforce fields a mapping reads (None: it cannot tell), for the first pages of the
    reads that must happen."""
    verdicts = Verdicts()
    if options.full or options.replay:
        return verdicts
    questions = _Questions(state, options, now, read_fields)
    for mapping in mappings:
        questions.add(mapping)
    before = (intacct.counter.total, salesforce.counter.total)
    try:
        questions.ask(intacct, salesforce, verdicts)
    except SyncError as exc:
        log.warning("change probe failed, every mapping reads: %s", exc)
        verdicts.sides.clear()
        verdicts.reads.clear()
    verdicts.calls = {"intacct": intacct.counter.total - before[0],
                      "salesforce": salesforce.counter.total - before[1]}
    return verdicts


class _Questions:
    """The questions of one run and which mapping sides each answers for."""

    def __init__(
        self, state: StateStore, options: Options, now: dt.datetime,
        read_fields: ReadFields | None,
    ) -> None:
        self.state, self.options, self.now = state, options, now
        self.read_fields = read_fields
        self.reads: list[tuple[str, ReadQuestion]] = []
        self.settled_reads: set[str] = set()  # reads from a settled watermark: exact
        self.intacct: list[IntacctQuestion] = []
        self.intacct_for: list[tuple[str, str]] = []
        self.salesforce: dict[str, UpdatedQuestion] = {}
        self.salesforce_for: dict[str, list[tuple[str, str]]] = {}
        self.rows: list[RowsQuestion] = []
        self.rows_for: list[tuple[str, str]] = []
        self.objects: dict[tuple[str, str], tuple[str, str | None]] = {}

    def add(self, mapping: PlanMapping) -> None:
        """The questions for `mapping`'s sides that can be asked."""
        if mapping.kind == "action":
            self._add_action(mapping)
            return
        name = mapping.name
        self.objects[(name, "intacct")] = (mapping.intacct.object or "",
                                           mapping.intacct.docparid)
        self.objects[(name, "salesforce")] = (mapping.salesforce.object or "", None)
        mark = self._settled(name, "intacct")
        if mark is not None:
            self.intacct.append(IntacctQuestion(
                mapping.intacct.object or "", mark, mapping.intacct.docparid))
            self.intacct_for.append((name, "intacct"))
        mark = self._settled(name, "salesforce")
        if mark is not None:
            self._add_salesforce(mapping, mark)
        else:
            self._add_read(mapping)

    def _add_read(self, mapping: PlanMapping) -> None:
        """The first page of a Salesforce read the mapping must make, exactly as the Reader
        would ask for it (`Reader.since`, `Reader.salesforce_changes`)."""
        fields = self._fields(mapping)
        if fields is None:
            return
        mark = self.state.watermark(mapping.name, "salesforce")
        since = mark
        if mark is not None and mark.modified is not None:
            since = Watermark(mark.modified - self.options.overlap, None)
        deleted = mapping.delete.mode != "ignore"
        self.reads.append((mapping.name, ReadQuestion(
            mapping.salesforce.object or "", fields, since, deleted)))

    def _settled(self, name: str, side: str) -> Watermark | None:
        mark = self.state.watermark(name, side)  # type: ignore[arg-type]
        if mark is None or mark.modified is None:
            return None
        if self.state.window_read_at(name, side) is None:  # type: ignore[arg-type]
            return None
        return Watermark(mark.modified, mark.record_id, exclusive=True)

    def _add_salesforce(self, mapping: PlanMapping, mark: Watermark) -> None:
        name, obj = mapping.name, mapping.salesforce.object or ""
        deleted = mapping.delete.mode != "ignore"
        settled = self.state.window_read_at(name, "salesforce")
        assert settled is not None and mark.modified is not None
        start = _minute(settled - self.options.overlap)
        end = _minute(self.now)
        oldest = self.now - dt.timedelta(days=DELETED_DAYS if deleted else UPDATED_DAYS)
        if start > _utc(mark.modified) and start < end and start > oldest:
            known = self.salesforce.get(obj)
            if known is not None:
                start = min(start, known.start)
                deleted = deleted or known.deleted
            self.salesforce[obj] = UpdatedQuestion(obj, start, end, deleted)
            self.salesforce_for.setdefault(obj, []).append((name, "salesforce"))
        else:
            fields = self._fields(mapping)
            if fields is not None:
                # The read itself, exact as the LIMIT 1 query: a "no" is as final, and a
                # "yes" brings the read's first page.
                self.reads.append((name, ReadQuestion(obj, fields, mark, deleted)))
                self.settled_reads.add(name)
                return
            self.rows.append(RowsQuestion(obj, mark, deleted=deleted))
            self.rows_for.append((name, "salesforce"))

    def _fields(self, mapping: PlanMapping) -> tuple[str, ...] | None:
        return self.read_fields(mapping) if self.read_fields is not None else None

    def _add_action(self, mapping: PlanMapping) -> None:
        obj = mapping.salesforce.object or ""
        info = load_catalogs().get("salesforce", obj)
        if info is None or ACTION_REQUEST_FIELD not in info.fields:
            return
        # A constant condition on a catalog field name: nothing user-supplied to escape.
        self.rows.append(RowsQuestion(obj, where=f"{ACTION_REQUEST_FIELD} = true"))
        self.rows_for.append((mapping.name, "salesforce"))

    def ask(self, intacct: IntacctAPI, salesforce: SalesforceAPI, verdicts: Verdicts) -> None:
        """Send the questions (one Intacct request, the fewest composite calls)."""
        verdicts.objects = dict(self.objects)
        if self.intacct:
            for who, answer in zip(self.intacct_for, intacct.changed_since(self.intacct),
                                   strict=True):
                if answer.changed is False:
                    verdicts.sides[who] = QuietSide()
        updated = list(self.salesforce.values())
        reads = [question for _, question in self.reads]
        questions: list[SalesforceQuestion] = [*updated, *self.rows, *reads]
        if not questions:
            return
        answers = salesforce.changed_since(questions)
        for question, answer in zip(updated, answers[: len(updated)], strict=True):
            for who in self.salesforce_for[question.obj]:
                self._salesforce_verdict(who, answer, verdicts)
        done = len(updated) + len(self.rows)
        for (name, read), answer in zip(self.reads, answers[done:], strict=True):
            if name in self.settled_reads and answer.changed is False:
                # Nothing after the watermark: quiet, as the LIMIT 1 query would find it.
                who = (name, "salesforce")
                verdicts.sides[who] = QuietSide(self._later(who, self.now))
            elif answer.page is not None:
                verdicts.reads[name] = Prefetched(answer.page, read.since, self.now)
        for who, answer in zip(self.rows_for, answers[len(updated):done], strict=True):
            if answer.changed is False:
                # An exact query found nothing after the watermark: like a read that found
                # nothing, it vouches for every stamp up to `overlap` before now.
                verdicts.sides[who] = QuietSide(self._later(who, self.now))

    def _salesforce_verdict(self, who: tuple[str, str], answer: Answer,
                            verdicts: Verdicts) -> None:
        if answer.changed is not False or answer.covered is None:
            return
        # getUpdated vouches up to latestDateCovered; the overlap assumption of the reads
        # (a record is visible `overlap` after its stamp) up to now - overlap.
        vouched = min(answer.covered, self.now - self.options.overlap)
        verdicts.sides[who] = QuietSide(self._later(who, vouched + self.options.overlap))

    def _later(self, who: tuple[str, str], moved: dt.datetime) -> dt.datetime | None:
        """`moved` when it is past the side's settled time (None: keep that)."""
        if who not in self.objects or who[1] != "salesforce":  # actions keep no watermark
            return None
        settled = self.state.window_read_at(*who)  # type: ignore[arg-type]
        return moved if settled is None or _utc(moved) > _utc(settled) else None


def _utc(stamp: dt.datetime) -> dt.datetime:
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _minute(stamp: dt.datetime) -> dt.datetime:
    return _utc(stamp).replace(second=0, microsecond=0)
