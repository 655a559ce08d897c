"""REST through the unmodified simple-salesforce client: CRUD, upsert, query paging, describe,
getUpdated/getDeleted, limits and the error codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from sf_catalog import gadget_objects
from simple_salesforce import Salesforce, format_external_id, format_soql
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from mapsync.engine.sandbox.salesforce import SalesforceSandbox


def error_code(err: Any) -> str:
    content = err.content
    assert isinstance(content, list), content
    return str(content[0]["errorCode"])


def test_create_get_update_delete(sf: Salesforce, unique: str) -> None:
    created = sf.Account.create({"Name": f"Acme {unique}", "Type": "Other"})
    assert created["success"] is True and created["errors"] == []
    record_id = created["id"]
    record = sf.Account.get(record_id)
    assert record["Name"] == f"Acme {unique}" and record["IsDeleted"] is False
    assert record["attributes"] == {
        "type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{record_id}"
    }
    assert sf.Account.update(record_id, {"Phone": "555-0100"}) == 204
    assert sf.Account.get(record_id, params={"fields": "Phone"})["Phone"] == "555-0100"
    assert sf.Account.get(record_id[:15])["Id"] == record_id  # 15-character ids work too
    assert sf.Account.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get(record_id)
    assert error_code(caught.value) == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound) as again:
        sf.Account.delete(record_id)
    assert error_code(again.value) == "ENTITY_IS_DELETED"


def test_upsert_by_external_id(sf: Salesforce, box: SalesforceSandbox, unique: str) -> None:
    key = f"C/{unique} 1"  # a slash and a space must survive the URL
    path = format_external_id("Intacct_ID__c", key)
    assert sf.Account.upsert(path, {"Name": "first"}) == 201
    assert sf.Account.upsert(path, {"Name": "second"}) == 200
    found = sf.Account.get_by_custom_id("Intacct_ID__c", key)
    assert found["Name"] == "second" and found["Intacct_ID__c"] == key
    raw = sf.Account.upsert(path, {"Name": "third"}, raw_response=True)
    assert raw.json() == {"id": found["Id"], "success": True, "errors": [], "created": False}


def test_upsert_on_a_field_that_is_not_an_external_id(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.upsert("Name/x", {"Phone": "1"})
    assert error_code(caught.value) == "NOT_FOUND"


def test_upsert_300_when_several_records_match(tmp_path: Path) -> None:
    with SalesforceSandbox(tmp_path / "g.sqlite", objects=gadget_objects()) as box:
        box.store.insert_many("Gadget__c", [{"Name": "a", "Batch__c": "B1"},
                                            {"Name": "b", "Batch__c": "B1"}])
        with box.requests_session() as http:
            sf = Salesforce(instance_url=box.instance_url, session_id=box.session_id,
                            version="59.0", session=http)
            with pytest.raises(SalesforceMoreThanOneRecord) as caught:
                sf.Gadget__c.upsert("Batch__c/B1", {"Name": "x"})
            with pytest.raises(SalesforceMoreThanOneRecord):
                sf.Gadget__c.get_by_custom_id("Batch__c", "B1")
    urls = caught.value.content
    assert len(urls) == 2
    assert all(u.startswith("/services/data/v59.0/sobjects/Gadget__c/a") for u in urls)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({}, "REQUIRED_FIELD_MISSING"),
        ({"Name": "x", "Intacct_Nope__c": 1}, "INVALID_FIELD"),
        ({"Name": "x", "Type": "Not a type"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Name": "x" * 256}, "STRING_TOO_LONG"),
        ({"Name": "x", "SystemModstamp": "2020-01-01T00:00:00Z"},
         "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "x", "Intacct_Credit_Limit__c": "lots"}, "JSON_PARSER_ERROR"),
    ],
)
def test_create_errors(sf: Salesforce, record: dict[str, Any], code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create(record)
    assert error_code(caught.value) == code
    assert set(caught.value.content[0]) <= {"message", "errorCode", "fields"}


def test_duplicate_external_id(sf: Salesforce, unique: str) -> None:
    first = sf.Account.create({"Name": "one", "Intacct_ID__c": unique})
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create({"Name": "two", "Intacct_ID__c": unique.lower()})
    assert error_code(caught.value) == "DUPLICATE_VALUE"
    assert first["id"] in caught.value.content[0]["message"]


def test_unknown_object_and_bad_json(sf: Salesforce, box: SalesforceSandbox,
                                     http: requests.Session) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Nope__c.create({"Name": "x"})
    url = f"{box.instance_url}/services/data/v59.0/sobjects/Account/"
    reply = http.post(url, data=b"{not json", headers={
        "Authorization": f"Bearer {box.session_id}", "Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_query_with_escapes_and_relationships(sf: Salesforce, unique: str) -> None:
    parent = sf.Account.create({"Name": f"Parent {unique}"})["id"]
    tricky = f"O'Hara \\ {unique} 50%"
    sf.Account.create({"Name": tricky, "ParentId": parent})
    soql = format_soql("SELECT Id, Name, Parent.Name FROM Account WHERE Name = {}", tricky)
    result = sf.query(soql)
    assert result["totalSize"] == 1 and result["done"] is True
    record = result["records"][0]
    assert record["Name"] == tricky and record["Parent"]["Name"] == f"Parent {unique}"
    prefix = format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}%'",
                         f"O'Hara \\ {unique}")
    assert sf.query(prefix)["totalSize"] == 1
    literal = format_soql("SELECT Name FROM Account WHERE Name LIKE '%{:like}'", f"{unique} 50%")
    assert sf.query(literal)["totalSize"] == 1
    not_wild = format_soql("SELECT Name FROM Account WHERE Name LIKE '%{:like}'", "T_ 50%")
    assert sf.query(not_wild)["totalSize"] == 0


def test_query_errors(sf: Salesforce) -> None:
    for soql, code in [
        ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
         "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
    ]:
        with pytest.raises(SalesforceMalformedRequest) as caught:
            sf.query(soql)
        assert error_code(caught.value) == code


def test_query_paging(sf: Salesforce, box: SalesforceSandbox, unique: str) -> None:
    box.store.insert_many("Account", [{"Name": f"{unique}-{i:04d}"} for i in range(450)])
    soql = f"SELECT Id, Name FROM Account WHERE Name LIKE '{unique}-%' ORDER BY Name"
    first = sf.query(soql, headers={"Sforce-Query-Options": "batchSize=200"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["totalSize"] == 450 and len(second["records"]) == 200
    locator = second["nextRecordsUrl"].rsplit("/", 1)[1]
    last = sf.query_more(locator)
    assert last["done"] is True and "nextRecordsUrl" not in last and len(last["records"]) == 50
    everything = sf.query_all(soql)
    assert everything["totalSize"] == 450 and everything["records"][-1]["Name"].endswith("0449")
    default = sf.query(soql)
    assert default["done"] is True and len(default["records"]) == 450  # 2000 a page


def test_query_all_includes_deleted(sf: Salesforce, unique: str) -> None:
    gone = sf.Account.create({"Name": unique})["id"]
    sf.Account.delete(gone)
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Name = '{unique}'"
    assert sf.query(soql)["totalSize"] == 0
    rows = sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(gone, True)]


def test_bad_query_locator(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more("01g5g0000000001AAA-2000")
    assert error_code(caught.value) == "INVALID_QUERY_LOCATOR"


def test_describe_and_describe_global(sf: Salesforce, box: SalesforceSandbox) -> None:
    catalog = box.store.schema.objects
    everything = sf.describe()
    assert {o["name"] for o in everything["sobjects"]} == set(catalog)
    assert everything["maxBatchSize"] == 200
    account = sf.Account.describe()
    assert account["keyPrefix"] == "001" and account["name"] == "Account"
    fields = {f["name"]: f for f in account["fields"]}
    assert set(fields) == set(catalog["Account"].fields)
    assert fields["Name"]["nillable"] is False and fields["Name"]["length"] == 255
    assert fields["Intacct_ID__c"]["externalId"] is True and fields["Intacct_ID__c"]["custom"]
    assert fields["CreatedDate"]["createable"] is False
    assert fields["CreatedDate"]["updateable"] is False
    assert [p["value"] for p in fields["Type"]["picklistValues"]] == list(
        catalog["Account"].fields["Type"].values
    )
    assert sf.Account.metadata()["objectDescribe"]["keyPrefix"] == "001"


def test_get_updated_and_deleted(sf: Salesforce, unique: str) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    kept = sf.Account.create({"Name": unique})["id"]
    gone = sf.Account.create({"Name": unique})["id"]
    sf.Account.delete(gone)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    updated = sf.Account.updated(start, end)
    assert kept in updated["ids"] and gone not in updated["ids"]
    assert updated["latestDateCovered"].endswith("+0000")
    deleted = sf.Account.deleted(start, end)
    assert gone in [d["id"] for d in deleted["deletedRecords"]]
    assert set(deleted) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.updated(start - dt.timedelta(days=31), end)
    assert error_code(caught.value) == "INVALID_REPLICATION_DATE"


def test_limits_and_usage_header(sf: Salesforce, box: SalesforceSandbox,
                                 http: requests.Session) -> None:
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] >= limits["DailyApiRequests"]["Remaining"]
    assert sf.api_usage["api-usage"].used >= 1
    reply = http.get(f"{box.instance_url}/services/data/v59.0/limits/",
                     headers={"Authorization": f"Bearer {box.session_id}"})
    assert reply.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_invalid_session(box: SalesforceSandbox, http: requests.Session) -> None:
    bad = Salesforce(instance_url=box.instance_url, session_id="00Dnope", version="59.0",
                     session=http)
    with pytest.raises(SalesforceExpiredSession) as caught:
        bad.query("SELECT Id FROM Account")
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_unknown_route_and_method(box: SalesforceSandbox, http: requests.Session) -> None:
    auth = {"Authorization": f"Bearer {box.session_id}"}
    missing = http.get(f"{box.instance_url}/services/data/v59.0/nothing/here", headers=auth)
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    wrong = http.put(f"{box.instance_url}/services/data/v59.0/sobjects/Account/", headers=auth)
    assert wrong.status_code == 405 and wrong.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
