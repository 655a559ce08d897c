"""Field transforms: a plan's steps turned into fast callables, once per run.

The runner compiles each mapping for each flow it needs:

    to_sf = compile_fields(mapping["fields"], "to_salesforce", resolver)
    payload = to_sf.apply(intacct_record)          # {"Name": ..., "Intacct_Status__c": ...}

`apply` raises `TransformError` when a step rejects a value (the error names the step, the
rule's `path:line:col`, the field and the value) and `PendingReferences` when a `ref` step
finds a record that is not linked yet (defer the record until its parent is written).
`compile_field` compiles one field rule alone and is what `compile_fields` is built from.

Flows and pipelines. A field's steps are written in the direction of its arrow (for `<->` in
the Intacct -> Salesforce sense). Compiling a field for the flow its arrow names runs the
steps as written; compiling a `<->` field for `to_intacct` runs the inverse steps in reverse
order. Steps that convert between the two systems' types (`date`, `datetime`, `bool`, `ref`)
always convert towards the flow's target system, so their "inverse" is simply the other flow.

Values are the connectors' Python types (str, int, Decimal, bool, datetime.date, naive
datetimes for Intacct in company time, aware UTC datetimes for Salesforce, None). Null
passes through every step except `default`; the wire strings `MM/DD/YYYY [HH:MM:SS]` and ISO
8601 are accepted too. Records are flat dicts keyed by field path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter, methodcaller
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mapsync.engine.errors import SyncError
from mapsync.engine.expr import Condition, compile_condition

Side = Literal["intacct", "salesforce"]
Flow = Literal["to_salesforce", "to_intacct"]
Record = Mapping[str, Any]
Step = Callable[[Any], Any]
RefResolver = Callable[[str, Side], Mapping[str, str]]
"""`resolver(mapping, side)` -> links of `mapping`, from the other side's identifier to `side`'s.

`resolver("Customer", "salesforce")` returns a mapping Intacct key -> Salesforce Id of the
linked Customer records; `resolver("Customer", "intacct")` one from Salesforce Id -> Intacct
key. A key that is absent means "not linked yet". It is called once per field at compile
time; the mapping is read for every value (so it may be a live cache the runner fills
before each batch, e.g. `state.RefCache`).
"""

FLOWS: tuple[Flow, ...] = ("to_salesforce", "to_intacct")
_TARGET: dict[Flow, Side] = {"to_salesforce": "salesforce", "to_intacct": "intacct"}
_SOURCE: dict[Flow, Side] = {"to_salesforce": "intacct", "to_intacct": "salesforce"}
_RUNS: dict[Flow, frozenset[str]] = {
    "to_salesforce": frozenset({"to_salesforce", "both"}),
    "to_intacct": frozenset({"to_intacct", "both"}),
}
_MISSING = object()
_CENT = Decimal("0.01")
_NULL_MAKERS = frozenset({"default", "split"})  # steps that may turn null into a value


class CompileError(ValueError):
    """A plan field cannot be built into a pipeline (unknown step, no inverse, bad time zone).

    The compiler should have refused the rule: recompile the rules with this mapsync.
    """


class TransformError(SyncError):
    """A transform step rejected a record's value: fix the data or the rule, then replay.

    `.step` is the step name, `.rule` the rule's `path:line:col`, `.field` the field rule
    (`STATUS -> Intacct_Status__c`) and `.value` the value the step received.
    """

    def __init__(self, message: str, *, step: str, rule: str, field: str, value: Any) -> None:
        text = f"step '{step}' failed at {rule} ({field}): {message}: {value!r}"
        super().__init__(text, system="mapsync", operation="transform", code="TRANSFORM")
        self.step = step
        self.rule = rule
        self.field = field
        self.value = value


@dataclass(frozen=True, slots=True)
class Pending:
    """A `ref` value whose target record is not linked yet: `value` has no `side` identifier."""

    mapping: str
    value: str
    side: Side


class PendingReferences(Exception):
    """A record refers to records not linked yet; defer it until they are written."""

    def __init__(self, pending: tuple[Pending, ...]) -> None:
        names = ", ".join(f"{p.mapping} {p.value!r}" for p in pending)
        super().__init__(f"waiting for {names}")
        self.pending = pending


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step builder may know about the field it is compiled for."""

    flow: Flow
    op: str
    fail: Callable[[str, Any], NoReturn]
    resolve_ref: RefResolver | None
    arity: int
    timezone: dt.tzinfo


