"""Checks of field rules: arrows, constants, known and writable fields, locks, pipelines
(known steps, invertible under `<->`), and the kinds and values that flow through them."""

from __future__ import annotations

from collections.abc import Sequence

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.language import ast, model
from mapsync.engine.language import steps as st
from mapsync.engine.language.check.context import (
    SYSTEM_NAME,
    Context,
    Scope,
    Writes,
    check_condition,
    check_field,
    code_list,
    did_you_mean,
    field_of,
    field_refs,
    first_at,
    literal,
    rule_text,
    step_text,
)
from mapsync.engine.language.check.labels import check_labels
from mapsync.engine.language.check.references import check_mapping_name, check_refs, ref_candidates

_ALLOWED_ARROWS = {"mapping": {"->", "<-", "<->", "off"}, "managed": {"->", "off"},
                   "action": {"<-", "off"}}


_KIND_WORDS = {
    st.TEXT: "text", st.NUMBER: "a number", st.BOOLEAN: "a boolean", st.DATE: "a date",
    st.DATETIME: "a date-time", st.ID: "a Salesforce Id", st.TUPLE: "several values",
    st.I_BOOLEAN: "an Intacct boolean (`true`/`false` text)",
    st.I_DATE: "an Intacct date (MM/DD/YYYY)", st.I_DATETIME: "an Intacct date-time",
}


_FIXES = {
    (st.I_DATE, st.DATE): "add `| date`", (st.DATE, st.I_DATE): "add `| date`",
    (st.I_DATETIME, st.DATETIME): "add `| datetime`",
    (st.DATETIME, st.I_DATETIME): "add `| datetime`",
    (st.I_BOOLEAN, st.BOOLEAN): "add `| bool`", (st.BOOLEAN, st.I_BOOLEAN): "add `| bool`",
    (st.TEXT, st.NUMBER): "add `| number`", (st.TUPLE, st.TEXT): "add `| join(\" \")`",
    (st.TEXT, st.TUPLE): "add `| split(\" \")`",
}


def check_rule(ctx: Context, rule: ast.FieldRule, scope: Scope, writes: Writes) -> None:
    if rule.arrow not in _ALLOWED_ARROWS[scope.kind]:
        allowed = " or ".join(f"`{a}`" for a in sorted(_ALLOWED_ARROWS[scope.kind]))
        ctx.error("not-allowed", f"`{rule.arrow}` is not allowed in a `{scope.kind}` "
                  f"block", rule.arrow_span, [f"use {allowed}"])
    constants_ok = check_constants(ctx, rule)
    intacct = check_side(ctx, scope.intacct, rule.intacct)
    salesforce = check_side(ctx, scope.salesforce, rule.salesforce)
    check_targets(ctx, rule, scope, writes)
    check_lock(ctx, rule, scope)
    built = build_steps(ctx, rule)
    if rule.when is not None:
        check_condition(ctx, rule.when, scope)
    check_labels(ctx, rule.labels, rule.span, f"`{rule_text(rule)}`")
    if built is None or rule.arrow == "off":
        return
    if rule.arrow == "<->":
        check_invertible(ctx, rule, built)
    if constants_ok and intacct is not False and salesforce is not False:
        check_flow(ctx, rule, scope, built)
        check_refs(ctx, rule, scope)


def check_constants(ctx: Context, rule: ast.FieldRule) -> bool:
    ok = True
    for side, target in ((rule.intacct, rule.arrow in ("<-", "<->")),
                         (rule.salesforce, rule.arrow in ("->", "<->"))):
        if not isinstance(side, ast.Constant):
            continue
        if rule.arrow == "off" or target:
            ok = False
            ctx.error("constant-side", "a constant can only be the source of a one-way "
                      "rule", side.span, ["write the constant on the side the arrow "
                                          "comes from, e.g. `\"USD\" -> CurrencyIsoCode`"])
    if isinstance(rule.intacct, ast.Constant) and isinstance(rule.salesforce, ast.Constant):
        ok = False
        ctx.error("constant-side", "both sides are constants", rule.span)
    return ok


def check_side(ctx: Context, info: ObjectInfo | None, side: ast.Operand) -> bool | None:
    """False when a named field is unknown, None when the object itself is unknown."""
    if info is None:
        return None
    refs = side.paths if isinstance(side, ast.FieldTuple) else (
        (side,) if isinstance(side, ast.FieldRef) else ())
    return all(check_field(ctx, info, ref) is not None for ref in refs)


