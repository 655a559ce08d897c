"""A value a service cannot carry fails its own record with the field named; the XML builder
never raises lxml's builtin errors; keys XML cannot carry are not sent in a query."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as strat

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.intacct import envelope
from mapsync.engine.connectors.intacct.values import build_object, check_values
from mapsync.engine.connectors.salesforce.checks import check_record
from mapsync.engine.connectors.valuecheck import describe, xml_problem
from mapsync.engine.errors import SyncError, ValidationFailed

sys.path.insert(0, str(Path(__file__).parent / "intacct"))
from iaconn_support import gateway_response, scripted_client, session_reply  # noqa: E402

CUSTOMER = load_catalogs().get("intacct", "CUSTOMER")
ACCOUNT = load_catalogs().get("salesforce", "Account")


@pytest.mark.parametrize("value", ["a\x00b", "a\x01b", "a\x0bb", "a\ud800b", "a\uffffb"])
def test_the_xml_builder_refuses_what_xml_cannot_carry_as_a_validation_error(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        build_object("CUSTOMER", [("NAME", value)], send_empty=False)
    assert info.value.field == "NAME"
    assert f"U+{ord(value[1]):04X}" in info.value.message and "position 2" in info.value.message


@pytest.mark.parametrize("path", ["1BAD", "A B", "A.<b>", "", "A..B"])
def test_a_bad_field_name_is_a_validation_error_naming_it(path: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        build_object("CUSTOMER", [(path, "x")], send_empty=False)
    assert info.value.field == path


@settings(max_examples=200, deadline=None)
@given(strat.text(max_size=20), strat.text(max_size=20))
def test_building_any_text_raises_nothing_but_sync_errors(path: str, value: str) -> None:
    try:
        build_object("CUSTOMER", [(path, value)], send_empty=True)
        envelope.read_by_query("CUSTOMER", value, [], 100)
    except SyncError:
        return


def test_xml_problem_names_the_character_for_people() -> None:
    assert xml_problem("fine\ttext\n") is None
    assert describe("\x0b") == "U+000B (vertical tab)"
    assert describe("\ud800") == "U+D800 (unpaired surrogate)"


def test_overlong_and_wrongly_typed_values_fail_the_record_for_intacct() -> None:
    assert CUSTOMER is not None
    name = CUSTOMER.field("NAME")
    assert name is not None and name.length
    with pytest.raises(ValidationFailed) as info:
        check_values([("NAME", "x" * (name.length + 1))], CUSTOMER, "create CUSTOMER")
    assert info.value.field == "NAME" and f"at most {name.length}" in info.value.message
    with pytest.raises(ValidationFailed, match="not a number") as info:
        check_values([("CREDITLIMIT", "lots")], CUSTOMER, "create CUSTOMER")
    assert info.value.field == "CREDITLIMIT"
    check_values([("CREDITLIMIT", Decimal("10.5")), ("NAME", "ok")], CUSTOMER, "create CUSTOMER")


def test_overlong_and_wrongly_typed_values_fail_the_record_for_salesforce() -> None:
    assert ACCOUNT is not None
    name = ACCOUNT.field("Name")
    assert name is not None and name.length
    error = check_record({"Intacct_ID__c": "C1", "Name": "x" * (name.length + 1)},
                         "Intacct_ID__c", "upsert Account", ACCOUNT)
    assert isinstance(error, ValidationFailed) and error.field == "Name"
    error = check_record({"Intacct_ID__c": "C1", "AnnualRevenue": "much"},
                         "Intacct_ID__c", "upsert Account", ACCOUNT)
    assert isinstance(error, ValidationFailed) and error.field == "AnnualRevenue"
    assert check_record({"Intacct_ID__c": "C1", "Name": "ok"}, "Intacct_ID__c",
                        "upsert Account", ACCOUNT) is None


def test_a_key_xml_cannot_carry_is_left_out_of_the_query() -> None:
    empty = gateway_response(
        "<result><status>success</status><function>readByQuery</function><controlid>c"
        "</controlid><data count='0' totalcount='0' numremaining='0' resultId=''/></result>")
    client, script = scripted_client([session_reply(), (200, empty)])
    with client:
        assert client.read_by_keys("CUSTOMER", "CUSTOMERID", ["VT\x0b001", "OK1"], ["NAME"]) == []
        assert client.read_by_keys("CUSTOMER", "CUSTOMERID", ["\x00"], ["NAME"]) == []
    (sent,) = [f for f in script.functions(-1) if f.tag == "readByQuery"]
    assert sent.findtext("query") == "CUSTOMERID IN ('OK1')"
    assert len(script.sent) == 2