Builder = Callable[[Mapping[str, Any], StepContext], Step]
FastBuilder = Callable[[Mapping[str, Any], StepContext], Step | None]

# Exceptions by which a fast step (a C-level callable such as `str.strip`) says "not my kind
# of value": the record is then re-run through the careful steps, which decide properly.
_FAST_MISSES = (TypeError, AttributeError, KeyError, ValueError, ArithmeticError, SyncError)


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

        Raises TransformError, or PendingReferences when a `ref` is not linked yet.
        """
        out: dict[str, Any] = {}
        value = self.write(record, out)
        if value.__class__ is Pending:
            raise PendingReferences((value,))
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


FieldPlan = Any
"""A plan field: its JSON form (docs/language.md) or any object with `to_dict()` giving it
(such as `engine.plan.PlanField`)."""


def compile_field(
    plan_field: FieldPlan,
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
    field = _as_json(plan_field)
    if field["direction"] not in _RUNS[flow]:
        raise CompileError(f"field {_describe(field)} ({field['direction']}) does not run {flow}")
    source, target = _side(field, _SOURCE[flow]), _side(field, _TARGET[flow])
    if target is None:
        raise CompileError(f"field {_describe(field)} has no target for {flow}")
    rule = _position(field)
    steps = _steps(field, flow, resolve_ref, _zone(timezone), rule, _arity(source, target))
    pipeline = _chain([s.careful for s in steps])
    constant = _literal(field.get("constant")) if source is None else None
    return FieldTransform(
        source=source,
        target=target,
        pipeline=pipeline,
        fast=_chain([s.fast for s in steps]),
        read=_reader(source, constant, pipeline),
        constant=constant,
        has_ref=any(s.op == "ref" for s in steps),
        passes_null=source is not None and not any(s.op in _NULL_MAKERS for s in steps),
        keeps=steps[0].keeps if len(steps) == 1 else None,
        when=compile_condition(field["when"]) if field.get("when") else None,
        rule=rule,
    )


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
            p for f in fields if f.when and f.when.side == _SOURCE[flow] for p in f.when.paths)
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
        """The target payload for `record`; raises TransformError or PendingReferences."""
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
        except _FAST_MISSES:
            for target, source, step in self._careful:
                out[target] = step(get(source))
        if self._ref_targets or self._general:
            self._finish(record, other, out)
        return out

    def _finish(self, record: Record, other: Record | None, out: dict[str, Any]) -> None:
        """Fields with conditions or tuples, and the check for pending references."""
        pending = [out[t] for t in self._ref_targets if out[t].__class__ is Pending]
        source_side = _SOURCE[self.flow]
        for f in self._general:
            if f.when is not None:
                subject = record if f.when.side == source_side else (other or {})
                if not f.when.test(subject):
                    continue
            value = f.write(record, out)
            if value.__class__ is Pending:
                pending.append(value)
        if pending:
            raise PendingReferences(tuple(pending))


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
        elif f.pipeline is _identity:
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
    fields: Sequence[FieldPlan],
    flow: Flow,
    resolve_ref: RefResolver | None = None,
    *,
    timezone: str = "UTC",
) -> RecordTransform:
    """Compile the plan fields that run in `flow` (others and `off` rules are skipped)."""
    runs = _RUNS[flow]
    compiled = [
        compile_field(f, flow, resolve_ref, timezone=timezone)
        for f in fields
        if _as_json(f)["direction"] in runs
    ]
    return RecordTransform(compiled, flow)


# --- compiling a pipeline ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Built:
    op: str
    careful: Step
    fast: Step
    keeps: type | None


def _steps(
    field: Mapping[str, Any],
    flow: Flow,
    resolve_ref: RefResolver | None,
    zone: dt.tzinfo,
    rule: str,
    arity: int,
) -> list[_Built]:
    specs = list(field.get("transforms") or ())
    inverse = field["direction"] == "both" and flow == "to_intacct"
    table, fast_table = (_INVERSE, _FAST_INVERSE) if inverse else (_FORWARD, _FAST_FORWARD)
    if inverse:
        specs.reverse()
    built: list[_Built] = []
    for spec in specs:
        op, args = spec["op"], spec.get("args") or {}
        builder = table.get(op)
        if builder is None:
            what = "has no inverse" if inverse and op in _FORWARD else "is not a known step"
            raise CompileError(f"{rule}: step '{op}' {what}")
        ctx = StepContext(flow, op, _failer(op, rule, _describe(field)), resolve_ref, arity, zone)
        careful = builder(args, ctx)
        if any(b.op == "ref" for b in built):
            careful = _skip_pending(careful)
            fast = careful
        else:
            fast = (fast_table[op](args, ctx) if op in fast_table else None) or careful
        keeps = _KEEPS[op](args, flow) if op in _KEEPS else None
        built.append(_Built(op, careful, fast, keeps))
    return built


def _as_json(plan_field: FieldPlan) -> Mapping[str, Any]:
    to_dict = getattr(plan_field, "to_dict", None)
    return plan_field if to_dict is None else to_dict()  # type: ignore[no-any-return]


def _skip_pending(step: Step) -> Step:
    """Steps after a `ref` leave its Pending marker alone (the record is deferred anyway)."""
    return lambda value: value if value.__class__ is Pending else step(value)


def _chain(steps: list[Step]) -> Step:
    if not steps:
        return _identity
    if len(steps) == 1:
        return steps[0]
    if len(steps) == 2:
        first, second = steps
        return lambda value: second(first(value))
    if len(steps) == 3:
        a, b, c = steps
        return lambda value: c(b(a(value)))
    chain = tuple(steps)

    def run(value: Any) -> Any:
        for step in chain:
            value = step(value)
        return value

    return run


def _identity(value: Any) -> Any:
    return value


def _reader(
    source: str | tuple[str, ...] | None, constant: Any, pipeline: Step
) -> Callable[[Record], Any]:
    if source is None:
        return lambda record: pipeline(constant)
    if isinstance(source, tuple):
        paths = source
        return lambda record: pipeline(tuple(record.get(p) for p in paths))
    path = source
    return lambda record: pipeline(record.get(path))


def _failer(op: str, rule: str, field: str) -> Callable[[str, Any], NoReturn]:
    def fail(message: str, value: Any) -> NoReturn:
        raise TransformError(message, step=op, rule=rule, field=field, value=value)

    return fail


def _side(field: Mapping[str, Any], side: Side) -> str | tuple[str, ...] | None:
    value = field.get(side)
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


def _arity(source: str | tuple[str, ...] | None, target: str | tuple[str, ...]) -> int:
    if isinstance(target, tuple):
        return len(target)
    return len(source) if isinstance(source, tuple) else 1


def _position(field: Mapping[str, Any]) -> str:
    src = field.get("source") or {}
    return f"{src.get('path', '?')}:{src.get('line', 0)}:{src.get('column', 0)}"


def _describe(field: Mapping[str, Any]) -> str:
    arrows = {"to_salesforce": "->", "to_intacct": "<-", "both": "<->", "off": "off"}

    def show(side: Side) -> str:
        value = field.get(side)
        if value is None:
            return repr(field.get("constant"))
        return f"({', '.join(value)})" if isinstance(value, list | tuple) else str(value)

    arrow = arrows.get(field.get("direction", ""), "?")
    return f"{show('intacct')} {arrow} {show('salesforce')}"


def _paths(items: Any) -> frozenset[str]:
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


def _zone(name: str | None) -> dt.tzinfo:
    if not name or name == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CompileError(f"unknown time zone {name!r}") from None


def _literal(value: Any) -> Any:
    return Decimal(repr(value)) if isinstance(value, float) else value


# --- text steps ----------------------------------------------------------------------------


def _text_step(method: Callable[[str], str]) -> Builder:
    def build(args: Mapping[str, Any], ctx: StepContext) -> Step:
        return lambda value: method(value) if value.__class__ is str else value

    return build


def _default(args: Mapping[str, Any], ctx: StepContext) -> Step:
    fallback = _literal(args.get("value"))
    return lambda value: fallback if value is None or value == "" else value


def _length(args: Mapping[str, Any]) -> int:
    return int(args.get("length", args.get("places", 0)))


def _truncate(args: Mapping[str, Any], ctx: StepContext) -> Step:
    length = _length(args)

    def truncate(value: Any) -> Any:
        if value is None:
            return None
        text = value if value.__class__ is str else str(value)
        return text[:length]

    return truncate


def _prefix(args: Mapping[str, Any], ctx: StepContext) -> Step:
    text = str(args["value"])
    return lambda value: None if value is None else text + str(value)


def _suffix(args: Mapping[str, Any], ctx: StepContext) -> Step:
    text = str(args["value"])
    return lambda value: None if value is None else str(value) + text


def _strip_prefix(args: Mapping[str, Any], ctx: StepContext) -> Step:
    """Inverse of prefix; a value that lost its prefix (edited by a user) passes unchanged."""
    text = str(args["value"])
    return lambda value: value[len(text):] if value.__class__ is str and value.startswith(
        text) else value


def _strip_suffix(args: Mapping[str, Any], ctx: StepContext) -> Step:
    """Inverse of suffix; a value that lost its suffix passes unchanged."""
    text = str(args["value"])
    cut = -len(text) if text else None
    return lambda value: value[:cut] if value.__class__ is str and value.endswith(
        text) else value


def _join(args: Mapping[str, Any], ctx: StepContext) -> Step:
    sep = str(args.get("sep", " "))

    def join(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, tuple | list):
            ctx.fail("join needs a tuple of values", value)
        parts = [v if v.__class__ is str else str(v) for v in value if v is not None and v != ""]
        return sep.join(parts) if parts else None

    return join


def _split(args: Mapping[str, Any], ctx: StepContext) -> Step:
    sep = str(args.get("sep", " "))
    count = ctx.arity

    def split(value: Any) -> Any:
        if value is None or value == "":
            return (None,) * count
        if value.__class__ is not str:
            ctx.fail("split needs text", value)
        parts = value.split(sep, count - 1)
        return tuple(parts) + (None,) * (count - len(parts))

    return split


# --- value maps ----------------------------------------------------------------------------


def _map_forward(args: Mapping[str, Any], ctx: StepContext) -> Step:
    return _map_step(_table(args), _else(args), ctx)


def _map_inverse(args: Mapping[str, Any], ctx: StepContext) -> Step:
    mode, fallback = _else(args)
    if mode == "value":
        raise CompileError("a map with `else \"...\"` has no inverse")
    table = _table(args)
    reverse = {v: k for k, v in table.items()}
    if len(reverse) != len(table):
        raise CompileError("a map that is not one-to-one has no inverse")
    return _map_step(reverse, (mode, fallback), ctx)


def _map_step(table: dict[Any, Any], otherwise: tuple[str, Any], ctx: StepContext) -> Step:
    mode, fallback = otherwise
    lookup = {**table, None: None}.get
    text_keys = {_key_text(k): v for k, v in table.items()}

    def missing(value: Any) -> Any:
        found = text_keys.get(_key_text(value), _MISSING)
        if found is not _MISSING:
            return found
        if mode == "keep":
            return value
        if mode == "value":
            return fallback
        ctx.fail("value is not in the map", value)

    def step(value: Any) -> Any:
        found = lookup(value, _MISSING)
        return missing(value) if found is _MISSING else found

    return step


def _table(args: Mapping[str, Any]) -> dict[Any, Any]:
    table = args.get("table") or {}
    pairs = table.items() if isinstance(table, Mapping) else table
    return {_literal(k): _literal(v) for k, v in pairs}


def _else(args: Mapping[str, Any]) -> tuple[str, Any]:
    otherwise = args.get("else") or {"mode": "fail"}
    mode = otherwise.get("mode", "fail")
    if mode not in ("fail", "value", "keep"):
        raise CompileError(f"unknown map else mode {mode!r}")
    return mode, _literal(otherwise.get("value"))


def _key_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- numbers -------------------------------------------------------------------------------


def _decimal(args: Mapping[str, Any], ctx: StepContext) -> Step:
    return _rounder(_quantum(args), ctx)


def _currency(args: Mapping[str, Any], ctx: StepContext) -> Step:
    return _rounder(_CENT, ctx)


def _quantum(args: Mapping[str, Any]) -> Decimal:
    return Decimal(1).scaleb(-int(args.get("places", args.get("length", 2))))


def _rounder(quantum: Decimal, ctx: StepContext) -> Step:
    def round_half_up(value: Any) -> Any:
        if value.__class__ is Decimal:
            try:
                return value.quantize(quantum, ROUND_HALF_UP)
            except InvalidOperation:
                ctx.fail("not a finite number", value)
        if value is None or value == "":
            return None
        return round_half_up(_to_decimal(value, ctx))

    return round_half_up


def _number(args: Mapping[str, Any], ctx: StepContext) -> Step:
    def number(value: Any) -> Any:
        if value is None or value.__class__ is int or value.__class__ is Decimal:
            return value
        if value == "":
            return None
        return _to_decimal(value, ctx)

    return number


def _to_decimal(value: Any, ctx: StepContext) -> Decimal:
    if isinstance(value, bool):
        ctx.fail("not a number", value)
    if isinstance(value, float):
        value = repr(value)
    elif isinstance(value, str):
        value = value.strip().replace(",", "")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        ctx.fail("not a number", value)
    if not number.is_finite():
        ctx.fail("not a finite number", value)
    return number


# --- dates and times -----------------------------------------------------------------------


def _date(args: Mapping[str, Any], ctx: StepContext) -> Step:
    def date(value: Any) -> Any:
        if value.__class__ is dt.date or value is None:
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        if value == "":
            return None
        if isinstance(value, str):
            return _parse_date(value.strip(), ctx)
        ctx.fail("not a date", value)

    return date


def _parse_date(text: str, ctx: StepContext) -> dt.date:
    try:
        if len(text) >= 10 and text[2] == "/" and text[5] == "/":
            return dt.datetime.strptime(text[:10], "%m/%d/%Y").date()
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        ctx.fail("not a date (MM/DD/YYYY or YYYY-MM-DD)", text)


def _datetime(args: Mapping[str, Any], ctx: StepContext) -> Step:
    zone = _zone(args["tz"]) if args.get("tz") else ctx.timezone
    if ctx.flow == "to_salesforce":
        return _to_utc(zone, ctx)
    return _to_company_time(zone, ctx)


def _to_utc(zone: dt.tzinfo, ctx: StepContext) -> Step:
    """Intacct naive company time (or any aware value) -> aware UTC."""

    def to_utc(value: Any) -> Any:
        if value.__class__ is dt.datetime:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
            return aware.astimezone(dt.UTC)
        return None if value is None or value == "" else to_utc(_parse_datetime(value, zone, ctx))

    return to_utc


def _to_company_time(zone: dt.tzinfo, ctx: StepContext) -> Step:
    """Salesforce aware UTC (naive read as UTC) -> Intacct naive company time."""

    def to_local(value: Any) -> Any:
        if value.__class__ is dt.datetime:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(zone).replace(tzinfo=None)
        if value is None or value == "":
            return None
        return to_local(_parse_datetime(value, dt.UTC, ctx))

    return to_local


def _parse_datetime(value: Any, naive_zone: dt.tzinfo, ctx: StepContext) -> dt.datetime:
    """A datetime from a date, an Intacct `MM/DD/YYYY HH:MM:SS` string or ISO 8601."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), naive_zone)
    if not isinstance(value, str):
        ctx.fail("not a datetime", value)
    text = value.strip()
    try:
        if len(text) >= 10 and text[2] == "/" and text[5] == "/":
            fmt = "%m/%d/%Y %H:%M:%S" if len(text) > 10 else "%m/%d/%Y"
            parsed = dt.datetime.strptime(text, fmt)
        else:
            parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        ctx.fail("not a datetime (MM/DD/YYYY HH:MM:SS or ISO 8601)", value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=naive_zone)


