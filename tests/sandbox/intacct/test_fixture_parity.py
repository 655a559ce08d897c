"""The sandbox answers with the same structure as captured real responses.

Structure = for every element path: its child element names (runs collapsed) and its
attribute names. Record elements inside `<data>` are compared as "some records" (their
fields differ by object), and `locationid`/`sessiontimeout` under `<authentication>` are
left out because several anonymised captures dropped them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import pytest
from intacct_wire import FIXTURES, Wire, customer, fn, parse
from lxml import etree

from mapsync.engine.sandbox.intacct import IntacctSandbox

Shape = set[tuple[str, tuple[str, ...], tuple[str, ...]]]
OPTIONAL_AUTH = {"locationid", "sessiontimeout"}
RECORDLESS_DATA = {"api"}


def shape(element: etree._Element, path: str = "") -> Shape:
    here = f"{path}/{element.tag}"
    kids = [c for c in element if isinstance(c.tag, str)]
    if element.tag == "authentication":
        kids = [c for c in kids if c.tag not in OPTIONAL_AUTH]
    attrs = tuple(sorted(element.attrib))
    if element.tag == "data" and kids and kids[0].tag not in RECORDLESS_DATA:
        return {(here, ("*",), attrs)}
    tags = tuple(str(tag) for tag, _ in groupby(c.tag for c in kids))
    found: Shape = {(here, tags, attrs)}
    for kid in kids:
        found |= shape(kid, here)
    return found


def fixture(name: str) -> etree._Element:
    return parse((FIXTURES / name).read_bytes())


def seed_customers(sandbox: IntacctSandbox, count: int) -> None:
    sandbox.store.insert_many(
        "CUSTOMER",
        [
            {"CUSTOMERID": f"C{n}", "NAME": f"N{n}", "DISPLAYCONTACT.PRINTAS": "x"}
            for n in range(count)
        ],
    )


def rbq(pagesize: int, obj: str = "CUSTOMER") -> str:
    return (
        f"<readByQuery><object>{obj}</object><fields>*</fields><query/>"
        f"<pagesize>{pagesize}</pagesize></readByQuery>"
    )


def get_api_session(wire: Wire) -> etree._Element:
    return wire.call(fn("<getAPISession/>"))


def read_by_query_empty(wire: Wire) -> etree._Element:
    return wire.call(fn(rbq(100, "ITEM")))


def read_by_query_page(wire: Wire) -> etree._Element:
    seed_customers(wire.sandbox, 12)
    return wire.call(fn(rbq(10)))


def read_more_last_page(wire: Wire) -> etree._Element:
    first = read_by_query_page(wire)
    result_id = first.xpath("string(//data/@resultId)")
    return wire.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>"))


def query_and_read(wire: Wire) -> etree._Element:
    seed_customers(wire.sandbox, 8)
    return wire.call(
        fn(rbq(5), "a") + fn("<read><object>CUSTOMER</object><keys>1</keys></read>", "b")
    )


def read_and_query(wire: Wire) -> etree._Element:
    seed_customers(wire.sandbox, 3)
    return wire.call(
        fn("<read><object>CUSTOMER</object><keys>1,2</keys></read>", "a") + fn(rbq(1), "b")
    )


def create_duplicate(wire: Wire) -> etree._Element:
    wire.call(fn("<create>" + customer("C1", "A") + "</create>"))
    return wire.call(fn("<create>" + customer("C2", "B") + customer("C1", "A") + "</create>"))


def login_invalid(wire: Wire) -> etree._Element:
    return wire.call(fn(rbq(1)), auth=wire.login(password="wrong"))


def session_invalid(wire: Wire) -> etree._Element:
    return wire.call(fn(rbq(1)), auth=wire.session("expired.."))


def xml_error(wire: Wire) -> etree._Element:
    body = wire.envelope(wire.operation(fn(rbq(1)))).replace(b"</object>", b"</objekt>")
    return parse(wire.post(body).content)


def transaction_aborted(wire: Wire) -> etree._Element:
    wire.call(fn("<create>" + customer("C1", "A") + "</create>"))
    functions = fn("<create>" + customer("C2", "B") + "</create>", "a") + fn(
        "<create>" + customer("C1", "A") + "</create>", "b"
    )
    return wire.call(functions, transaction="true")


def legacy_key(wire: Wire) -> etree._Element:
    wire.sandbox.store.insert(
        "CUSTOMER", {"CUSTOMERID": "C1", "NAME": "A", "DISPLAYCONTACT.PRINTAS": "A"}
    )
    wire.sandbox.store.insert("ITEM", {"ITEMID": "I1", "NAME": "I", "ITEMTYPE": "Kit"})
    return wire.call(
        fn(
            "<create_sotransaction><transactiontype>Sales Order</transactiontype>"
            "<datecreated><year>2026</year><month>1</month><day>2</day></datecreated>"
            "<customerid>C1</customerid><sotransitems><sotransitem><itemid>I1</itemid>"
            "<quantity>1</quantity></sotransitem></sotransitems></create_sotransaction>"
        )
    )


def reads_failing_around_success(wire: Wire) -> etree._Element:
    seed_customers(wire.sandbox, 1)
    bad = "<read><object>CUSTOMER</object><keys>1</keys><fields>x</fields></read>"
    good = "<read><object>CUSTOMER</object><keys>1</keys></read>"
    return wire.call(fn(bad, "a") + fn(good, "b") + fn(bad, "c"))


CASES: dict[str, Callable[[Wire], etree._Element]] = {
    "getAPISession-success.xml": get_api_session,
    "readByQuery-empty.xml": read_by_query_empty,
    "readByQuery-page1-READMOREID.xml": read_by_query_page,
    "readMore-page2-READMOREID.xml": read_more_last_page,
    "execProjectSuccess.xml": query_and_read,
    "vendorResponse.xml": read_and_query,
    "execFuncError.xml": create_duplicate,
    "execLoginInvalid.xml": login_invalid,
    "sessionInvalid.xml": session_invalid,
    "execXMLError.xml": xml_error,
    "transaction-aborted-XL03000009.xml": transaction_aborted,
    "create_class-legacy-key.xml": legacy_key,
    "functionErrorSuccess.xml": reads_failing_around_success,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_structure_as_captured_response(wire: Wire, name: str) -> None:
    expected = shape(fixture(name))
    actual = shape(CASES[name](wire))
    assert actual == expected, (
        f"missing: {sorted(expected - actual)}\nextra: {sorted(actual - expected)}"
    )


def test_every_served_fixture_has_a_case() -> None:
    not_served = {
        "async-acknowledgement.xml",  # asynchronous policies are not served
        "http401-control-failure-XMLGW_JPP0002.xml",  # a front-door 401 the gateway never sends
    }
    captured = {p.name for p in FIXTURES.glob("*.xml") if not p.name.startswith("request-")}
    assert captured - not_served == set(CASES)


def test_shape_tells_responses_apart() -> None:
    shapes = [shape(fixture(name)) for name in sorted(CASES)]
    assert shape(fixture("readByQuery-empty.xml")) != shape(fixture("getAPISession-success.xml"))
    assert shape(fixture("execLoginInvalid.xml")) != shape(fixture("execXMLError.xml"))
    # Alike by nature: the two paging pages, the two read+readByQuery pairs, the two
    # authentication failures; everything else differs.
    assert len({frozenset(s) for s in shapes}) == len(shapes) - 3
