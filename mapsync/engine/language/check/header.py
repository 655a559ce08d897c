"""Checks of a block's header and line collections: which statements a kind of block
allows, the declared objects, keys and transaction definitions, `match`, `delete`, `when`."""

from __future__ import annotations

from typing import Any

from mapsync.engine.catalog import ObjectInfo, object_hint
from mapsync.engine.language import ast, model
from mapsync.engine.language.check.context import (
    SYSTEM_NAME,
    Context,
    Master,
    Scope,
    Writes,
    check_condition,
    check_field,
    code_list,
    did_you_mean,
    first_at,
    keyword,
)
from mapsync.engine.language.check.labels import block_labels, check_labels
from mapsync.engine.language.check.references import check_mapping_name
from mapsync.engine.language.check.rules import check_rule

_NOT_IN: dict[str, dict[type, str]] = {
    "mapping": {ast.ResultDecl: "`result` belongs to actions"},
    "managed": {ast.ConflictDecl: "managed mappings are one way, so they have no conflicts",
                ast.ResultDecl: "`result` belongs to actions",
                ast.LinesDecl: "managed mappings have no line collections"},
    "action": {ast.ConflictDecl: "actions are one way, so they have no conflicts",
               ast.MatchDecl: "actions always create; they do not match records",
               ast.DeleteDecl: "actions do not delete", ast.CreateDecl: "actions always create"},
}


def check_statements_allowed(ctx: Context, kind: str,
                             statements: tuple[ast.Statement, ...]) -> None:
    banned = _NOT_IN[kind]
    for statement in statements:
        reason = banned.get(type(statement))
        if reason:
            ctx.error("not-allowed", f"not allowed in a `{kind}` block: {reason}",
                      statement.span)
        if isinstance(statement, ast.CreateDecl) and kind == "managed" \
                and statement.sides != ("salesforce",):
            ctx.error("not-allowed", "managed mappings only create Salesforce records",
                      statement.span, ["write `create salesforce from intacct` or drop it"])


def check_single(ctx: Context, statements: tuple[ast.Statement, ...]) -> None:
    first: dict[Any, ast.Statement] = {}
    for statement in statements:
        key: Any = type(statement)
        if isinstance(statement, ast.ObjectDecl):
            key = (key, statement.system)
        elif not isinstance(statement, ast.CreateDecl | ast.ConflictDecl | ast.DeleteDecl
                            | ast.ResultDecl):
            continue
        if key in first:
            ctx.error("duplicate-declaration", f"`{keyword(statement)}` is given twice",
                      statement.span, [first_at(first[key].span)])
        first.setdefault(key, statement)


def block_scope(ctx: Context, block: ast.Block) -> Scope:
    intacct = resolve_object(ctx, block.kind, block.statements, "intacct", block.name_span)
    salesforce = resolve_object(ctx, block.kind, block.statements, "salesforce",
                                block.name_span)
    return Scope(block.kind, intacct, salesforce, _master(block))


def resolve_object(ctx: Context, kind: str, statements: tuple[ast.Statement, ...],
                   system: ast.System, where: ast.Span) -> ObjectInfo | None:
    decl = ast.object_decl(statements, system)
    if decl is None:
        ctx.error("missing-declaration", f"no `{system}` object is declared", where,
                  [f"add a line such as `{_example_decl(system, kind)}`"])
        return None
    if system == "intacct":
        info = model.resolve_intacct(ctx.catalogs, kind, decl.name)
        names = model.intacct_names(ctx.catalogs, kind)
    else:
        info = ctx.catalogs.get(system, decl.name)
        names = list(ctx.catalogs.salesforce)
    if info is None:
        ctx.error("unknown-object",
                  f"unknown {SYSTEM_NAME[system]} object `{decl.name}`", decl.name_span,
                  did_you_mean(decl.name, names)
                  + tuple(object_hint(ctx.catalogs, system, decl.name)))
    return info


