"""A plan field compiled into a fast callable for one flow, once per run.

    transform = compile_field(plan_field, "to_salesforce", resolver)
    transform.values(intacct_record)        # {"Intacct_Status__c": "Active"}

`values` raises `TransformError` when a step rejects a value (the error names the step, the
rule's `path:line:col`, the field and the value) and `RefPending` when a `ref` step finds a
record that is not linked yet (defer the record until its parent is written).

Flows and pipelines. A field's steps are written in the direction of its arrow (for `<->` in
the Intacct -> Salesforce sense). Compiling a field for the flow its arrow names runs the
steps as written; compiling a `<->` field for `to_intacct` runs the inverse steps in reverse
order. Steps that convert between the two systems' types (`date`, `datetime`, `bool`, `ref`)
always convert towards the flow's target system, so their "inverse" is simply the other flow.

Values are the connectors' Python types (str, int, Decimal, bool, datetime.date, naive
datetimes for Intacct in company time, aware UTC datetimes for Salesforce, None). Null
passes through every step except `default` and `split`; the wire strings
`MM/DD/YYYY [HH:MM:SS]` and ISO 8601 are accepted too. Records are flat dicts keyed by path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from mapsync.engine.plan import FieldSide, PlanField
from mapsync.engine.program.expr import Condition, compile_condition
from mapsync.engine.program.failures import CompileError, RefPending, TransformError
from mapsync.engine.program.step import (
    SOURCE,
    TARGET,
    Flow,
    Inline,
    RefResolver,
    Step,
    StepContext,
    op,
)
from mapsync.engine.program.text_ops import literal
from mapsync.engine.program.time_ops import zone
from mapsync.engine.record import Record, Side

FLOWS: tuple[Flow, ...] = ("to_salesforce", "to_intacct")
RUNS: dict[Flow, frozenset[str]] = {
    "to_salesforce": frozenset({"to_salesforce", "both"}),
    "to_intacct": frozenset({"to_intacct", "both"}),
}



@dataclass(frozen=True, slots=True)
class BuiltStep:
    """One step of a field, built once: the careful callable and its in-line form, if any."""

    op: str
    careful: Step
    inline: Inline | None
    makes_values: bool


@dataclass(frozen=True, slots=True)
class FieldTransform:
    """One field rule compiled for one flow.

    `source`/`target` are paths of the flow's source and target records (a tuple for
    `join`/`split` tuples, None for a constant source). `steps` are the built steps, which
    the mapping's generated function (`program.generate`) writes in line; `pipeline` runs
    their careful callables, mapping a source value to a target value; `read(record)` reads
    and transforms in one call. `rule` is the rule's `path:line:col`, `described` the rule
    as written.
    """

    source: str | tuple[str, ...] | None
    target: str | tuple[str, ...]
    steps: tuple[BuiltStep, ...]
    pipeline: Step
    read: Callable[[Record], Any]
    constant: Any
    has_ref: bool
    when: Condition | None
    rule: str
    described: str

    def values(self, record: Record) -> dict[str, Any]:
        """`{target: value}` for `record` (one entry per path of a tuple target).

        Raises TransformError, or RefPending when a `ref` is not linked yet.
        """
        out: dict[str, Any] = {}
        value = self.write(record, out)
        if value.__class__ is RefPending:
            raise value
        return out

    def write(self, record: Record, out: dict[str, Any]) -> Any:
        """Transform `record`'s value into `out` under `target`; return the value written."""
        value = self.read(record)
        if isinstance(self.target, tuple):
            parts = value if value is not None else (None,) * len(self.target)
            out.update(zip(self.target, parts, strict=True))
        else:
            out[self.target] = value
        return value


