"""Fixture parity: for each captured real Salesforce response the sandbox serves, the sandbox's
answer has the same structure (JSON keys; XML elements and attributes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from sf_catalog import gadget_objects
from simple_salesforce import Salesforce

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "salesforce"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def keys(value: Any) -> Any:
    """The key skeleton of a JSON value: dicts by key, lists of objects by their first item."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value and isinstance(value[0], dict | list) else "list"
    return "scalar"


def xml_shape(element: etree._Element) -> tuple[Any, ...]:
    """Local names of an element, its attributes and its children, recursively."""
    attributes = tuple(sorted(etree.QName(a).localname for a in element.attrib))
    children = tuple(xml_shape(c) for c in element if isinstance(c.tag, str))
    return (etree.QName(element).localname, attributes, children)


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SalesforceSandbox]:
    objects = gadget_objects()
    contact = load_catalogs().salesforce.get("Contact")
    if contact is not None:
        objects.append(contact)
    path = tmp_path_factory.mktemp("parity") / "sf.sqlite"
    with SalesforceSandbox(path, objects=objects) as running:
        yield running


@pytest.fixture(scope="module")
def http(box: SalesforceSandbox) -> Iterator[requests.Session]:
    with box.requests_session() as session:
        yield session


@pytest.fixture(scope="module")
def sf(box: SalesforceSandbox, http: requests.Session) -> Salesforce:
    return Salesforce(instance_url=box.instance_url, session_id=box.session_id, version="59.0",
                      session=http)


def get(box: SalesforceSandbox, http: requests.Session, path: str, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {box.session_id}", **kw.pop("headers", {})}
    return http.get(f"{box.instance_url}/services/data/v59.0/{path}", headers=headers, **kw)


def test_query_success(sf: Salesforce, box: SalesforceSandbox) -> None:
    real = fixture("query-success.json")
    parent = box.store.insert("Account", {"Name": "Parent"})
    box.store.insert("Gadget__c", {"Name": "Hi", "Account__c": parent})
    ours = sf.query("SELECT Name, Account__r.Name FROM Gadget__c WHERE Name = 'Hi'")
    assert set(ours) == set(real)
    real_record, record = real["records"][0], ours["records"][0]
    assert keys(record["attributes"]) == keys(real_record["attributes"])
    assert keys(record["Account__r"]["attributes"]) == keys(
        real_record["ParentWhizbang__r"]["attributes"])
    assert record["attributes"]["url"].startswith("/services/data/v")


def test_query_paged(sf: Salesforce, box: SalesforceSandbox) -> None:
    box.store.insert_many("Gadget__c", [{"Name": f"page{i}"} for i in range(201)])
    soql = "SELECT Name FROM Gadget__c WHERE Name LIKE 'page%'"
    first = sf.query(soql, headers={"Sforce-Query-Options": "batchSize=200"})
    last = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert set(first) == set(fixture("query-paged-first-page.json"))
    assert set(last) == set(fixture("query-paged-last-page.json"))


def test_query_empty(sf: Salesforce) -> None:
    ours = sf.query("SELECT Name FROM Gadget__c WHERE Name = 'nothing at all'")
    assert ours == fixture("query-empty.json")


def test_create_success(sf: Salesforce) -> None:
    assert set(sf.Gadget__c.create({"Name": "made"})) == set(fixture("create-success.json"))


def test_upsert_300(sf: Salesforce, box: SalesforceSandbox, http: requests.Session) -> None:
    box.store.insert_many("Gadget__c", [{"Name": "a", "Batch__c": "P300"},
                                        {"Name": "b", "Batch__c": "P300"}])
    reply = http.patch(
        f"{box.instance_url}/services/data/v59.0/sobjects/Gadget__c/Batch__c/P300",
        json={"Name": "x"}, headers={"Authorization": f"Bearer {box.session_id}"})
    real = fixture("upsert-300-multiple-choices.json")
    assert reply.status_code == 300
    assert keys(reply.json()) == keys(real)
    assert all(u.startswith("/services/data/v") and "/sobjects/" in u for u in reply.json())


def test_get_updated_and_deleted(sf: Salesforce) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    gone = sf.Gadget__c.create({"Name": "gone"})["id"]
    sf.Gadget__c.delete(gone)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    sf.Gadget__c.create({"Name": "kept"})
    assert keys(sf.Gadget__c.updated(start, end)) == keys(fixture("getUpdated.json"))
    assert keys(sf.Gadget__c.deleted(start, end)) == keys(fixture("getDeleted.json"))


def test_invalid_session_error_is_byte_for_byte(box: SalesforceSandbox,
                                                http: requests.Session) -> None:
    reply = http.get(f"{box.instance_url}/services/data/v59.0/limits/",
                     headers={"Authorization": "Bearer expired"})
    assert reply.status_code == 401
    assert reply.json() == fixture("error-INVALID_SESSION_ID.json")


def test_collections_create(sf: Salesforce, box: SalesforceSandbox) -> None:
    request = fixture("collections-create-request.json")
    if "Contact" not in box.store.schema.objects:
        pytest.skip("no Contact catalog yet")
    ours = sf.restful("composite/sobjects", method="POST", json=request)
    assert keys(ours) == keys(fixture("collections-create-success.json"))
    assert ours[0]["id"].startswith("001") and ours[1]["id"].startswith("003")


def test_collections_failures(sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Gadget__c"}, "Color__c": "Red"},
               {"attributes": {"type": "Gadget__c"}, "Name": "fine"}]
    partial = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": False, "records": records})
    assert keys(partial[0]) == keys(fixture("collections-create-DUPLICATES_DETECTED.json")[0])
    assert keys(partial[1]) == keys(fixture("collections-create-DUPLICATES_DETECTED.json")[1])
    rolled = sf.restful("composite/sobjects", method="POST",
                        json={"allOrNone": True, "records": records})
    real = fixture("collections-create-ALL_OR_NONE_ROLLED_BACK.json")
    assert keys(rolled) == keys(real)
    assert rolled[1] == real[1]


def test_soap_login_success(box: SalesforceSandbox, http: requests.Session) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><env:Envelope '
        'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com">'
        f"<n1:username>{box.credentials.username}</n1:username>"
        f"<n1:password>{box.credentials.password}</n1:password>"
        "</n1:login></env:Body></env:Envelope>"
    )
    reply = http.post(f"{box.login_url}/services/Soap/u/59.0", data=body.encode(),
                      headers={"Content-Type": "text/xml", "SOAPAction": "login"})
    assert reply.status_code == 200
    real = etree.parse(str(FIXTURES / "soap-login-success.xml")).getroot()
    assert xml_shape(etree.fromstring(reply.content)) == xml_shape(real)


