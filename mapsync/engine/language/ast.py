"""The syntax tree of rule files: frozen, slotted dataclasses with tuple children.

Every node has a `span` (where it was written) that equality ignores, so moving a
rule or adding comments does not change what a rule set means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeVar, Union

from mapsync.engine.record import Side

Scalar = Union[str, int, float, bool, None]  # noqa: UP007 - a runtime alias
System = Side
Arrow = Literal["->", "<-", "<->", "off"]
BlockKind = Literal["mapping", "managed", "action"]


@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based line and column, end exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def end(self) -> tuple[int, int]:
        """The exclusive end as (line, column)."""
        return (self.end_line, self.end_column)


NO_SPAN = Span("<none>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: a mapping named by `after`, a language code in `languages`."""

    value: str
    span: Span = _span()


# ---- sides of a field rule --------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field path on one side (`DISPLAYCONTACT.MAILADDRESS.CITY`, `BillingCity`)."""

    path: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal written in place of a field: the value is written, never read."""

    value: Scalar
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldTuple:
    """Several paths in parentheses, joined into or split from one field."""

    paths: tuple[FieldRef, ...]
    span: Span = _span()


Operand = Union[FieldRef, Constant, FieldTuple]  # noqa: UP007 - one side of a field rule


# ---- transform steps ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStep:
    """A library step by name with literal arguments: `trim`, `decimal(2)`, `join(" ")`."""

    name: str
    args: tuple[Constant, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapStep:
    """`map { "a": "A" } [else "X" | else keep]`; `otherwise` is "fail", "value" or "keep"."""

    table: tuple[tuple[str, str], ...]
    otherwise: Literal["fail", "value", "keep"] = "fail"
    otherwise_value: str | None = None
    entry_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RefStep:
    """`ref Mapping`: an Intacct key <-> Salesforce Id through another mapping."""

    mapping: str
    span: Span = _span()


Step = Union[CallStep, MapStep, RefStep]  # noqa: UP007


# ---- conditions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathExpr:
    """A field of the record the condition looks at."""

    path: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ValueExpr:
    """A literal (string, number, boolean or null)."""

    value: Scalar
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    """`left OP right` with OP one of == != < <= > >=."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InList:
    """`left in [..]` or `left not in [..]`."""

    negated: bool
    left: Expr
    values: tuple[Scalar, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a and b and ...` or `a or b or ...`."""

    op: Literal["and", "or"]
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    """`not a`."""

    arg: Expr
    span: Span = _span()


Expr = Union[PathExpr, ValueExpr, Compare, InList, BoolOp, Not]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class Condition:
    """`when <side> <expr>`: a test on the record of one side."""

    side: System
    expr: Expr
    span: Span = _span()


# ---- statements inside blocks ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    """One translation: a Salesforce language code and its text."""

    language: str
    text: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LabelDecl:
    """A `label` line; it labels the field rule above it when indented deeper, else its block."""

    labels: tuple[Label, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ObjectDecl:
    """`intacct OBJECT [docparid "X"] [key F] [parent F]` or the `salesforce` equivalent."""

    system: System
    name: str
    docparid: str | None = None
    key: FieldRef | None = None
    parent: FieldRef | None = None
    name_span: Span = _span()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CreateDecl:
    """Which sides may create records: `create intacct from salesforce`, `both`, `none`."""

    sides: tuple[System, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConflictDecl:
    """`conflict newest|intacct|salesforce`: who wins when both sides changed a `<->` field."""

    policy: Literal["newest", "intacct", "salesforce"]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MatchDecl:
    """`match INTACCT_FIELD = SalesforceField`: natural key used to link existing records."""

    intacct: FieldRef
    salesforce: FieldRef
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DeleteDecl:
    """`delete ignore|propagate|deactivate [FIELD "value"]`."""

    mode: Literal["ignore", "propagate", "deactivate"]
    field: FieldRef | None = None
    value: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class WhenDecl:
    """A record filter on one side."""

    condition: Condition
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AfterDecl:
    """Explicit write-order dependencies on other mappings."""

    names: tuple[Name, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ResultDecl:
    """Actions: the Salesforce field that receives the key of the created Intacct record."""

    field: FieldRef
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldRule:
    """`<intacct side> <arrow> <salesforce side> [| step]* [when ...] [locked]` and its labels."""

    intacct: Operand
    arrow: Arrow
    salesforce: Operand
    steps: tuple[Step, ...] = ()
    when: Condition | None = None
    locked: bool = False
    labels: tuple[Label, ...] = ()
    arrow_span: Span = _span()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LinesDecl:
    """A line collection: `lines Name { ... }`, or in actions `lines element from Relationship`."""

    name: str
    relationship: str | None
    statements: tuple[Statement, ...]
    span: Span = _span()


Statement = Union[  # noqa: UP007
    ObjectDecl,
    LabelDecl,
    CreateDecl,
    ConflictDecl,
    MatchDecl,
    DeleteDecl,
    WhenDecl,
    AfterDecl,
    ResultDecl,
    FieldRule,
    LinesDecl,
]

S = TypeVar("S")


def statements_of(statements: tuple[Statement, ...], kind: type[S]) -> tuple[S, ...]:
    """The statements of one kind, in source order."""
    return tuple(s for s in statements if isinstance(s, kind))


def object_decl(statements: tuple[Statement, ...], system: System) -> ObjectDecl | None:
    """The first `intacct` or `salesforce` declaration among `statements`, or None."""
    for s in statements:
        if isinstance(s, ObjectDecl) and s.system == system:
            return s
    return None


# ---- top level -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """`mapping|managed|action Name { ... }`."""

    kind: BlockKind
    name: str
    statements: tuple[Statement, ...]
    name_span: Span = _span()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LanguagesDecl:
    """`languages en_US fr ...`: the rule set's languages."""

    codes: tuple[Name, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RuleFile:
    """One parsed `.map` file; `path` is shown to users, `name` goes into the plan."""

    path: str
    name: str
    items: tuple[Block | LanguagesDecl, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Several rule files that form one rule set."""

    files: tuple[RuleFile, ...]

    def blocks(self) -> tuple[Block, ...]:
        """Every mapping, managed mapping and action, in file order."""
        return tuple(i for f in self.files for i in f.items if isinstance(i, Block))

    def languages(self) -> tuple[LanguagesDecl, ...]:
        """Every `languages` declaration, in file order."""
        return tuple(i for f in self.files for i in f.items if isinstance(i, LanguagesDecl))
