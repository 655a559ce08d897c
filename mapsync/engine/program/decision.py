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


# The stored form of shadows. 2: a single-field rule's value is its canonical value itself
# (an update reads it without a list in between); a rule of several fields keeps a list.
# Shadows stored without a form are of form 1, where every rule's value was a list.
FORM = 2


@dataclass(slots=True)
class Shadow:
    """Last synced canonical values per rule id, per side: a single-field rule's canonical
    value itself, the list of its fields' canonical values for a rule of several fields."""

    intacct: dict[str, Any] = field(default_factory=dict)
    salesforce: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the state store, marked with its form (`FORM`)."""
        return {"v": FORM, "i": dict(self.intacct), "s": dict(self.salesforce)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Shadow:
        """The shadow stored by `to_json` (of this version or an earlier one), or an empty
        one. It takes `data`'s dicts as they are (the state store's are freshly decoded)."""
        if not data:
            return cls()
        intacct, salesforce = data.get("i") or {}, data.get("s") or {}
        if data.get("v") != FORM:
            return cls(_bare(intacct), _bare(salesforce))
        return cls(intacct, salesforce)


def _bare(values: Mapping[str, Any]) -> dict[str, Any]:
    """A shadow side stored before `FORM` 2, where every value was a list: a one-element
    list (a single-field rule's, always) becomes its element; a rule of several fields
    (or none) keeps its list."""
    return {k: v[0] if v.__class__ is list and len(v) == 1 else v for k, v in values.items()}


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
