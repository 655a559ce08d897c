"""Checked AST -> `Plan`: mappings in write order, every name resolved from the catalogs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapsync.engine.catalog import Catalogs, ObjectInfo
from mapsync.engine.diagnostics import has_errors
from mapsync.engine.language import ast, model
from mapsync.engine.language import steps as st
from mapsync.engine.language.check import check
from mapsync.engine.language.errors import LanguageError
from mapsync.engine.plan import (
    Plan,
    PlanArgs,
    PlanCondition,
    PlanDelete,
    PlanField,
    PlanLines,
    PlanMapping,
    PlanMatch,
    PlanSide,
    PlanStep,
    Source,
    freeze,
)

_DEFAULT_CREATE = {"mapping": ("intacct", "salesforce"), "managed": ("salesforce",),
                   "action": ("intacct",)}


def compile_rules(rule_set: ast.RuleSet, catalogs: Catalogs) -> Plan:
    """The plan of a rule set; raises LanguageError when the checker finds errors."""
    problems = check(rule_set, catalogs)
    if has_errors(problems):
        raise LanguageError(problems)
    return build_plan(rule_set, catalogs)


def build_plan(rule_set: ast.RuleSet, catalogs: Catalogs) -> Plan:
    """The plan of a rule set the checker accepted (no checks of its own)."""
    names = {f.path: f.name for f in rule_set.files}
    blocks = {b.name: b for b in rule_set.blocks()}
    order, _ = model.write_order(blocks)
    compiler = _Compiler(catalogs, names)
    languages = rule_set.languages()
    codes = sorted(c.value for c in languages[0].codes) if languages else []
    return Plan(mappings=tuple(compiler.mapping(blocks[n]) for n in order),
                languages=tuple(codes))


@dataclass(frozen=True, slots=True)
class _Compiler:
    catalogs: Catalogs
    names: Mapping[str, str]

    def source(self, span: ast.Span) -> Source:
        return Source(self.names.get(span.path, span.path), span.line, span.column)

    def mapping(self, block: ast.Block) -> PlanMapping:
        body = block.statements
        intacct_decl = ast.object_decl(body, "intacct")
        salesforce_decl = ast.object_decl(body, "salesforce")
        intacct = (model.resolve_intacct(self.catalogs, block.kind, intacct_decl.name)
                   if intacct_decl else None)
        salesforce = (self.catalogs.get("salesforce", salesforce_decl.name)
                      if salesforce_decl else None)
        filters = _filters(body)
        return PlanMapping(
            name=block.name,
            kind="sync" if block.kind == "mapping" else block.kind,
            source=self.source(block.span),
            labels=freeze(_labels(body)),
            intacct=PlanSide(self.intacct_side(block.kind, intacct_decl, intacct, filters)),
            salesforce=PlanSide(self.salesforce_side(block.kind, salesforce_decl, salesforce,
                                                   filters)),
            create=_create(block),
            conflict=_conflict(block),
            delete=PlanDelete(_delete(body)),
            match=tuple(PlanMatch(m) for m in _matches(body)),
            depends_on=tuple(sorted({d.target for d in model.dependencies(block)})),
            result=next((r.field.path for r in ast.statements_of(body, ast.ResultDecl)), None),
            fields=self.fields(body, intacct if block.kind != "managed" else None),
            lines=tuple(self.lines(block, lines, intacct, salesforce)
                        for lines in ast.statements_of(body, ast.LinesDecl)),
        )

    def intacct_side(self, kind: str, decl: ast.ObjectDecl | None, info: ObjectInfo | None,
                     filters: Mapping[str, Any]) -> dict[str, Any]:
        name = info.name if info else (decl.name if decl else None)
        function = decl.name if decl and kind == "action" else None
        return {"object": name, "key": _key(decl, info, kind), "function": function,
                "docparid": decl.docparid if decl else None, "filter": filters.get("intacct")}

    def salesforce_side(self, kind: str, decl: ast.ObjectDecl | None, info: ObjectInfo | None,
                        filters: Mapping[str, Any]) -> dict[str, Any]:
        return {"object": decl.name if decl else None, "key": _key(decl, info, kind),
                "filter": filters.get("salesforce")}

    def fields(self, statements: tuple[ast.Statement, ...],
               intacct: ObjectInfo | None) -> tuple[PlanField, ...]:
        return tuple(self.field(rule, intacct)
                     for rule in ast.statements_of(statements, ast.FieldRule))

    def field(self, rule: ast.FieldRule, intacct: ObjectInfo | None) -> PlanField:
        constant = next((s.value for s in (rule.intacct, rule.salesforce)
                         if isinstance(s, ast.Constant)), None)
        return PlanField(
            intacct=_side(rule.intacct),
            salesforce=_side(rule.salesforce),
            direction=model.direction_of(rule.arrow),
            source=self.source(rule.span),
            constant=constant,
            locked=rule.locked,
            required=_required(rule.intacct, intacct),
            transforms=tuple(PlanStep(op, PlanArgs(args)) for op, args in _steps(rule.steps)),
            when=PlanCondition(_condition(rule.when)) if rule.when else None,
            labels=freeze({label.language: label.text for label in rule.labels}),
        )

    def lines(self, block: ast.Block, lines: ast.LinesDecl, intacct: ObjectInfo | None,
              salesforce: ObjectInfo | None) -> PlanLines:
        if block.kind == "action":
            return self.action_lines(lines, intacct, salesforce)
        body = lines.statements
        intacct_decl = ast.object_decl(body, "intacct")
        salesforce_decl = ast.object_decl(body, "salesforce")
        line_intacct = self.catalogs.get("intacct", intacct_decl.name) if intacct_decl else None
        line_salesforce = (self.catalogs.get("salesforce", salesforce_decl.name)
                           if salesforce_decl else None)
        return PlanLines(
            name=lines.name,
            intacct=PlanSide(_line_side(intacct_decl, line_intacct)),
            salesforce=PlanSide(_line_side(salesforce_decl, line_salesforce)),
            source=self.source(lines.span),
            match=tuple(PlanMatch(m) for m in _matches(body)),
            fields=self.fields(body, line_intacct),
        )

    def action_lines(self, lines: ast.LinesDecl, intacct: ObjectInfo | None,
                     salesforce: ObjectInfo | None) -> PlanLines:
        relationship = lines.relationship or ""
        line_intacct = (model.child_object(self.catalogs, "intacct", intacct, lines.name)
                        if intacct else None)
        line_salesforce = (model.child_object(self.catalogs, "salesforce", salesforce,
                                              relationship) if salesforce else None)
        return PlanLines(
            name=lines.name,
            intacct=PlanSide({"element": lines.name,
                              "object": line_intacct.name if line_intacct else None}),
            salesforce=PlanSide({"relationship": relationship,
                                 "object": line_salesforce.name if line_salesforce else None}),
            source=self.source(lines.span),
            fields=self.fields(lines.statements, None),
        )


def _key(decl: ast.ObjectDecl | None, info: ObjectInfo | None, kind: str) -> str | None:
    if decl is not None and decl.key is not None:
        return decl.key.path
    if kind == "action" or info is None:
        return None
    return info.key


def _line_side(decl: ast.ObjectDecl | None, info: ObjectInfo | None) -> dict[str, Any]:
    key = decl.key.path if decl and decl.key else (info.key or info.record_id if info else None)
    parent = decl.parent.path if decl and decl.parent else (
        info.parent.get("field") if info and info.parent else None)
    return {"object": decl.name if decl else None, "key": key, "parent": parent}


def _side(side: ast.Operand) -> str | tuple[str, ...] | None:
    if isinstance(side, ast.FieldRef):
        return side.path
    if isinstance(side, ast.FieldTuple):
        return tuple(p.path for p in side.paths)
    return None


def _required(side: ast.Operand, intacct: ObjectInfo | None) -> bool:
    if intacct is None:
        return False
    paths = [side.path] if isinstance(side, ast.FieldRef) else (
        [p.path for p in side.paths] if isinstance(side, ast.FieldTuple) else [])
    return any((f := intacct.field(p)) is not None and f.required for p in paths)


def _steps(steps: tuple[ast.Step, ...]) -> list[tuple[str, st.Args]]:
    out: list[tuple[str, st.Args]] = []
    for step in steps:
        if isinstance(step, ast.RefStep):
            out.append(("ref", {"mapping": step.mapping}))
        elif isinstance(step, ast.MapStep):
            out.append(("map", {"table": dict(step.table),
                                "else": {"mode": step.otherwise, "value": step.otherwise_value}}))
        else:
            out.append(st.build_call(step.name, tuple(a.value for a in step.args)))
    return out


def _labels(statements: tuple[ast.Statement, ...]) -> dict[str, str]:
    return {label.language: label.text
            for decl in ast.statements_of(statements, ast.LabelDecl) for label in decl.labels}


def _filters(statements: tuple[ast.Statement, ...]) -> dict[str, Any]:
    by_side: dict[str, list[Any]] = {}
    for decl in ast.statements_of(statements, ast.WhenDecl):
        by_side.setdefault(decl.condition.side, []).append(_expr(decl.condition.expr))
    return {side: {"side": side, "expr": exprs[0] if len(exprs) == 1
                   else {"op": "and", "args": exprs}}
            for side, exprs in by_side.items()}


def _condition(condition: ast.Condition) -> dict[str, Any]:
    return {"side": condition.side, "expr": _expr(condition.expr)}


def _expr(expr: ast.Expr) -> dict[str, Any]:
    if isinstance(expr, ast.PathExpr):
        return {"path": expr.path}
    if isinstance(expr, ast.ValueExpr):
        return {"value": expr.value}
    if isinstance(expr, ast.Compare):
        return {"op": expr.op, "left": _expr(expr.left), "right": _expr(expr.right)}
    if isinstance(expr, ast.InList):
        return {"op": "not in" if expr.negated else "in", "left": _expr(expr.left),
                "right": list(expr.values)}
    if isinstance(expr, ast.BoolOp):
        return {"op": expr.op, "args": [_expr(a) for a in expr.args]}
    return {"op": "not", "arg": _expr(expr.arg)}


def _create(block: ast.Block) -> tuple[str, ...]:
    decl = next(iter(ast.statements_of(block.statements, ast.CreateDecl)), None)
    return decl.sides if decl else _DEFAULT_CREATE[block.kind]


def _conflict(block: ast.Block) -> str | None:
    decl = next(iter(ast.statements_of(block.statements, ast.ConflictDecl)), None)
    if decl:
        return decl.policy
    return "newest" if block.kind == "mapping" else None


def _delete(statements: tuple[ast.Statement, ...]) -> dict[str, Any]:
    decl = next(iter(ast.statements_of(statements, ast.DeleteDecl)), None)
    if decl is None:
        return {"mode": "ignore"}
    if decl.field is None:
        return {"mode": decl.mode}
    return {"mode": decl.mode, "field": decl.field.path, "value": decl.value}


def _matches(statements: tuple[ast.Statement, ...]) -> list[dict[str, str]]:
    return [{"intacct": m.intacct.path, "salesforce": m.salesforce.path}
            for m in ast.statements_of(statements, ast.MatchDecl)]
