"""The ledger of one mapping's run: what the state store knows, and what the run records.

Every read and write of the state store by the mapping's sync goes through here (links,
shadows, errors, conflicts, watermarks), and so does every count of the report. A dry run
reads the state but records nothing in it.

Per chunk the store is reached a bounded number of times, whatever the chunk's size: one
read of the chunk's links with their shadows (`links_with_shadows`), a read of links per
`match` rule when records are unlinked, and one write (`commit`): the failures and
conflicts of the chunk are kept here until then and go to the store with its links,
shadows and resolved errors in one `write_chunk` transaction. `flush` writes what is kept
after the last chunk (records that waited in vain, failed deletions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from mapsync.engine.errors import SyncError
from mapsync.engine.program import CompiledMapping, FieldRule
from mapsync.engine.program.canonical import jsonable
from mapsync.engine.record import Side
from mapsync.engine.runner.decide import Conflict, Decision
from mapsync.engine.runner.pairing import SAMPLES, Pair
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.runner.status import StatusBoard
from mapsync.engine.state import (
    ChunkWrites,
    ConflictRow,
    FailedRecord,
    Link,
    StateStore,
    Watermark,
)

LinkRow = tuple[str, str | None, str]  # Intacct key, RECORDNO, Salesforce Id


class Ledger:
    """The state and the report of one mapping's run."""

    def __init__(
        self,
        mapping: CompiledMapping,
        state: StateStore,
        *,
        run_id: int | None,
        dry_run: bool,
    ) -> None:
        self.m = mapping
        self.state = state
        self.run_id = run_id
        self.dry_run = dry_run
        self.report = MappingReport(mapping.name, mapping.kind)
        # The sync status written on Salesforce records (status.py); the pipeline sets it.
        self.status: StatusBoard = StatusBoard(None, "")
        self.pending = ChunkWrites()  # failures and conflicts kept until the chunk's commit

    # -- what the state knows ----------------------------------------------------------

    def links_by_intacct_keys(self, keys: Iterable[str]) -> dict[str, Link]:
        """Links of this mapping by Intacct key."""
        return self.state.links_by_intacct_keys(self.m.name, keys)

    def links_by_salesforce_ids(self, ids: Iterable[str]) -> dict[str, Link]:
        """Links of this mapping by Salesforce Id."""
        return self.state.links_by_salesforce_ids(self.m.name, ids)

    def links_with_shadows(self, side: Side, values: Iterable[str]) -> dict[str, tuple[Link, Any]]:
        """Links of Intacct keys (`side` "intacct") or Salesforce Ids with their shadows."""
        return self.state.links_with_shadows(self.m.name, side, values)

    def all_links(self) -> list[Link]:
        """Every link of this mapping."""
        return list(self.state.all_links(self.m.name))

    def retry_errors(self, replay: bool, ids: frozenset[int] | None) -> list[Any]:
        """Open errors to try again: all of them (replay, optionally by id) or the transient."""
        if replay:
            errors = self.state.errors(mapping=self.m.name)
            return errors if ids is None else [e for e in errors if e.id in ids]
        return self.state.errors(mapping=self.m.name, transient=True)

    def watermark(self, side: str) -> Watermark | None:
        """Where the last run of this mapping stopped reading `side`."""
        return self.state.watermark(self.m.name, side)  # type: ignore[arg-type]

    def window_read_at(self, side: str) -> Any:
        """When a read last covered the overlap window of `side`, or None."""
        return self.state.window_read_at(self.m.name, side)  # type: ignore[arg-type]

    # -- what the run records ------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Any]:
        """One state transaction."""
        return self.state.transaction()

    def set_watermark(self, side: str, mark: Watermark, window_read_at: Any = None) -> None:
        """Store where the next run reads `side` from (inside a transaction)."""
        self.state.set_watermark(
            self.m.name,
            side,  # type: ignore[arg-type]
            mark,
            window_read_at=window_read_at,
        )

    def commit(
        self,
        links: Sequence[LinkRow],
        shadows: Mapping[str, Any],
        resolved: Iterable[tuple[str, str]],
    ) -> None:
        """Store a chunk's failures, conflicts, links, shadows and resolved errors at once."""
        writes = self.pending
        writes.links.extend(links)
        writes.shadows.update(shadows)
        writes.resolved.extend(resolved)
        self.flush()

    def flush(self) -> None:
        """Write what is kept (one transaction), unless nothing is or this is a dry run."""
        writes, self.pending = self.pending, ChunkWrites()
        if writes and not self.dry_run:
            self.state.write_chunk(self.m.name, self.run_id, writes)

    def forget(self, side: str, keys: list[str]) -> None:
        """Close the errors of records that no longer exist: there is nothing to retry."""
        if keys and not self.dry_run:
            self.state.resolve_errors(self.m.name, side, keys)

    def link(self, intacct_key: str, salesforce_id: str, recordno: str | None) -> None:
        """Link one pair (or re-point a link)."""
        self.state.link(self.m.name, intacct_key, salesforce_id, recordno)

    def unlink(self, intacct_key: str) -> None:
        """Forget the link of one Intacct key."""
        self.state.unlink(self.m.name, intacct_key)

    def fail(
        self,
        side: str,
        key: str,
        exc: BaseException | None,
        payload: Mapping[str, Any] | None,
        *,
        rule: str | None = None,
        rules: Sequence[FieldRule] | None = None,
    ) -> None:
        """Record a failed record of `side` (the run goes on)."""
        target = "salesforce" if side == "intacct" else "intacct"
        self.report.side(target).failed += 1
        if self.dry_run:
            return
        error = exc or SyncError("unknown failure")
        self.pending.failures.append(FailedRecord(
            side,
            key,
            error,
            rule=rule or self.rule_of(error, target, rules) or self.m.source,
            payload=jsonable(dict(payload or {})),
        ))
        if side == "salesforce":
            self.status.failed(key, error)

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

    def sample(self, action: str, pair: Pair, decision: Decision) -> None:
        """Keep a few of the changes written, for the summary."""
        if len(self.report.samples) >= SAMPLES:
            return  # the common case: every record written asks
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

    def log_conflict(self, pair: Pair, conflict: Conflict) -> None:
        """Count a conflict, keep a sample, and store it."""
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
        if not self.dry_run:
            self.pending.conflicts.append(ConflictRow(
                pair.key,
                conflict.rule_id,
                conflict.intacct_value,
                conflict.salesforce_value,
                conflict.winner,
                self.m.conflict,
            ))