# --- booleans and references ---------------------------------------------------------------


def _custom_codes(args: Mapping[str, Any]) -> bool:
    return (args.get("true") or "true", args.get("false") or "false") != ("true", "false")


def _bool(args: Mapping[str, Any], ctx: StepContext) -> Step:
    custom = _custom_codes(args)
    true_code, false_code = str(args.get("true") or "true"), str(args.get("false") or "false")
    codes = {true_code.casefold(): True, false_code.casefold(): False,
             "true": True, "false": False}

    def to_bool(value: Any) -> Any:
        if value is None or value.__class__ is bool:
            return value
        if value == "":
            return None
        found = codes.get(str(value).strip().casefold())
        if found is None:
            ctx.fail(f"not a boolean code ({true_code}/{false_code})", value)
        return found

    if ctx.flow == "to_salesforce" or not custom:
        return to_bool
    return lambda value: _code(to_bool(value), true_code, false_code)


def _code(flag: bool | None, true_code: str, false_code: str) -> str | None:
    if flag is None:
        return None
    return true_code if flag else false_code


def _ref(args: Mapping[str, Any], ctx: StepContext) -> Step:
    if ctx.resolve_ref is None:
        raise CompileError("a `ref` step needs a reference resolver")
    mapping = str(args["mapping"])
    side = _TARGET[ctx.flow]
    lookup = ctx.resolve_ref(mapping, side).get

    def ref(value: Any) -> Any:
        if value is None or value == "":
            return None
        key = value if value.__class__ is str else str(value)
        found = lookup(key)
        return Pending(mapping, key, side) if found is None else found

    return ref