def check_targets(ctx: Context, rule: ast.FieldRule, scope: Scope, writes: Writes) -> None:
    for system, info, side in _targets(rule, scope):
        for ref in field_refs(side):
            found = info.field(ref.path) if info else None
            writes_function = scope.kind == "action" and system == "intacct"
            if found is not None and found.readonly and rule.arrow != "off" \
                    and not writes_function:
                ctx.error("readonly-field", f"{SYSTEM_NAME[system]} field `{ref.path}` "
                          "is read-only and cannot be written", ref.span,
                          ["make the rule one way from this side, or `off`"])
            if not record_write(ctx, rule, system, ref, writes):
                return


def record_write(ctx: Context, rule: ast.FieldRule, system: str, ref: ast.FieldRef,
                 writes: Writes) -> bool:
    """Note that `rule` writes `ref`; False (and an error) when another rule does too."""
    key = (system, ref.path)
    other = writes.by_field.get(key)
    if other is None:
        writes.by_field[key] = rule
        return True
    both_filtered = rule.when is not None and other.when is not None
    if both_filtered and "off" not in (rule.arrow, other.arrow):
        return True
    ctx.error("duplicate-rule", f"{SYSTEM_NAME[system]} field `{ref.path}` already has "
              f"a rule", ref.span, [first_at(other.span)] + (
                   ["two rules may write one field only when both have a `when`"]
                   if rule.arrow != "off" and other.arrow != "off" else []))
    return False


def check_lock(ctx: Context, rule: ast.FieldRule, scope: Scope) -> None:
    """A locked rule (marked `locked`, or its Intacct field required) keeps its direction."""
    master = scope.master
    if rule.arrow in master.arrows or rule.arrow not in _ALLOWED_ARROWS[scope.kind]:
        return  # a disallowed arrow already has its own `not-allowed` error
    required = required_paths(ctx, rule, scope)
    if not required and not rule.locked:
        return
    if not required and rule.arrow != "off" and not field_refs(rule.intacct):
        return  # a locked constant: `constant-side` decides its direction
    allowed = [a for a in master.arrows if a in _ALLOWED_ARROWS[scope.kind]]
    what = (f"`{required[0]}` is required by Intacct" if required
            else f"`{_locked_name(rule, scope)}` is marked `locked`")
    ctx.error("locked-field", f"{what} and {master.reason}, so it must flow "
              f"{master.way}: use {_arrows(allowed)}", rule.arrow_span,
              _lock_hints(rule, scope, bool(required)))


def required_paths(ctx: Context, rule: ast.FieldRule, scope: Scope) -> list[str]:
    """`OBJECT.PATH` of each Intacct field of `rule` that the catalog requires."""
    if scope.intacct is None:
        return []
    return [f"{scope.intacct.name}.{ref.path}" for ref in field_refs(rule.intacct)
            if (found := scope.intacct.field(ref.path)) is not None and found.required]


def build_steps(ctx: Context, rule: ast.FieldRule) -> tuple[tuple[str, st.Args], ...] | None:
    built: list[tuple[str, st.Args]] = []
    ok = True
    for step in rule.steps:
        made = build_step(ctx, step)
        ok = ok and made is not None
        if made is not None:
            built.append(made)
    return tuple(built) if ok else None


def build_step(ctx: Context, step: ast.Step) -> tuple[str, st.Args] | None:
    if isinstance(step, ast.RefStep):
        found = check_mapping_name(ctx, step.mapping, step.span, "`ref`")
        return ("ref", {"mapping": step.mapping}) if found else None
    if isinstance(step, ast.MapStep):
        return build_map(ctx, step)
    if step.name not in st.STEPS:
        ctx.error("unknown-step", f"unknown transform step `{step.name}`", step.span,
                  did_you_mean(step.name, [*st.STEPS, "map", "ref"]))
        return None
    try:
        return st.build_call(step.name, tuple(a.value for a in step.args))
    except st.StepArgumentError as exc:
        ctx.error("bad-argument", str(exc), step.span)
        return None


def build_map(ctx: Context, step: ast.MapStep) -> tuple[str, st.Args] | None:
    seen: dict[str, ast.Span] = {}
    for (key, _), span in zip(step.table, step.entry_spans, strict=False):
        if key in seen:
            ctx.error("duplicate-rule", f"value map has the key \"{key}\" twice", span,
                      [first_at(seen[key])])
        seen.setdefault(key, span)
    otherwise = {"mode": step.otherwise, "value": step.otherwise_value}
    return ("map", {"table": dict(step.table), "else": otherwise})


