"""Run a compiled plan: every mapping in write order, each against both services.

    report = run_plan(plan, intacct, salesforce, store, Options())

Managed lists come first (the compiler already lists mappings in write order). A mapping
whose services fail as a whole (authentication, a budget spent) ends the run: the report
carries the fatal error and the exit code 1; a failing record never does.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.connectors.base import IntacctAPI, SalesforceAPI
from mapsync.engine.errors import (
    RUN_STOPPERS,
    LimitExceeded,
    MapsyncError,
    SyncError,
    TransientError,
)
from mapsync.engine.plan import Plan, PlanMapping
from mapsync.engine.program import CompiledMapping, RefResolver, compile_mapping
from mapsync.engine.runner.actions import ActionRunner
from mapsync.engine.runner.heap import frozen_heap
from mapsync.engine.runner.pairing import Options
from mapsync.engine.runner.parallel import Schedule, limited
from mapsync.engine.runner.pipeline import MappingSync
from mapsync.engine.runner.planned import PlannedLinks
from mapsync.engine.runner.probe import Verdicts, probe
from mapsync.engine.runner.reader import Clock, utc_now
from mapsync.engine.runner.report import MappingReport, RunReport
from mapsync.engine.state import StateStore

log = logging.getLogger("mapsync.run")

FATAL = RUN_STOPPERS
UNREACHABLE_LIMIT = 2  # whole mappings failing transiently in a row before the run stops
Progress = Callable[[str, MappingReport | None], None]


class UnknownMapping(MapsyncError):
    """`--only` (or the config's `mappings`) names a mapping the plan does not have: see the
    plan's mapping names with `mapsync rules list`."""


def selected(
    mappings: Sequence[PlanMapping], only: Collection[str] | None
) -> list[PlanMapping]:
    """The plan mappings to run: all, or those named in `only` (unknown names raise)."""
    if not only:
        return list(mappings)
    names = {m.name for m in mappings}
    unknown = sorted(set(only) - names)
    if unknown:
        raise UnknownMapping(f"unknown mapping(s): {', '.join(unknown)}")
    return [m for m in mappings if m.name in only]


def with_actions_first(mappings: list[PlanMapping]) -> list[PlanMapping]:
    """Move each action before the first mapping that reads what it creates.

    A sales order created by Create Sales Order then comes back to Salesforce in the same
    run instead of the next one. Actions still run after the mappings they depend on.
    """
    ordered = [m for m in mappings if m.kind != "action"]
    for action in (m for m in mappings if m.kind == "action"):
        creates = (action.intacct.object, action.intacct.docparid)
        needs = set(action.depends_on)
        position = len(ordered)
        for index, mapping in enumerate(ordered):
            reads = (mapping.intacct.object, mapping.intacct.docparid)
            if reads == creates:
                position = index
                break
        earliest = max((i + 1 for i, m in enumerate(ordered) if m.name in needs), default=0)
        ordered.insert(max(position, earliest), action)
    return ordered


def run_plan(
    plan: Plan,
    intacct: IntacctAPI,
    salesforce: SalesforceAPI,
    state: StateStore,
    options: Options,
    *,
    only: Collection[str] | None = None,
    command: str = "sync",
    catalogs: Catalogs | None = None,
    progress: Progress | None = None,
    timezone: str = "UTC",
    lock: Callable[[], AbstractContextManager[object]] | None = None,
    clock: Clock = utc_now,
) -> RunReport:
    """Apply (or with `options.dry_run`, evaluate) every selected mapping of `plan`.

    `lock` (the state lock's `hold`) is held around each mapping, so that `mapsync listen`
    can act between two mappings of a long run (around the whole run when mappings run
    side by side: `options.at_once`, see `parallel`). `clock` gives the current time to
    the readers (the overlap window of watermarks). The heap the run starts with is kept
    out of the garbage collector's full passes while it runs (`heap`).
    """
    with frozen_heap(), ExitStack() as scope:
        return _run_plan(plan, intacct, salesforce, state, options, only, command, catalogs,
                         progress, timezone, lock, clock, scope)


def _run_plan(
    plan: Plan,
    intacct: IntacctAPI,
    salesforce: SalesforceAPI,
    state: StateStore,
    options: Options,
    only: Collection[str] | None,
    command: str,
    catalogs: Catalogs | None,
    progress: Progress | None,
    timezone: str,
    lock: Callable[[], AbstractContextManager[object]] | None,
    clock: Clock,
    scope: ExitStack,
) -> RunReport:
    run_id = None if options.dry_run else state.start_run(command)
    report = RunReport(run_id=run_id)
    mappings = with_actions_first(selected(plan.mappings, only))
    at_once, intacct_limit, salesforce_limit = options.at_once
    side_by_side = at_once > 1 and len(mappings) > 1
    if side_by_side:
        intacct = limited(intacct, intacct_limit, scope)
        salesforce = limited(salesforce, salesforce_limit, scope)
    resolver: RefResolver = state.ref_resolver()
    if options.dry_run:
        resolver = PlannedLinks(resolver)
        options = dataclasses.replace(options, planned=resolver)
    compiled = Compiled(catalogs or load_catalogs(), resolver, timezone)
    verdicts = probe(mappings, intacct, salesforce, state, options, clock(),
                     read_fields=compiled.salesforce_fields)
    report.probe_calls = dict(verdicts.calls)
    inputs = _Inputs(
        intacct,
        salesforce,
        state,
        options,
        run_id,
        compiled,
        timezone,
        clock,
        verdicts,
    )

    def run_one(mapping: PlanMapping) -> Outcome:
        outcome = _outcome(mapping, lambda: inputs.run(mapping))
        verdicts.invalidate(outcome[0], mapping)
        return outcome

    if side_by_side:
        with lock() if lock is not None else nullcontext():
            _side_by_side(mappings, run_one, at_once, report, progress)
    else:
        _one_by_one(mappings, run_one, report, progress, lock)
    if run_id is not None:
        status = "failed" if report.fatal else ("partial" if report.failed else "ok")
        state.finish_run(run_id, status, report.to_dict())
    return report


Outcome = tuple[MappingReport, str | None, bool]  # the report, a fatal error, transient


def _outcome(mapping: PlanMapping, run: Callable[[], MappingReport]) -> Outcome:
    try:
        return run(), None, False
    except FATAL as exc:
        spent = isinstance(exc, LimitExceeded)
        outcome = MappingReport(mapping.name, mapping.kind, fatal=str(exc), budget_spent=spent)
        return outcome, str(exc), False
    except SyncError as exc:
        # The service failed for the whole mapping (not one record): later mappings
        # may still run, and the next run starts again from the same watermark.
        log.warning("mapping %s stopped: %s", mapping.name, exc)
        outcome = MappingReport(mapping.name, mapping.kind, fatal=str(exc))
        outcome.intacct.failed += 1
        return outcome, None, isinstance(exc, TransientError)


def _one_by_one(
    mappings: list[PlanMapping],
    run_one: Callable[[PlanMapping], Outcome],
    report: RunReport,
    progress: Progress | None,
    lock: Callable[[], AbstractContextManager[object]] | None,
) -> None:
    unreachable = 0
    for mapping in mappings:
        if progress:
            progress(mapping.name, None)
        with lock() if lock is not None else nullcontext():
            outcome, fatal, transient = run_one(mapping)
        report.mappings.append(outcome)
        if fatal:
            report.fatal = fatal
            break
        unreachable = unreachable + 1 if transient else 0
        if progress:
            progress(mapping.name, outcome)
        if unreachable >= UNREACHABLE_LIMIT:
            # A service that failed whole mappings in a row after their retries is down:
            # stop instead of retrying every remaining mapping; the next run resumes.
            report.fatal = f"a service is unreachable: {report.mappings[-1].fatal}"
            log.warning("stopping the run: %s", report.mappings[-1].fatal)
            break


def _side_by_side(
    mappings: list[PlanMapping],
    run_one: Callable[[PlanMapping], Outcome],
    at_once: int,
    report: RunReport,
    progress: Progress | None,
) -> None:
    unreachable = 0

    def stop() -> bool:
        return report.fatal is not None or unreachable >= UNREACHABLE_LIMIT

    def started(mapping: PlanMapping) -> None:
        if progress:
            progress(mapping.name, None)

    schedule = Schedule(mappings)
    for mapping, future in schedule.run(run_one, workers=at_once, stop=stop, started=started):
        outcome, fatal, transient = future.result()
        report.mappings.append(outcome)
        report.fatal = report.fatal or fatal
        unreachable = unreachable + 1 if transient else 0
        if unreachable >= UNREACHABLE_LIMIT and report.fatal is None:
            report.fatal = f"a service is unreachable: {outcome.fatal}"
        if progress and not fatal:
            progress(mapping.name, outcome)
    order = {m.name: index for index, m in enumerate(mappings)}
    report.mappings.sort(key=lambda m: order[m.name])


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What every mapping of a run is run with."""

    intacct: IntacctAPI
    salesforce: SalesforceAPI
    state: StateStore
    options: Options
    run_id: int | None
    compiled: Compiled
    timezone: str
    clock: Clock
    verdicts: Verdicts

    def run(self, mapping: PlanMapping) -> MappingReport:
        """Run one mapping of the plan: an action, or a sync through the pipeline."""
        if mapping.kind == "action":
            return ActionRunner(
                mapping,
                self.intacct,
                self.salesforce,
                self.state,
                run_id=self.run_id,
                options=self.options,
                resolver=self.compiled.resolver,
                timezone=self.timezone,
                quiet=self.verdicts.quiet(mapping.name, "salesforce") is not None,
            ).run()
        compiled = self.compiled.get(mapping)
        return MappingSync(
            compiled,
            self.intacct,
            self.salesforce,
            self.state,
            run_id=self.run_id,
            options=self.options,
            clock=self.clock,
            quiet=self.verdicts.quiet_sides(mapping.name),
            prefetched=self.verdicts.prefetched(mapping.name),
        ).run()


class Compiled:
    """Each mapping of a run compiled once: for the probe (the fields its Salesforce read
    asks for) and then for its sync."""

    def __init__(self, catalogs: Catalogs, resolver: RefResolver, timezone: str) -> None:
        self.catalogs, self.resolver, self.timezone = catalogs, resolver, timezone
        self._done: dict[str, CompiledMapping] = {}
        self._lock = threading.Lock()

    def get(self, mapping: PlanMapping) -> CompiledMapping:
        """`mapping` compiled (taken from the probe's, which is then dropped)."""
        with self._lock:
            done = self._done.pop(mapping.name, None)
        if done is not None:
            return done
        return compile_mapping(mapping, self.catalogs, self.resolver, timezone=self.timezone)

    def salesforce_fields(self, mapping: PlanMapping) -> tuple[str, ...] | None:
        """The fields `mapping` reads from Salesforce (None when it does not compile: it
        meets its error when it runs, as without a probe)."""
        if mapping.kind == "action":
            return None
        try:
            done = compile_mapping(mapping, self.catalogs, self.resolver,
                                   timezone=self.timezone)
        except Exception:  # noqa: BLE001 - the mapping's own run reports the error
            return None
        with self._lock:
            self._done[mapping.name] = done
        return done.salesforce.read_fields
