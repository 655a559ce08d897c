"""Creates that read their records back in the request that creates them, and look-ups
sent together: what one request per batch gives, and what falls back to one more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from iaconn_support import sandbox_client as connect

from mapsync.engine.connectors.base import ReadBack
from mapsync.engine.connectors.intacct.envelope import MAX_FUNCTIONS
from mapsync.engine.errors import DuplicateRecord
from mapsync.engine.sandbox.intacct import IntacctSandbox

FIELDS = ["RECORDNO", "CUSTOMERID", "NAME", "STATUS"]
CUSTOMERS = ReadBack("CUSTOMERID", FIELDS)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "company.db") as server:
        server.store.insert("PROJECT", {"PROJECTID": "P-0001", "NAME": "Rollout"})
        yield server


def customers(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"CUSTOMERID": f"C{i:04d}", "NAME": f"Customer {i}", "DISPLAYCONTACT.PRINTAS": f"C {i}"}
        for i in range(start, start + n)
    ]


def requests(sandbox: IntacctSandbox) -> int:
    return int(sandbox.stats_snapshot()["requests"])


def test_each_batch_creates_and_reads_back_in_one_request(sandbox: IntacctSandbox) -> None:
    with connect(sandbox, batch_size=10) as client:
        client.open_session()
        before = requests(sandbox)
        results = client.create("CUSTOMER", customers(25), read_back=CUSTOMERS)
        spent = requests(sandbox) - before
    assert spent == 3  # ceil(25 / 10) batches, nothing after them
    assert all(r.ok and r.row is not None for r in results)
    first = results[0].row
    assert first is not None
    assert (first["CUSTOMERID"], first["RECORDNO"]) == ("C0000", int(results[0].record_id or 0))
    assert first["STATUS"] == "active"  # a default only Intacct knew: read, not sent


def test_a_batch_at_the_function_cap_leaves_room_for_its_read_back(
        sandbox: IntacctSandbox) -> None:
    with connect(sandbox, batch_size=MAX_FUNCTIONS) as client:
        client.open_session()
        before = requests(sandbox)
        results = client.create("CUSTOMER", customers(MAX_FUNCTIONS), read_back=CUSTOMERS)
        spent = requests(sandbox) - before
    assert spent == 2  # 199 creates and their read-back, then 1 create and its read-back
    assert all(r.ok and r.row is not None for r in results)


def test_a_create_refused_for_a_taken_key_comes_back_with_the_holder(
    sandbox: IntacctSandbox,
) -> None:
    sandbox.store.insert("CUSTOMER", {"CUSTOMERID": "C0001", "NAME": "Held already"})
    with connect(sandbox) as client:
        client.open_session()
        before = requests(sandbox)
        results = client.create("CUSTOMER", customers(3), read_back=CUSTOMERS)
        spent = requests(sandbox) - before
    assert spent == 1
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, DuplicateRecord)
    assert results[1].row is not None and results[1].row["NAME"] == "Held already"


def test_a_resent_request_reads_back_what_its_refused_read_missed(
    sandbox: IntacctSandbox,
) -> None:
    with connect(sandbox) as first_run, connect(sandbox) as next_run:
        first_run.create("CUSTOMER", customers(2))
        next_run.open_session()
        before = requests(sandbox)
        # The same values again: both creates are refused as already executed, found by key
        # (one read), and their rows come from the read-back of the same request.
        results = next_run.create("CUSTOMER", customers(2), read_back=CUSTOMERS)
        spent = requests(sandbox) - before
    assert [r.ok and r.created for r in results] == [True, True]
    assert [r.row["CUSTOMERID"] for r in results if r.row] == ["C0000", "C0001"]
    assert spent == 2
    assert sandbox.store.count("CUSTOMER") == 2


def test_records_keyed_by_recordno_are_read_back_after_their_batches(
    sandbox: IntacctSandbox,
) -> None:
    tasks = [
        {"NAME": f"Task {i}", "PROJECTID": "P-0001", "PBEGINDATE": dt.date(2025, 1, 6)}
        for i in range(5)
    ]
    with connect(sandbox, batch_size=2) as client:
        client.open_session()
        before = requests(sandbox)
        results = client.create(
            "TASK", tasks, read_back=ReadBack("RECORDNO", ["RECORDNO", "NAME"])
        )
        spent = requests(sandbox) - before
    assert spent == 3 + 1  # three batches, then one read of all their RECORDNOs
    assert [r.row["NAME"] for r in results if r.row] == [t["NAME"] for t in tasks]


def test_look_ups_by_several_fields_share_one_request(sandbox: IntacctSandbox) -> None:
    with connect(sandbox, keys_per_query=2) as client:
        client.create("CUSTOMER", customers(5))
        before = requests(sandbox)
        found = client.read_by_key_sets(
            "CUSTOMER",
            {"CUSTOMERID": ["C0000", "C0001", "C0002", "nope"], "NAME": ["Customer 4"]},
            ["CUSTOMERID", "NAME"],
        )
        spent = requests(sandbox) - before
    assert spent == 1  # three readByQuery functions, one request
    assert sorted(r["CUSTOMERID"] for r in found["CUSTOMERID"]) == ["C0000", "C0001", "C0002"]
    assert [r["CUSTOMERID"] for r in found["NAME"]] == ["C0004"]
