"""Every captured Intacct response parses into the right result or the right typed error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from iaconn_support import FIXTURES, fixture, scripted_client, session_reply

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.connectors.intacct.errors import Redactor, error_class, from_chain
from mapsync.engine.connectors.intacct.response import parse_response
from mapsync.engine.connectors.intacct.values import parse_record
from mapsync.engine.errors import (
    AuthenticationError,
    DuplicateRecord,
    ProtocolError,
    TransientError,
    ValidationFailed,
)

RESPONSES = sorted(p.name for p in FIXTURES.glob("*.xml") if not p.name.startswith("request-"))
COVERED = {
    "async-acknowledgement.xml",
    "create_class-legacy-key.xml",
    "execFuncError.xml",
    "execLoginInvalid.xml",
    "execProjectSuccess.xml",
    "execXMLError.xml",
    "functionErrorSuccess.xml",
    "getAPISession-success.xml",
    "http401-control-failure-XMLGW_JPP0002.xml",
    "readByQuery-empty.xml",
    "readByQuery-page1-READMOREID.xml",
    "readMore-page2-READMOREID.xml",
    "sessionInvalid.xml",
    "transaction-aborted-XL03000009.xml",
    "vendorResponse.xml",
}


def test_every_response_fixture_has_a_test() -> None:
    assert set(RESPONSES) == COVERED


@pytest.mark.parametrize("name", RESPONSES, ids=[n.removesuffix(".xml") for n in RESPONSES])
def test_every_response_fixture_parses_safely(name: str) -> None:
    response = parse_response(fixture(name), Redactor())
    assert response.control_status in ("success", "failure")


def test_get_api_session_switches_to_the_returned_endpoint() -> None:
    client, script = scripted_client(
        [
            (200, fixture("getAPISession-success.xml")),
            (200, fixture("readByQuery-empty.xml")),
        ],
        endpoint="https://api.intacct.com/ia/xml/xmlgw.phtml",
    )
    with client:
        assert client.open_session() == "https://api.intacct.com/ia/xml/xmlgw.phtml"
        assert list(client.read_where("DEPARTMENT", ["RECORDNO"])) == []
    assert script.sent[1][0] == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert script.sent[1][1].findtext("operation/authentication/sessionid") == "fAkESesSiOnId.."
    assert client.counter.calls == {"getAPISession": 1, "readByQuery": 1}


def test_login_refused_is_an_authentication_error_without_the_password() -> None:
    client, _ = scripted_client([(200, fixture("execLoginInvalid.xml"))])
    with client, pytest.raises(AuthenticationError) as info:
        client.open_session()
    assert info.value.code == "XL03000006"
    assert "Sign-in information is incorrect" in str(info.value)
    assert "Secret" not in str(info.value) and "Secret" not in repr(info.value.to_dict())


def test_http_401_with_a_gateway_body_is_parsed_as_a_control_failure() -> None:
    client, _ = scripted_client([(401, fixture("http401-control-failure-XMLGW_JPP0002.xml"))])
    with client, pytest.raises(AuthenticationError) as info:
        client.open_session()
    assert info.value.code == "XMLGW_JPP0002"


def test_control_schema_error_is_a_validation_error_with_the_whole_chain() -> None:
    client, _ = scripted_client([session_reply(), (200, fixture("execXMLError.xml"))])
    with client, pytest.raises(ValidationFailed) as info:
        list(client.read_where("PROJECT", ["RECORDNO"]))
    assert info.value.code == "XL03000003"
    assert len(info.value.details) == 2
    assert "Opening and ending tag mismatch" in info.value.message


def test_async_acknowledgement_is_a_protocol_error() -> None:
    client, _ = scripted_client([session_reply(), (200, fixture("async-acknowledgement.xml"))])
    with client, pytest.raises(ProtocolError, match="asynchronous"):
        list(client.read_where("CLASS", []))


def test_session_invalid_with_a_given_session_cannot_be_renewed() -> None:
    client, _ = scripted_client(
        [(200, fixture("sessionInvalid.xml"))], login=None, session_id="q-session-abc"
    )
    with client, pytest.raises(AuthenticationError) as info:
        list(client.read_where("CLASS", []))
    assert "q-session-abc" not in str(info.value)


def test_session_invalid_with_a_login_renews_once_and_resends() -> None:
    client, script = scripted_client(
        [
            session_reply(session_id="S1"),
            (200, fixture("sessionInvalid.xml")),
            session_reply(session_id="S2"),
            (200, fixture("readByQuery-empty.xml")),
        ]
    )
    with client:
        assert list(client.read_where("DEPARTMENT", ["RECORDNO"])) == []
    sessions = [s[1].findtext("operation/authentication/sessionid") for s in script.sent]
    assert sessions == [None, "S1", None, "S2"]
    assert client.counter.calls == {"getAPISession": 2, "readByQuery": 2}


def test_session_invalid_twice_is_session_expired() -> None:
    client, _ = scripted_client(
        [
            session_reply(session_id="S1"),
            (200, fixture("sessionInvalid.xml")),
            session_reply(session_id="S2"),
            (200, fixture("sessionInvalid.xml")),
        ]
    )
    with client, pytest.raises(TransientError) as info:
        list(client.read_where("DEPARTMENT", []))
    assert type(info.value).__name__ == "SessionExpired"


def test_read_by_query_then_read_more_by_result_id() -> None:
    client, script = scripted_client(
        [
            session_reply(),
            (200, fixture("readByQuery-page1-READMOREID.xml")),
            (200, fixture("readMore-page2-READMOREID.xml")),
        ]
    )
    with client:
        rows = list(client.read_where("PROJECT", ["PROJECTID", "NAME"]))
    assert [r["PROJECTID"] for r in rows] == ["P01"] + [f"S{n:02d}" for n in range(2, 13)]
    read_more = script.functions(2)[0]
    assert read_more.tag == "readMore" and read_more.findtext("resultId") == "READMOREID"
    assert client.counter.calls == {"getAPISession": 1, "readByQuery": 1, "readMore": 1}


def test_read_by_query_empty_page() -> None:
    client, _ = scripted_client([session_reply(), (200, fixture("readByQuery-empty.xml"))])
    with client:
        assert list(client.read_where("DEPARTMENT", [])) == []


def test_exec_project_success_two_results() -> None:
    response = parse_response(fixture("execProjectSuccess.xml"), Redactor())
    paged, read = response.results
    assert (paged.function, paged.attr_int("count"), paged.attr_int("numremaining")) == (
        "readByQuery",
        5,
        30,
    )
    assert paged.result_id == "7765623336W-ne68CoA4gAAEEhD7EAAAAP4"
    assert [parse_record(r)["PROJECTID"] for r in paged.records()][:2] == ["A17-ADVC", "A17-CONF01"]
    assert parse_record(read.records()[0]) == {
        "RECORDNO": "1423",
        "PROJECTID": "Fellow PD1",
        "NAME": "Program Development1",
    }


def test_vendor_response_empty_elements_are_none_and_types_follow_the_catalog() -> None:
    info = ObjectInfo(
        system="intacct",
        name="VENDOR",
        label="Vendor",
        record_id="RECORDNO",
        fields={
            "RECORDNO": FieldInfo("RECORDNO", "integer"),
            "PARENTKEY": FieldInfo("PARENTKEY", "integer"),
        },
    )
    response = parse_response(fixture("vendorResponse.xml"), Redactor())
    first, second = (parse_record(r, info) for r in response.results[0].records())
    assert first["RECORDNO"] == 29181 and "PARENTKEY" not in first
    assert second["PARENTKEY"] is None and second["PARENTID"] is None
    assert parse_record(response.results[1].records()[0], info)["PARENTKEY"] == 1234
    assert response.results[1].result_id == "aaaaa"


def test_function_error_success_maps_each_result() -> None:
    response = parse_response(fixture("functionErrorSuccess.xml"), Redactor())
    first, ok, last = response.results
    error = from_chain(first.errors, operation="read APBILL", level="result", redact=Redactor())
    assert isinstance(error, ValidationFailed) and error.field == "x"
    assert ok.ok and parse_record(ok.records()[0])["VENDORNAME"] == "FOSSE BOB"
    assert error_class(last.errors) is ValidationFailed


def test_exec_func_error_is_a_duplicate_for_the_record() -> None:
    client, _ = scripted_client([session_reply(), (200, fixture("execFuncError.xml"))])
    with client:
        (result,) = client.create("PROJECT", [{"PROJECTID": "Fellow PD1", "NAME": "Program"}])
    assert not result.ok
    assert isinstance(result.error, DuplicateRecord)
    assert result.error.code == "BL34000061" and len(result.error.details) == 3
    assert result.error.operation == "create PROJECT"
    assert "already exists" in str(result.error)


def test_legacy_key_result_becomes_the_write_results_key() -> None:
    client, _ = scripted_client([session_reply(), (200, fixture("create_class-legacy-key.xml"))])
    header = {
        "transactiontype": "Sales Order",
        "datecreated": dt.date(2024, 3, 8),
        "customerid": "C1",
    }
    with client:
        result = client.create_sotransaction(header, [{"itemid": "I1", "quantity": Decimal(1)}])
    assert result.ok and result.key == "C1234" and result.created


def test_transaction_abort_chain() -> None:
    response = parse_response(fixture("transaction-aborted-XL03000009.xml"), Redactor())
    aborted, failed = response.results
    assert aborted.status == "aborted"
    assert error_class(aborted.errors) is TransientError
    assert failed.errors[-1].errorno == "XL03000009"
    client, _ = scripted_client([(200, fixture("transaction-aborted-XL03000009.xml"))])
    with client, pytest.raises(AuthenticationError):
        client.open_session()
