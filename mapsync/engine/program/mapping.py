"""A plan mapping turned into what the runner needs: fields to read, rules, keys, policies.

    compiled = compile_mapping(plan.mapping("Customer"), catalogs, resolver)

Built once per run from the typed plan (`engine.plan`) and the catalogs. Each field is
compiled once per flow it runs in (`FieldTransform`); a rule evaluated alone
(`FieldRule.push`, for updates) and a whole record built at creation
(`CompiledMapping.program`) run those same compiled fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.catalog import Catalogs, ObjectInfo
from mapsync.engine.plan import FieldSide, PlanDelete, PlanField, PlanLines, PlanMapping, PlanSide
from mapsync.engine.program.canonical import shadow_value
from mapsync.engine.program.expr import Condition, compile_condition
from mapsync.engine.program.failures import RefPending, TransformError
from mapsync.engine.program.fields import FLOWS, RUNS, FieldTransform, compile_field, describe
from mapsync.engine.program.record import RecordTransform
from mapsync.engine.program.step import RefResolver
from mapsync.engine.program.watch import ShadowWatch
from mapsync.engine.record import Record, Side

SIDES: tuple[Side, ...] = ("intacct", "salesforce")
_OTHER: dict[Side, Side] = {"intacct": "salesforce", "salesforce": "intacct"}
Push = Callable[[Record], dict[str, Any]]


def _paths(value: FieldSide) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def rule_id(plan_field: PlanField) -> str:
    """A stable id for a field rule: its two sides, used as the key in shadows."""
    left = ",".join(_paths(plan_field.intacct)) or repr(plan_field.constant)
    right = ",".join(_paths(plan_field.salesforce)) or repr(plan_field.constant)
    return f"{left}|{right}"


def _missing_flow(record: Record) -> dict[str, Any]:
    raise RuntimeError("this rule does not run in this direction")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One compiled field rule, as a pair's decision needs it.

    `transforms` holds the rule's compiled field per flow it runs in; `to_salesforce` and
    `to_intacct` run them on a record of the other side.
    """

    id: str
    direction: str  # to_salesforce | to_intacct | both | off
    intacct_fields: tuple[str, ...]
    salesforce_fields: tuple[str, ...]
    to_salesforce: Push
    to_intacct: Push
    source: str
    applies_to_intacct: Callable[[Record], bool] | None = None
    applies_to_salesforce: Callable[[Record], bool] | None = None
    transforms: Mapping[str, FieldTransform] = field(default_factory=dict)
    described: str = ""

    def intacct_value(self, record: Record) -> Any:
        """Canonical value of this rule's Intacct side in `record`."""
        return shadow_value(record, self.intacct_fields)

    def salesforce_value(self, record: Record) -> Any:
        """Canonical value of this rule's Salesforce side in `record`."""
        return shadow_value(record, self.salesforce_fields)

    def push(self, target: str, record: Record) -> dict[str, Any]:
        """Values for `target` computed from the other side's `record`.

        Raises RefPending, or TransformError naming the rule for any fault.
        """
        try:
            if target == "salesforce":
                return self.to_salesforce(record)
            return self.to_intacct(record)
        except (RefPending, TransformError):
            raise
        except Exception as exc:  # any other fault becomes a record error naming the rule
            raise TransformError.wrap(exc, rule=self.source, field=self.described) from exc


