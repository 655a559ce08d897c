"""The mapping's generated function names the rule that failed, on the standard rules.

For every shipped mapping (and line collection) and both flows, hypothesis draws records of
plausible values (numbers, dates, booleans, map keys, linked and unlinked references, text),
then spoils some fields with a text no number, date, boolean or map accepts. Whatever the
function is, the rules whose first step rejects that text (read from the plan, not from the
runtime) must be exactly the ones it reports: all of them in an update's error map, the one
spoiled rule when a create fails; and a record with no spoiled field fails only by waiting
for its unlinked references.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapsync.engine.plan import PlanField
from mapsync.engine.program import (
    FLOWS,
    Flow,
    RecordTransform,
    RefPending,
    TransformError,
    compile_fields,
)
from tests.runner.fieldplans import shipped_field_groups

BAD = "zz-not-a-value"
REJECTS = frozenset({"currency", "decimal", "number", "date", "datetime", "bool"})
LINKS = {f"K{i}": f"a0B{i:015d}" for i in range(5)}
BACK = {v: k for k, v in LINKS.items()}
RUNS = {"to_salesforce": ("to_salesforce", "both"), "to_intacct": ("to_intacct", "both")}


def resolver(mapping: str, side: str) -> dict[str, str]:
    return LINKS if side == "salesforce" else BACK


GROUPS = shipped_field_groups()


@cache
def program(name: str, flow: Flow) -> RecordTransform:
    return compile_fields(GROUPS[name], flow, resolver, timezone="America/New_York")


def first_step(field: PlanField, flow: Flow) -> tuple[str, dict[str, Any]] | None:
    """The op applied first in `flow` and its arguments, as the plan says."""
    steps = list(field.transforms)
    if not steps:
        return None
    if field.direction == "both" and flow == "to_intacct":
        return steps[-1].op, dict(steps[-1].args)  # the inverse of the last step runs first
    return steps[0].op, dict(steps[0].args)


def rejects(field: PlanField, flow: Flow) -> bool:
    """True when the field's first step fails on a text that means nothing."""
    found = first_step(field, flow)
    if found is None:
        return False
    op, args = found
    if op == "map":
        return (args.get("else") or {}).get("mode", "fail") == "fail"
    return op in REJECTS


def source(field: PlanField, flow: Flow) -> Any:
    return field.salesforce if flow == "to_intacct" else field.intacct


def good_values(field: PlanField, flow: Flow) -> st.SearchStrategy[Any]:
    """Values the field's steps accept (unlinked references included: they wait)."""
    found = first_step(field, flow)
    op, args = found if found else ("", {})
    inverse = field.direction == "both" and flow == "to_intacct"
    if op in ("currency", "decimal", "number"):
        return st.one_of(st.decimals(min_value=-10**6, max_value=10**6, places=3),
                         st.integers(-999, 999), st.just("12.50"))
    if op == "date":
        return st.one_of(st.dates(), st.just("2024-01-02"), st.just("01/02/2024"))
    if op == "datetime":
        return st.one_of(st.datetimes(min_value=dt.datetime(1990, 1, 1)),
                         st.just("2024-01-02T03:04:05"))
    if op == "bool":
        return st.one_of(st.booleans(), st.sampled_from(["true", "false"]))
    if op == "map":
        table = args.get("table") or {}
        keys = list(table.values() if inverse else table)
        return st.sampled_from(keys) if keys else st.none()
    if op == "ref":
        keys = list(BACK if flow == "to_intacct" else LINKS)
        return st.sampled_from([*keys, "K-unlinked"])
    return st.one_of(st.none(), st.text(max_size=12))


def running(name: str, flow: Flow) -> list[PlanField]:
    return [f for f in GROUPS[name] if f.direction in RUNS[flow]]


@st.composite
def records(draw: Any, name: str, flow: Flow) -> tuple[dict[str, Any], list[PlanField]]:
    """A record of good values, and the single-path fields spoiled with BAD."""
    record: dict[str, Any] = {}
    spoiled: list[PlanField] = []
    for field in running(name, flow):
        path = source(field, flow)
        if isinstance(path, str):
            if draw(st.integers(0, 5)) == 0:
                record[path] = BAD
                spoiled.append(field)
            else:
                record[path] = draw(good_values(field, flow))
        elif isinstance(path, tuple):
            record.update({p: draw(st.one_of(st.none(), st.text(max_size=8))) for p in path})
    # A path read by two rules holds the last value drawn: spoiled means spoiled for both.
    spoiled = [f for f in running(name, flow)
               if isinstance(source(f, flow), str) and record.get(source(f, flow)) == BAD]
    return record, spoiled


CASES = [(name, flow) for name in sorted(GROUPS) for flow in FLOWS if running(name, flow)]


@pytest.mark.parametrize(("name", "flow"), CASES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_each_failure_names_its_rule(name: str, flow: Flow, data: st.DataObject) -> None:
    record, spoiled = data.draw(records(name, flow))
    failing = {str(f.source) for f in spoiled if rejects(f, flow)}
    compiled = program(name, flow)

    errors: dict[str, Exception] = {}
    compiled.evaluate(record, errors)  # an update: every rule runs, failures kept by rule
    assert set(errors) == failing
    assert all(isinstance(e, TransformError) and e.rule == rule for rule, e in errors.items())

    try:
        compiled.apply(record)  # a create: the record fails alone, naming the rule
    except TransformError as exc:
        assert exc.rule in failing
        described = {str(f.source): f for f in spoiled}
        assert exc.value == BAD and exc.step == first_step(described[exc.rule], flow)[0]
    except RefPending as exc:
        unconditional = {str(f.source) for f in spoiled if f.when is None}
        assert not failing & unconditional
        links = BACK if flow == "to_intacct" else LINKS
        refs = [f for f in running(name, flow) if (first_step(f, flow) or ("",))[0] == "ref"]
        unlinked = {record.get(source(f, flow)) for f in refs} - set(links)
        assert exc.pending and {p.value for p in exc.pending} <= unlinked
    else:
        assert not {str(f.source) for f in spoiled if f.when is None} & failing


def test_a_single_spoiled_rule_is_the_one_named() -> None:
    fields = running("Customer", "to_salesforce")
    status = next(f for f in fields if f.intacct == "STATUS")
    with pytest.raises(TransformError) as caught:
        program("Customer", "to_salesforce").apply({"STATUS": BAD, "CUSTTYPE": "K1"})
    assert caught.value.rule == str(status.source)
    assert caught.value.field == "STATUS <-> Intacct_Status__c"
    assert caught.value.rule.startswith("rules/customers.map:")
    assert (caught.value.step, caught.value.value) == ("map", BAD)