def compile_field(
    plan_field: PlanField,
    flow: Flow,
    resolve_ref: RefResolver | None = None,
    *,
    timezone: str = "UTC",
) -> FieldTransform:
    """Compile one plan field for `flow` ("to_salesforce" or "to_intacct").

    `timezone` is the Intacct company's zone, used by `datetime` steps without an argument.
    Raises `CompileError` when the field does not run in that flow or a step cannot be
    built (the compiler should have refused such a rule).
    """
    if plan_field.direction not in RUNS[flow]:
        raise CompileError(
            f"field {describe(plan_field)} ({plan_field.direction}) does not run {flow}"
        )
    source, target = _side(plan_field, SOURCE[flow]), _side(plan_field, TARGET[flow])
    if target is None:
        raise CompileError(f"field {describe(plan_field)} has no target for {flow}")
    rule = str(plan_field.source)
    steps = _steps(plan_field, flow, resolve_ref, zone(timezone), rule, _arity(source, target))
    pipeline = chain([s.careful for s in steps])
    constant = literal(plan_field.constant) if source is None else None
    return FieldTransform(
        source=source,
        target=target,
        steps=tuple(steps),
        pipeline=pipeline,
        read=_reader(source, constant, pipeline),
        constant=constant,
        has_ref=any(s.op == "ref" for s in steps),
        when=compile_condition(plan_field.when) if plan_field.when else None,
        rule=rule,
        described=describe(plan_field),
    )


def _steps(
    plan_field: PlanField,
    flow: Flow,
    resolve_ref: RefResolver | None,
    company: dt.tzinfo,
    rule: str,
    arity: int,
) -> list[BuiltStep]:
    specs = list(plan_field.transforms)
    inverse = plan_field.direction == "both" and flow == "to_intacct"
    if inverse:
        specs.reverse()
    built: list[BuiltStep] = []
    for spec in specs:
        kind = op(spec.op)
        if kind is None:
            raise CompileError(f"{rule}: step '{spec.op}' is not a known step")
        if inverse and kind.inverse is None:
            raise CompileError(f"{rule}: step '{spec.op}' has no inverse")
        ctx = StepContext(
            flow, spec.op, _failer(spec.op, rule, describe(plan_field)), resolve_ref, arity,
            company,
        )
        args = spec.args
        careful = kind.build_inverse(args, ctx) if inverse else kind.build(args, ctx)
        if any(b.op == "ref" for b in built):
            careful = _skip_pending(careful)
        inline = kind.inline_inverse(args, ctx) if inverse else kind.inline(args, ctx)
        makes_values = kind.undo().makes_values if inverse else kind.makes_values
        built.append(BuiltStep(spec.op, careful, inline, makes_values))
    return built


def _skip_pending(step: Step) -> Step:
    """Steps after a `ref` leave its RefPending marker alone (the record is deferred anyway).

    An in-line form needs no such guard: a RefPending is never of its guard's class."""
    return lambda value: value if value.__class__ is RefPending else step(value)


def chain(steps: list[Step]) -> Step:
    """One step running `steps` in order (`identity` for none)."""
    if not steps:
        return identity
    if len(steps) == 1:
        return steps[0]
    if len(steps) == 2:
        first, second = steps
        return lambda value: second(first(value))
    if len(steps) == 3:
        a, b, c = steps
        return lambda value: c(b(a(value)))
    steps_in_order = tuple(steps)

    def run(value: Any) -> Any:
        for step in steps_in_order:
            value = step(value)
        return value

    return run


def identity(value: Any) -> Any:
    """The empty pipeline."""
    return value


def _reader(source: FieldSide, constant: Any, pipeline: Step) -> Callable[[Record], Any]:
    if source is None:
        return lambda record: pipeline(constant)
    if isinstance(source, tuple):
        paths = source
        return lambda record: pipeline(tuple(record.get(p) for p in paths))
    path = source
    return lambda record: pipeline(record.get(path))


def _failer(name: str, rule: str, field: str) -> Callable[[str, Any], NoReturn]:
    def fail(message: str, value: Any) -> NoReturn:
        raise TransformError(message, step=name, rule=rule, field=field, value=value)

    return fail


def _side(plan_field: PlanField, side: Side) -> FieldSide:
    return plan_field.intacct if side == "intacct" else plan_field.salesforce


def _arity(source: FieldSide, target: str | tuple[str, ...]) -> int:
    if isinstance(target, tuple):
        return len(target)
    return len(source) if isinstance(source, tuple) else 1


def describe(plan_field: PlanField) -> str:
    """The field rule as written, for messages: `STATUS -> Intacct_Status__c`."""
    arrows = {"to_salesforce": "->", "to_intacct": "<-", "both": "<->", "off": "off"}

    def show(value: FieldSide) -> str:
        if value is None:
            return repr(plan_field.constant)
        return f"({', '.join(value)})" if isinstance(value, tuple) else str(value)

    arrow = arrows.get(plan_field.direction, "?")
    return f"{show(plan_field.intacct)} {arrow} {show(plan_field.salesforce)}"
