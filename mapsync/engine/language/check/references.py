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
    """Index the blocks by name; report duplicate names and object pairs once each."""
    pairs: dict[tuple[str, str | None, str], ast.Block] = {}
    unresolved = _unresolved_names(ctx.rule_set)
    for block in ctx.rule_set.blocks():
        first = ctx.blocks.get(block.name)
        if first is not None:
            ctx.duplicated.add(block.name)
            ctx.error("duplicate-mapping", f"`{block.name}` is defined more than once",
                      block.name_span, [first_at(first.name_span), *_renamed_hint(unresolved)])
            continue
        ctx.blocks[block.name] = block
        if _unknown_object(ctx, block):
            ctx.broken.add(block.name)
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
    """The block `name` refers to, or None (with an error unless a duplicate name explains it)."""
    if name in ctx.duplicated:
        return None  # which block is meant is unknown; `duplicate-mapping` says so
    target = ctx.blocks.get(name)
    if target is None and ctx.duplicated:
        return None  # most likely the duplicate was meant to carry this name
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
        if step.mapping in ctx.duplicated or step.mapping in ctx.broken:
            continue
        target = ctx.blocks[step.mapping]
        check_ref_side(ctx, rule.intacct, scope.intacct, intacct_name(target), step, rule,
                       scope)
        check_ref_side(ctx, rule.salesforce, scope.salesforce, salesforce_name(target),
                       step, rule, scope)


def check_ref_side(ctx: Context, side: ast.Operand, info: ObjectInfo | None, target: str | None,
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


def _unresolved_names(rule_set: ast.RuleSet) -> list[str]:
    """Names that `ref` steps and `after` use but no block defines, most used first."""
    defined = {block.name for block in rule_set.blocks()}
    used: dict[str, int] = {}
    for block in rule_set.blocks():
        for name in _used_names(block.statements):
            if name not in defined:
                used[name] = used.get(name, 0) + 1
    return sorted(used, key=lambda n: (-used[n], n))


def _used_names(statements: tuple[ast.Statement, ...]) -> list[str]:
    names: list[str] = []
    for statement in statements:
        if isinstance(statement, ast.FieldRule):
            names += [s.mapping for s in statement.steps if isinstance(s, ast.RefStep)]
        elif isinstance(statement, ast.AfterDecl):
            names += [n.value for n in statement.names]
        elif isinstance(statement, ast.LinesDecl):
            names += _used_names(statement.statements)
    return names


def _renamed_hint(unresolved: list[str]) -> list[str]:
    if not unresolved:
        return []
    return [f"{code_list(unresolved[:3])} {'is' if len(unresolved) == 1 else 'are'} referred "
            "to but defined nowhere: was one of these blocks meant to be named so? (those "
            "references are not reported separately)"]


def _unknown_object(ctx: Context, block: ast.Block) -> bool:
    systems: tuple[ast.System, ...] = ("intacct", "salesforce")
    for system in systems:
        decl = ast.object_decl(block.statements, system)
        if decl is None:
            continue
        if system == "intacct":
            found = model.resolve_intacct(ctx.catalogs, block.kind, decl.name)
        else:
            found = ctx.catalogs.get(system, decl.name)
        if found is None:
            return True
    return False
