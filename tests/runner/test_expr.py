"""Plan conditions compiled into closures: operators, nulls, coercions and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from mapsync.engine.program.expr import ExprError, compile_condition, compile_expr


def path(name: str) -> dict[str, Any]:
    return {"path": name}


def lit(value: Any) -> dict[str, Any]:
    return {"value": value}


def cmp(op: str, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"op": op, "left": left, "right": right}


def holds(expr: dict[str, Any], record: dict[str, Any]) -> bool:
    return compile_condition({"side": "intacct", "expr": expr}).test(record)


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("==", "active", "active", True),
        ("!=", "active", "inactive", True),
        ("<", 1, 2, True),
        ("<=", 2, 2, True),
        (">", Decimal("2.5"), 2, True),
        (">=", Decimal("1.50"), 1.5, True),
        ("==", Decimal("0.1"), 0.1, True),  # JSON float literals compare as decimals
        ("<", "b", "a", False),
    ],
)
def test_comparisons(op: str, left: Any, right: Any, expected: bool) -> None:
    assert holds(cmp(op, path("X"), lit(right)), {"X": left}) is expected


def test_null_tests_and_missing_fields() -> None:
    assert holds(cmp("==", path("PHONE"), lit(None)), {})
    assert holds(cmp("!=", path("PHONE"), lit(None)), {"PHONE": "555"})
    assert not holds(cmp("<", path("N"), lit(5)), {"N": None})
    assert not holds(cmp(">=", path("N"), lit(5)), {})


def test_in_and_not_in() -> None:
    expr = {"op": "in", "left": path("S"), "right": ["active", "hold", None]}
    assert holds(expr, {"S": "hold"})
    assert holds(expr, {})
    assert not holds(expr, {"S": "closed"})
    assert holds({"op": "not in", "left": path("N"), "right": [1, 2]}, {"N": 3})
    assert holds({"op": "in", "left": path("N"), "right": [1.5]}, {"N": Decimal("1.50")})


def test_and_or_not_short_circuit() -> None:
    boom = cmp("<", path("TEXT"), lit(3))  # would raise: text against a number
    assert not holds({"op": "and", "args": [lit(False), boom]}, {"TEXT": "x"})
    assert holds({"op": "or", "args": [lit(True), boom]}, {"TEXT": "x"})
    assert holds({"op": "not", "arg": cmp("==", path("A"), lit(1))}, {"A": 2})


def test_text_is_read_as_the_other_operands_type() -> None:
    assert holds(cmp(">=", path("D"), lit("2024-01-01")), {"D": dt.date(2024, 3, 1)})
    assert holds(cmp("<", path("T"), lit("2024-01-01T00:00:00")),
                 {"T": dt.datetime(2023, 12, 31, 23, 0, tzinfo=dt.UTC)})
    assert holds(cmp("==", path("N"), lit(42)), {"N": "42"})
    assert not holds(cmp("==", path("N"), lit(42)), {"N": "forty-two"})


def test_incomparable_ordering_raises() -> None:
    with pytest.raises(ExprError, match="cannot compare 'forty' < 3"):
        holds(cmp("<", path("N"), lit(3)), {"N": "forty"})
    with pytest.raises(ExprError):
        holds(cmp("<", path("B"), lit(True)), {"B": dt.date(2024, 1, 1)})


def test_condition_lists_its_paths_and_side() -> None:
    cond = compile_condition({"side": "salesforce", "expr": {"op": "and", "args": [
        cmp("==", path("IsClosed"), lit(False)), {"op": "not", "arg": path("IsWon")}]}})
    assert cond.side == "salesforce"
    assert cond.paths == ("IsClosed", "IsWon")
    assert cond({"IsClosed": False, "IsWon": False})


def test_malformed_nodes_are_refused() -> None:
    with pytest.raises(ExprError, match="unknown expression node"):
        compile_expr({"op": "xor", "args": []})
    with pytest.raises(ExprError, match="side"):
        compile_condition({"side": "both", "expr": lit(True)})


def test_frozen_plan_values_work_too() -> None:
    from types import MappingProxyType

    expr = MappingProxyType({"op": "in", "left": MappingProxyType(path("S")),
                             "right": ("a", "b")})
    assert holds(expr, {"S": "b"})  # type: ignore[arg-type]
