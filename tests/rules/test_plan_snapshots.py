"""Snapshot of the compiled plan, one per shipped rule file (that file's mappings)."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.plan import Plan, dumps_json
from engine.resources import rules_dir

RULE_FILES = sorted(p.name for p in rules_dir().glob("*.map"))


@pytest.mark.parametrize("name", RULE_FILES)
def test_compiled_plan_of_rule_file(name: str, plan: Plan, snapshot: SnapshotAssertion) -> None:
    mine = [m.to_dict() for m in plan.mappings if m.source.path.endswith(f"/{name}")]
    document = {"languages": list(plan.languages), "file": name, "mappings": mine}
    assert dumps_json(document) == snapshot
