"""Requests we build match the SDK's expected function blocks and validate against api.v3.0.xsd."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from iaconn_support import (
    FIXTURES,
    LOGIN,
    SENDER,
    echo_results,
    fixture,
    scripted_client,
    session_reply,
)
from lxml import etree

from mapsync.engine.connectors.intacct import envelope, query, sotransaction
from mapsync.engine.connectors.intacct.envelope import Function
from mapsync.engine.errors import ValidationFailed

PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / "api.v3.0.xsd"), PARSER))


def shape(element: etree._Element) -> tuple[Any, ...]:
    """Tag, attributes (controlid aside), stripped text and children, recursively."""
    attrs = tuple(sorted((k, v) for k, v in element.attrib.items() if k != "controlid"))
    text = (element.text or "").strip()
    return (element.tag, attrs, text, tuple(shape(c) for c in element))


def expected(name: str) -> etree._Element:
    return etree.fromstring(fixture(name), PARSER)[0]


def test_read_by_query_matches_the_sdk_request() -> None:
    built = envelope.read_by_query("CLASS", query.compare("RECORDNO", "<", 2), [], 1000)
    assert shape(built) == shape(expected("request-readByQuery.xml"))
    assert b"RECORDNO &lt; 2" in etree.tostring(built)


def test_create_customer_as_sent_by_the_client_matches_the_sdk_request() -> None:
    client, script = scripted_client(
        [
            session_reply(),
            echo_results(
                lambda cid, _: (
                    f"<result><status>success</status><function>create</function>"
                    f"<controlid>{cid}</controlid><data listtype='objects' count='1'><customer>"
                    f"<RECORDNO>8346</RECORDNO><CUSTOMERID>CentralLut</CUSTOMERID></customer></data></result>"
                )
            ),
        ]
    )
    with client:
        (result,) = client.create(
            "CUSTOMER", [{"NAME": "SaaS Corp", "DISPLAYCONTACT.PRINTAS": "SaaS Corporation"}]
        )
    assert shape(script.functions()[0]) == shape(expected("request-create-customer.xml"))
    assert (result.ok, result.record_id, result.key, result.created) == (
        True,
        "8346",
        "CentralLut",
        True,
    )
    control = script.sent[-1][1].find("control")
    assert control.findtext("uniqueid") == "true" and control.findtext("dtdversion") == "3.0"


def sdk_transaction() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {
        "transactiontype": "Sales Order",
        "datecreated": dt.date(2015, 6, 30),
        "dateposted": dt.date(2015, 6, 30),
        "createdfrom": "Sales Quote-Q1002",
        "customerid": "23530",
        "documentno": "23430",
        "origdocdate": dt.date(2015, 6, 15),
        "referenceno": "234235",
        "termname": "N30",
        "datedue": dt.date(2020, 9, 24),
        "message": "Submit",
        "shippingmethod": "USPS",
        "shipto": "28952",
        "billto": "289533",
        "supdocid": "6942",
        "externalid": "20394",
        "basecurr": "USD",
        "currency": "USD",
        "exchratedate": dt.date(2015, 6, 30),
        "exchratetype": "Intacct Daily Rate",
        "vsoepricelist": "VSOEPricing",
        "customfields": {"customfield1": "customvalue1"},
        "state": "Pending",
        "projectid": "P2904",
        "subtotals": [{"description": "Subtotal description", "total": Decimal("223")}],
    }
    # Keys in a different order than the XSD: the builder must put them in XSD order.
    shuffled = dict(reversed(list(header.items())))
    return shuffled, [{"quantity": 223, "itemid": "2390552"}]


def test_create_sotransaction_matches_the_sdk_request_in_xsd_order() -> None:
    header, lines = sdk_transaction()
    built = sotransaction.create_sotransaction(header, lines)
    assert shape(built) == shape(expected("request-create_sotransaction.xml"))


def test_query_function_matches_the_sdk_request() -> None:
    conditions = [
        query.filter_element("greaterthanorequalto", "RECORDNO", [1]),
        query.filter_element("lessthanorequalto", "RECORDNO", [100]),
    ]
    built = envelope.query(
        "ARINVOICE", ["CUSTOMERID", "RECORDNO"], filter_=query.and_filter(conditions), pagesize=2000
    )
    want = expected("request-query.xml")
    assert [shape(c) for c in built[: len(want)]] == [shape(c) for c in want]
    assert [c.tag for c in built[len(want) :]] == ["options", "pagesize", "offset"]
    assert (built.findtext("pagesize"), built.findtext("offset")) == ("2000", "0")


def request(*functions: etree._Element, auth: Any = "SESSION") -> etree._Element:
    body = envelope.build_request(
        SENDER,
        auth,
        [Function(f"f{i}", f, f.tag) for i, f in enumerate(functions)],
        controlid="req-1",
        uniqueid=True,
    )
    return etree.fromstring(body, PARSER)


VALID_REQUESTS = {
    "getAPISession-login": lambda: request(envelope.get_api_session(), auth=LOGIN),
    "getAPISession-entity": lambda: request(envelope.get_api_session("East"), auth=LOGIN),
    "readByQuery": lambda: request(
        envelope.read_by_query(
            "SODOCUMENT",
            query.in_list("DOCNO", ["a'b", "c<d&e"]),
            ["RECORDNO", "DOCNO"],
            1000,
            "Sales Order",
        )
    ),
    "readMore": lambda: request(envelope.read_more("7765623332WU1hh8CoA4QAAHxI9i8AAAAA5")),
    "read": lambda: request(envelope.read("CUSTOMER", ["1", "2"], [])),
    "create-update-delete": lambda: request(
        envelope.create(etree.fromstring("<CUSTOMER><NAME>x</NAME></CUSTOMER>")),
        envelope.update(etree.fromstring("<CUSTOMER><RECORDNO>1</RECORDNO></CUSTOMER>")),
        envelope.delete("CUSTOMER", ["12"]),
    ),
    "create_sotransaction": lambda: request(sotransaction.create_sotransaction(*sdk_transaction())),
    "update_sotransaction": lambda: request(
        sotransaction.update_sotransaction(
            "Sales Order-SO-1",
            {
                "referenceno": "R2",
                "datedue": dt.date(2024, 5, 1),
                "customfields": {"A": "b"},
                "subtotals": [{"description": "Shipping", "total": 20}],
            },
            [
                {"line_num": 1, "quantity": 3},
                {"itemid": "I9", "quantity": 1, "price": Decimal("9.5")},
            ],
        )
    ),
}


@pytest.mark.parametrize("name", sorted(VALID_REQUESTS))
def test_requests_validate_against_the_v3_schema(name: str, schema: etree.XMLSchema) -> None:
    document = VALID_REQUESTS[name]()
    assert schema.validate(document), schema.error_log.last_error


def test_credentials_only_in_their_elements() -> None:
    document = request(envelope.get_api_session(), auth=LOGIN)
    assert document.findtext("control/password") == SENDER.password
    assert document.findtext("operation/authentication/login/password") == LOGIN.password
    assert "Secret" not in repr(SENDER) and "Secret" not in repr(LOGIN)


def test_update_sotransaction_lines_and_key() -> None:
    built = sotransaction.update_sotransaction(
        "Sales Order-SO-1", {}, [{"line_num": 2, "price": 5}, {"itemid": "N", "quantity": 1}]
    )
    assert built.get("key") == "Sales Order-SO-1"
    items = built.find("updatesotransitems")
    assert [(i.tag, i.get("line_num")) for i in items] == [
        ("updatesotransitem", "2"),
        ("sotransitem", None),
    ]


@pytest.mark.parametrize(
    ("header", "lines", "field"),
    [
        (
            {"transactiontype": "Sales Order", "customerid": "C"},
            [{"itemid": "I", "quantity": 1}],
            "datecreated",
        ),
        (
            {"transactiontype": "T", "datecreated": dt.date(2024, 1, 1), "customerid": "C"},
            [],
            "sotransitems",
        ),
        (
            {"transactiontype": "T", "datecreated": "not a date", "customerid": "C"},
            [{"itemid": "I", "quantity": 1}],
            "datecreated",
        ),
        (
            {
                "transactiontype": "T",
                "datecreated": dt.date(2024, 1, 1),
                "customerid": "C",
                "bogus": 1,
            },
            [{"itemid": "I", "quantity": 1}],
            "bogus",
        ),
    ],
    ids=["missing-date", "no-lines", "bad-date", "unknown-element"],
)
def test_create_sotransaction_rejects_bad_input_before_any_call(
    header: dict[str, Any], lines: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        sotransaction.create_sotransaction(header, lines)
    assert info.value.field == field
