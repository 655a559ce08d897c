"""Conditions of the plan (`when`, mapping filters), compiled once into closures.

A plan condition is `{"side": "intacct" | "salesforce", "expr": E}` (docs/language.md,
"Plan JSON"), where E is one of

    {"path": "STATUS"}                               a field of that side's record
    {"value": v}                                     a literal (string, number, bool, null)
    {"op": "==", "left": E, "right": E}              also != < <= > >=
    {"op": "in" | "not in", "left": E, "right": [v, ...]}
    {"op": "and" | "or", "args": [E, ...]}
    {"op": "not", "arg": E}

`compile_condition(plan)` returns a `Condition` whose `test(record)` answers a bool. There is
no `eval`: every node becomes a small closure. Semantics, chosen to be unsurprising for
admins writing filters:

- a missing field reads as null; `== null` / `!= null` test for it;
- an ordering (`<`, `<=`, `>`, `>=`) with a null operand is false (as in SQL);
- numbers compare by value (`Decimal("1.50") == 1.5`); a text value compared with a number
  is read as a number, and a text literal compared with a date or datetime is read as one
  (`CLOSEDATE >= "2024-01-01"`); values that still cannot be compared raise `ExprError`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mapsync.engine.errors import MapsyncError
from mapsync.engine.plan import PlanCondition, PlanExpr
from mapsync.engine.record import Record, Side

Evaluator = Callable[[Record], Any]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERINGS = frozenset({"<", "<=", ">", ">="})


class ExprError(MapsyncError, ValueError):
    """A condition could not be compiled or evaluated; the message names the operator and values.

    Fix the `when` clause (compare like with like) or the data, then replay the record.
    """


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition: `test(record)` is true when the record passes."""

    side: Side
    test: Callable[[Record], bool]
    paths: tuple[str, ...]

    def __call__(self, record: Record) -> bool:
        return self.test(record)


def compile_condition(plan: Mapping[str, Any]) -> Condition:
    """Compile a plan condition `{"side": ..., "expr": E}` into a `Condition`."""
    condition = plan if isinstance(plan, PlanCondition) else PlanCondition(plan)
    side: Side
    if condition.side == "intacct":
        side = "intacct"
    elif condition.side == "salesforce":
        side = "salesforce"
    else:
        raise ExprError(
            f"condition side must be 'intacct' or 'salesforce', not {condition.side!r}"
        )
    evaluate = compile_expr(condition.expr)
    paths = tuple(sorted(expr_paths(condition.expr)))
    return Condition(side=side, test=_truth(evaluate), paths=paths)


def condition_paths(plan: PlanCondition) -> tuple[str, tuple[str, ...]]:
    """The side a plan condition reads and the paths it reads there (sorted)."""
    return str(plan.side), tuple(sorted(expr_paths(plan.expr)))


def compile_expr(plan: Mapping[str, Any]) -> Evaluator:
    """Compile one expression node into a function record -> value."""
    node = plan if isinstance(plan, PlanExpr) else PlanExpr(plan)
    op = node.op
    if node.path is not None:
        path = node.path
        return lambda record: record.get(path)
    if node.is_value and op is None:
        value = _literal(node.value)
        return lambda record: value
    if op in _COMPARISONS:
        return _comparison(op, compile_expr(node.left), compile_expr(node.right))
    if op in ("in", "not in"):
        return _membership(op == "in", compile_expr(node.left), node.members)
    if op in ("and", "or"):
        return _junction(op, [compile_expr(arg) for arg in node.args])
    if op == "not":
        inner = _truth(compile_expr(node.arg))
        return lambda record: not inner(record)
    raise ExprError(f"unknown expression node {dict(node)!r}")


def expr_paths(node: PlanExpr) -> set[str]:
    """The field paths an expression reads (so readers can request them)."""
    if node.path is not None:
        return {node.path}
    found: set[str] = set()
    for child in node.operands():
        found |= expr_paths(child)
    return found


def _truth(evaluate: Evaluator) -> Callable[[Record], bool]:
    return lambda record: bool(evaluate(record))


def _literal(value: Any) -> Any:
    """Plan literals: JSON floats become Decimals so they compare exactly with money values."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _comparison(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    compare = _COMPARISONS[op]
    ordering = op in _ORDERINGS

    def evaluate(record: Record) -> bool:
        a, b = left(record), right(record)
        if a is None or b is None:
            return (not ordering) and compare(a, b)
        if isinstance(a, str) is not isinstance(b, str):
            try:
                a, b = _coerce_pair(a, b, op)
            except ExprError:
                if ordering:
                    raise
                return compare(a, b)
        try:
            return compare(a, b)
        except TypeError:
            raise ExprError(f"cannot compare {a!r} {op} {b!r}") from None

    return evaluate


def _membership(positive: bool, left: Evaluator, values: Iterable[Any]) -> Evaluator:
    literals = tuple(_literal(v) for v in values)
    try:
        fast: frozenset[Any] | None = frozenset(literals)
    except TypeError:
        fast = None

    def contains(value: Any) -> bool:
        if fast is not None and value in fast:
            return True
        return any(_equal(value, literal) for literal in literals)

    if positive:
        return lambda record: contains(left(record))
    return lambda record: not contains(left(record))


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if a == b:
        return True
    try:
        a, b = _coerce_pair(a, b, "in")
    except ExprError:
        return False
    return bool(a == b)


def _junction(op: str, parts: list[Evaluator]) -> Evaluator:
    if op == "and":
        return lambda record: all(part(record) for part in parts)
    return lambda record: any(part(record) for part in parts)


def _coerce_pair(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Read a text operand as the other operand's type (number, date or datetime)."""
    if isinstance(a, str) and not isinstance(b, str):
        return _coerce_text(a, b, op), b
    if isinstance(b, str) and not isinstance(a, str):
        return a, _coerce_text(b, a, op)
    raise ExprError(f"cannot compare {a!r} {op} {b!r}")


def _coerce_text(text: str, like: Any, op: str) -> Any:
    refused = ExprError(f"cannot compare {text!r} {op} {like!r}")
    try:
        if isinstance(like, int | Decimal | float) and not isinstance(like, bool):
            return Decimal(text.strip())
        if isinstance(like, dt.datetime):
            return _as_datetime(text, like)
        if isinstance(like, dt.date):
            return dt.date.fromisoformat(text.strip()[:10])
    except (ValueError, InvalidOperation):
        raise refused from None
    raise refused


def _as_datetime(text: str, like: dt.datetime) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if like.tzinfo is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if like.tzinfo is None and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value
