"""Checks of names that refer to mappings: duplicate names and object pairs, `ref` and
`after` targets, `ref` steps that link the wrong object, and cycles in the write order."""

from __future__ import annotations

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.language import ast, model
from mapsync.engine.language.check.context import (
    Context,
    Scope,
    code_list,
    did_you_mean,
    field_of,
    first_at,
    intacct_name,
    position,
    salesforce_name,
)


def index_blocks(ctx: Context) -> None:
    pairs: dict[tuple[str, str | None, str], ast.Block] = {}
    for block in ctx.rule_set.blocks():
        first = ctx.blocks.get(block.name)
        if first is not None:
            ctx.error("duplicate-mapping", f"`{block.name}` is defined more than once",
                      block.name_span, [first_at(first.name_span)])
            continue
        ctx.blocks[block.name] = block
        pair = _object_pair(block)
        if pair is None or block.kind == "action":
            continue
        other = pairs.setdefault(pair, block)
        if other is not block and not (_filtered(other) and _filtered(block)):
            ctx.error("duplicate-mapping",
                      f"`{block.name}` maps {_pair_text(pair)} again", block.name_span,
                      [f"`{other.name}` already maps them ({position(other.name_span)})"])


def check_order(ctx: Context) -> None:
    _, left = model.write_order(ctx.blocks)
    if not left:
        return
    cycle = model.find_cycle(ctx.blocks, left)
    names = " -> ".join([cycle[0].source, *(d.target for d in cycle)])
    ctx.error("ref-cycle", f"mappings depend on each other in a cycle: {names}",
              cycle[0].span, ["no write order exists; break the cycle by making one of "
                              "these rules one way or removing an `after`"])


def check_mapping_name(ctx: Context, name: str, span: ast.Span, used_by: str) -> ast.Block | None:
    target = ctx.blocks.get(name)
    if target is None:
        ctx.error("unknown-mapping", f"{used_by} names unknown mapping `{name}`", span,
                  did_you_mean(name, ctx.blocks))
        return None
    if target.kind == "action":
        ctx.error("unknown-mapping", f"{used_by} names `{name}`, which is an action",
                  span, ["refer to a `mapping` or `managed` block"])
        return None
    return target


def check_refs(ctx: Context, rule: ast.FieldRule, scope: Scope) -> None:
    for step in rule.steps:
        if not isinstance(step, ast.RefStep) or step.mapping not in ctx.blocks:
            continue
        target = ctx.blocks[step.mapping]
        check_ref_side(ctx, rule.intacct, scope.intacct, intacct_name(target), step, rule,
                       scope)
        check_ref_side(ctx, rule.salesforce, scope.salesforce, salesforce_name(target),
                       step, rule, scope)


def check_ref_side(ctx: Context, side: ast.Side, info: ObjectInfo | None, target: str | None,
                   step: ast.RefStep, rule: ast.FieldRule, scope: Scope) -> None:
    field_info = field_of(info, side) if info else None
    if field_info is None or target is None or not field_info.references:
        return
    if target not in field_info.references:
        candidates = ref_candidates(ctx, rule, scope)
        ctx.error("ref-mismatch", f"`ref {step.mapping}` links {target} records, but "
                  f"`{field_info.name}` refers to {code_list(field_info.references)}",
                  step.span, [f"did you mean `ref {candidates[0]}`?"] if candidates else [])


def ref_candidates(ctx: Context, rule: ast.FieldRule, scope: Scope) -> list[str]:
    if scope.intacct is None or not isinstance(rule.intacct, ast.FieldRef):
        return []
    info = scope.intacct.field(rule.intacct.path)
    objects = set(info.references) if info else set()
    return sorted(name for name, block in ctx.blocks.items()
                  if intacct_name(block) in objects and block.kind != "action")


def _filtered(block: ast.Block) -> bool:
    return bool(ast.statements_of(block.statements, ast.WhenDecl))


def _object_pair(block: ast.Block) -> tuple[str, str | None, str] | None:
    intacct = ast.object_decl(block.statements, "intacct")
    salesforce = ast.object_decl(block.statements, "salesforce")
    if intacct is None or salesforce is None:
        return None
    return (intacct.name, intacct.docparid, salesforce.name)


def _pair_text(pair: tuple[str, str | None, str]) -> str:
    intacct, docparid, salesforce = pair
    where = f" (docparid \"{docparid}\")" if docparid else ""
    return f"{intacct}{where} and {salesforce}"