def check_invertible(ctx: Context, rule: ast.FieldRule,
                     built: tuple[tuple[str, st.Args], ...]) -> None:
    index = st.first_non_invertible(built)
    if index is None:
        return
    step = rule.steps[index]
    text = rule_text(rule)
    ctx.error("not-invertible", f"`<->` needs a pipeline that can run backwards, but "
              f"`{step_text(step)}` has no inverse", step.span,
              [f"split it into two one-way rules: `{text.replace('<->', '->')} | ...` "
               f"and `{text.replace('<->', '<-')} | ...`"])


def check_flow(ctx: Context, rule: ast.FieldRule, scope: Scope,
               built: tuple[tuple[str, st.Args], ...]) -> None:
    forward = rule.arrow in ("->", "<->")
    source_system: ast.System = "intacct" if forward else "salesforce"
    source_side, target_side = ((rule.intacct, rule.salesforce) if forward
                                else (rule.salesforce, rule.intacct))
    source_info = scope.intacct if forward else scope.salesforce
    target_info = scope.salesforce if forward else scope.intacct
    if source_info is None or target_info is None:
        return
    direction: st.Direction = "to_salesforce" if forward else "to_intacct"
    kind = _side_kind(source_system, source_info, source_side)
    for (op, _), step in zip(built, rule.steps, strict=True):
        spec = st.spec(op)
        out = spec.kinds(kind, direction) if spec else None
        if out is None:
            ctx.error("type-mismatch", f"`{step_text(step)}` cannot take "
                      f"{_KIND_WORDS[kind]}", step.span, _fix_hint(kind, st.TEXT))
            return
        kind = out
    target_system: ast.System = "salesforce" if forward else "intacct"
    wanted = _side_kind(target_system, target_info, target_side)
    if isinstance(source_side, ast.Constant) and not rule.steps:
        check_constant_fits(ctx, source_side, wanted, target_side, target_info)
    elif not _fits(kind, wanted) and not _plain_id(kind, wanted, target_info, target_side):
        ctx.error("type-mismatch", f"{_side_text(target_system, target_side)} takes "
                  f"{_KIND_WORDS[wanted]} but this rule gives it {_KIND_WORDS[kind]}",
                  target_side.span, mismatch_hints(ctx, kind, wanted, rule, scope))
    check_values(ctx, rule, source_info, target_info, source_side, target_side, built)


def mismatch_hints(ctx: Context, kind: str, wanted: str, rule: ast.FieldRule,
                   scope: Scope) -> list[str]:
    if (kind, wanted) in ((st.TEXT, st.ID), (st.ID, st.TEXT)):
        targets = ref_candidates(ctx, rule, scope)
        return [f"add `| ref {targets[0]}`"] if targets else ["add `| ref <Mapping>`"]
    return _fix_hint(kind, wanted)


def check_constant_fits(ctx: Context, constant: ast.Constant, wanted: str, target: ast.Operand,
                        target_info: ObjectInfo) -> None:
    value = constant.value
    fits = {bool: {st.BOOLEAN, st.I_BOOLEAN, st.TEXT},
            int: {st.NUMBER, st.TEXT}, float: {st.NUMBER, st.TEXT}}.get(type(value))
    if fits is not None and wanted not in fits:
        ctx.error("type-mismatch", f"the constant {literal(value)} does not fit "
                  f"{_KIND_WORDS[wanted]}", constant.span)
        return
    field_info = field_of(target_info, target)
    if isinstance(value, str) and field_info is not None and field_info.values \
            and value not in field_info.values:
        ctx.error("unknown-picklist-value", f"\"{value}\" is not a value of "
                  f"{field_info.name}", constant.span,
                  did_you_mean(value, field_info.values)
                  or [f"values: {code_list(field_info.values)}"])


def check_values(ctx: Context, rule: ast.FieldRule, source_info: ObjectInfo,
                 target_info: ObjectInfo, source: ast.Operand, target: ast.Operand,
                 built: tuple[tuple[str, st.Args], ...]) -> None:
    maps = [(i, s) for i, s in enumerate(rule.steps) if isinstance(s, ast.MapStep)]
    if not maps:
        return
    source_field = field_of(source_info, source)
    target_field = field_of(target_info, target)
    first_index, first_map = maps[0]
    if first_index == 0 and source_field is not None:
        check_coverage(ctx, first_map, source_field, first_map.table, "key")
    last_index, last_map = maps[-1]
    if last_index == len(rule.steps) - 1 and target_field is not None:
        check_outputs(ctx, last_map, target_field)
        if rule.arrow == "<->" and last_index == 0:
            reverse = tuple((v, k) for k, v in last_map.table)
            check_coverage(ctx, last_map, target_field, reverse, "value")


