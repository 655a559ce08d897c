"""Grammar rules -> AST (`engine.language.ast`).

The builder runs inside the LALR parser (lark's embedded transformer), so no parse
tree is built; it also works as a plain transformer over a tree (`build_rule_file`).
Every grammar rule has a method here; a rule without one fails loudly rather than
leaking a lark `Tree` into the AST. Errors found while building (bad escapes, dotted
names where a plain name is needed, nesting too deep) leave as `LanguageError`,
unwrapped from lark's `VisitError`. Positions come from tokens; the file path from
`current_path`, set around each parse.
"""

from __future__ import annotations

import dataclasses
from contextvars import ContextVar
from typing import Any, NoReturn

from lark import Token, Transformer, Tree
from lark.exceptions import VisitError

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language import ast
from mapsync.engine.language.errors import LanguageError

MAX_DEPTH = 64
MAX_LINES_DEPTH = 8  # `lines` inside `lines` is a check error; past this it is refused here
MAX_NUMBER_CHARS = 40  # Python refuses ints past 4,300 digits; no field needs more than 40
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
current_path: ContextVar[str] = ContextVar("current_path", default="<text>")


def build_rule_file(tree: Tree[Token], path: str, name: str) -> ast.RuleFile:
    """The AST of a parse tree (when the parser was built without the embedded builder)."""
    token = current_path.set(path)
    try:
        items = Builder().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, LanguageError):
            raise exc.orig_exc from None
        raise exc.orig_exc from exc
    except RecursionError:
        raise LanguageError([Diagnostic("too-deep", "rules are nested too deeply", path, 1, 1)]) \
            from None
    finally:
        current_path.reset(token)
    return ast.RuleFile(path=path, name=name, items=tuple(items))


