"""Requests shaped as clients written by others send them, answered as Intacct answers them.

- The community SDK `sageintacctsdk` (PyPI, MIT) lists records with its default field lists
  (the CUSTOMER one is the list issue 9 quotes), in the request shapes of its api_base.py.
- A tax integration reads sales documents with relationship fields; Intacct answers them as
  literal dotted elements (`<CUSTOMER.NAME>`), as the captured answer quoted beside the
  request shows (tests/fixtures/fieldlists/intacct-SODOCUMENT-taxbridge.txt).
- Sage's SDKs only talk to `*.intacct.com`: reached by such a name, the session endpoint keeps
  the host and port the client used.
- A bad e-mail on create fails with BL03000018 then the BL01001973 chain, as captured by
  craibuc/PsIntacct (Tests/Public/New-Customer.Tests.ps1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from intacct_wire import Wire, customer, errornos

from mapsync.engine.schema.coverage import read_field_list

LISTS = Path(__file__).resolve().parents[2] / "fixtures" / "fieldlists"


def _names(file: str) -> list[str]:
    return read_field_list(LISTS / file)[0]


def test_the_community_sdk_default_customer_list_is_answered(wire: Wire) -> None:
    wire.one(f"<create>{customer('C1', 'Acme')}</create>")
    fields = _names("intacct-CUSTOMER-sageintacctsdk.txt")
    result = wire.one(f"<readByQuery><object>CUSTOMER</object><fields>{','.join(fields)}"
                      "</fields><query></query><pagesize>100</pagesize></readByQuery>")
    assert result.findtext("status") == "success", errornos(result)
    [record] = result.findall("data/customer")
    assert [child.tag for child in record] == fields
    assert (record.findtext("NAME"), record.findtext("STATUS")) == ("Acme", "active")


SDK_LISTS = ["CUSTOMER", "CONTACT", "ITEM", "PROJECT", "TASK"]


@pytest.mark.parametrize("obj", SDK_LISTS)
def test_sageintacctsdk_get_all_query_shapes_are_answered(wire: Wire, obj: str) -> None:
    """`Customers().get_all()` and friends: a count query (`select RECORDNO`, pagesize 1),
    then `query` pages selecting the SDK's default list (api_base.py count/get_all)."""
    fields = _names(f"intacct-{obj}-sageintacctsdk.txt")
    count = wire.one(f"<query><object>{obj}</object><select><field>RECORDNO</field></select>"
                     "<pagesize>1</pagesize></query>")
    assert count.findtext("status") == "success", errornos(count)
    select = "".join(f"<field>{name}</field>" for name in fields)
    page = wire.one(f"<query><object>{obj}</object><select>{select}</select>"
                    "<pagesize>2000</pagesize><offset>0</offset></query>")
    assert page.findtext("status") == "success", errornos(page)
    assert page.find("data") is not None


def test_document_relationship_fields_come_back_as_literal_dotted_elements(wire: Wire) -> None:
    store = wire.sandbox.store
    store.insert("CONTACT", {"CONTACTNAME": "Ana Bill", "PRINTAS": "Ana Bill",
                             "MAILADDRESS.CITY": "Santa Clara", "MAILADDRESS.STATE": "CA",
                             "MAILADDRESS.ZIP": "95054"})
    store.insert("CUSTOMER", {"CUSTOMERID": "CUST-00106", "NAME": "Mercado Sidewalk Cafe",
                              "DISPLAYCONTACT.PRINTAS": "Mercado Sidewalk Cafe"})
    store.insert("SODOCUMENT", {"DOCNO": "SO-0254", "DOCID": "Sales Order-SO-0254",
                                "DOCPARID": "Sales Order", "CUSTVENDID": "CUST-00106",
                                "BILLTO.CONTACTNAME": "Ana Bill", "TOTAL": 349})
    fields = _names("intacct-SODOCUMENT-taxbridge.txt")
    result = wire.one("<readByQuery><object>SODOCUMENT</object>"
                      f"<fields>{','.join(fields)}</fields>"
                      "<query>DOCID= 'Sales Order-SO-0254'</query></readByQuery>")
    assert result.findtext("status") == "success", errornos(result)
    [record] = result.findall("data/sodocument")
    assert [child.tag for child in record] == fields
    assert record.findtext("CUSTOMER.NAME") == "Mercado Sidewalk Cafe"
    assert record.findtext("CUSTOMER.CUSTOMERID") == "CUST-00106"
    assert record.findtext("BILLTO.MAILADDRESS.CITY") == "Santa Clara"
    assert record.findtext("SHIPTO.MAILADDRESS.CITY") == ""
    assert record.findtext("TOTAL") == "349"


