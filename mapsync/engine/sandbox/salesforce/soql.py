"""The SOQL subset the sandbox understands, parsed with lark into small frozen nodes.

    SELECT field, Parent.Field, COUNT() FROM Object
    [WHERE condition] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]

Conditions: `= != <> < <= > >=`, `IN`, `NOT IN`, `LIKE`, `INCLUDES`, `EXCLUDES`, `AND`, `OR`,
`NOT`, parentheses (mandatory when AND and OR are mixed, as on the real service), `null`,
`true`/`false`, numbers, quoted strings with SOQL escapes, date and datetime literals and the
relative literals TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput, v_args
from lark.exceptions import VisitError

GRAMMAR = r"""
start: "SELECT"i select_list "FROM"i NAME where? order_by? limit? offset?
select_list: select_item ("," select_item)*
?select_item: path | count
count: "COUNT"i "(" ")"
path: NAME ("." NAME)*

where: "WHERE"i condition
?condition: and_chain | or_chain | unary
and_chain: unary ("AND"i unary)+
or_chain: unary ("OR"i unary)+
?unary: not_cond | "(" condition ")" | predicate
not_cond: "NOT"i unary
?predicate: compare | in_list | not_in_list | like | includes | excludes
compare: path OP value
in_list: path "IN"i "(" value ("," value)* ")"
not_in_list: path "NOT"i "IN"i "(" value ("," value)* ")"
like: path "LIKE"i STRING
includes: path "INCLUDES"i "(" STRING ("," STRING)* ")"
excludes: path "EXCLUDES"i "(" STRING ("," STRING)* ")"

?value: STRING -> string
      | NUMBER -> number
      | DATETIME -> datetime
      | DATE -> date
      | "true"i -> true
      | "false"i -> false
      | "null"i -> null
      | RELATIVE -> relative
      | RELATIVE_N -> relative

order_by: "ORDER"i "BY"i order_item ("," order_item)*
order_item: path DIRECTION? nulls?
nulls: "NULLS"i NULLS_WHERE
DIRECTION: "ASC"i | "DESC"i
NULLS_WHERE: "FIRST"i | "LAST"i
limit: "LIMIT"i INT
offset: "OFFSET"i INT

OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
STRING: /'(?:[^'\\]|\\.)*'/
DATETIME.3: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})/
DATE.2: /\d{4}-\d{2}-\d{2}/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)/
INT: /\d+/
RELATIVE: "TODAY"i | "YESTERDAY"i | "TOMORROW"i
RELATIVE_N.2: /(LAST_N_DAYS|NEXT_N_DAYS):\d+/i
NAME: /[A-Za-z_][A-Za-z0-9_]*/i

