"""Plan fields written the way the compiler emits them, for the runner tests."""

from __future__ import annotations

from typing import Any

from mapsync.engine.language import compile_paths
from mapsync.engine.plan import PlanField
from mapsync.engine.resources import rules_dir


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


def shipped_field_groups() -> dict[str, tuple[PlanField, ...]]:
    """The plan fields of every shipped mapping, and of each of its line collections (as
    `Mapping.lines`), by name."""
    plan, loaded = compile_paths([rules_dir()])
    assert plan is not None, [str(d) for d in loaded.diagnostics]
    groups: dict[str, tuple[PlanField, ...]] = {}
    for mapping in plan.mappings:
        groups[mapping.name] = mapping.fields
        for lines in mapping.lines:
            groups[f"{mapping.name}.{lines.name}"] = lines.fields
    return groups