def check_header(ctx: Context, block: ast.Block, scope: Scope) -> None:
    for system, info in (("intacct", scope.intacct), ("salesforce", scope.salesforce)):
        decl = ast.object_decl(block.statements, system)  # type: ignore[arg-type]
        if decl is not None and info is not None:
            check_object_decl(ctx, block.kind, decl, info)
    for statement in block.statements:
        check_header_statement(ctx, block, statement, scope)
    check_labels(ctx, block_labels(ctx, block), block.name_span, f"`{block.name}`")


def check_object_decl(ctx: Context, kind: str, decl: ast.ObjectDecl, info: ObjectInfo) -> None:
    if decl.key is not None:
        check_field(ctx, info, decl.key)
        if (decl.system == "salesforce" and kind != "action" and info.field(decl.key.path)
                and not _is_upsert_key(info, decl.key.path)):
            external = sorted(n for n, f in info.fields.items() if f.external_id)
            ctx.error("bad-key", f"`{decl.key.path}` is not an external ID field of "
                      f"{info.name}, so records cannot be upserted by it", decl.key.span,
                      [f"use {code_list(external)}"] if external else [])
    elif kind != "action" and not (decl.system == "intacct" and info.key) \
            and not (decl.system == "salesforce" and info.key):
        ctx.error("missing-declaration", f"{info.name} has no key; write `key FIELD`",
                  decl.span)
    if decl.parent is not None:
        check_field(ctx, info, decl.parent)
    if decl.docparid is not None:
        check_docparid(ctx, decl, info)


def check_docparid(ctx: Context, decl: ast.ObjectDecl, info: ObjectInfo) -> None:
    if decl.docparid in info.docparids:
        return
    if not info.docparids:
        ctx.error("unknown-docparid", f"{info.name} has no transaction definitions",
                  decl.span, ["remove `docparid`"])
        return
    ctx.error("unknown-docparid",
              f"unknown transaction definition \"{decl.docparid}\" for {info.name}",
              decl.span, did_you_mean(decl.docparid or "", info.docparids)
              or [f"known: {code_list(info.docparids)}"])


def check_header_statement(ctx: Context, block: ast.Block, statement: ast.Statement,
                           scope: Scope) -> None:
    if isinstance(statement, ast.MatchDecl):
        check_field(ctx, scope.intacct, statement.intacct)
        check_field(ctx, scope.salesforce, statement.salesforce)
    elif isinstance(statement, ast.DeleteDecl):
        check_delete(ctx, statement, scope)
    elif isinstance(statement, ast.WhenDecl):
        check_condition(ctx, statement.condition, scope)
    elif isinstance(statement, ast.AfterDecl):
        for name in statement.names:
            check_mapping_name(ctx, name.value, name.span, "`after`")
    elif isinstance(statement, ast.ResultDecl):
        check_field(ctx, scope.salesforce, statement.field)


def check_delete(ctx: Context, decl: ast.DeleteDecl, scope: Scope) -> None:
    if decl.mode == "deactivate" and decl.field is None:
        ctx.error("missing-declaration", "`delete deactivate` needs a field and a value",
                  decl.span, ['write e.g. `delete deactivate STATUS "inactive"`'])
    if decl.mode != "deactivate" and decl.field is not None:
        ctx.error("not-allowed", f"`delete {decl.mode}` takes no field", decl.field.span)
    if decl.field is not None:
        info = check_field(ctx, scope.intacct, decl.field)
        if info is not None and info.values and decl.value not in info.values:
            ctx.error("unknown-picklist-value",
                      f"\"{decl.value}\" is not a value of {decl.field.path}", decl.span,
                      did_you_mean(decl.value or "", info.values)
                      or [f"values: {code_list(info.values)}"])


