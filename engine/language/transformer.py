"""Lark parse tree -> AST (`engine.language.ast`).

Every grammar rule has a method here; a rule without one fails loudly rather than
leaking a lark `Tree` into the AST. Errors found while building (bad escapes, dotted
names where a plain name is needed, nesting too deep) leave as `LanguageError`,
unwrapped from lark's `VisitError`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, NoReturn

from lark import Token, Transformer, Tree
from lark.exceptions import VisitError
from lark.visitors import v_args

from engine.diagnostics import Diagnostic
from engine.language import ast
from engine.language.errors import LanguageError

if TYPE_CHECKING:
    from lark.tree import Meta

MAX_DEPTH = 64
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def build_rule_file(tree: Tree[Token], path: str, name: str) -> ast.RuleFile:
    """The AST of one parsed file."""
    try:
        items = _Builder(path).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, LanguageError):
            raise exc.orig_exc from None
        raise exc.orig_exc from exc
    except RecursionError:
        raise LanguageError([Diagnostic("too-deep", "rules are nested too deeply", path, 1, 1)]) \
            from None
    return ast.RuleFile(path=path, name=name, items=tuple(items))


class _Builder(Transformer[Token, Any]):
    """One method per grammar rule; `__default__` rejects rules nobody handles."""

    def __init__(self, path: str) -> None:
        super().__init__(visit_tokens=False)
        self.path = path

    # -- helpers --------------------------------------------------------------

    def __default__(self, data: str, children: list[Any], meta: Meta) -> NoReturn:
        raise NotImplementedError(f"grammar rule {data!r} has no AST builder")

    def _span(self, meta: Meta) -> ast.Span:
        if getattr(meta, "empty", True):
            return ast.Span(self.path, 0, 0, 0, 0)
        return ast.Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _token_span(self, token: Token) -> ast.Span:
        line = token.line or 0
        column = token.column or 0
        return ast.Span(self.path, line, column, token.end_line or line,
                        token.end_column or column + len(token))

    def _fail(self, code: str, message: str, span: ast.Span, *hints: str) -> NoReturn:
        raise LanguageError([Diagnostic(code, message, span.path, span.line, span.column,
                                        span.end, hints=hints)])

    def _plain(self, token: Token, what: str) -> str:
        if "." in token:
            plain = token.split(".")[-1]
            self._fail("invalid-name", f"{what} cannot contain `.`: `{token}`",
                       self._token_span(token), f"write a plain name such as `{plain}`")
        return str(token)

    def _field(self, token: Token) -> ast.FieldRef:
        return ast.FieldRef(str(token), self._token_span(token))

    def _string(self, token: Token) -> str:
        body = token[1:-1]
        if "\\" not in body:
            return body
        out: list[str] = []
        chars = iter(enumerate(body))
        for index, char in chars:
            if char != "\\":
                out.append(char)
                continue
            _, escaped = next(chars)
            if escaped not in _ESCAPES:
                span = self._token_span(token)
                column = span.column + 1 + index
                self._fail("invalid-escape", f"unknown escape `\\{escaped}` in string",
                           dataclasses.replace(span, column=column, end_line=span.line,
                                               end_column=column + 2),
                           'use `\\"`, `\\\\`, `\\n` or `\\t`')
            out.append(_ESCAPES[escaped])
        return "".join(out)

    # -- top level --------------------------------------------------------------

    def start(self, children: list[Any]) -> list[Any]:
        return children

    def languages_decl(self, children: list[Token]) -> ast.LanguagesDecl:
        codes = tuple(ast.Name(str(t), self._token_span(t)) for t in children)
        return ast.LanguagesDecl(codes, _join(self, children))

    def block_decl(self, children: list[Any]) -> ast.Block:
        (kind, kind_span), name, *statements = children
        name_span = self._token_span(name)
        return ast.Block(kind, self._plain(name, "a mapping name"), _attach_labels(statements),
                         name_span, _cover(kind_span, name_span))

    def block_kind(self, children: list[Token]) -> tuple[str, ast.Span]:
        return (str(children[0]), self._token_span(children[0]))

    # -- header statements --------------------------------------------------------

    def object_decl(self, children: list[Any]) -> ast.ObjectDecl:
        (system, system_span), name, *options = children
        values: dict[str, Any] = {}
        for key, value in options:
            values.setdefault(key, value)
        name_span = self._token_span(name)
        return ast.ObjectDecl(system, self._plain(name, "an object name"), name_span=name_span,
                              span=_cover(system_span, name_span), **values)

    def docparid_option(self, children: list[Token]) -> tuple[str, str]:
        return ("docparid", self._string(children[0]))

    def key_option(self, children: list[Token]) -> tuple[str, ast.FieldRef]:
        return ("key", self._field(children[0]))

    def parent_option(self, children: list[Token]) -> tuple[str, ast.FieldRef]:
        return ("parent", self._field(children[0]))

    def system(self, children: list[Token]) -> tuple[str, ast.Span]:
        return (str(children[0]), self._token_span(children[0]))

    @v_args(meta=True)
    def label_decl(self, meta: Meta, children: list[ast.Label]) -> ast.LabelDecl:
        return ast.LabelDecl(tuple(children), _first_line(self._span(meta), children))

    def label_pair(self, children: list[Token]) -> ast.Label:
        language, text = children
        span = self._token_span(language)
        return ast.Label(str(language), self._string(text), span)

    def create_decl(self, children: list[tuple[tuple[str, ...], ast.Span]]) -> ast.CreateDecl:
        sides, span = children[0]
        return ast.CreateDecl(sides, span)  # type: ignore[arg-type]

    def create_from(self, children: list[tuple[str, ast.Span]]) -> tuple[tuple[str, ...], ast.Span]:
        (target, span), (source, source_span) = children
        if target == source:
            self._fail("syntax-error", f"`create {target} from {source}` names one side twice",
                       _cover(span, source_span), "write `create intacct from salesforce` or "
                       "`create salesforce from intacct`")
        return ((target,), span)

    @v_args(meta=True)
    def create_both(self, meta: Meta, children: list[Any]) -> tuple[tuple[str, ...], ast.Span]:
        return (("intacct", "salesforce"), self._span(meta))

    @v_args(meta=True)
    def create_none(self, meta: Meta, children: list[Any]) -> tuple[tuple[str, ...], ast.Span]:
        return ((), self._span(meta))

    def conflict_decl(self, children: list[Token]) -> ast.ConflictDecl:
        policy = children[0]
        return ast.ConflictDecl(policy.value, self._token_span(policy))

    def conflict_policy(self, children: list[Token]) -> Token:
        return children[0]

    def match_decl(self, children: list[Token]) -> ast.MatchDecl:
        left, right = (self._field(t) for t in children)
        return ast.MatchDecl(left, right, _cover(left.span, right.span))

    def delete_decl(self, children: list[Token]) -> ast.DeleteDecl:
        mode = children[0]
        span = self._token_span(mode)
        if len(children) == 1:
            return ast.DeleteDecl(mode.value, span=span)
        field, value = children[1:]
        return ast.DeleteDecl(mode.value, self._field(field), self._string(value), span)

    def delete_mode(self, children: list[Token]) -> Token:
        return children[0]

    def when_decl(self, children: list[ast.Condition]) -> ast.WhenDecl:
        return ast.WhenDecl(children[0], children[0].span)

    def after_decl(self, children: list[Token]) -> ast.AfterDecl:
        names = tuple(ast.Name(self._plain(t, "a mapping name"), self._token_span(t))
                      for t in children)
        return ast.AfterDecl(names, _cover(names[0].span, names[-1].span))

    def result_decl(self, children: list[Token]) -> ast.ResultDecl:
        field = self._field(children[0])
        return ast.ResultDecl(field, field.span)

    @v_args(meta=True)
    def lines_decl(self, meta: Meta, children: list[Any]) -> ast.LinesDecl:
        name = children[0]
        relationship = None
        rest = children[1:]
        if rest and isinstance(rest[0], Token):
            relationship = self._plain(rest[0], "a relationship name")
            rest = rest[1:]
        span = self._span(meta)
        header = ast.Span(self.path, span.line, span.column, span.line, span.column + 5)
        return ast.LinesDecl(self._plain(name, "a line collection name"), relationship,
                             _attach_labels(rest), _cover(header, self._token_span(name)))

    # -- field rules --------------------------------------------------------------------

    @v_args(meta=True)
    def field_rule(self, meta: Meta, children: list[Any]) -> ast.FieldRule:
        intacct, (arrow, arrow_span), salesforce, *rest = children
        steps = tuple(r for r in rest if isinstance(r, ast.CallStep | ast.MapStep | ast.RefStep))
        when = next((r for r in rest if isinstance(r, ast.Condition)), None)
        locked = any(r == "locked" for r in rest if isinstance(r, str))
        span = _cover(intacct.span, salesforce.span)
        return ast.FieldRule(intacct, arrow, salesforce, steps, when, locked,
                             arrow_span=arrow_span, span=span)

    def arrow(self, children: list[Token]) -> tuple[str, ast.Span]:
        return (str(children[0]), self._token_span(children[0]))

    def locked(self, children: list[Token]) -> str:
        return "locked"

    def field_side(self, children: list[Token]) -> ast.FieldRef:
        return self._field(children[0])

    def constant_side(self, children: list[ast.Constant]) -> ast.Constant:
        return children[0]

    @v_args(meta=True)
    def tuple_side(self, meta: Meta, children: list[Token]) -> ast.FieldTuple:
        return ast.FieldTuple(tuple(self._field(t) for t in children), self._span(meta))

    def pipe(self, children: list[ast.Step]) -> ast.Step:
        return children[0]

    @v_args(meta=True)
    def map_step(self, meta: Meta, children: list[Any]) -> ast.MapStep:
        entries: list[tuple[str, str, ast.Span]] = []
        otherwise: tuple[str, str | None] = ("fail", None)
        for child in children:
            if isinstance(child, list):
                entries = child
            else:
                otherwise = child
        table = tuple((k, v) for k, v, _ in entries)
        spans = tuple(s for _, _, s in entries)
        span = self._span(meta)
        head = ast.Span(self.path, span.line, span.column, span.line, span.column + 3)
        return ast.MapStep(table, otherwise[0], otherwise[1], spans, head)  # type: ignore[arg-type]

    def map_entries(self, children: list[tuple[str, str, ast.Span]]) -> list[Any]:
        return children

    def map_entry(self, children: list[Token]) -> tuple[str, str, ast.Span]:
        key, value = children
        return (self._string(key), self._string(value), self._token_span(key))

    def map_else(self, children: list[Any]) -> tuple[str, str | None]:
        value = children[0]
        if value == "keep":
            return ("keep", None)
        return ("value", self._string(value))

    def keep(self, children: list[Token]) -> str:
        return "keep"

    @v_args(meta=True)
    def ref_step(self, meta: Meta, children: list[Token]) -> ast.RefStep:
        target = children[0]
        return ast.RefStep(self._plain(target, "a mapping name"),
                           _cover(self._span(meta), self._token_span(target)))

    def call_step(self, children: list[Any]) -> ast.CallStep:
        name = children[0]
        args: tuple[ast.Constant, ...] = tuple(children[1]) if len(children) > 1 else ()
        return ast.CallStep(str(name), args, self._token_span(name))

    def arguments(self, children: list[ast.Constant]) -> list[ast.Constant]:
        return children

    # -- conditions ----------------------------------------------------------------------

    @v_args(meta=True)
    def condition(self, meta: Meta, children: list[Any]) -> ast.Condition:
        (side, side_span), expr = children
        _check_depth(self, expr, 0)
        return ast.Condition(side, expr, _cover(self._span(meta), side_span))

    @v_args(meta=True)
    def or_op(self, meta: Meta, children: list[ast.Expr]) -> ast.Expr:
        return children[0] if len(children) == 1 else ast.BoolOp("or", tuple(children),
                                                                  self._span(meta))

    @v_args(meta=True)
    def and_op(self, meta: Meta, children: list[ast.Expr]) -> ast.Expr:
        return children[0] if len(children) == 1 else ast.BoolOp("and", tuple(children),
                                                                   self._span(meta))

    @v_args(meta=True)
    def not_op(self, meta: Meta, children: list[ast.Expr]) -> ast.Not:
        return ast.Not(children[0], self._span(meta))

    @v_args(meta=True)
    def compare_op(self, meta: Meta, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, self._span(meta))

    @v_args(meta=True)
    def in_op(self, meta: Meta, children: list[Any]) -> ast.InList:
        return ast.InList(False, children[0], tuple(children[1]), self._span(meta))

    @v_args(meta=True)
    def not_in_op(self, meta: Meta, children: list[Any]) -> ast.InList:
        return ast.InList(True, children[0], tuple(children[1]), self._span(meta))

    def path_expr(self, children: list[Token]) -> ast.PathExpr:
        return ast.PathExpr(str(children[0]), self._token_span(children[0]))

    def value_expr(self, children: list[ast.Constant]) -> ast.ValueExpr:
        return ast.ValueExpr(children[0].value, children[0].span)

    @v_args(meta=True)
    def null_expr(self, meta: Meta, children: list[Any]) -> ast.ValueExpr:
        return ast.ValueExpr(None, self._span(meta))

    def value_list(self, children: list[Any]) -> list[ast.Scalar]:
        return [c.value for c in children]

    @v_args(meta=True)
    def null_value(self, meta: Meta, children: list[Any]) -> ast.Constant:
        return ast.Constant(None, self._span(meta))

    # -- literals ---------------------------------------------------------------------------

    def string(self, children: list[Token]) -> ast.Constant:
        return ast.Constant(self._string(children[0]), self._token_span(children[0]))

    def number(self, children: list[Token]) -> ast.Constant:
        text = str(children[0])
        value: int | float = float(text) if "." in text else int(text)
        return ast.Constant(value, self._token_span(children[0]))

    @v_args(meta=True)
    def true(self, meta: Meta, children: list[Any]) -> ast.Constant:
        return ast.Constant(True, self._span(meta))

    @v_args(meta=True)
    def false(self, meta: Meta, children: list[Any]) -> ast.Constant:
        return ast.Constant(False, self._span(meta))


def _cover(first: ast.Span, last: ast.Span) -> ast.Span:
    return ast.Span(first.path, first.line, first.column, last.end_line, last.end_column)


def _join(builder: _Builder, tokens: list[Token]) -> ast.Span:
    return _cover(builder._token_span(tokens[0]), builder._token_span(tokens[-1]))


def _first_line(span: ast.Span, labels: list[ast.Label]) -> ast.Span:
    last = labels[-1].span if labels else span
    return ast.Span(span.path, span.line, span.column, last.end_line, last.end_column)


def _attach_labels(statements: list[Any]) -> tuple[ast.Statement, ...]:
    """A `label` line indented deeper than the field rule above it labels that rule."""
    out: list[ast.Statement] = []
    for statement in statements:
        previous = out[-1] if out else None
        if (isinstance(statement, ast.LabelDecl) and isinstance(previous, ast.FieldRule)
                and statement.span.column > previous.span.column):
            out[-1] = dataclasses.replace(previous, labels=previous.labels + statement.labels)
            continue
        out.append(statement)
    return tuple(out)


def _check_depth(builder: _Builder, expr: ast.Expr, depth: int) -> None:
    if depth > MAX_DEPTH:
        span = getattr(expr, "span", ast.NO_SPAN)
        builder._fail("too-deep", f"condition nested more than {MAX_DEPTH} levels deep", span)
    for child in _children(expr):
        _check_depth(builder, child, depth + 1)


def _children(expr: ast.Expr) -> tuple[ast.Expr, ...]:
    if isinstance(expr, ast.Compare):
        return (expr.left, expr.right)
    if isinstance(expr, ast.InList):
        return (expr.left,)
    if isinstance(expr, ast.BoolOp):
        return expr.args
    if isinstance(expr, ast.Not):
        return (expr.arg,)
    return ()