%import common.WS
%ignore WS
"""

_ESCAPES = {
    "n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b",
    "f": "\f", "F": "\f", '"': '"', "'": "'", "\\": "\\",
}


class SoqlError(Exception):
    """A query the sandbox refuses, with the Salesforce error code (MALFORMED_QUERY...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Path:
    """A field, or a child-to-parent path such as Account.Owner.Name."""

    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Count:
    """`COUNT()` in the select list."""


@dataclass(frozen=True, slots=True)
class Relative:
    """A relative date literal: TODAY, LAST_N_DAYS:7, ..."""

    name: str
    days: int = 0


Value = str | Decimal | bool | None | dt.date | dt.datetime | Relative


@dataclass(frozen=True, slots=True)
class Compare:
    """`path op value`; op is one of = != < <= > >=."""

    path: Path
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class InList:
    """`path [NOT] IN (values)`."""

    path: Path
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Like:
    """`path LIKE 'pattern'`; chars is the pattern as (character, is_wildcard) pairs."""

    path: Path
    chars: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class Includes:
    """`path INCLUDES|EXCLUDES ('a;b', 'c')` on a multi-select pick list."""

    path: Path
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`AND` / `OR` over two or more conditions."""

    op: str
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """`NOT condition`."""

    item: Condition


Condition = Compare | InList | Like | Includes | BoolOp | Not


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ORDER BY entry."""

    path: Path
    descending: bool = False
    nulls_last: bool | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed SELECT statement."""

    object: str
    fields: tuple[Path, ...]
    count: bool = False
    where: Condition | None = None
    order: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None


def _chars(raw: str, *, like: bool) -> list[tuple[str, bool]]:
    """Decode a quoted literal into (character, is_wildcard) pairs; rejects bad escapes."""
    body = raw[1:-1]
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append((ch, like and ch in "%_"))
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _ESCAPES:
            out.append((_ESCAPES[nxt], False))
            i += 2
        elif nxt in ("u", "U") and _is_hex(body[i + 2 : i + 6]):
            out.append((chr(int(body[i + 2 : i + 6], 16)), False))
            i += 6
        elif like and nxt in "%_":
            out.append((nxt, False))
            i += 2
        else:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Invalid string literal '{body}'. Illegal character sequence "
                f"'\\{nxt}' in string literal.",
            )
    return out


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


def unquote(raw: str) -> str:
    """The value of a quoted SOQL string literal."""
    return "".join(ch for ch, _ in _chars(raw, like=False))


def _parse_datetime(text: str) -> dt.datetime:
    value = text.replace("Z", "+00:00")
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


@v_args(inline=True)
class _ToAst(Transformer[Token, Query]):
    """Builds the nodes above; every grammar rule has a method (an unknown rule fails loudly)."""

    def __default__(self, data: Any, children: Any, meta: Any) -> Any:
        raise NotImplementedError(f"SOQL rule {data!r} has no transformer method")

    def start(self, fields: tuple[Path | Count, ...], obj: Token, *clauses: Any) -> Query:
        opts: dict[str, Any] = dict(clause for clause in clauses if clause is not None)
        paths = tuple(f for f in fields if isinstance(f, Path))
        counted = any(isinstance(f, Count) for f in fields)
        if counted and paths:
            raise SoqlError("MALFORMED_QUERY", "COUNT() cannot be mixed with other fields")
        return Query(object=str(obj), fields=paths, count=counted, **opts)

    def select_list(self, *items: Path | Count) -> tuple[Path | Count, ...]:
        return items

    def count(self) -> Count:
        return Count()

    def path(self, *names: Token) -> Path:
        return Path(tuple(str(n) for n in names))

    def where(self, cond: Condition) -> tuple[str, Condition]:
        return ("where", cond)

    def and_chain(self, *items: Condition) -> BoolOp:
        return BoolOp("AND", items)

    def or_chain(self, *items: Condition) -> BoolOp:
        return BoolOp("OR", items)

    def not_cond(self, item: Condition) -> Not:
        return Not(item)

    def compare(self, path: Path, op: Token, value: Value) -> Compare:
        return Compare(path, "!=" if str(op) == "<>" else str(op), value)

    def in_list(self, path: Path, *values: Value) -> InList:
        return InList(path, values)

    def not_in_list(self, path: Path, *values: Value) -> InList:
        return InList(path, values, negated=True)

    def like(self, path: Path, raw: Token) -> Like:
        return Like(path, tuple(_chars(str(raw), like=True)))

    def includes(self, path: Path, *raws: Token) -> Includes:
        return Includes(path, tuple(unquote(str(r)) for r in raws))

    def excludes(self, path: Path, *raws: Token) -> Includes:
        return Includes(path, tuple(unquote(str(r)) for r in raws), negated=True)

    def string(self, raw: Token) -> str:
        return unquote(str(raw))

    def number(self, raw: Token) -> Decimal:
        return Decimal(str(raw))

    def datetime(self, raw: Token) -> dt.datetime:
        return _parse_datetime(str(raw))

    def date(self, raw: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise SoqlError("MALFORMED_QUERY", f"line 1: invalid date: {raw}") from None

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def null(self) -> None:
        return None

    def relative(self, raw: Token) -> Relative:
        name, _, days = str(raw).upper().partition(":")
        return Relative(name, int(days or 0))

    def order_by(self, *items: OrderItem) -> tuple[str, tuple[OrderItem, ...]]:
        return ("order", items)

    def order_item(self, path: Path, *rest: Token | bool) -> OrderItem:
        descending = any(isinstance(r, Token) and r.upper() == "DESC" for r in rest)
        nulls = next((r for r in rest if isinstance(r, bool)), None)
        return OrderItem(path, descending, nulls)

    def nulls(self, where: Token) -> bool:
        return str(where).upper() == "LAST"

    def limit(self, n: Token) -> tuple[str, int]:
        return ("limit", int(n))

    def offset(self, n: Token) -> tuple[str, int]:
        return ("offset", int(n))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)


def _syntax_error(text: str, err: UnexpectedInput) -> SoqlError:
    token = getattr(err, "token", None)
    at_end = token is not None and token.type == "$END"
    line = (getattr(err, "line", 1) or 1) if not at_end else max(text.count("\n") + 1, 1)
    lines = text.splitlines() or [text]
    column = (getattr(err, "column", 1) or 1) if not at_end else len(lines[-1]) + 1
    if at_end:
        shown = "<EOF>"
    elif token is not None and str(token):
        shown = str(token)
    else:
        shown = text[err.pos_in_stream or 0 :][:1]
    caret = " " * (column - 1) + "^"
    message = (
        f"\n{lines[line - 1]}\n{caret}\nERROR at Row:{line}:Column:{column}\n"
        f"unexpected token: {shown if at_end else repr(shown)}"
    )
    return SoqlError("MALFORMED_QUERY", message)


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    """Parse one SOQL statement; raises SoqlError(MALFORMED_QUERY) on bad syntax."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    try:
        query: Query = _ToAst().transform(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, SoqlError):
            raise err.orig_exc from None
        raise
    return query
