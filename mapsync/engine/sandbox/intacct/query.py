"""The two filter languages of the gateway, parsed to one predicate tree and compiled to SQL.

readByQuery takes an SQL-WHERE subset as text: `= != <> < <= > >=`, `[NOT] LIKE`,
`[NOT] IN (...)`, `IS [NOT] NULL`, AND/OR/NOT, parentheses and `rownum < n`; strings in
single quotes with `\\'` escapes; pick lists and booleans compared against their stored
codes (`STATUS = 'T'`); dotted (joined) fields refused. `query` takes an XML filter
(`<and><equalto><field/><value/></equalto>...</and>`) whose values are labels and whose
fields may be dotted. Both bind every field against the catalog and convert every value
to the stored form, so the SQL compares like with like.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.intacct.values import BadValue, Stored, parse_boolean, parse_wire
from mapsync.engine.sandbox.intacct.xml import children


class QueryError(ValueError):
    """The query cannot be run: bad syntax, unknown field or a value of the wrong format."""


@dataclass(frozen=True, slots=True)
class Compare:
    """`field op value` with op one of = != < <= > >=."""

    field: str
    op: str
    value: Stored


@dataclass(frozen=True, slots=True)
class In:
    """`field [NOT] IN (values)`."""

    field: str
    values: tuple[Stored, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Like:
    """`field [NOT] LIKE pattern` (% and _ wildcards, case-sensitive)."""

    field: str
    pattern: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull:
    """`field IS [NOT] NULL`."""

    field: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    """All of `items`."""

    items: tuple[Pred, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any of `items`."""

    items: tuple[Pred, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Not `item`."""

    item: Pred


@dataclass(frozen=True, slots=True)
class RowNum:
    """`rownum op n` (readByQuery only): limits the rows, not a condition."""

    op: str
    limit: int


Pred = Compare | In | Like | IsNull | And | Or | Not | RowNum

_PROTOCOL_FIELDS = {
    "RECORDNO": FieldInfo(name="RECORDNO", type="integer", readonly=True),
    "WHENCREATED": FieldInfo(name="WHENCREATED", type="datetime", readonly=True),
    "WHENMODIFIED": FieldInfo(name="WHENMODIFIED", type="datetime", readonly=True),
}


_NO_CODE = "\x00not-a-stored-code:"


class Binder:
    """Resolves field names against one object's catalog and converts literals to stored form."""

    def __init__(self, info: ObjectInfo, *, codes: bool, dotted: bool) -> None:
        self.info = info
        self.codes = codes
        self.dotted = dotted
        self._names = {n.upper(): n for n in info.fields}

    def field(self, name: str) -> str:
        """The catalog spelling of `name`; QueryError when the object has no such field."""
        if "." in name and not self.dotted:
            raise QueryError(f"You cannot query on a field that is a join by foreign key: {name}")
        found = self._names.get(name.upper())
        if found is None and name.upper() in _PROTOCOL_FIELDS:
            return name.upper()
        if found is None:
            raise QueryError(f"Field {name} not found in object {self.info.name}")
        return found

    def info_of(self, name: str) -> FieldInfo | None:
        """The FieldInfo of a bound field name."""
        return self.info.fields.get(name) or _PROTOCOL_FIELDS.get(name)

    def value(self, name: str, literal: str) -> Stored:
        """The stored form of `literal` compared with field `name`."""
        spec = self.info_of(name)
        if spec is None:
            return literal
        try:
            return self._convert(spec, literal)
        except BadValue as err:
            raise QueryError(str(err)) from None

    def _convert(self, spec: FieldInfo, literal: str) -> Stored:
        if self.codes and spec.query_codes:
            by_code = {code: label for label, code in spec.query_codes.items()}
            # Stored codes are compared, so a label (or any non-code) matches nothing.
            return by_code.get(literal, _NO_CODE + literal)
        if spec.type == "boolean":
            return parse_boolean(literal)
        if spec.type in ("picklist", "multipicklist"):
            return literal
        if spec.type in ("string", "textarea", "email", "phone", "url", "id", "reference"):
            return literal
        return parse_wire(spec, literal)


# -- readByQuery text ---------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)(?![A-Za-z_])
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL"})


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token of a readByQuery string."""

    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split a readByQuery string into tokens; QueryError at the first unreadable character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise QueryError(f"unexpected text at position {pos + 1}: {text[pos : pos + 20]!r}")
        kind, value = match.lastgroup, match.group(match.lastgroup)
        if kind == "ident" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        if kind == "string":
            value = _unquote(value)
        tokens.append(Token(kind, value, match.start(match.lastgroup)))
        pos = match.end()
    return tokens


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


class _TextParser:
    def __init__(self, tokens: list[Token], binder: Binder) -> None:
        self.tokens = tokens
        self.pos = 0
        self.binder = binder

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            found = "end of query" if token is None else repr(token.text)
            raise QueryError(f"expected {text or kind} but found {found}")
        self.pos += 1
        return token

    def accept(self, kind: str, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and token.text == text:
            self.pos += 1
            return True
        return False

    def parse(self) -> Pred:
        pred = self.or_()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.tokens[self.pos].text!r}")
        return pred

    def or_(self) -> Pred:
        items = [self.and_()]
        while self.accept("kw", "OR"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Pred:
        items = [self.not_()]
        while self.accept("kw", "AND"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Pred:
        if self.accept("kw", "NOT"):
            return Not(self.not_())
        if self.accept("punct", "("):
            pred = self.or_()
            self.take("punct", ")")
            return pred
        return self.comparison()

    def comparison(self) -> Pred:
        name = self.take("ident").text
        if name.lower() == "rownum":
            op = self.take("op").text
            return RowNum(op, int(float(self.take("number").text)))
        field = self.binder.field(name)
        if self.accept("kw", "IS"):
            negated = self.accept("kw", "NOT")
            self.take("kw", "NULL")
            return IsNull(field, negated)
        negated = self.accept("kw", "NOT")
        if self.accept("kw", "LIKE"):
            return Like(field, self.take("string").text, negated)
        if self.accept("kw", "IN"):
            return In(field, self.value_list(field), negated)
        if negated:
            raise QueryError("NOT must be followed by LIKE or IN here")
        op = self.take("op").text
        return Compare(field, "!=" if op == "<>" else op, self.literal(field))

    def value_list(self, field: str) -> tuple[Stored, ...]:
        self.take("punct", "(")
        values = [self.literal(field)]
        while self.accept("punct", ","):
            values.append(self.literal(field))
        self.take("punct", ")")
        return tuple(values)

    def literal(self, field: str) -> Stored:
        token = self.peek()
        if token is None or token.kind not in ("string", "number"):
            found = "end of query" if token is None else repr(token.text)
            raise QueryError(f"expected a value but found {found}")
        self.pos += 1
        return self.binder.value(field, token.text)


def parse_readbyquery(text: str, info: ObjectInfo) -> tuple[Pred | None, int | None]:
    """Parse a readByQuery string: (condition or None for all, rownum limit or None)."""
    tokens = tokenize(text or "")
    if not tokens:
        return None, None
    pred = _TextParser(tokens, Binder(info, codes=True, dotted=False)).parse()
    return _split_rownum(pred)


def _split_rownum(pred: Pred) -> tuple[Pred | None, int | None]:
    if isinstance(pred, RowNum):
        return None, _rownum_limit(pred)
    if isinstance(pred, And):
        limits = [_rownum_limit(p) for p in pred.items if isinstance(p, RowNum)]
        rest = tuple(p for p in pred.items if not isinstance(p, RowNum))
        _refuse_nested_rownum(rest)
        condition = rest[0] if len(rest) == 1 else And(rest) if rest else None
        return condition, min(limits) if limits else None
    _refuse_nested_rownum((pred,))
    return pred, None


def _rownum_limit(pred: RowNum) -> int:
    if pred.op == "<":
        return max(pred.limit - 1, 0)
    if pred.op in ("<=", "="):
        return pred.limit if pred.op == "<=" or pred.limit == 1 else 0
    raise QueryError("rownum supports only <, <= and = 1")


def _refuse_nested_rownum(items: tuple[Pred, ...]) -> None:
    for item in items:
        if isinstance(item, RowNum):
            raise QueryError("rownum may only be AND-ed at the top level")
        if isinstance(item, And | Or):
            _refuse_nested_rownum(item.items)
        if isinstance(item, Not):
            _refuse_nested_rownum((item.item,))


# -- query XML filter ---------------------------------------------------------------

_XML_COMPARE = {
    "equalto": "=",
    "notequalto": "!=",
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
}


def parse_filter(element: etree._Element, info: ObjectInfo) -> Pred:
    """Parse `<filter>` of the `query` function (exactly one top-level operator)."""
    operators = children(element)
    if len(operators) != 1:
        raise QueryError("filter must hold exactly one operator")
    return _xml_pred(operators[0], Binder(info, codes=False, dotted=True))


def _xml_pred(node: etree._Element, binder: Binder) -> Pred:
    tag = str(node.tag)
    if tag in ("and", "or"):
        items = tuple(_xml_pred(c, binder) for c in children(node))
        if len(items) < 2:
            raise QueryError(f"{tag} needs at least two conditions")
        return And(items) if tag == "and" else Or(items)
    field = binder.field(_field_of(node))
    values = [(v.text or "") for v in node.findall("value")]
    return _xml_leaf(tag, field, values, binder)


def _xml_leaf(tag: str, field: str, values: list[str], binder: Binder) -> Pred:
    if tag in ("isnull", "isnotnull"):
        return IsNull(field, tag == "isnotnull")
    if not values:
        raise QueryError(f"{tag} needs a value")
    if tag in _XML_COMPARE:
        return Compare(field, _XML_COMPARE[tag], binder.value(field, values[0]))
    if tag in ("like", "notlike"):
        return Like(field, values[0], tag == "notlike")
    if tag in ("in", "notin"):
        return In(field, tuple(binder.value(field, v) for v in values), tag == "notin")
    if tag == "between":
        if len(values) != 2:
            raise QueryError("between needs two values, the low one first")
        low, high = (binder.value(field, v) for v in values)
        return And((Compare(field, ">=", low), Compare(field, "<=", high)))
    raise QueryError(f"unknown filter operator {tag}")


def _field_of(node: etree._Element) -> str:
    field = node.find("field")
    if field is None or not (field.text or "").strip():
        raise QueryError(f"{node.tag} needs a field")
    return (field.text or "").strip()


# -- SQL ------------------------------------------------------------------------------

Column = Callable[[str], str]


def to_sql(
    pred: Pred | None, column: Column, caseinsensitive: bool = False
) -> tuple[str, list[Stored]]:
    """An SQL condition and its parameters for `pred` ('' matches everything)."""
    if pred is None:
        return "", []
    params: list[Stored] = []
    sql = _sql(pred, column, params, caseinsensitive)
    return sql, params


def _sql(pred: Pred, column: Column, params: list[Stored], ci: bool) -> str:
    if isinstance(pred, And | Or):
        joiner = " AND " if isinstance(pred, And) else " OR "
        return "(" + joiner.join(_sql(p, column, params, ci) for p in pred.items) + ")"
    if isinstance(pred, Not):
        return f"NOT ({_sql(pred.item, column, params, ci)})"
    if isinstance(pred, RowNum):
        raise QueryError("rownum may only be AND-ed at the top level")
    return _leaf_sql(pred, column, params, ci)


def _leaf_sql(
    pred: Compare | In | Like | IsNull, column: Column, params: list[Stored], ci: bool
) -> str:
    col = column(pred.field)
    if isinstance(pred, IsNull):
        return f"{col} IS {'NOT ' if pred.negated else ''}NULL"
    if ci:
        col = f"lower({col})"
    if isinstance(pred, Compare):
        params.append(_fold(pred.value, ci))
        return f"{col} {pred.op} ?"
    if isinstance(pred, Like):
        params.append(_fold(pred.pattern, ci))
        return f"{col} {'NOT ' if pred.negated else ''}LIKE ?"
    params.extend(_fold(v, ci) for v in pred.values)
    marks = ",".join("?" * len(pred.values))
    return f"{col} {'NOT ' if pred.negated else ''}IN ({marks})"


def _fold(value: Stored, ci: bool) -> Stored:
    return value.lower() if ci and isinstance(value, str) else value
