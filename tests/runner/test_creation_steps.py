"""A creation decides, from the mapping's function, what visiting its rules one by one gives.

The runner's creation (`decide.creation` with the mapping's program) loops over steps
prepared once per mapping and flow. Here the same decision is written plainly, rule by
rule from the rule objects, as the specification: over every shipped mapping, both ways,
values of any class in any field, both must give the same patch, shadows and changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapsync.engine.program import CompiledMapping, RefPending, TransformError
from mapsync.engine.program.canonical import shadow_value
from mapsync.engine.record import Side
from mapsync.engine.runner.decide import Shadow, creation
from tests.runner.shipped_mappings import mapping, outcome, paths
from tests.runner.test_update_function import ANY, NAMES


def by_rule(m: CompiledMapping, source: Side, record: dict[str, Any]) -> Any:
    """The creation decision written rule by rule (patch, shadow, changes)."""
    target: Side = "salesforce" if source == "intacct" else "intacct"
    payload = m.program(target).apply(record)
    shadow: dict[Side, dict[str, Any]] = {"intacct": {}, "salesforce": {}}
    patch: dict[str, Any] = {}
    changes = []
    for rule in m.rules:
        if rule.direction not in ("both", f"to_{target}"):
            continue
        fields = rule.salesforce_fields if target == "salesforce" else rule.intacct_fields
        if not fields or fields[0] not in payload:
            continue
        sources = rule.intacct_fields if source == "intacct" else rule.salesforce_fields
        shadow[source][rule.id] = shadow_value(record, sources)
        expected = shadow[target][rule.id] = shadow_value(payload, fields)
        patch.update((f, payload.get(f)) for f in fields)
        if expected != (None if len(fields) == 1 else [None] * len(fields)):
            changes.append((rule.id, target, None, expected))
    patches = (patch, {}) if target == "salesforce" else ({}, patch)
    return (*patches, Shadow(shadow["intacct"], shadow["salesforce"]).to_json(), changes, [])


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_creation_decides_like_every_rule(name: str, data: st.DataObject) -> None:
    m = mapping(name)
    source: Side = data.draw(st.sampled_from(["intacct", "salesforce"]))
    target: Side = "salesforce" if source == "intacct" else "intacct"
    record = {p: data.draw(ANY) for p in paths(m, source)}
    made = outcome(lambda: creation(m.rules, source, record, m.program(target)))
    try:
        expected = by_rule(m, source, record)
    except (TransformError, RefPending) as exc:
        expected = (type(exc).__name__, str(exc))
    assert made == expected


def test_steps_are_prepared_once_per_mapping_and_flow() -> None:
    m = mapping("Customer")
    program = m.program("intacct")
    creation(m.rules, "salesforce", {"Name": "Acme"}, program)
    steps = program.memo["creation"]
    creation(m.rules, "salesforce", {"Name": "Beta"}, program)
    assert program.memo["creation"] is steps and steps[0] is m.rules
