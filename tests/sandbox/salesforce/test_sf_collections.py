"""sObject Collections through `sf.restful`: create, update, upsert, delete, retrieve,
allOrNone rollback, the 200-record cap and per-record `statusCode` errors."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mapsync.engine.sandbox.salesforce import SalesforceSandbox


def accounts(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"attributes": {"type": "Account"}, **r} for r in records]


def test_create_mixed_types(sf: Salesforce, box: SalesforceSandbox, unique: str) -> None:
    records = accounts({"Name": unique})
    if "Contact" in box.store.schema.objects:
        records.append({"attributes": {"type": "Contact"}, "LastName": unique})
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True] * len(records)
    assert results[0]["id"].startswith("001") and results[0]["errors"] == []


def test_create_partial_failure(sf: Salesforce, unique: str) -> None:
    results = sf.restful("composite/sobjects", method="POST", json={
        "allOrNone": False, "records": accounts({"Name": unique}, {"Phone": "1"})})
    assert results[0]["success"] is True
    assert results[1] == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Name]",
        "fields": ["Name"]}]}
    assert sf.query(f"SELECT COUNT() FROM Account WHERE Name = '{unique}'")["totalSize"] == 1


def test_all_or_none_rolls_back(sf: Salesforce, unique: str) -> None:
    results = sf.restful("composite/sobjects", method="POST", json={
        "allOrNone": True, "records": accounts({"Name": unique}, {"Phone": "1"})})
    assert results[0] == {"success": False, "errors": [{
        "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "message": "Record rolled back because not all records were valid and the request was "
                   "using AllOrNone header", "fields": []}]}
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query(f"SELECT COUNT() FROM Account WHERE Name = '{unique}'")["totalSize"] == 0


def test_update_and_delete(sf: Salesforce, unique: str) -> None:
    created = sf.restful("composite/sobjects", method="POST", json={
        "records": accounts({"Name": f"{unique}-a"}, {"Name": f"{unique}-b"})})
    ids = [r["id"] for r in created]
    updated = sf.restful("composite/sobjects", method="PATCH", json={"records": accounts(
        {"Id": ids[0], "Phone": "42"}, {"Id": ids[1], "Type": "bogus"}, {"Phone": "0"})})
    assert updated[0] == {"id": ids[0], "success": True, "errors": []}
    assert updated[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert updated[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert sf.Account.get(ids[0])["Phone"] == "42"
    deleted = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join([*ids, ids[0]]), "allOrNone": "false"})
    assert [r["success"] for r in deleted] == [True, True, False]
    assert deleted[2]["id"] == ids[0]
    assert deleted[2]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_upsert(sf: Salesforce, unique: str) -> None:
    path = "composite/sobjects/Account/Intacct_ID__c"
    first = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": accounts(
        {"Intacct_ID__c": f"{unique}-1", "Name": "one"})})
    assert first[0]["created"] is True
    second = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": accounts(
        {"Intacct_ID__c": f"{unique}-1", "Name": "one again"},
        {"Intacct_ID__c": f"{unique}-2", "Name": "two"},
        {"Intacct_ID__c": f"{unique}-3", "Name": "x", "Type": "bad"},
        {"Intacct_ID__c": f"{unique}-4", "Name": "dup"},
        {"Intacct_ID__c": f"{unique}-4", "Name": "dup"},
    )})
    assert [r.get("created") for r in second] == [False, True, None, None, None]
    assert second[0]["id"] == first[0]["id"]
    assert [r["errors"][0]["statusCode"] for r in second[2:]] == [
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "DUPLICATE_EXTERNAL_ID",
        "DUPLICATE_EXTERNAL_ID"]


def test_retrieve(sf: Salesforce, unique: str) -> None:
    record_id = sf.Account.create({"Name": unique})["id"]
    found = sf.restful("composite/sobjects/Account", method="GET",
                       params={"ids": f"{record_id},0015g00000zzzzzAAA", "fields": "Name"})
    assert found[0]["Name"] == unique and found[1] is None


def test_limits_and_malformed_requests(sf: Salesforce) -> None:
    too_many = accounts(*({"Name": f"n{i}"} for i in range(201)))
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/sobjects", method="POST", json={"records": too_many})
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.restful("composite/sobjects", method="POST", json={"records": accounts(
            {"Name": "ok"}, {"Name": "x", "NotAField__c": 1})})
    assert unknown.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as untyped:
        sf.restful("composite/sobjects", method="POST", json={"records": [{"Name": "x"}]})
    assert untyped.value.content[0]["errorCode"] == "INVALID_TYPE"