def test_a_relationship_to_nothing_is_still_an_unknown_field(wire: Wire) -> None:
    result = wire.one("<readByQuery><object>SODOCUMENT</object><fields>CUSTOMER.NOSUCH</fields>"
                      "<query></query></readByQuery>")
    assert result.findtext("status") == "failure"
    assert "CUSTOMER.NOSUCH" in (result.findtext("errormessage/error/description2") or "")


def test_the_session_endpoint_keeps_the_host_and_port_the_client_used(wire: Wire) -> None:
    body = wire.envelope(wire.operation("<function controlid='s'><getAPISession/></function>"))
    port = wire.sandbox.url.split(":")[2].split("/")[0]
    for host in (f"api.intacct.com:{port}", f"127.0.0.1:{port}"):
        response = wire.client.post(wire.sandbox.url, content=body,
                                    headers={"Host": host, "Content-Type": "application/xml"})
        endpoint = response.text.split("<endpoint>")[1].split("</endpoint>")[0]
        assert endpoint == f"http://{host}/ia/xml/xmlgw.phtml"


def test_a_host_header_that_is_not_a_host_is_not_echoed(wire: Wire) -> None:
    body = wire.envelope(wire.operation("<function controlid='s'><getAPISession/></function>"))
    response = wire.client.post(wire.sandbox.url, content=body,
                                headers={"Host": "evil.example/<x>", "Content-Type": "text/xml"})
    assert f"<endpoint>{wire.sandbox.url}</endpoint>" in response.text


CAPTURED_EMAIL_CHAIN = [
    ("BL03000018", "Illegal format for Contactversion : Primary Email Address @aeon.org."),
    ("BL01001973", "Validate contactversion record failed!"),
    ("BL01001973", "Could not create contactversion record!"),
    ("BL01001973", "Could not create ContactVersion record!"),
    ("BL01001973", "Could not create Contact record!"),
    ("BL01001973", "Error While Saving the Display Contact"),
    ("BL01001973", "Could not create Customer record!"),
]


def test_a_bad_email_on_create_fails_as_the_captured_answer(wire: Wire) -> None:
    result = wire.one("<create>" + customer("C2", "Aeon", "") .replace(
        "<PRINTAS>Aeon</PRINTAS>", "<PRINTAS>Aeon</PRINTAS><EMAIL1>@aeon.org</EMAIL1>")
        + "</create>")
    assert result.findtext("status") == "failure"
    chain = [(e.findtext("errorno"), e.findtext("description2"))
             for e in result.iter("error")]
    assert chain == CAPTURED_EMAIL_CHAIN
    assert wire.sandbox.store.list("CUSTOMER") == []


def test_each_bad_email_field_gets_its_own_bl03000018(wire: Wire) -> None:
    result = wire.one("<create><CONTACT><CONTACTNAME>X</CONTACTNAME><PRINTAS>X</PRINTAS>"
                      "<EMAIL1>no-at-sign</EMAIL1><EMAIL2>a b@c.d</EMAIL2></CONTACT></create>")
    assert errornos(result)[:2] == ["BL03000018", "BL03000018"]
    assert set(errornos(result)[2:]) == {"BL01001973"}
    good = wire.one("<create><CONTACT><CONTACTNAME>Y</CONTACTNAME><PRINTAS>Y</PRINTAS>"
                    "<EMAIL1>y@example.com</EMAIL1></CONTACT></create>")
    assert good.findtext("status") == "success"
