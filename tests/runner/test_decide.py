"""Pair decisions: echo suppression, one-way ownership, conflicts per policy, creation."""

from __future__ import annotations

from typing import Any

import pytest

from mapsync.engine.program import FieldRule, RefPending, TransformError
from mapsync.engine.runner.decide import Shadow, creation, decide


def rule(i: str, s: str, direction: str, fwd: Any = None, back: Any = None) -> FieldRule:
    fwd = fwd or (lambda v: v)
    back = back or (lambda v: v)
    return FieldRule(
        id=f"{i}|{s}",
        direction=direction,
        intacct_fields=(i,),
        salesforce_fields=(s,),
        to_salesforce=lambda r: {s: fwd(r.get(i))},
        to_intacct=lambda r: {i: back(r.get(s))},
        source="rules/x.map:1:1",
    )


NAME = rule("NAME", "Name", "to_intacct")
STATUS = rule("STATUS", "Status__c", "to_salesforce", str.upper, str.lower)
CITY = rule("CITY", "BillingCity", "both")


def linked_shadow() -> Shadow:
    return Shadow(
        intacct={
            "NAME|Name": "Acme",
            "STATUS|Status__c": "active",
            "CITY|BillingCity": "Paris",
        },
        salesforce={
            "NAME|Name": "Acme",
            "STATUS|Status__c": "ACTIVE",
            "CITY|BillingCity": "Paris",
        },
    )


def test_echo_of_our_own_write_changes_nothing() -> None:
    intacct = {"NAME": "Acme", "STATUS": "active", "CITY": "Paris"}
    salesforce = {"Name": "Acme", "Status__c": "ACTIVE", "BillingCity": "Paris"}
    decision = decide([NAME, STATUS, CITY], intacct, salesforce, linked_shadow())
    assert decision.empty
    assert decision.conflicts == []


def test_intacct_change_flows_to_salesforce_only() -> None:
    decision = decide(
        [NAME, STATUS, CITY],
        {"NAME": "Acme", "STATUS": "inactive", "CITY": "Lyon"},
        None,
        linked_shadow(),
    )
    assert decision.salesforce_patch == {"Status__c": "INACTIVE", "BillingCity": "Lyon"}
    assert decision.intacct_patch == {}
    assert decision.shadow.salesforce["CITY|BillingCity"] == "Lyon"


def test_salesforce_edit_of_intacct_owned_field_is_put_back() -> None:
    intacct = {"NAME": "Acme", "STATUS": "active", "CITY": "Paris"}
    salesforce = {"Name": "Acme", "Status__c": "HACKED", "BillingCity": "Paris"}
    decision = decide([NAME, STATUS, CITY], intacct, salesforce, linked_shadow())
    assert decision.salesforce_patch == {"Status__c": "ACTIVE"}


@pytest.mark.parametrize(
    ("policy", "newest", "patch_side", "value"),
    [
        ("intacct", "salesforce", "salesforce", "Lyon"),
        ("salesforce", "intacct", "intacct", "Nice"),
        ("newest", "salesforce", "intacct", "Nice"),
        ("newest", "intacct", "salesforce", "Lyon"),
    ],
)
def test_conflict_follows_policy(policy: str, newest: str, patch_side: str, value: str) -> None:
    decision = decide(
        [CITY],
        {"CITY": "Lyon"},
        {"BillingCity": "Nice"},
        linked_shadow(),
        policy=policy,
        newest=lambda: newest,  # type: ignore[arg-type,return-value]
    )
    assert len(decision.conflicts) == 1
    conflict = decision.conflicts[0]
    assert (conflict.intacct_value, conflict.salesforce_value) == ("Lyon", "Nice")
    patch = decision.salesforce_patch if patch_side == "salesforce" else decision.intacct_patch
    assert list(patch.values()) == [value]


def test_first_link_of_equal_records_writes_nothing_and_records_shadow() -> None:
    decision = decide([CITY], {"CITY": "Paris"}, {"BillingCity": "Paris"}, Shadow())
    assert decision.empty
    assert decision.shadow.intacct == {"CITY|BillingCity": "Paris"}


def test_first_link_of_different_records_is_not_a_conflict() -> None:
    decision = decide(
        [CITY], {"CITY": "Paris"}, {"BillingCity": "Rome"}, Shadow(), policy="intacct"
    )
    assert decision.conflicts == []
    assert decision.salesforce_patch == {"BillingCity": "Paris"}


def test_creation_takes_fields_flowing_to_the_target() -> None:
    decision = creation(
        [NAME, STATUS, CITY], "intacct", {"NAME": "A", "STATUS": "active", "CITY": "X"}
    )
    assert decision.salesforce_patch == {"Status__c": "ACTIVE", "BillingCity": "X"}
    assert decision.shadow.intacct["STATUS|Status__c"] == "active"


def test_failing_rule_names_its_source_and_pending_ref_propagates() -> None:
    def boom(_: Any) -> Any:
        raise ValueError("no")

    def pending(_: Any) -> Any:
        raise RefPending("ARTerm", "Net 30")

    with pytest.raises(TransformError, match="rules/x.map:1:1"):
        decide([rule("A", "B", "to_salesforce", boom)], {"A": 1}, None, Shadow())
    with pytest.raises(RefPending):
        decide([rule("A", "B", "to_salesforce", pending)], {"A": 1}, None, Shadow())


@pytest.mark.parametrize("policy", ["intacct", "salesforce", "newest"])
def test_first_link_fills_blanks_whatever_the_policy(policy: str) -> None:
    filled = decide(
        [CITY],
        {"CITY": None},
        {"BillingCity": "Rome"},
        Shadow(),
        policy=policy,
        newest=lambda: "intacct",
    )
    assert filled.intacct_patch == {"CITY": "Rome"}
    kept = decide(
        [CITY],
        {"CITY": "Paris"},
        {"BillingCity": None},
        Shadow(),
        policy=policy,
        newest=lambda: "salesforce",
    )
    assert kept.salesforce_patch == {"BillingCity": "Paris"}
