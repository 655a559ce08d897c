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

from mapsync.engine.errors import SyncError
from mapsync.engine.plan import FieldSide, PlanField
from mapsync.engine.program.expr import Condition, compile_condition
from mapsync.engine.program.failures import CompileError, RefPending, TransformError
from mapsync.engine.program.step import SOURCE, TARGET, Flow, RefResolver, Step, StepContext, op
from mapsync.engine.program.text_ops import literal
from mapsync.engine.program.time_ops import zone
from mapsync.engine.record import Record, Side

FLOWS: tuple[Flow, ...] = ("to_salesforce", "to_intacct")
RUNS: dict[Flow, frozenset[str]] = {
    "to_salesforce": frozenset({"to_salesforce", "both"}),
    "to_intacct": frozenset({"to_intacct", "both"}),
}

# Exceptions by which a fast step (a C-level callable such as `str.strip`) says "not my kind
# of value": the record is then re-run through the careful steps, which decide properly.
FAST_MISSES = (TypeError, AttributeError, KeyError, ValueError, ArithmeticError, SyncError)


@dataclass(frozen=True, slots=True)
class FieldTransform:
    """One field rule compiled for one flow.

    `source`/`target` are paths of the flow's source and target records (a tuple for
    `join`/`split` tuples, None for a constant source). `pipeline` maps a source value to a
    target value; `read(record)` reads and transforms in one call. `fast` is an optimistic
    pipeline for non-null values: where it returns, it agrees with `pipeline`; where it
    raises, `pipeline` gives the real answer (or the real `TransformError`).
    `passes_null` says the pipeline maps null to null (no `default`, `split` or constant);
    `keeps` is a type whose values the pipeline returns unchanged (e.g. `date` keeps dates).
    """

    source: str | tuple[str, ...] | None
    target: str | tuple[str, ...]
    pipeline: Step
    fast: Step
    read: Callable[[Record], Any]
    constant: Any
    has_ref: bool
    passes_null: bool
    keeps: type | None
    when: Condition | None
    rule: str

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
        pipeline=pipeline,
        fast=chain([s.fast for s in steps]),
        read=_reader(source, constant, pipeline),
        constant=constant,
        has_ref=any(s.op == "ref" for s in steps),
        passes_null=source is not None and not any(s.makes_values for s in steps),
        keeps=steps[0].keeps if len(steps) == 1 else None,
        when=compile_condition(plan_field.when) if plan_field.when else None,
        rule=rule,
    )


@dataclass(frozen=True, slots=True)
class _Built:
    op: str
    careful: Step
    fast: Step
    keeps: type | None
    makes_values: bool


def _steps(
    plan_field: PlanField,
    flow: Flow,
    resolve_ref: RefResolver | None,
    company: dt.tzinfo,
    rule: str,
    arity: int,
) -> list[_Built]:
    specs = list(plan_field.transforms)
    inverse = plan_field.direction == "both" and flow == "to_intacct"
    if inverse:
        specs.reverse()
    built: list[_Built] = []
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
            fast = careful
        else:
            fast = (kind.fast_inverse(args, ctx) if inverse else kind.fast(args, ctx)) or careful
        built.append(_Built(spec.op, careful, fast, kind.keeps(args, flow), kind.makes_values))
    return built


def _skip_pending(step: Step) -> Step:
    """Steps after a `ref` leave its RefPending marker alone (the record is deferred anyway)."""
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
