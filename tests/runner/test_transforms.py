"""Every transform step, both ways, and the record-level compiled transform."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fieldplans import plan_field, step

from mapsync.engine.program import (
    CompileError,
    RefPending,
    TransformError,
    compile_field,
    compile_fields,
)

PARIS = ZoneInfo("Europe/Paris")
TERMS = {"Net 30": "a0B000000000030", "Net 60": "a0B000000000060"}
TERM_KEYS = {v: k for k, v in TERMS.items()}


def resolver(mapping: str, side: str) -> dict[str, str]:
    assert mapping == "ARTerm"
    return TERMS if side == "salesforce" else TERM_KEYS


def forward(value: Any, *steps: dict[str, Any], **kw: Any) -> Any:
    """Run `steps` on `value` from Intacct to Salesforce (`->`)."""
    ft = compile_field(plan_field("A", "B", "to_salesforce", *steps), "to_salesforce",
                       resolver, **kw)
    return ft.read({"A": value})


def backward(value: Any, *steps: dict[str, Any], **kw: Any) -> Any:
    """Run the inverse of `steps` on `value` from Salesforce to Intacct (a `<->` rule)."""
    ft = compile_field(plan_field("A", "B", "both", *steps), "to_intacct", resolver, **kw)
    return ft.read({"B": value})


def to_intacct(value: Any, *steps: dict[str, Any]) -> Any:
    """Run `steps` as written on a `<-` rule (Salesforce to Intacct)."""
    ft = compile_field(plan_field("A", "B", "to_intacct", *steps), "to_intacct", resolver)
    return ft.read({"B": value})


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("trim", "  Acme \t", "Acme"),
        ("upper", "acme", "ACME"),
        ("lower", "ACME", "acme"),
        ("title", "acme corp", "Acme Corp"),
        ("trim", None, None),
        ("upper", Decimal("1.5"), Decimal("1.5")),
    ],
)
def test_text_steps(op: str, value: Any, expected: Any) -> None:
    assert forward(value, step(op)) == expected


def test_text_steps_have_no_inverse() -> None:
    with pytest.raises(CompileError, match="step 'trim' has no inverse"):
        backward("x", step("trim"))


STATUS = step("map", table={"active": "Active", "inactive": "Inactive"},
              **{"else": {"mode": "fail"}})


def test_map_and_its_reversed_map() -> None:
    assert forward("active", STATUS) == "Active"
    assert backward("Inactive", STATUS) == "inactive"
    assert forward(None, STATUS) is None


def test_unmapped_value_fails_naming_step_rule_and_value() -> None:
    with pytest.raises(TransformError) as caught:
        forward("archived", STATUS)
    err = caught.value
    assert (err.step, err.rule, err.value) == ("map", "rules/customer.map:12:5", "archived")
    assert "step 'map' failed at rules/customer.map:12:5 (A -> B)" in str(err)
    assert err.to_dict()["transient"] is False


def test_map_else_value_and_keep() -> None:
    other = step("map", table={"US": "United States"}, **{"else": {"mode": "value", "value": "?"}})
    keep = step("map", table={"US": "United States"}, **{"else": {"mode": "keep"}})
    assert forward("FR", other) == "?"
    assert forward("FR", keep) == "FR"
    assert backward("United States", keep) == "US"
    assert backward("France", keep) == "France"
    with pytest.raises(CompileError, match="no inverse"):
        backward("?", other)


def test_map_that_is_not_one_to_one_has_no_inverse() -> None:
    many = step("map", table={"a": "X", "b": "X"}, **{"else": {"mode": "fail"}})
    with pytest.raises(CompileError, match="one-to-one"):
        backward("X", many)


def test_map_reads_non_text_values_by_their_text() -> None:
    flags = step("map", table={"true": "Yes", "false": "No", "3": "three"},
                 **{"else": {"mode": "fail"}})
    assert forward(True, flags) == "Yes"
    assert forward(3, flags) == "three"


def test_default() -> None:
    assert forward(None, step("default", value="n/a")) == "n/a"
    assert forward("", step("default", value="n/a")) == "n/a"
    assert forward("x", step("default", value="n/a")) == "x"


def test_join_and_split() -> None:
    fwd = compile_field(
        plan_field(("FIRST", "LAST"), "Name", "both", step("join", sep=" ")), "to_salesforce")
    assert fwd.read({"FIRST": "Ada", "LAST": "Lovelace"}) == "Ada Lovelace"
    assert fwd.read({"FIRST": "", "LAST": "Lovelace"}) == "Lovelace"
    assert fwd.read({}) is None
    back = compile_field(
        plan_field(("FIRST", "LAST"), "Name", "both", step("join", sep=" ")), "to_intacct")
    assert back.values({"Name": "Jean Paul Sartre"}) == {"FIRST": "Jean", "LAST": "Paul Sartre"}
    assert back.values({"Name": "Cher"}) == {"FIRST": "Cher", "LAST": None}
    assert back.values({"Name": None}) == {"FIRST": None, "LAST": None}


def test_split_as_written() -> None:
    ft = compile_field(
        plan_field("NAME", ("First__c", "Last__c"), "to_salesforce", step("split", sep=",")),
        "to_salesforce")
    assert ft.values({"NAME": "a,b,c"}) == {"First__c": "a", "Last__c": "b,c"}
    with pytest.raises(TransformError, match="split needs text"):
        ft.values({"NAME": 5})


def test_truncate() -> None:
    assert forward("abcdef", step("truncate", length=3)) == "abc"
    assert forward(12345, step("truncate", length=2)) == "12"
    assert forward(None, step("truncate", length=2)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("-2.675"), Decimal("-2.68")),
        ("2.665", Decimal("2.67")),
        (2.675, Decimal("2.68")),  # read by its repr, not its binary expansion
        (7, Decimal("7.00")),
        (" 1,250.5 ", Decimal("1250.50")),
        ("", None),
        (None, None),
    ],
)
def test_decimal_rounds_half_up(value: Any, expected: Any) -> None:
    assert forward(value, step("decimal", places=2)) == expected
    assert backward(value, step("decimal", places=2)) == expected


@pytest.mark.parametrize("bad", ["abc", True, Decimal("Infinity"), "NaN"])
def test_decimal_rejects_what_is_not_a_finite_number(bad: Any) -> None:
    with pytest.raises(TransformError) as caught:
        forward(bad, step("decimal", places=0))
    assert caught.value.step == "decimal"


def test_currency_and_number() -> None:
    assert forward(Decimal("10.005"), step("currency")) == Decimal("10.01")
    assert forward("42", step("number")) == Decimal("42")
    assert forward(42, step("number")) == 42
    assert backward("1.5", step("number")) == Decimal("1.5")
    assert forward("", step("number")) is None
    with pytest.raises(TransformError, match="not a number"):
        forward("forty", step("number"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 3, 8), dt.date(2024, 3, 8)),
        ("03/08/2024", dt.date(2024, 3, 8)),
        ("2024-03-08", dt.date(2024, 3, 8)),
        (dt.datetime(2024, 3, 8, 23, 0), dt.date(2024, 3, 8)),
        ("", None),
    ],
)
def test_date_both_ways(value: Any, expected: Any) -> None:
    assert forward(value, step("date")) == expected
    assert backward(value, step("date")) == expected


def test_date_rejects_other_text() -> None:
    with pytest.raises(TransformError, match="not a date"):
        forward("13/45/2024", step("date"))


def test_datetime_company_time_to_utc_and_back() -> None:
    paris = step("datetime", tz="Europe/Paris")
    winter = dt.datetime(2024, 1, 15, 10, 30)
    summer = dt.datetime(2024, 7, 15, 10, 30)
    assert forward(winter, paris) == dt.datetime(2024, 1, 15, 9, 30, tzinfo=dt.UTC)
    assert forward(summer, paris) == dt.datetime(2024, 7, 15, 8, 30, tzinfo=dt.UTC)
    assert backward(dt.datetime(2024, 7, 15, 8, 30, tzinfo=dt.UTC), paris) == summer
    assert backward(dt.datetime(2024, 7, 15, 8, 30), paris) == summer  # naive read as UTC


def test_datetime_accepts_wire_strings() -> None:
    paris = step("datetime", tz="Europe/Paris")
    assert forward("01/15/2024 10:30:00", paris) == dt.datetime(2024, 1, 15, 9, 30, tzinfo=dt.UTC)
    assert backward("2024-01-15T09:30:00.000+0000", paris) == dt.datetime(2024, 1, 15, 10, 30)
    with pytest.raises(TransformError, match="not a datetime"):
        forward("yesterday", paris)


def test_datetime_without_zone_uses_the_company_zone() -> None:
    got = forward(dt.datetime(2024, 1, 15, 10, 30), step("datetime", tz=None),
                  timezone="America/New_York")
    assert got == dt.datetime(2024, 1, 15, 15, 30, tzinfo=dt.UTC)
    assert forward(dt.datetime(2024, 1, 15, 10, 30), step("datetime", tz=None)) == dt.datetime(
        2024, 1, 15, 10, 30, tzinfo=dt.UTC)
    with pytest.raises(CompileError, match="unknown time zone"):
        forward(None, step("datetime", tz="Mars/Olympus"))


def test_bool_default_codes() -> None:
    plain = step("bool", true="true", false="false")
    assert forward("true", plain) is True
    assert forward("False", plain) is False
    assert forward(True, plain) is True
    assert backward(False, plain) is False  # the connector writes Python booleans as false
    assert to_intacct(True, step("bool")) is True
    with pytest.raises(TransformError, match="not a boolean code"):
        forward("maybe", plain)


def test_bool_custom_codes() -> None:
    codes = step("bool", true="T", false="F")
    assert forward("T", codes) is True
    assert forward("f", codes) is False
    assert backward(True, codes) == "T"
    assert backward(False, codes) == "F"
    assert to_intacct(False, codes) == "F"
    assert backward(None, codes) is None


def test_ref_both_ways_and_pending() -> None:
    ref = step("ref", mapping="ARTerm")
    assert forward("Net 30", ref) == "a0B000000000030"
    assert backward("a0B000000000060", ref) == "Net 60"
    assert forward(None, ref) is None
    assert forward("Net 90", ref) == RefPending("ARTerm", "Net 90", "salesforce")
    assert backward("a0Bxxx", ref) == RefPending("ARTerm", "a0Bxxx", "intacct")


def test_steps_after_a_pending_ref_leave_the_marker_alone() -> None:
    assert forward("Net 90", step("ref", mapping="ARTerm"), step("upper")) == RefPending(
        "ARTerm", "Net 90", "salesforce")


def test_ref_needs_a_resolver() -> None:
    field = plan_field("A", "B", "to_salesforce", step("ref", mapping="ARTerm"))
    with pytest.raises(CompileError, match="resolver"):
        compile_field(field, "to_salesforce")


def test_prefix_and_suffix_and_their_inverse() -> None:
    assert forward("42", step("prefix", value="C-")) == "C-42"
    assert forward(42, step("suffix", value="/x")) == "42/x"
    assert backward("C-42", step("prefix", value="C-")) == "42"
    assert backward("42/x", step("suffix", value="/x")) == "42"
    assert backward("edited", step("prefix", value="C-")) == "edited"
    assert forward("C-42", step("strip_prefix", value="C-")) == "42"
    assert backward("42", step("strip_suffix", value="!")) == "42!"


def test_inverse_runs_steps_in_reverse_order() -> None:
    steps = (step("decimal", places=1), step("prefix", value="$"))
    assert forward(Decimal("2.25"), *steps) == "$2.3"
    assert backward("$2.25", *steps) == Decimal("2.3")


def test_constants_on_either_side() -> None:
    usd = compile_field(plan_field(None, "CurrencyIsoCode", constant="USD"), "to_salesforce")
    assert usd.source is None and usd.read({}) == "USD"
    back = compile_field(plan_field("CURRENCY", None, "to_intacct", constant=1.5), "to_intacct")
    assert back.read({}) == Decimal("1.5")


def test_field_that_does_not_run_in_a_flow_is_refused() -> None:
    with pytest.raises(CompileError, match="does not run to_intacct"):
        compile_field(plan_field("A", "B", "to_salesforce"), "to_intacct")
    with pytest.raises(CompileError, match="not a known step"):
        compile_field(plan_field("A", "B", "to_salesforce", step("rot13")), "to_salesforce")


# --- the record-level transform -------------------------------------------------------------

CUSTOMER = [
    plan_field("CUSTOMERID", "Intacct_ID__c", "to_salesforce", line=3),
    plan_field("NAME", "Name", "both", line=4),
    plan_field("STATUS", "Intacct_Status__c", "to_salesforce", STATUS, line=5),
    plan_field("CREDITLIMIT", "Credit__c", "both", step("decimal", places=2), line=6),
    plan_field("TERMNAME", "Term__c", "both", step("ref", mapping="ARTerm"), line=7),
    plan_field("ONHOLD", "On_Hold__c", "both", step("bool", true="true", false="false"), line=8),
    plan_field("LASTDATE", "Last__c", "to_salesforce", step("date"), line=9),
    plan_field(None, "CurrencyIsoCode", "to_salesforce", constant="USD", line=10),
    plan_field("PHONE", "Phone", "to_salesforce", step("trim"), line=11,
               when={"side": "intacct", "expr": {"op": "!=", "left": {"path": "PHONE"},
                                                 "right": {"value": None}}}),
    plan_field("COMMENTS", "Description", "off", line=12),
    plan_field("CURRENCY", None, "to_intacct", constant="USD", line=13),
]


def test_record_transform_builds_the_payload() -> None:
    to_sf = compile_fields(CUSTOMER, "to_salesforce", resolver)
    record = {"CUSTOMERID": "C1", "NAME": "Acme", "STATUS": "active",
              "CREDITLIMIT": Decimal("1000.005"), "TERMNAME": "Net 30", "ONHOLD": False,
              "LASTDATE": dt.date(2024, 1, 2), "PHONE": " 555 ", "COMMENTS": "x"}
    assert to_sf.apply(record) == {
        "Intacct_ID__c": "C1", "Name": "Acme", "Intacct_Status__c": "Active",
        "Credit__c": Decimal("1000.01"), "Term__c": "a0B000000000030", "On_Hold__c": False,
        "Last__c": dt.date(2024, 1, 2), "CurrencyIsoCode": "USD", "Phone": "555",
    }
    assert "PHONE" in to_sf.source_fields and "COMMENTS" not in to_sf.source_fields
    assert "Description" not in to_sf.target_fields


def test_record_transform_leaves_out_fields_whose_condition_is_false() -> None:
    to_sf = compile_fields(CUSTOMER, "to_salesforce", resolver)
    assert "Phone" not in to_sf.apply({"STATUS": "active"})


def test_record_transform_to_intacct_uses_inverses() -> None:
    to_ia = compile_fields(CUSTOMER, "to_intacct", resolver)
    payload = to_ia.apply({"Name": "Acme", "Credit__c": 12, "Term__c": "a0B000000000060",
                           "On_Hold__c": True})
    assert payload == {"NAME": "Acme", "CREDITLIMIT": Decimal("12.00"), "TERMNAME": "Net 60",
                       "ONHOLD": True, "CURRENCY": "USD"}


def test_record_transform_defers_a_record_with_an_unlinked_reference() -> None:
    to_sf = compile_fields(CUSTOMER, "to_salesforce", resolver)
    with pytest.raises(RefPending) as caught:
        to_sf.apply({"STATUS": "active", "TERMNAME": "Net 90"})
    assert caught.value.pending == (RefPending("ARTerm", "Net 90", "salesforce"),)


def test_record_transform_reports_the_failing_rule() -> None:
    to_sf = compile_fields(CUSTOMER, "to_salesforce", resolver)
    with pytest.raises(TransformError) as caught:
        to_sf.apply({"STATUS": "archived"})
    assert caught.value.rule == "rules/customer.map:5:5"
    assert caught.value.field == "STATUS -> Intacct_Status__c"


def test_values_of_unusual_types_take_the_careful_path() -> None:
    to_sf = compile_fields(CUSTOMER, "to_salesforce", resolver)
    got = to_sf.apply({"STATUS": "inactive", "CREDITLIMIT": "17.5", "ONHOLD": "true",
                       "LASTDATE": "01/02/2024", "NAME": None})
    assert got["Credit__c"] == Decimal("17.50")
    assert got["On_Hold__c"] is True
    assert got["Last__c"] == dt.date(2024, 1, 2)
    assert got["Name"] is None


def test_a_repeated_target_is_written_in_rule_order() -> None:
    fields = [plan_field("A", "X"), plan_field("B", "X")]
    assert compile_fields(fields, "to_salesforce").apply({"A": 1, "B": 2}) == {"X": 2}


def test_when_on_the_target_side_reads_the_other_record() -> None:
    only_open = {"side": "salesforce",
                 "expr": {"op": "==", "left": {"path": "IsClosed"}, "right": {"value": False}}}
    fields = [plan_field("A", "X", when=only_open)]
    rt = compile_fields(fields, "to_salesforce")
    assert rt.apply({"A": 1}, other={"IsClosed": False}) == {"X": 1}
    assert rt.apply({"A": 1}, other={"IsClosed": True}) == {}
    assert rt.apply({"A": 1}) == {}
