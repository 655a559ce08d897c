"""All the field rules of a mapping compiled for one flow: whole records in one pass.

    to_salesforce = RecordTransform(transforms, "to_salesforce")
    payload = to_salesforce.apply(intacct_record)   # {"Name": ..., "Intacct_Status__c": ...}

It evaluates the same `FieldTransform`s as a rule evaluated alone (`FieldRule.push`), only
grouped so that the common fields cost one loop iteration each. `apply` raises
`TransformError`, or `RefPending` naming every reference of the record not linked yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.plan import PlanField
from mapsync.engine.program.failures import RefPending
from mapsync.engine.program.fields import (
    FAST_MISSES,
    RUNS,
    FieldTransform,
    compile_field,
    identity,
)
from mapsync.engine.program.step import SOURCE, Flow, RefResolver, Step
from mapsync.engine.record import Record


class RecordTransform:
    """All the field rules of a mapping (or a line collection) compiled for one flow.

    `apply(record, other=None)` builds the target payload. `other` is the target side's
    current record when known; `when` clauses on the target side are tested against it
    (or against an empty record). Fields whose `when` is false are left out.
    `source_fields` are the paths to read from the source side, `target_fields` the paths
    the payload may hold.
    """

    __slots__ = ("flow", "fields", "source_fields", "target_fields", "_copies", "_typed",
                 "_fast", "_careful", "_ref_targets", "_general", "_template")

    def __init__(self, fields: Sequence[FieldTransform], flow: Flow) -> None:
        self.flow = flow
        self.fields = tuple(fields)
        self.source_fields = _paths(f.source for f in fields) | _paths(
            p for f in fields if f.when and f.when.side == SOURCE[flow] for p in f.when.paths)
        self.target_fields = _paths(f.target for f in fields)
        # The common fields (one path in, one path out, no condition) are kept in flat
        # tuples so that `apply` costs one loop iteration and one or two calls per field.
        groups = _Groups()
        repeated = _repeated_targets(fields)
        for f in fields:
            groups.place(f, repeated)
        self._copies = tuple(groups.copies)
        self._typed = tuple(groups.typed)
        self._fast = tuple(groups.fast)
        self._careful = tuple(groups.careful)
        self._ref_targets = tuple(groups.ref_targets)
        self._general = tuple(groups.general)
        # Each payload starts as a copy of a dict that already has every key, so the
        # assignments in `apply` never resize it.
        paths = [target for target, _ in groups.copies] + [c[0] for c in groups.careful]
        self._template: dict[str, Any] = dict.fromkeys(paths)
        self._template.update(groups.constants)

    def apply(self, record: Record, other: Record | None = None) -> dict[str, Any]:
        """The target payload for `record`; raises TransformError or RefPending."""
        get = record.get
        out = self._template.copy()
        for target, source in self._copies:
            out[target] = get(source)
        try:
            for target, source, step in self._fast:
                value = get(source)
                out[target] = value if value is None else step(value)
            for target, source, kind, step in self._typed:
                value = get(source)
                out[target] = value if value.__class__ is kind else step(value)
        except FAST_MISSES:
            for target, source, step in self._careful:
                out[target] = step(get(source))
        if self._ref_targets or self._general:
            self._finish(record, other, out)
        return out

    def _finish(self, record: Record, other: Record | None, out: dict[str, Any]) -> None:
        """Fields with conditions or tuples, and the check for pending references."""
        pending = [out[t] for t in self._ref_targets if out[t].__class__ is RefPending]
        source_side = SOURCE[self.flow]
        for f in self._general:
            if f.when is not None:
                subject = record if f.when.side == source_side else (other or {})
                if not f.when.test(subject):
                    continue
            value = f.write(record, out)
            if value.__class__ is RefPending:
                pending.append(value)
        if pending:
            raise RefPending.of(pending)


@dataclass(slots=True)
class _Groups:
    """Sorts compiled fields by how `RecordTransform.apply` runs them."""

    copies: list[tuple[str, str]] = field(default_factory=list)
    typed: list[tuple[str, str, type, Step]] = field(default_factory=list)
    fast: list[tuple[str, str, Step]] = field(default_factory=list)
    careful: list[tuple[str, str, Step]] = field(default_factory=list)
    ref_targets: list[str] = field(default_factory=list)
    general: list[FieldTransform] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)

    def place(self, f: FieldTransform, repeated: set[str]) -> None:
        target, source = f.target, f.source
        if not isinstance(target, str) or f.when is not None or target in repeated:
            self.general.append(f)
        elif source is None and not f.has_ref:
            self.constants[target] = f.read({})
        elif not isinstance(source, str) or not f.passes_null:
            self.general.append(f)
        elif f.pipeline is identity:
            self.copies.append((target, source))
        else:
            if f.keeps is not None:
                self.typed.append((target, source, f.keeps, f.pipeline))
            else:
                self.fast.append((target, source, f.fast))
            self.careful.append((target, source, f.pipeline))
            if f.has_ref:
                self.ref_targets.append(target)


def compile_fields(
    fields: Sequence[PlanField],
    flow: Flow,
    resolve_ref: RefResolver | None = None,
    *,
    timezone: str = "UTC",
) -> RecordTransform:
    """Compile the plan fields that run in `flow` (others and `off` rules are skipped)."""
    runs = RUNS[flow]
    compiled = [
        compile_field(f, flow, resolve_ref, timezone=timezone)
        for f in fields
        if f.direction in runs
    ]
    return RecordTransform(compiled, flow)


def _paths(items: Iterable[Any]) -> frozenset[str]:
    found: set[str] = set()
    for item in items:
        if isinstance(item, tuple):
            found.update(item)
        elif item is not None:
            found.add(item)
    return frozenset(found)


def _repeated_targets(fields: Sequence[FieldTransform]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for f in fields:
        for path in (f.target if isinstance(f.target, tuple) else (f.target,)):
            (repeated if path in seen else seen).add(path)
    return repeated
