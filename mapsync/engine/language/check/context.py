"""What every check shares: the checker's state (`Context`), the objects a block's rules
refer to (`Scope`), field look-ups with "did you mean" hints, and the words messages use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.catalog import Catalogs, FieldInfo, ObjectInfo, how_to_add
from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language import ast

SYSTEM_NAME = {"intacct": "Intacct", "salesforce": "Salesforce"}


class Context:
    """The checker's state while it walks one rule set: what it found and what it knows."""

    def __init__(self, rule_set: ast.RuleSet, catalogs: Catalogs) -> None:
        self.rule_set = rule_set
        self.catalogs = catalogs
        self.found: list[Diagnostic] = []
        self.blocks: dict[str, ast.Block] = {}
        self.declared: tuple[str, ...] = ()
        # Names defined more than once, and blocks whose object is unknown: their root cause
        # is reported once, so what refers to them is not checked (it would only echo it).
        self.duplicated: set[str] = set()
        self.broken: set[str] = set()

    def error(self, code: str, message: str, span: ast.Span, hints: Sequence[str] = ()) -> None:
        """Record one error at `span`."""
        self.found.append(Diagnostic(code, message, span.path, span.line, span.column,
                                     span.end, hints=tuple(hints)))


_CLEAR_MATCH = 0.9  # one suggestion is enough when it is this close



@dataclass(slots=True)
class Scope:
    """The objects field rules of one block (or line collection) refer to."""

    kind: str
    intacct: ObjectInfo | None
    salesforce: ObjectInfo | None
    master: Master



@dataclass(frozen=True, slots=True)
class Master:
    """Which way a block's locked fields must flow, and the reason a message gives for it."""

    to_intacct: bool
    reason: str

    @property
    def arrows(self) -> tuple[str, ...]:
        return ("<-", "<->") if self.to_intacct else ("->", "<->")

    @property
    def way(self) -> str:
        return "to Intacct" if self.to_intacct else "from Intacct"



@dataclass(slots=True)
class Writes:
    """Which rule writes each field of one scope, to find conflicting rules."""

    by_field: dict[tuple[str, str], ast.FieldRule] = field(default_factory=dict)


def check_field(ctx: Context, info: ObjectInfo | None, ref: ast.FieldRef) -> FieldInfo | None:
    if info is None:
        return None
    found = info.field(ref.path)
    if found is None:
        ctx.error("unknown-field", f"unknown {SYSTEM_NAME[info.system]} field "
                  f"`{ref.path}` on {info.name}", ref.span,
                  did_you_mean(ref.path, info.fields)
                  + tuple(how_to_add(info, f"a field `{ref.path}`")))
    return found


def check_condition(ctx: Context, condition: ast.Condition, scope: Scope) -> None:
    info = scope.intacct if condition.side == "intacct" else scope.salesforce
    for path in expr_paths(condition.expr):
        check_field(ctx, info, ast.FieldRef(path.path, path.span))


def close_matches(word: str, candidates: Iterable[str]) -> list[str]:
    """Likely intended names for `word`: same spelling in another case first, then similar."""
    import difflib

    pool = sorted(set(candidates))
    same = [c for c in pool if c.lower() == word.lower() and c != word]
    if same:
        return same
    found = difflib.get_close_matches(word, pool, n=3, cutoff=0.6)
    if found and difflib.SequenceMatcher(None, word, found[0]).ratio() >= _CLEAR_MATCH:
        return found[:1]
    return found


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A "did you mean" hint, or nothing when no name is close."""
    found = close_matches(word, candidates)
    if not found:
        return ()
    if len(found) == 1:
        return (f"did you mean `{found[0]}`?",)
    return ("did you mean one of " + ", ".join(f"`{f}`" for f in found) + "?",)


def field_refs(side: ast.Operand) -> tuple[ast.FieldRef, ...]:
    if isinstance(side, ast.FieldRef):
        return (side,)
    if isinstance(side, ast.FieldTuple):
        return side.paths
    return ()


def field_of(info: ObjectInfo | None, side: ast.Operand) -> FieldInfo | None:
    if info is None or not isinstance(side, ast.FieldRef):
        return None
    return info.field(side.path)


def intacct_name(block: ast.Block) -> str | None:
    decl = ast.object_decl(block.statements, "intacct")
    return decl.name if decl else None


def salesforce_name(block: ast.Block) -> str | None:
    decl = ast.object_decl(block.statements, "salesforce")
    return decl.name if decl else None


def position(span: ast.Span) -> str:
    return f"{span.path}:{span.line}:{span.column}"


def first_at(span: ast.Span) -> str:
    return f"first given at {position(span)}"


def code_list(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"\"{value}\""
    return str(value)


def keyword(statement: ast.Statement) -> str:
    if isinstance(statement, ast.ObjectDecl):
        return statement.system
    return {ast.CreateDecl: "create", ast.ConflictDecl: "conflict", ast.DeleteDecl: "delete",
            ast.ResultDecl: "result", ast.MatchDecl: "match", ast.WhenDecl: "when",
            ast.AfterDecl: "after", ast.LinesDecl: "lines", ast.LabelDecl: "label",
            ast.FieldRule: "field rule"}.get(type(statement), "statement")


def side_source(side: ast.Operand) -> str:
    if isinstance(side, ast.FieldRef):
        return side.path
    if isinstance(side, ast.FieldTuple):
        return "(" + ", ".join(p.path for p in side.paths) + ")"
    return literal(side.value)


def rule_text(rule: ast.FieldRule, arrow: str | None = None) -> str:
    return (f"{side_source(rule.intacct)} {arrow or rule.arrow} "
            f"{side_source(rule.salesforce)}")


def step_text(step: ast.Step) -> str:
    if isinstance(step, ast.RefStep):
        return f"ref {step.mapping}"
    if isinstance(step, ast.MapStep):
        return "map" + ("" if step.otherwise == "fail" else f" ... else "
                        f"{'keep' if step.otherwise == 'keep' else literal(step.otherwise_value)}")
    if not step.args:
        return step.name
    return f"{step.name}(" + ", ".join(literal(a.value) for a in step.args) + ")"


def expr_paths(expr: ast.Expr) -> list[ast.PathExpr]:
    if isinstance(expr, ast.PathExpr):
        return [expr]
    if isinstance(expr, ast.Compare):
        return expr_paths(expr.left) + expr_paths(expr.right)
    if isinstance(expr, ast.InList):
        return expr_paths(expr.left)
    if isinstance(expr, ast.BoolOp):
        return [p for arg in expr.args for p in expr_paths(arg)]
    if isinstance(expr, ast.Not):
        return expr_paths(expr.arg)
    return []
