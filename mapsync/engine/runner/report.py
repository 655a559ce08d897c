"""Counts of what a run did (or would do), per mapping, as the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.runner.cost import SideCost

SIDES = ("intacct", "salesforce")
COUNTS = ("created", "updated", "linked", "deleted", "skipped", "failed")


@dataclass(slots=True)
class SideCounts:
    """What happened on one side of one mapping."""

    created: int = 0
    updated: int = 0
    linked: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: int = 0
    api_calls: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready counts."""
        return {name: getattr(self, name) for name in (*COUNTS, "api_calls")}


@dataclass(slots=True)
class MappingReport:
    """The outcome of one mapping in a run: counts per side, conflicts, samples of changes."""

    name: str
    kind: str
    intacct: SideCounts = field(default_factory=SideCounts)
    salesforce: SideCounts = field(default_factory=SideCounts)
    conflicts: int = 0
    read: dict[str, int] = field(default_factory=lambda: {"intacct": 0, "salesforce": 0})
    samples: list[dict[str, Any]] = field(default_factory=list)
    conflict_samples: list[dict[str, Any]] = field(default_factory=list)
    fatal: str | None = None
    budget_spent: bool = False  # the fatal error was an API budget spent (LimitExceeded)
    planned_write_calls: dict[str, int] = field(
        default_factory=lambda: {"intacct": 0, "salesforce": 0}
    )
    # Dry runs: records the sync would write per side, by "Object operation" (runner.cost).
    written: dict[str, dict[str, int]] = field(default_factory=dict)
    # Dry runs: the fewest calls per side for this mapping's reads and writes (runner.cost).
    minimum_calls: dict[str, int] | None = None

    def side(self, name: str) -> SideCounts:
        """The counts of the side called `name`."""
        return self.intacct if name == "intacct" else self.salesforce

    def total(self, count: str) -> int:
        """A count summed over both sides."""
        return int(getattr(self.intacct, count) + getattr(self.salesforce, count))

    @property
    def changes(self) -> int:
        """Records created, updated or deleted on either side."""
        return sum(self.total(c) for c in ("created", "updated", "deleted"))

    def sample(self, limit: int, **change: Any) -> None:
        """Keep a few field-level changes to show (dry runs)."""
        if len(self.samples) < limit:
            self.samples.append(change)

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary of `sync --json`: totals plus per-side detail."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for count in COUNTS:
            out[count] = self.total(count)
        out["conflicts"] = self.conflicts
        out["api_calls"] = {s: self.side(s).api_calls for s in SIDES}
        out["sides"] = {s: self.side(s).to_dict() for s in SIDES}
        out["read"] = dict(self.read)
        if any(self.planned_write_calls.values()):
            # Dry runs: the reads were made, the writes are what they would cost.
            out["planned_write_calls"] = dict(self.planned_write_calls)
        if self.written:
            out["written"] = {side: dict(w) for side, w in self.written.items()}
        if self.minimum_calls is not None:
            out["minimum_calls"] = dict(self.minimum_calls)
        if self.samples:
            out["samples"] = self.samples
        if self.conflict_samples:
            out["conflict_samples"] = self.conflict_samples
        if self.fatal:
            out["fatal"] = self.fatal
        if self.budget_spent:
            out["budget_spent"] = True
        return out


@dataclass(slots=True)
class RunReport:
    """All mappings of one run."""

    mappings: list[MappingReport] = field(default_factory=list)
    run_id: int | None = None
    fatal: str | None = None
    # Calls per side of the whole run (set by the command that ran it), and for a dry run
    # each side's predicted calls against the minimum for the work (runner.cost).
    api_calls: dict[str, int] | None = None
    cost: dict[str, SideCost] | None = None
    # Calls of the change probe made before any mapping read (runner/probe.py), per side;
    # the command's `api_calls` include them.
    probe_calls: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SIDES})

    @property
    def failed(self) -> int:
        """Records that failed in the whole run."""
        return sum(m.total("failed") for m in self.mappings)

    @property
    def changes(self) -> int:
        """Records created, updated or deleted in the whole run."""
        return sum(m.changes for m in self.mappings)

    @property
    def budget_spent(self) -> bool:
        """The run stopped because an API budget was spent: run it again after the reset."""
        return any(m.budget_spent for m in self.mappings)

    def exit_code(self) -> int:
        """0 all synced, 3 some records failed, 1 fatal error."""
        if self.fatal:
            return 1
        return 3 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (`probe_calls` only when the run probed)."""
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "fatal": self.fatal,
            "failed": self.failed,
            "changes": self.changes,
            "mappings": [m.to_dict() for m in self.mappings],
            **({"api_calls": dict(self.api_calls)} if self.api_calls is not None else {}),
            **({"cost": {s: c.to_dict() for s, c in self.cost.items()}} if self.cost else {}),
        }
        if any(self.probe_calls.values()):
            out["probe_calls"] = dict(self.probe_calls)
        return out