def test_soap_login_fault(box: SalesforceSandbox, http: requests.Session) -> None:
    body = (
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>x</n1:username>'
        "<n1:password>y</n1:password></n1:login></env:Body></env:Envelope>"
    )
    reply = http.post(f"{box.login_url}/services/Soap/u/59.0", data=body.encode(),
                      headers={"Content-Type": "text/xml", "SOAPAction": "login"})
    assert reply.status_code == 500
    real = (FIXTURES / "soap-login-fault-INVALID_LOGIN.xml").read_bytes().strip()
    assert reply.content == real


def test_describe_keys(sf: Salesforce) -> None:
    real = fixture("account.describe.json")
    ours = sf.Account.describe()
    assert set(ours) == set(real)
    assert {frozenset(f) for f in ours["fields"]} == {frozenset(real["fields"][0])}
    assert keys(ours["urls"]) == keys(real["urls"])
    assert keys(ours["recordTypeInfos"]) == keys(real["recordTypeInfos"][:1])
    assert keys(ours["supportedScopes"]) == keys(real["supportedScopes"])
    picklist = next(f for f in ours["fields"] if f["picklistValues"])
    real_picklist = next(f for f in real["fields"] if f["picklistValues"])
    assert keys(picklist["picklistValues"]) == keys(real_picklist["picklistValues"])


def test_describe_global_keys(sf: Salesforce) -> None:
    real = fixture("global.describe.json")
    ours = sf.describe()
    assert set(ours) == set(real)
    assert keys(ours["sobjects"]) == keys(real["sobjects"][:1])
