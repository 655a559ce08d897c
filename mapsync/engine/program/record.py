"""All the field rules of a mapping compiled for one flow: whole records in one call.

    to_salesforce = RecordTransform(transforms, "to_salesforce")
    payload = to_salesforce.apply(intacct_record)   # {"Name": ..., "Intacct_Status__c": ...}

It runs the mapping's generated function (`program.generate`), written once from the fields
compiled once. `apply` (creates) raises `TransformError`, or `RefPending` naming every
reference of the record not linked yet; `evaluate` (updates) keeps failures per rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from mapsync.engine.plan import PlanField
from mapsync.engine.program.fields import RUNS, FieldTransform, compile_field
from mapsync.engine.program.generate import Function, generate, repeated_targets
from mapsync.engine.program.step import SOURCE, Flow, RefResolver
from mapsync.engine.record import Record


class RecordTransform:
    """All the field rules of a mapping (or a line collection) compiled for one flow.

    `apply(record, other=None)` builds the target payload. `other` is the target side's
    current record when known; `when` clauses on the target side are tested against it
    (or against an empty record). Fields whose `when` is false are left out.
    `source_fields` are the paths to read from the source side, `target_fields` the paths
    the payload may hold, `source` the generated function's text.
    """

    __slots__ = ("flow", "fields", "source_fields", "target_fields", "memo", "_name",
                 "_function", "_source", "_owned")

    def __init__(self, fields: Sequence[FieldTransform], flow: Flow, *, name: str = "") -> None:
        self.flow = flow
        self.fields = tuple(fields)
        self.source_fields = _paths(f.source for f in fields) | _paths(
            p for f in fields if f.when and f.when.side == SOURCE[flow] for p in f.when.paths)
        self.target_fields = _paths(f.target for f in fields)
        # What the stages using this flow derive from it once (the runner's creation steps).
        self.memo: dict[str, Any] = {}
        self._name = name
        # Written on first use: a run that never creates or updates this way pays nothing.
        self._function: Function = self._first
        self._source = ""
        repeated = repeated_targets(fields)
        self._owned = frozenset(
            f.rule for f in fields
            if not any(t in repeated for t in (f.target if isinstance(f.target, tuple) else
                                               (f.target,)))
        )

    def _first(
        self,
        record: Record,
        other: Record | None,
        errors: dict[str, Exception] | None,
        only: Collection[str] | None,
    ) -> dict[str, Any]:
        self._function, self._source = generate(self.fields, self.flow, name=self._name)
        return self._function(record, other, errors, only)

    @property
    def source(self) -> str:
        """The generated function's text (for diagnostics)."""
        if not self._source:
            self._function, self._source = generate(self.fields, self.flow, name=self._name)
        return self._source

    def owns(self, rule: str) -> bool:
        """True when `rule` (`path:line:col`) is one of these fields and no other writes its
        targets: the payload of `evaluate` then holds that rule's values."""
        return rule in self._owned

    def apply(self, record: Record, other: Record | None = None) -> dict[str, Any]:
        """The target payload for `record`; raises TransformError or RefPending."""
        return self._function(record, other, None, None)

    def evaluate(
        self, record: Record, errors: dict[str, Exception], only: Collection[str] | None = None
    ) -> dict[str, Any]:
        """The fields' values for `record`, whatever their `when` (the Decider tests those).

        `only` names the rules wanted (`path:line:col`; all by default): the steps of the
        others do not run. A rule that fails leaves its error in `errors` under its
        `path:line:col` (and None in the payload); a reference not linked yet stays a
        RefPending value.
        """
        return self._function(record, None, errors, only)


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
