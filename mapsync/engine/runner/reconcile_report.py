"""What `reconcile` found, per mapping: counts exact, lists of examples capped.

report.to_dict() == {"in_step": bool, "fatal": str | None, "mappings": [
    {"name", "kind", "intacct_records", "salesforce_records", "linked",
     "missing_in_salesforce": [intacct keys], "missing_in_salesforce_count",
     "missing_in_intacct": [salesforce ids], "missing_in_intacct_count",
     "differences": [{"key", "rule", "source", "target", "intacct", "salesforce",
                      "expected", "error"?}], "differences_count",
     "not_synced_by_rule": {"intacct", "salesforce"},
     "out_of_scope": {"intacct", "salesforce"}, "stale_links", "error", "in_step"}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXIT_IN_STEP = 0
EXIT_ERROR = 1
EXIT_DIFFERENT = 2


@dataclass(slots=True)
class Capped:
    """An exact count and the first `limit` examples."""

    limit: int
    count: int = 0
    items: list[Any] = field(default_factory=list)

    def add(self, item: Any) -> None:
        """Count `item`, keeping it while there is room."""
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(item)


def _sides() -> dict[str, int]:
    return {"intacct": 0, "salesforce": 0}


@dataclass(slots=True)
class MappingCheck:
    """The comparison of one mapping's two sides through the cross-reference.

    `not_synced_by_rule` counts unlinked records the mapping never copies to the other side
    (e.g. Intacct customers without an account: accounts create customers, not the reverse);
    `out_of_scope` counts records outside the mapping's filters or without a key;
    `stale_links` counts links whose records are gone on both sides. None of these make a
    mapping out of step.
    """

    name: str
    kind: str
    sample: int
    intacct_records: int = 0
    salesforce_records: int = 0
    linked: int = 0
    missing_in_salesforce: Capped = field(init=False)
    missing_in_intacct: Capped = field(init=False)
    differences: Capped = field(init=False)
    not_synced_by_rule: dict[str, int] = field(default_factory=_sides)
    out_of_scope: dict[str, int] = field(default_factory=_sides)
    stale_links: int = 0
    error: str | None = None

    def __post_init__(self) -> None:
        self.missing_in_salesforce = Capped(self.sample)
        self.missing_in_intacct = Capped(self.sample)
        self.differences = Capped(self.sample)

    @property
    def in_step(self) -> bool:
        """No record missing on either side, no differing value, no error."""
        return self.error is None and not (
            self.missing_in_salesforce.count
            or self.missing_in_intacct.count
            or self.differences.count
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "intacct_records": self.intacct_records,
            "salesforce_records": self.salesforce_records,
            "linked": self.linked,
            "not_synced_by_rule": dict(self.not_synced_by_rule),
            "out_of_scope": dict(self.out_of_scope),
            "stale_links": self.stale_links,
            "in_step": self.in_step,
            "error": self.error,
        }
        for name in ("missing_in_salesforce", "missing_in_intacct", "differences"):
            capped: Capped = getattr(self, name)
            out[name] = list(capped.items)
            out[f"{name}_count"] = capped.count
        return out


@dataclass(slots=True)
class ReconcileReport:
    """Every compared mapping; `fatal` when the services refused the whole run."""

    mappings: list[MappingCheck] = field(default_factory=list)
    fatal: str | None = None

    @property
    def in_step(self) -> bool:
        """Both sides agree on every compared mapping."""
        return self.fatal is None and all(m.in_step for m in self.mappings)

    @property
    def errors(self) -> int:
        """Mappings that could not be compared (plus a fatal error)."""
        return sum(1 for m in self.mappings if m.error) + (1 if self.fatal else 0)

    def exit_code(self) -> int:
        """0 in step, 2 when records are missing or differ, 1 when a mapping could not be read."""
        if self.errors:
            return EXIT_ERROR
        return EXIT_IN_STEP if self.in_step else EXIT_DIFFERENT

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary of `reconcile --json` (and the `reconcile` part of `demo`)."""
        return {
            "in_step": self.in_step,
            "fatal": self.fatal,
            "mappings": [m.to_dict() for m in self.mappings],
        }