_FORWARD: dict[str, Builder] = {
    "trim": _text_step(str.strip),
    "upper": _text_step(str.upper),
    "lower": _text_step(str.lower),
    "title": _text_step(str.title),
    "map": _map_forward,
    "default": _default,
    "join": _join,
    "split": _split,
    "truncate": _truncate,
    "decimal": _decimal,
    "number": _number,
    "currency": _currency,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "ref": _ref,
    "prefix": _prefix,
    "suffix": _suffix,
    "strip_prefix": _strip_prefix,
    "strip_suffix": _strip_suffix,
}

_INVERSE: dict[str, Builder] = {
    "map": _map_inverse,
    "join": _split,
    "split": _join,
    "decimal": _decimal,
    "number": _number,
    "currency": _currency,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "ref": _ref,
    "prefix": _strip_prefix,
    "suffix": _strip_suffix,
    "strip_prefix": _prefix,
    "strip_suffix": _suffix,
}

STEPS: frozenset[str] = frozenset(_FORWARD)
"""Names of every step the runtime can build."""

INVERTIBLE: frozenset[str] = frozenset(_INVERSE)
"""Steps with an inverse (a `map` only when one-to-one and not `else "value"`)."""


# --- fast steps --------------------------------------------------------------------------
# C-level callables that agree with the careful step whenever they return; used only on
# non-null values. They raise (TypeError, KeyError, InvalidOperation...) on anything else.


