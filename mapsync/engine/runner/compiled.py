"""A plan mapping turned into what the runner needs: fields to read, rules, keys, policies.

Built once per run from the plan JSON (docs/language.md, "Plan JSON") and the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.catalog import Catalogs, ObjectInfo
from mapsync.engine.expr import Condition, compile_condition
from mapsync.engine.runner.decide import FieldRule, RefPending
from mapsync.engine.transforms import (
    FieldTransform,
    Flow,
    Pending,
    RecordTransform,
    RefResolver,
    compile_field,
    compile_fields,
)

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Side:
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
    intacct: Side
    salesforce: Side
    rules: tuple[FieldRule, ...]


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    """Everything the runner needs to sync one mapping."""

    name: str
    kind: str
    intacct: Side
    salesforce: Side
    rules: tuple[FieldRule, ...]
    create: frozenset[str]
    conflict: str
    delete: Mapping[str, Any]
    match: tuple[tuple[str, str], ...]
    lines: tuple[LineSet, ...]
    source: str
    plan: Mapping[str, Any]
    programs: Mapping[str, RecordTransform] = field(default_factory=dict)

    def program(self, target: str) -> RecordTransform | None:
        """The whole-record program that builds a new `target` record (creates)."""
        return self.programs.get(target)

    def rule_by_id(self, rule_id: str) -> FieldRule | None:
        """The rule with this id, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


