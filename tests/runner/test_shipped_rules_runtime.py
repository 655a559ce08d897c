"""The contract between compiler and runtime: every shipped rule builds into transforms."""

from __future__ import annotations

from typing import Any

import pytest

from mapsync.engine.program import FLOWS, Flow, RefPending, compile_field, compile_fields
from tests.runner.fieldplans import shipped_field_groups

GROUPS = shipped_field_groups()


def no_links(mapping: str, side: str) -> dict[str, str]:
    return {}


@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_every_shipped_field_compiles_and_runs(name: str, flow: Flow) -> None:
    fields = GROUPS[name]
    transform = compile_fields(fields, flow, no_links, timezone="America/New_York")
    assert len(transform.fields) == sum(f.direction in ("both", flow) for f in fields)
    payload: dict[str, Any] = transform.apply({})  # an empty record: nulls pass every step
    assert set(payload) <= transform.target_fields


def test_ref_fields_of_shipped_rules_wait_for_their_parent() -> None:
    refs = [(name, f) for name, fields in GROUPS.items() for f in fields
            if f.direction != "off" and any(s.op == "ref" for s in f.transforms)
            and isinstance(f.intacct, str) and isinstance(f.salesforce, str)]
    assert refs, "the standard rules use ref"
    for _, f in refs:
        flow: Flow = "to_intacct" if f.direction == "to_intacct" else "to_salesforce"
        source = f.salesforce if flow == "to_intacct" else f.intacct
        with pytest.raises(RefPending):
            compile_field(f, flow, no_links).values({source: "K-1"})