class Builder(Transformer[Token, Any]):
    """One method per grammar rule; `__default__` rejects rules nobody handles."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)

    @property
    def path(self) -> str:
        """The file being parsed."""
        return current_path.get()

    # -- helpers --------------------------------------------------------------

    def __default__(self, data: str, children: list[Any], meta: Any) -> Tree[Token]:
        if data.startswith("_"):
            return Tree(data, children, meta)  # lark's own helper rules, inlined by lark
        raise NotImplementedError(f"grammar rule {data!r} has no AST builder")

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

    def label_decl(self, children: list[Any]) -> ast.LabelDecl:
        keyword, *labels = children
        return ast.LabelDecl(tuple(labels), _cover(self._token_span(keyword), labels[-1].span))

    def label_pair(self, children: list[Token]) -> ast.Label:
        language, text = children
        span = self._token_span(language)
        return ast.Label(str(language), self._string(text), span)

    def create_decl(self, children: list[Any]) -> ast.CreateDecl:
        keyword, (sides, span) = children
        start = self._token_span(keyword)
        return ast.CreateDecl(sides, _cover(start, span or start))

    def create_from(self, children: list[tuple[str, ast.Span]]) -> tuple[tuple[str, ...], ast.Span]:
        (target, span), (source, source_span) = children
        if target == source:
            self._fail("syntax-error", f"`create {target} from {source}` names one side twice",
                       _cover(span, source_span), "write `create intacct from salesforce` or "
                       "`create salesforce from intacct`")
        return ((target,), span)

    def create_both(self, children: list[Any]) -> tuple[tuple[str, ...], ast.Span | None]:
        return (("intacct", "salesforce"), None)

    def create_none(self, children: list[Any]) -> tuple[tuple[str, ...], ast.Span | None]:
        return ((), None)

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

    def lines_decl(self, children: list[Any]) -> ast.LinesDecl:
        keyword, name, *rest = children
        relationship = None
        if rest and isinstance(rest[0], Token):
            relationship = self._plain(rest[0], "a relationship name")
            rest = rest[1:]
        decl = ast.LinesDecl(self._plain(name, "a line collection name"), relationship,
                             _attach_labels(rest),
                             _cover(self._token_span(keyword), self._token_span(name)))
        if _lines_depth(decl) > MAX_LINES_DEPTH:
            self._fail("too-deep", f"`lines` blocks nested more than {MAX_LINES_DEPTH} deep",
                       decl.span, "a line collection holds field rules, not other collections")
        return decl

    # -- field rules --------------------------------------------------------------------

    def field_rule(self, children: list[Any]) -> ast.FieldRule:
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

    def tuple_side(self, children: list[Token]) -> ast.FieldTuple:
        opening, *names = children
        paths = tuple(self._field(t) for t in names)
        return ast.FieldTuple(paths, _cover(self._token_span(opening), paths[-1].span))

    def tuple_open(self, children: list[Token]) -> Token:
        return children[0]

    def pipe(self, children: list[ast.Step]) -> ast.Step:
        return children[0]

    def map_step(self, children: list[Any]) -> ast.MapStep:
        keyword, *rest = children
        entries: list[tuple[str, str, ast.Span]] = []
        otherwise: tuple[str, str | None] = ("fail", None)
        for child in rest:
            if isinstance(child, list):
                entries = child
            else:
                otherwise = child
        table = tuple((k, v) for k, v, _ in entries)
        spans = tuple(s for _, _, s in entries)
        head = self._token_span(keyword)
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

    def ref_step(self, children: list[Token]) -> ast.RefStep:
        keyword, target = children
        return ast.RefStep(self._plain(target, "a mapping name"),
                           _cover(self._token_span(keyword), self._token_span(target)))

    def call_step(self, children: list[Any]) -> ast.CallStep:
        name = children[0]
        args: tuple[ast.Constant, ...] = tuple(children[1]) if len(children) > 1 else ()
        return ast.CallStep(str(name), args, self._token_span(name))

    def arguments(self, children: list[ast.Constant]) -> list[ast.Constant]:
        return children

    # -- conditions ----------------------------------------------------------------------

    def condition(self, children: list[Any]) -> ast.Condition:
        keyword, (side, side_span), expr = children
        _check_depth(self, expr, 0)
        return ast.Condition(side, expr, _cover(self._token_span(keyword), side_span))

    def or_op(self, children: list[ast.Expr]) -> ast.Expr:
        if len(children) == 1:
            return children[0]
        return ast.BoolOp("or", tuple(children), _cover(children[0].span, children[-1].span))

    def and_op(self, children: list[ast.Expr]) -> ast.Expr:
        if len(children) == 1:
            return children[0]
        return ast.BoolOp("and", tuple(children), _cover(children[0].span, children[-1].span))

    def not_op(self, children: list[Any]) -> ast.Not:
        keyword, arg = children
        return ast.Not(arg, _cover(self._token_span(keyword), arg.span))

    def compare_op(self, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, _cover(left.span, right.span))

    def in_op(self, children: list[Any]) -> ast.InList:
        left, values = children
        return ast.InList(False, left, tuple(values), left.span)

    def not_in_op(self, children: list[Any]) -> ast.InList:
        left, _, values = children
        return ast.InList(True, left, tuple(values), left.span)

    def path_expr(self, children: list[Token]) -> ast.PathExpr:
        return ast.PathExpr(str(children[0]), self._token_span(children[0]))

    def value_expr(self, children: list[ast.Constant]) -> ast.ValueExpr:
        return ast.ValueExpr(children[0].value, children[0].span)

    def null_expr(self, children: list[Token]) -> ast.ValueExpr:
        return ast.ValueExpr(None, self._token_span(children[0]))

    def value_list(self, children: list[Any]) -> list[ast.Scalar]:
        return [c.value for c in children]

    def null_value(self, children: list[Token]) -> ast.Constant:
        return ast.Constant(None, self._token_span(children[0]))

    # -- literals ---------------------------------------------------------------------------

    def string(self, children: list[Token]) -> ast.Constant:
        return ast.Constant(self._string(children[0]), self._token_span(children[0]))

    def number(self, children: list[Token]) -> ast.Constant:
        text = str(children[0])
        if len(text) > MAX_NUMBER_CHARS:
            self._fail("literal-too-large",
                       f"a number of {len(text)} characters (the limit is {MAX_NUMBER_CHARS})",
                       self._token_span(children[0]))
        value: int | float = float(text) if "." in text else int(text)
        return ast.Constant(value, self._token_span(children[0]))

    def true(self, children: list[Token]) -> ast.Constant:
        return ast.Constant(True, self._token_span(children[0]))

    def false(self, children: list[Token]) -> ast.Constant:
        return ast.Constant(False, self._token_span(children[0]))


def _cover(first: ast.Span, last: ast.Span) -> ast.Span:
    return ast.Span(first.path, first.line, first.column, last.end_line, last.end_column)


def _join(builder: Builder, tokens: list[Token]) -> ast.Span:
    return _cover(builder._token_span(tokens[0]), builder._token_span(tokens[-1]))


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


def _lines_depth(decl: ast.LinesDecl) -> int:
    inner = [_lines_depth(s) for s in decl.statements if isinstance(s, ast.LinesDecl)]
    return 1 + max(inner, default=0)


def _check_depth(builder: Builder, expr: ast.Expr, depth: int) -> None:
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