def _push(transform: FieldTransform) -> Push:
    target, read = transform.target, transform.read
    if isinstance(target, str):

        def run_one(record: Record) -> dict[str, Any]:
            value = read(record)
            if value.__class__ is RefPending:
                raise value
            return {target: value}

        return run_one

    def run(record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {}
        value = transform.write(record, out)
        if value.__class__ is RefPending:
            raise value
        return out

    return run


def compile_rule(plan_field: PlanField, resolver: RefResolver, timezone: str) -> FieldRule:
    """One plan field as a FieldRule, compiled once for each flow it runs in."""
    transforms: dict[str, FieldTransform] = {
        flow: compile_field(plan_field, flow, resolver, timezone=timezone)
        for flow in FLOWS
        if plan_field.direction in RUNS[flow]
    }
    when_i = when_s = None
    for transform in transforms.values():
        if transform.when is not None:
            if transform.when.side == "intacct":
                when_i = transform.when.test
            else:
                when_s = transform.when.test
    to_sf, to_int = transforms.get("to_salesforce"), transforms.get("to_intacct")
    return FieldRule(
        id=rule_id(plan_field),
        direction=plan_field.direction,
        intacct_fields=_paths(plan_field.intacct),
        salesforce_fields=_paths(plan_field.salesforce),
        to_salesforce=_push(to_sf) if to_sf else _missing_flow,
        to_intacct=_push(to_int) if to_int else _missing_flow,
        source=str(plan_field.source),
        applies_to_intacct=when_i,
        applies_to_salesforce=when_s,
        transforms=transforms,
        described=describe(plan_field),
    )


def compile_rules(
    fields: Sequence[PlanField], resolver: RefResolver, timezone: str
) -> tuple[FieldRule, ...]:
    """The rules of `fields` that run (`off` rules are left out)."""
    return tuple(compile_rule(f, resolver, timezone) for f in fields if f.direction != "off")


@dataclass(frozen=True, slots=True)
class ObjectSide:
    """One side of a mapping: object, key field, record id field, watermark field, filter."""

    object: str
    key: str
    record_id: str
    modified: str
    read_fields: tuple[str, ...]
    readonly: frozenset[str]
    filter: Condition | None
    docparid: str | None = None
    parent: str | None = None  # line collections: field pointing to the header


@dataclass(frozen=True, slots=True)
class LineSet:
    """A line collection synced with its header (Intacct -> Salesforce)."""

    name: str
    intacct: ObjectSide
    salesforce: ObjectSide
    rules: tuple[FieldRule, ...]
    programs: Mapping[str, RecordTransform] = field(default_factory=dict)

    def program(self, target: str) -> RecordTransform | None:
        """The function that builds a `target` line from the other side's line."""
        return self.programs.get(target)


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    """Everything the runner needs to sync one mapping."""

    name: str
    kind: str
    intacct: ObjectSide
    salesforce: ObjectSide
    rules: tuple[FieldRule, ...]
    create: frozenset[str]
    conflict: str
    delete: PlanDelete
    match: tuple[tuple[str, str], ...]
    lines: tuple[LineSet, ...]
    source: str
    plan: PlanMapping
    programs: Mapping[str, RecordTransform] = field(default_factory=dict)
    watches: Mapping[str, ShadowWatch] = field(default_factory=dict)

    def program(self, target: str) -> RecordTransform | None:
        """The whole-record program that builds a new `target` record (creates)."""
        return self.programs.get(target)


def _side(
    system: Side,
    plan_side: PlanSide,
    info: ObjectInfo | None,
    fields: Sequence[str],
    *,
    parent: str | None = None,
) -> ObjectSide:
    record_id = info.record_id if info else ("RECORDNO" if system == "intacct" else "Id")
    modified = (info.modified_field if info else None) or (
        "WHENMODIFIED" if system == "intacct" else "SystemModstamp"
    )
    key = plan_side.key or (info.key if info else None) or record_id
    condition = compile_condition(plan_side.filter) if plan_side.filter else None
    extra = list(condition.paths) if condition else []
    wanted = [record_id, key, modified, *([parent] if parent else []), *fields, *extra]
    known = info.fields if info else {}
    read = tuple(dict.fromkeys(f for f in wanted if not known or f in known))
    readonly = frozenset(n for n, f in known.items() if f.readonly)
    return ObjectSide(
        object=plan_side.object or "",
        key=key,
        record_id=record_id,
        modified=modified,
        read_fields=read,
        readonly=readonly,
        filter=condition,
        docparid=plan_side.docparid,
        parent=parent,
    )


def side_fields(rules: Sequence[FieldRule], system: Side) -> list[str]:
    """The fields of `system` that `rules` read or write."""
    out: list[str] = []
    for rule in rules:
        out.extend(rule.intacct_fields if system == "intacct" else rule.salesforce_fields)
    return out


def _line_set(
    line: PlanLines, catalogs: Catalogs, resolver: RefResolver, timezone: str
) -> LineSet:
    rules = compile_rules(line.fields, resolver, timezone)
    i_info = catalogs.get("intacct", line.intacct.object or "")
    s_info = catalogs.get("salesforce", line.salesforce.object or "")
    match_i = [m.intacct for m in line.match]
    match_s = [m.salesforce for m in line.match]
    intacct = _side(
        "intacct",
        line.intacct,
        i_info,
        side_fields(rules, "intacct") + match_i,
        parent=line.intacct.parent,
    )
    salesforce = _side(
        "salesforce",
        line.salesforce,
        s_info,
        side_fields(rules, "salesforce") + match_s,
        parent=line.salesforce.parent,
    )
    return LineSet(line.name, intacct, salesforce, rules, programs(rules, line.name))


def compile_mapping(
    mapping: PlanMapping,
    catalogs: Catalogs,
    resolver: RefResolver,
    *,
    timezone: str = "UTC",
) -> CompiledMapping:
    """Compile one plan mapping (kind sync or managed) for the runner."""
    rules = compile_rules(mapping.fields, resolver, timezone)
    match = tuple((m.intacct, m.salesforce) for m in mapping.match)
    i_fields = side_fields(rules, "intacct") + [m[0] for m in match]
    if mapping.delete.field:
        i_fields.append(mapping.delete.field)
    i_info = catalogs.get("intacct", mapping.intacct.object or "")
    s_info = catalogs.get("salesforce", mapping.salesforce.object or "")
    lines = tuple(_line_set(line, catalogs, resolver, timezone) for line in mapping.lines)
    functions = programs(rules, mapping.name)
    types: dict[Side, dict[str, str]] = {"intacct": _types(i_info),
                                         "salesforce": _types(s_info)}
    return CompiledMapping(
        name=mapping.name,
        kind=mapping.kind,
        intacct=_side("intacct", mapping.intacct, i_info, i_fields),
        salesforce=_side(
            "salesforce",
            mapping.salesforce,
            s_info,
            side_fields(rules, "salesforce") + [m[1] for m in match],
        ),
        rules=rules,
        create=frozenset(mapping.create),
        conflict=mapping.conflict or "intacct",
        delete=mapping.delete,
        match=match,
        lines=lines,
        source=str(mapping.source),
        plan=mapping,
        programs=functions,
        watches={
            side: ShadowWatch(rules, side, functions[_OTHER[side]], types, name=mapping.name)
            for side in SIDES
        },
    )


def _types(info: ObjectInfo | None) -> dict[str, str]:
    return {name: f.type for name, f in info.fields.items()} if info else {}


def programs(rules: Sequence[FieldRule], name: str = "") -> dict[str, RecordTransform]:
    """The mapping's function per target side, written from the rules' compiled fields."""
    return {
        "salesforce": RecordTransform(
            [r.transforms["to_salesforce"] for r in rules if "to_salesforce" in r.transforms],
            "to_salesforce",
            name=name,
        ),
        "intacct": RecordTransform(
            [r.transforms["to_intacct"] for r in rules if "to_intacct" in r.transforms],
            "to_intacct",
            name=name,
        ),
    }
