"""Bulk API 2.0 through `sf.bulk2`: ingest insert/upsert/update/delete with per-row results,
query and queryAll with CSV pages and locators, and failed jobs."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError

from mapsync.engine.sandbox.salesforce import SalesforceSandbox

WAIT = 0.01  # seconds simple-salesforce sleeps before polling the job


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_insert_with_failures(sf: Salesforce, unique: str) -> None:
    result = sf.bulk2.Account.insert(records=[
        {"Name": f"{unique}-1", "Intacct_ID__c": f"{unique}-1"},
        {"Name": "", "Intacct_ID__c": f"{unique}-2"},
        {"Name": f"{unique}-3", "Intacct_ID__c": f"{unique}-1"},
    ], wait=WAIT)
    assert result[0]["numberRecordsProcessed"] == 3
    assert result[0]["numberRecordsFailed"] == 2
    outcome = sf.bulk2.Account.get_all_ingest_records(result[0]["job_id"])
    ok = outcome["successfulRecords"]
    assert len(ok) == 1 and ok[0]["sf__Created"] == "true" and ok[0]["sf__Id"].startswith("001")
    errors = [r["sf__Error"] for r in outcome["failedRecords"]]
    assert errors[0] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    assert errors[1].startswith("DUPLICATE_VALUE:duplicate value found: Intacct_ID__c")
    assert outcome["unprocessedRecords"] == []


def test_upsert_update_delete(sf: Salesforce, unique: str) -> None:
    records = [{"Intacct_ID__c": f"{unique}-{i}", "Name": f"n{i}"} for i in range(3)]
    sf.bulk2.Account.upsert(records=records[:1], external_id_field="Intacct_ID__c", wait=WAIT)
    result = sf.bulk2.Account.upsert(records=records, external_id_field="Intacct_ID__c",
                                     wait=WAIT)
    done = sf.bulk2.Account.get_successful_records(result[0]["job_id"])
    assert [r["sf__Created"] for r in rows(done)] == ["false", "true", "true"]
    ids = [r["sf__Id"] for r in rows(done)]
    sf.bulk2.Account.update(records=[{"Id": ids[0], "Phone": "123"}], wait=WAIT)
    assert sf.Account.get(ids[0])["Phone"] == "123"
    deleted = sf.bulk2.Account.delete(records=[{"Id": i} for i in ids], wait=WAIT)
    assert deleted[0]["numberRecordsFailed"] == 0
    assert sf.query(f"SELECT COUNT() FROM Account WHERE Id = '{ids[0]}'")["totalSize"] == 0


def test_bad_values_and_relationship_columns(sf: Salesforce, unique: str) -> None:
    sf.Account.create({"Name": "parent", "Intacct_ID__c": f"{unique}-P"})
    result = sf.bulk2.Account.insert(records=[
        {"Name": "child", "Parent.Intacct_ID__c": f"{unique}-P", "Intacct_Credit_Limit__c": "1"},
        {"Name": "bad", "Parent.Intacct_ID__c": f"{unique}-P", "Intacct_Credit_Limit__c": "x"},
    ], wait=WAIT)
    job = result[0]["job_id"]
    good = rows(sf.bulk2.Account.get_successful_records(job))
    child = sf.Account.get(good[0]["sf__Id"])
    assert child["ParentId"] == sf.Account.get_by_custom_id("Intacct_ID__c", f"{unique}-P")["Id"]
    failed = rows(sf.bulk2.Account.get_failed_records(job))
    assert failed[0]["sf__Error"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")


def test_unknown_column_fails_the_job(sf: Salesforce) -> None:
    with pytest.raises(SalesforceOperationError) as caught:
        sf.bulk2.Account.insert(records=[{"Name": "x", "Bogus__c": "1"}], wait=WAIT)
    assert "Field name not found : Bogus__c" in str(caught.value)


def test_query_pages_with_locator(sf: Salesforce, box: SalesforceSandbox, unique: str) -> None:
    box.store.insert_many("Account", [{"Name": f"{unique}-{i:02d}", "Phone": "1,2"}
                                      for i in range(5)])
    soql = f"SELECT Id, Name, Phone, Parent.Name FROM Account WHERE Name LIKE '{unique}-%' " \
           "ORDER BY Name"
    pages = list(sf.bulk2.Account.query(soql, max_records=2, wait=WAIT))
    assert len(pages) == 3
    parsed = [r for page in pages for r in rows(page)]
    assert [r["Name"] for r in parsed] == [f"{unique}-{i:02d}" for i in range(5)]
    assert parsed[0]["Phone"] == "1,2" and parsed[0]["Parent.Name"] == ""


def test_query_all_includes_deleted(sf: Salesforce, unique: str) -> None:
    gone = sf.Account.create({"Name": unique})["id"]
    sf.Account.delete(gone)
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Name = '{unique}'"
    assert rows("".join(sf.bulk2.Account.query(soql, wait=WAIT))) == []
    every = rows("".join(sf.bulk2.Account.query_all(soql, wait=WAIT)))
    assert every == [{"Id": gone, "IsDeleted": "true"}]


def test_query_job_errors(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        list(sf.bulk2.Account.query("SELECT Id FROM", wait=WAIT))
    assert caught.value.content[0]["errorCode"] == "INVALIDJOB"
    assert "unexpected token: <EOF>" in caught.value.content[0]["message"]


def test_results_path_is_case_insensitive(sf: Salesforce, box: SalesforceSandbox,
                                          http: requests.Session) -> None:
    result = sf.bulk2.Account.insert(records=[{"Name": "case"}], wait=WAIT)
    url = (f"{box.instance_url}/services/data/v59.0/jobs/ingest/{result[0]['job_id']}/"
           "unprocessedrecords/")
    reply = http.get(url, headers={"Authorization": f"Bearer {box.session_id}"})
    assert reply.status_code == 200 and reply.text.strip() == '"Name"'


def _job(http: requests.Session, box: SalesforceSandbox, names: list[str]) -> str:
    """An Account insert job holding `names`, uploaded and closed; its id."""
    base = f"{box.instance_url}/services/data/v59.0/jobs/ingest"
    auth = {"Authorization": f"Bearer {box.session_id}"}
    job = http.post(base, json={"object": "Account", "operation": "insert"}, headers=auth).json()
    data = "Name\n" + "".join(f"{n}\n" for n in names)
    put = http.put(f"{base}/{job['id']}/batches", data=data.encode(),
                   headers={**auth, "Content-Type": "text/csv"})
    assert put.status_code == 201
    closed = http.patch(f"{base}/{job['id']}", json={"state": "UploadComplete"}, headers=auth)
    assert closed.json()["state"] == "UploadComplete"
    return str(job["id"])


def test_a_job_past_one_internal_batch_is_in_progress_until_its_batches_are_done(
    box: SalesforceSandbox, http: requests.Session, unique: str
) -> None:
    # Salesforce splits a job into internal batches of 10,000 records: the close answers once
    # the first is done, and the job is InProgress while the others are processed.
    names = [f"{unique}-{i}" for i in range(25_000)]
    job = _job(http, box, names)
    url = f"{box.instance_url}/services/data/v59.0/jobs/ingest/{job}"
    auth = {"Authorization": f"Bearer {box.session_id}"}
    seen: list[tuple[str, int]] = []
    while not seen or seen[-1][0] == "InProgress":
        info = http.get(url, headers=auth).json()
        seen.append((info["state"], info["numberRecordsProcessed"]))
    # Each poll of a job in progress processes a batch if its thread has not: three batches
    # need at most three polls, whatever the thread did meanwhile.
    assert len(seen) <= 3 and seen[-1] == ("JobComplete", 25_000)
    assert [n for _, n in seen] == sorted(n for _, n in seen)
    assert all(n in (10_000, 20_000) for state, n in seen if state == "InProgress")
    done = http.get(f"{url}/successfulResults", headers={**auth, "Accept": "text/csv"})
    assert sorted(r["Name"] for r in rows(done.text)) == sorted(names)


def test_a_job_aborted_in_progress_leaves_its_later_batches_unprocessed(
    box: SalesforceSandbox, http: requests.Session, unique: str
) -> None:
    box.app.bulk2.background = False  # only polls would go on with the job
    try:
        job = _job(http, box, [f"{unique}-{i}" for i in range(15_000)])
    finally:
        box.app.bulk2.background = True
    url = f"{box.instance_url}/services/data/v59.0/jobs/ingest/{job}"
    auth = {"Authorization": f"Bearer {box.session_id}"}
    aborted = http.patch(url, json={"state": "Aborted"}, headers=auth).json()
    assert aborted["state"] == "Aborted" and aborted["numberRecordsProcessed"] == 10_000
    left = http.get(f"{url}/unprocessedrecords", headers={**auth, "Accept": "text/csv"})
    assert len(rows(left.text)) == 5_000
    assert http.get(url, headers=auth).json()["state"] == "Aborted"


def test_stopping_the_sandbox_waits_for_a_job_in_progress(tmp_path: Path, unique: str) -> None:
    with SalesforceSandbox(tmp_path / "salesforce.sqlite") as running:
        session = requests.Session()
        session.verify = running.ca_bundle
        session.trust_env = False
        _job(session, running, [f"{unique}-{i}" for i in range(30_000)])
        session.close()
    # Leaving the block stopped the job's thread between two batches and closed the store:
    # nothing is left running on the closed database.
    assert [t.name for t in threading.enumerate() if t.name.startswith("bulk2-")] == []
