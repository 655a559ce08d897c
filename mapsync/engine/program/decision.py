"""What a pair's decision produces: patches, conflicts, changes and the shadow to store.

The runner's Decider (`runner.decide`) makes them; the one-side update functions that
`program.watch` generates make them too, which is why they live in the program stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.record import Side


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides changed one `<->` field since the last sync."""

    rule_id: str
    intacct_value: Any
    salesforce_value: Any
    winner: Side


@dataclass(slots=True)
class Shadow:
    """Last synced canonical values per rule id, per side."""

    intacct: dict[str, Any] = field(default_factory=dict)
    salesforce: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, dict[str, Any]]:
        """JSON-ready form for the state store."""
        return {"i": dict(self.intacct), "s": dict(self.salesforce)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Shadow:
        """The shadow stored by `to_json`, or an empty one."""
        if not data:
            return cls()
        return cls(intacct=dict(data.get("i", {})), salesforce=dict(data.get("s", {})))


@dataclass(slots=True)
class Decision:
    """Patches for both sides, conflicts met, and the shadow to store once writes succeed."""

    salesforce_patch: dict[str, Any] = field(default_factory=dict)
    intacct_patch: dict[str, Any] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    shadow: Shadow = field(default_factory=Shadow)
    changes: list[tuple[str, Side, Any, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing needs writing."""
        return not self.salesforce_patch and not self.intacct_patch
