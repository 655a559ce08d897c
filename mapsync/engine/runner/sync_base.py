"""What every part of a mapping's sync shares: its inputs, its counts, its bookkeeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mapsync.engine.connectors.base import IntacctAPI, SalesforceAPI, Watermark
from mapsync.engine.errors import SyncError
from mapsync.engine.program import CompiledMapping, FieldRule, RefPending
from mapsync.engine.program.canonical import jsonable
from mapsync.engine.runner.decide import Decision
from mapsync.engine.runner.pairing import SAMPLES, Options, Pair
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.state import StateStore


class SyncBase:
    """The inputs and running state of one mapping's sync, and how failures are recorded."""

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
        self.waiting_for: dict[int, RefPending] = {}  # why each waiting pair waits, by id(pair)
        self.retried: set[str] = set()  # Intacct keys read again because they failed before
        self.seen_intacct: set[str] = set()
        self.previous: dict[str, Watermark] = {}
        self.read_started: dict[str, dt.datetime] = {}
        self.window_read: set[str] = set()
        self.deferred: list[Pair] = []

    def error_key(self, pair: Pair, side: str) -> str:
        if side == "salesforce" and pair.sf_id:
            return pair.sf_id
        return pair.key

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
