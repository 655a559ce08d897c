"""The minimum calls of bench/sync.py's runs, as `mapsync plan` prints them
(mapsync/engine/runner/cost.py), beside the calls the runs made, per side and phase."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

WRITES = frozenset({"create", "update", "upsert", "delete", "create_sotransactions",
                    "write_all"})
LOOKUPS = frozenset({"read_by_keys"})


def phase_of(client_call: str) -> str:
    """`read` (changes by watermark), `look-up` (reads by key) or `write`."""
    method = client_call.rsplit(" ", 1)[-1]
    if method in WRITES:
        return "write"
    return "look-up" if method in LOOKUPS else "read"


class Work:
    """What one mapping read and wrote, in the shape `runner.cost.run_costs` takes."""

    def __init__(self, read: Mapping[str, int], written: dict[str, dict[str, int]]) -> None:
        self.read = dict(read)
        self.written = written


def works(run: Mapping[str, Any]) -> list[Work]:
    """Each mapping's work in a run: records read (its report), records written (metered)."""
    written: dict[str, dict[str, dict[str, int]]] = {}
    for side, tallies in run["written"].items():
        for mapping, label, records in tallies:
            by_side = written.setdefault(mapping, {}).setdefault(side, {})
            by_side[label] = by_side.get(label, 0) + records
    return [Work(m["read"], written.get(m["name"], {})) for m in run["report"]["mappings"]]


def cost_table(
    run: Mapping[str, Any], limits_seen: Mapping[str, int]
) -> dict[str, dict[str, dict[str, float]]]:
    """Calls per side and phase against the minimum for the run's work, at the limits the
    clients reported (a Bulk 2.0 job's calls among them)."""
    from mapsync.engine.runner.cost import Limits, run_costs

    limits = Limits(**limits_seen)
    costs = run_costs(limits, works(run), run["sandbox_calls"])
    out: dict[str, dict[str, dict[str, float]]] = {}
    for side in ("intacct", "salesforce"):
        by_phase: Counter[str] = Counter()
        for phases in run["phases"].values():
            for phase, calls in phases.get(side, {}).items():
                by_phase[phase_of(phase)] += calls
        floor = {"read": costs[side].read_minimum, "look-up": 0,
                 "write": costs[side].write_minimum}
        rows = {phase: {"calls": by_phase[phase], "minimum": floor[phase]}
                for phase in ("read", "look-up", "write")}
        other = run["sandbox_calls"][side] - sum(by_phase.values())
        if other:
            rows["other"] = {"calls": other, "minimum": 0}
        rows["all"] = {"calls": run["sandbox_calls"][side], "minimum": costs[side].minimum}
        out[side] = rows
    return out


def ratio(calls: float, floor: float) -> str:
    return f"{calls / floor:.2f}" if floor else ("-" if not calls else "inf")