def check_coverage(ctx: Context, step: ast.MapStep, info: FieldInfo,
                   table: tuple[tuple[str, str], ...], role: str) -> None:
    if step.otherwise != "fail" or not info.values:
        return
    missing = [v for v in info.values if v not in {k for k, _ in table}]
    if missing:
        ctx.error("incomplete-map", f"value map has no {role} for {code_list(missing)} "
                  f"(pick-list values of {info.name})", step.span,
                  ["map them too, or end the map with `else \"...\"` or `else keep`"])


def check_outputs(ctx: Context, step: ast.MapStep, info: FieldInfo) -> None:
    if not info.values:
        return
    produced = [v for _, v in step.table]
    if step.otherwise == "value" and step.otherwise_value is not None:
        produced.append(step.otherwise_value)
    unknown = sorted({v for v in produced if v not in info.values})
    if unknown:
        ctx.error("unknown-picklist-value", f"value map produces {code_list(unknown)}, "
                  f"not pick-list values of {info.name}", step.span,
                  [f"values: {code_list(info.values)}"])


def _lock_hints(rule: ast.FieldRule, scope: Scope, required: bool) -> list[str]:
    if required:
        return ["a field Intacct requires cannot be switched off" if rule.arrow == "off"
                else "`<->` sends it both ways (when its pipeline has an inverse)"]
    if rule.arrow == "off":
        return ["remove `locked` if this field may be switched off"]
    right = "<-" if scope.master.to_intacct else "->"
    return [f"to send it the other way too, keep `{rule_text(rule, right)} ... locked` and "
            f"add a second rule without `locked`: `{rule_text(rule)} ...`",
            "or remove `locked` if this field's direction may change"]


def _locked_name(rule: ast.FieldRule, scope: Scope) -> str:
    refs = field_refs(rule.intacct)
    if not refs:
        return rule_text(rule)
    return f"{scope.intacct.name}.{refs[0].path}" if scope.intacct else refs[0].path


def _arrows(arrows: Sequence[str]) -> str:
    return " or ".join(f"`{a}`" for a in arrows)


def _targets(rule: ast.FieldRule,
             scope: Scope) -> list[tuple[str, ObjectInfo | None, ast.Operand]]:
    out: list[tuple[str, ObjectInfo | None, ast.Operand]] = []
    if rule.arrow in ("<-", "<->", "off"):
        out.append(("intacct", scope.intacct, rule.intacct))
    if rule.arrow in ("->", "<->", "off"):
        out.append(("salesforce", scope.salesforce, rule.salesforce))
    return out


def _side_kind(system: ast.System, info: ObjectInfo, side: ast.Operand) -> str:
    if isinstance(side, ast.FieldTuple):
        return st.TUPLE
    if isinstance(side, ast.Constant):
        value = side.value
        if isinstance(value, bool):
            return st.BOOLEAN if system == "salesforce" else st.I_BOOLEAN
        return st.NUMBER if isinstance(value, int | float) else st.TEXT
    found = info.field(side.path)
    return model.value_kind(system, found) if found else st.TEXT


def _fits(kind: str, wanted: str) -> bool:
    if kind == wanted or (kind, wanted) == (st.I_DATE, st.I_DATETIME):
        return True
    return wanted == st.TEXT and kind in (st.NUMBER, st.I_BOOLEAN, st.I_DATE, st.I_DATETIME)


def _plain_id(kind: str, wanted: str, info: ObjectInfo, side: ast.Operand) -> bool:
    """A Salesforce Id stored as text in a field that refers to no Intacct object."""
    found = field_of(info, side)
    return kind == st.ID and wanted == st.TEXT and found is not None and not found.references


def _fix_hint(kind: str, wanted: str) -> list[str]:
    fix = _FIXES.get((kind, wanted))
    return [fix] if fix else []


def _side_text(system: str, side: ast.Operand) -> str:
    if isinstance(side, ast.FieldRef):
        return f"{SYSTEM_NAME[system]} field `{side.path}`"
    return f"the {SYSTEM_NAME[system]} side"