def check_lines(ctx: Context, block: ast.Block, lines: ast.LinesDecl, parent: Scope) -> None:
    if block.kind == "mapping" and lines.relationship is not None:
        ctx.error("not-allowed", "`lines ... from ...` belongs to actions", lines.span,
                  ["declare the line objects with `intacct` and `salesforce` lines"])
    if block.kind == "action" and lines.relationship is None:
        ctx.error("not-allowed", "action lines are written `lines element from "
                  "Relationship`", lines.span,
                  ["e.g. `lines sotransitems from OpportunityLineItems {`"])
    check_statements_allowed_in_lines(ctx, block.kind, lines)
    scope = lines_scope(ctx, block, lines, parent)
    for statement in lines.statements:
        if isinstance(statement, ast.ObjectDecl) and statement.system == "intacct" \
                and scope.intacct is not None:
            check_object_decl(ctx, block.kind, statement, scope.intacct)
        elif isinstance(statement, ast.ObjectDecl) and scope.salesforce is not None:
            check_object_decl(ctx, block.kind, statement, scope.salesforce)
        elif isinstance(statement, ast.MatchDecl):
            check_header_statement(ctx, block, statement, scope)
    writes = Writes()
    for rule in ast.statements_of(lines.statements, ast.FieldRule):
        check_rule(ctx, rule, scope, writes)


def check_statements_allowed_in_lines(ctx: Context, kind: str, lines: ast.LinesDecl) -> None:
    allowed: tuple[type, ...] = (ast.FieldRule, ast.LabelDecl)
    if kind == "mapping":
        allowed += (ast.ObjectDecl, ast.MatchDecl)
    for statement in lines.statements:
        if not isinstance(statement, allowed):
            ctx.error("not-allowed",
                      f"`{keyword(statement)}` is not allowed in a line collection",
                      statement.span)
    check_single(ctx, lines.statements)


def lines_scope(ctx: Context, block: ast.Block, lines: ast.LinesDecl, parent: Scope) -> Scope:
    if block.kind == "mapping":
        intacct = resolve_object(ctx, block.kind, lines.statements, "intacct", lines.span)
        salesforce = resolve_object(ctx, block.kind, lines.statements, "salesforce",
                                    lines.span)
        return Scope(block.kind, intacct, salesforce, parent.master)
    intacct = action_child(ctx, "intacct", parent.intacct, lines.name, lines.span)
    salesforce = action_child(ctx, "salesforce", parent.salesforce,
                              lines.relationship or "", lines.span)
    return Scope(block.kind, intacct, salesforce, parent.master)


def action_child(ctx: Context, system: ast.System, parent: ObjectInfo | None, hint: str,
                 span: ast.Span) -> ObjectInfo | None:
    if parent is None:
        return None
    child = model.child_object(ctx.catalogs, system, parent, hint)
    if child is None:
        known = model.child_names(ctx.catalogs, system, parent)
        ctx.error("unknown-object", f"no {SYSTEM_NAME[system]} line object of "
                  f"{parent.name} matches `{hint}`", span,
                  [f"line objects of {parent.name}: {code_list(known)}"] if known
                  else [f"no catalog object names {parent.name} as its `parent`"])
    return child


def _master(block: ast.Block) -> Master:
    """Locked fields flow to Intacct when the block may create Intacct records; otherwise
    Intacct's records (and their required values) only ever come from Intacct itself."""
    if block.kind == "action":
        return Master(True, "this action creates Intacct records")
    if block.kind == "managed":
        return Master(False, "managed mappings create records only in Salesforce")
    decl = next(iter(ast.statements_of(block.statements, ast.CreateDecl)), None)
    sides = ("intacct", "salesforce") if decl is None else decl.sides
    if "intacct" in sides:
        return Master(True, "this mapping may create Intacct records")
    if sides:
        return Master(False, "this mapping creates records only in Salesforce")
    return Master(False, "this mapping never creates Intacct records (`create none`)")


def _example_decl(system: str, kind: str) -> str:
    if system == "salesforce":
        return "salesforce Account key Intacct_ID__c"
    if kind == "action":
        return 'intacct create_sotransaction docparid "Sales Order"'
    return "intacct CUSTOMER key CUSTOMERID"


def _is_upsert_key(info: ObjectInfo, name: str) -> bool:
    found = info.field(name)
    return found is not None and (found.external_id or name == info.record_id)
