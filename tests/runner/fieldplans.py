"""Plan fields written the way the compiler emits them, for the runner tests."""

from __future__ import annotations

from typing import Any

from mapsync.engine.plan import PlanField


def step(op: str, **args: Any) -> dict[str, Any]:
    """One plan transform step."""
    return {"op": op, "args": args}


def plan_field(
    intacct: Any,
    salesforce: Any,
    direction: str = "to_salesforce",
    *steps: dict[str, Any],
    constant: Any = None,
    when: dict[str, Any] | None = None,
    line: int = 12,
) -> PlanField:
    """A plan field, read from its JSON form (docs/language.md, "Plan JSON")."""
    return PlanField.from_dict({
        "intacct": list(intacct) if isinstance(intacct, tuple) else intacct,
        "salesforce": list(salesforce) if isinstance(salesforce, tuple) else salesforce,
        "constant": constant,
        "direction": direction,
        "locked": False,
        "required": False,
        "transforms": list(steps),
        "when": when,
        "labels": {},
        "source": {"path": "rules/customer.map", "line": line, "column": 5},
    })
