"""Bulk API 2.0 jobs as the client drives them: the calls a job costs, polls that wait through
the injected sleeper, jobs split at `bulk_job_records`, failed jobs."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mapsync.engine.connectors.salesforce import RetryPolicy, SalesforceClient
from mapsync.engine.errors import ServerFault, ValidationFailed
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

Make = Callable[..., SalesforceClient]
_run = itertools.count(1)


def accounts(n: int) -> list[dict[str, Any]]:
    prefix = f"BK{next(_run):03d}"
    return [{"Intacct_ID__c": f"{prefix}-{i:05d}", "Name": f"Bulk {prefix} {i}"} for i in range(n)]


def bulk_calls(box: SalesforceSandbox) -> Counter[str]:
    return Counter({k: v for k, v in box.stats.calls.items() if k.startswith("bulk2.")})


@pytest.fixture
def slow_org(box: SalesforceSandbox) -> Iterator[SalesforceSandbox]:
    """The sandbox answering InProgress to the first two polls of each job."""
    box.app.bulk2.in_progress_polls = 2
    yield box
    box.app.bulk2.in_progress_polls = 0


def test_a_job_whose_rows_all_succeed_costs_five_calls(
    box: SalesforceSandbox, make_client: Make
) -> None:
    client = make_client(bulk_threshold=10)
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", accounts(40))
    assert all(r.ok and r.created for r in results)
    assert bulk_calls(box) == Counter({
        "bulk2.ingest.create": 1, "bulk2.ingest.upload": 1, "bulk2.state": 1, "bulk2.get": 1,
        "bulk2.ingest.results": 1,
    })
    assert box.stats.total() == 5


def test_failed_rows_cost_one_more_call_and_keep_their_record(
    box: SalesforceSandbox, make_client: Make
) -> None:
    records = accounts(30)
    records[7]["Name"] = None
    client = make_client(bulk_threshold=10)
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert [i for i, r in enumerate(results) if not r.ok] == [7]
    assert results[7].error is not None and results[7].error.code == "REQUIRED_FIELD_MISSING"
    assert results[7].key == records[7]["Intacct_ID__c"]
    assert box.stats.calls["bulk2.ingest.results"] == 2 and box.stats.total() == 6


def test_polls_wait_through_the_injected_sleeper_and_back_off(
    slow_org: SalesforceSandbox, make_client: Make
) -> None:
    waits: list[float] = []
    client = make_client(bulk_threshold=10, bulk_poll_interval=1.0, sleep=waits.append)
    results = client.update("Account", [
        {"Id": r.record_id, "Phone": "1"}
        for r in make_client(bulk_threshold=10).upsert("Account", "Intacct_ID__c", accounts(12))
    ])
    assert all(r.ok for r in results)
    assert waits == [1.0, 2.0, 4.0]
    assert slow_org.stats.calls["bulk2.get"] >= 3


def test_writes_past_the_job_size_go_in_several_jobs(
    box: SalesforceSandbox, make_client: Make
) -> None:
    client = make_client(bulk_threshold=10, bulk_job_records=25)
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", accounts(60))
    assert len(results) == 60 and all(r.ok for r in results)
    assert box.stats.calls["bulk2.ingest.create"] == 3


def test_a_refused_job_fails_every_record_with_its_message(
    box: SalesforceSandbox, make_client: Make
) -> None:
    records = [{**r, "No_Such_Field__c": "x"} for r in accounts(12)]
    client = make_client(bulk_threshold=10)
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert {type(r.error) for r in results} == {ValidationFailed}
    assert all(r.error is not None and "No_Such_Field__c" in r.error.message for r in results)


def test_a_job_that_never_ends_is_aborted_after_the_timeout(
    box: SalesforceSandbox, make_client: Make
) -> None:
    box.app.bulk2.in_progress_polls = 10_000
    try:
        waits: list[float] = []
        client = make_client(bulk_threshold=10, sleep=waits.append,
                             retry=RetryPolicy(attempts=1))
        results = client.upsert("Account", "Intacct_ID__c", accounts(12))
    finally:
        box.app.bulk2.in_progress_polls = 0
    assert {type(r.error) for r in results} == {ServerFault}
    assert sum(waits) >= 3600
    assert box.stats.calls["bulk2.state"] >= 2  # closed, then aborted


def test_a_write_is_one_job_whatever_its_record_count(
    box: SalesforceSandbox, make_client: Make
) -> None:
    client = make_client(bulk_threshold=10)
    client.connect()
    box.stats.reset()
    records = accounts(600)
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert [r.key for r in results] == [r["Intacct_ID__c"] for r in records]
    assert all(r.ok and r.created for r in results)
    assert box.stats.calls["bulk2.ingest.create"] == 1 and box.stats.total() == 5


def test_jobs_split_at_the_upload_size_keep_every_result_in_order(
    box: SalesforceSandbox, make_client: Make
) -> None:
    records = accounts(60)
    records[41]["Name"] = None  # refused in its job, row by row
    client = make_client(bulk_threshold=10, bulk_job_bytes=700)
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert [r.key for r in results] == [r["Intacct_ID__c"] for r in records]
    assert [i for i, r in enumerate(results) if not r.ok] == [41]
    assert results[41].error is not None and results[41].error.code == "REQUIRED_FIELD_MISSING"
    # about 1,900 bytes of CSV in parts of at most 700
    assert box.stats.calls["bulk2.ingest.create"] == 3


def test_write_all_reads_its_source_again_for_each_pass(
    box: SalesforceSandbox, make_client: Make
) -> None:
    records = accounts(40)
    passes: list[int] = []

    def source() -> Iterator[dict[str, Any]]:
        passes.append(1)
        return (dict(r) for r in records)  # a fresh copy each pass: nothing kept between

    client = make_client(bulk_threshold=10)
    results = client.write_all("upsert", "Account", "Intacct_ID__c", source)
    assert not passes  # lazy: nothing is read or sent before the first result is asked for
    done = list(results)
    assert [r.index for r in done] == list(range(40)) and all(r.ok for r in done)
    assert len(passes) == 4  # checks and columns, upload, results, outcomes in order


def test_a_service_down_fails_every_part_without_calling_again(
    box: SalesforceSandbox, make_client: Make
) -> None:
    from mapsync.engine.sandbox.faults import FaultPlan

    client = make_client(bulk_threshold=10, bulk_job_bytes=700, retry=RetryPolicy(attempts=1))
    client.connect()
    box.stats.reset()
    box.app.faults = FaultPlan(rates=(("503", 1.0),))
    results = client.upsert("Account", "Intacct_ID__c", accounts(60))
    assert {type(r.error) for r in results} == {ServerFault}
    assert box.stats.total() == 1  # the first part's create; the other parts are not tried