def _paths(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def rule_id(field: Mapping[str, Any]) -> str:
    """A stable id for a field rule: its two sides, used as the key in shadows."""
    left = ",".join(_paths(field.get("intacct"))) or repr(field.get("constant"))
    right = ",".join(_paths(field.get("salesforce"))) or repr(field.get("constant"))
    return f"{left}|{right}"


def _source(position: Mapping[str, Any]) -> str:
    return f"{position.get('path')}:{position.get('line')}:{position.get('column')}"


def _runner(transform: FieldTransform) -> Callable[[Record], dict[str, Any]]:
    target, read = transform.target, transform.read
    if isinstance(target, str):

        def run_one(record: Record) -> dict[str, Any]:
            value = read(record)
            if value.__class__ is Pending:
                raise RefPending(value.mapping, value.value)
            return {target: value}

        return run_one

    def run(record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {}
        value = transform.write(record, out)
        if isinstance(value, Pending):
            raise RefPending(value.mapping, value.value)
        return out

    return run


def _missing_flow(record: Record) -> dict[str, Any]:
    raise RuntimeError("this rule does not run in this direction")


def compile_rule(field: Mapping[str, Any], resolver: RefResolver, timezone: str) -> FieldRule:
    """One plan field as a FieldRule with both directions it runs in."""
    direction = field["direction"]
    to_sf: Callable[[Record], dict[str, Any]] = _missing_flow
    to_int: Callable[[Record], dict[str, Any]] = _missing_flow
    when_i = when_s = None
    flows: tuple[Flow, ...] = ("to_salesforce", "to_intacct")
    for flow in flows:
        if direction not in (flow, "both"):
            continue
        transform = compile_field(field, flow, resolver, timezone=timezone)
        if flow == "to_salesforce":
            to_sf = _runner(transform)
        else:
            to_int = _runner(transform)
        if transform.when is not None:
            if transform.when.side == "intacct":
                when_i = transform.when.test
            else:
                when_s = transform.when.test
    return FieldRule(
        id=rule_id(field),
        direction=direction,
        intacct_fields=_paths(field.get("intacct")),
        salesforce_fields=_paths(field.get("salesforce")),
        to_salesforce=to_sf,
        to_intacct=to_int,
        source=_source(field.get("source", {})),
        applies_to_intacct=when_i,
        applies_to_salesforce=when_s,
    )


def _filter(plan_side: Mapping[str, Any]) -> Condition | None:
    expr = plan_side.get("filter")
    return compile_condition(expr) if expr else None


def _side(
    system: str,
    plan_side: Mapping[str, Any],
    info: ObjectInfo | None,
    fields: Sequence[str],
    *,
    key: str | None = None,
    parent: str | None = None,
) -> Side:
    record_id = info.record_id if info else ("RECORDNO" if system == "intacct" else "Id")
    modified = (info.modified_field if info else None) or (
        "WHENMODIFIED" if system == "intacct" else "SystemModstamp"
    )
    key = key or plan_side.get("key") or (info.key if info else None) or record_id
    condition = _filter(plan_side)
    extra = list(condition.paths) if condition else []
    wanted = [record_id, key, modified, *([parent] if parent else []), *fields, *extra]
    known = info.fields if info else {}
    read = tuple(dict.fromkeys(f for f in wanted if not known or f in known))
    readonly = frozenset(n for n, f in known.items() if f.readonly)
    return Side(
        object=plan_side["object"],
        key=key,
        record_id=record_id,
        modified=modified,
        read_fields=read,
        readonly=readonly,
        filter=condition,
        docparid=plan_side.get("docparid"),
        parent=parent,
    )


def _side_fields(rules: Sequence[FieldRule], system: str) -> list[str]:
    out: list[str] = []
    for rule in rules:
        out.extend(rule.intacct_fields if system == "intacct" else rule.salesforce_fields)
    return out


def _lines(
    mapping: Mapping[str, Any], catalogs: Catalogs, resolver: RefResolver, timezone: str
) -> tuple[LineSet, ...]:
    out: list[LineSet] = []
    for line in mapping.get("lines", ()):
        if "object" not in line.get("intacct", {}):
            continue  # action lines are built by the action runner
        rules = tuple(
            compile_rule(f, resolver, timezone) for f in line["fields"] if f["direction"] != "off"
        )
        i_info = catalogs.get("intacct", line["intacct"]["object"])
        s_info = catalogs.get("salesforce", line["salesforce"]["object"])
        match_i = [m["intacct"] for m in line.get("match", ())]
        match_s = [m["salesforce"] for m in line.get("match", ())]
        intacct = _side(
            "intacct",
            line["intacct"],
            i_info,
            _side_fields(rules, "intacct") + match_i,
            parent=line["intacct"].get("parent"),
        )
        salesforce = _side(
            "salesforce",
            line["salesforce"],
            s_info,
            _side_fields(rules, "salesforce") + match_s,
            parent=line["salesforce"].get("parent"),
        )
        out.append(LineSet(line["name"], intacct, salesforce, rules))
    return tuple(out)


def compile_mapping(
    mapping: Mapping[str, Any],
    catalogs: Catalogs,
    resolver: RefResolver,
    *,
    timezone: str = "UTC",
) -> CompiledMapping:
    """Compile one plan mapping (kind sync or managed) for the runner."""
    rules = tuple(
        compile_rule(f, resolver, timezone) for f in mapping["fields"] if f["direction"] != "off"
    )
    match = tuple((m["intacct"], m["salesforce"]) for m in mapping.get("match", ()))
    delete = mapping.get("delete") or {"mode": "ignore"}
    i_fields = _side_fields(rules, "intacct") + [m[0] for m in match]
    if delete.get("field"):
        i_fields.append(delete["field"])
    i_info = catalogs.get("intacct", mapping["intacct"]["object"])
    s_info = catalogs.get("salesforce", mapping["salesforce"]["object"])
    return CompiledMapping(
        name=mapping["name"],
        kind=mapping["kind"],
        intacct=_side("intacct", mapping["intacct"], i_info, i_fields),
        salesforce=_side(
            "salesforce",
            mapping["salesforce"],
            s_info,
            _side_fields(rules, "salesforce") + [m[1] for m in match],
        ),
        rules=rules,
        create=frozenset(mapping.get("create", ())),
        conflict=mapping.get("conflict") or "intacct",
        delete=delete,
        match=match,
        lines=_lines(mapping, catalogs, resolver, timezone),
        source=_source(mapping.get("source", {})),
        plan=mapping,
        programs=_programs(mapping, resolver, timezone),
    )


def _programs(
    mapping: Mapping[str, Any], resolver: RefResolver, timezone: str
) -> dict[str, RecordTransform]:
    """One compiled program per target side, for building whole records at creation."""
    fields = mapping["fields"]
    return {
        "salesforce": compile_fields(fields, "to_salesforce", resolver, timezone=timezone),
        "intacct": compile_fields(fields, "to_intacct", resolver, timezone=timezone),
    }