def _fast_map(table: dict[Any, Any], args: Mapping[str, Any]) -> Step | None:
    mode, _ = _else(args)
    return table.__getitem__ if mode == "fail" else None


def _fast_ref(args: Mapping[str, Any], ctx: StepContext) -> Step | None:
    if ctx.resolve_ref is None:
        return None
    return ctx.resolve_ref(str(args["mapping"]), _TARGET[ctx.flow]).__getitem__


_FAST_FORWARD: dict[str, FastBuilder] = {
    "trim": lambda args, ctx: str.strip,
    "upper": lambda args, ctx: str.upper,
    "lower": lambda args, ctx: str.lower,
    "title": lambda args, ctx: str.title,
    "map": lambda args, ctx: _fast_map(_table(args), args),
    "ref": _fast_ref,
    "truncate": lambda args, ctx: itemgetter(slice(None, _length(args))),
    "decimal": lambda args, ctx: methodcaller("quantize", _quantum(args), ROUND_HALF_UP),
    "currency": lambda args, ctx: methodcaller("quantize", _CENT, ROUND_HALF_UP),
}

_FAST_INVERSE: dict[str, FastBuilder] = {
    "map": lambda args, ctx: _fast_map({v: k for k, v in _table(args).items()}, args),
    "ref": _fast_ref,
    "decimal": _FAST_FORWARD["decimal"],
    "currency": _FAST_FORWARD["currency"],
}

# Steps that return a value of this type unchanged: a field whose only step is one of these
# copies such values without calling the step at all.
_KEEPS: dict[str, Callable[[Mapping[str, Any], Flow], type | None]] = {
    "date": lambda args, flow: dt.date,
    "bool": lambda args, flow: bool if flow == "to_salesforce" or not _custom_codes(args) else None,
    "number": lambda args, flow: Decimal,
}
