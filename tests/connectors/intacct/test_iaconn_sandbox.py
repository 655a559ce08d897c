"""The real IntacctClient against the Intacct sandbox: paging, batching, sessions, faults."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from iaconn_support import FAST_RETRY
from iaconn_support import sandbox_client as connect

from mapsync.engine.connectors.base import Watermark
from mapsync.engine.connectors.intacct import (
    IntacctClient,
    RetryPolicy,
    SenderCredentials,
    StillProcessing,
)
from mapsync.engine.errors import (
    DuplicateRecord,
    NotFound,
    ProtocolError,
    ServerFault,
    ValidationFailed,
)
from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.intacct import IntacctSandbox

START = dt.datetime(2025, 1, 6, 9, 0, 0)


class Clock:
    """A settable sandbox clock (sessions expire and WHENMODIFIED advance on demand)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(tmp_path: Path, clock: Clock) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "company.db", clock=clock, session_timeout=600) as server:
        yield server


def customers(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "CUSTOMERID": f"C{i:04d}",
            "NAME": f"Customer {i}'s & Co",
            "DISPLAYCONTACT.PRINTAS": f"Customer {i}",
            "CREDITLIMIT": Decimal("1500.25"),
            "ONHOLD": i % 2 == 0,
        }
        for i in range(start, start + n)
    ]


def requests(sandbox: IntacctSandbox) -> int:
    return int(sandbox.stats_snapshot()["requests"])


def faults(spec: str, seed: int = 3) -> FaultPlan:
    rates = FaultPlan.parse(spec).rates
    return FaultPlan(rates=rates, seed=seed, exempt=frozenset({"getAPISession"}))


# --- reads ---------------------------------------------------------------------------------


def test_read_changed_pages_with_read_more(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert_many("CUSTOMER", customers(250))
    with connect(sandbox, page_size=100) as client:
        rows = list(client.read_changed("CUSTOMER", ["CUSTOMERID", "CREDITLIMIT", "ONHOLD"], None))
    assert len({r["CUSTOMERID"] for r in rows}) == 250
    assert rows[0]["CREDITLIMIT"] == Decimal("1500.25") and rows[0]["ONHOLD"] is True
    assert isinstance(rows[0]["WHENMODIFIED"], dt.datetime) and isinstance(rows[0]["RECORDNO"], int)
    assert client.counter.calls == {"getAPISession": 1, "readByQuery": 1, "readMore": 2}
    assert sandbox.stats_snapshot()["calls"] == {
        "getAPISession": 1,
        "readByQuery": 1,
        "readMore": 2,
    }


def test_read_changed_at_the_default_page_size_costs_one_call_per_thousand(
    sandbox: IntacctSandbox,
) -> None:
    sandbox.store.insert_many("CUSTOMER", customers(2001))
    with connect(sandbox) as client:
        assert sum(1 for _ in client.read_changed("CUSTOMER", ["CUSTOMERID"], None)) == 2001
    assert client.counter.calls["readByQuery"] + client.counter.calls["readMore"] == 3


def test_watermark_filters_and_breaks_ties_by_recordno(
    sandbox: IntacctSandbox, clock: Clock
) -> None:
    sandbox.store.insert_many("CUSTOMER", customers(6))
    clock.now = START + dt.timedelta(minutes=5)
    later = sandbox.store.insert_many("CUSTOMER", customers(3, start=10))
    since = Watermark(clock.now, later[0]["RECORDNO"])
    with connect(sandbox) as client:
        seen = [r["CUSTOMERID"] for r in client.read_changed("CUSTOMER", ["CUSTOMERID"], since)]
        ordered = list(client.query_changed("CUSTOMER", ["CUSTOMERID"], Watermark(START)))
    assert sorted(seen) == ["C0011", "C0012"]
    keys = [(r["WHENMODIFIED"], r["RECORDNO"]) for r in ordered]
    assert keys == sorted(keys) and len(keys) == 9


def test_query_changed_pages_by_offset(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert_many("CUSTOMER", customers(45))
    with connect(sandbox, query_page_size=20) as client:
        rows = list(client.query_changed("CUSTOMER", ["CUSTOMERID", "NAME"], None))
    assert [r["CUSTOMERID"] for r in rows] == [f"C{i:04d}" for i in range(45)]
    assert client.counter.calls["query"] == 3


def test_read_by_keys_is_chunked_and_escaped(sandbox: IntacctSandbox) -> None:
    records = customers(25)
    records[3]["CUSTOMERID"] = "O'Brien\\1"
    sandbox.store.insert_many("CUSTOMER", records)
    keys = [r["CUSTOMERID"] for r in records] + ["missing", "x') OR ('1'='1"]
    with connect(sandbox, keys_per_query=10) as client:
        rows = client.read_by_keys("CUSTOMER", "CUSTOMERID", keys, ["NAME"])
    assert sorted(r["CUSTOMERID"] for r in rows) == sorted(r["CUSTOMERID"] for r in records)
    assert client.counter.calls["readByQuery"] == 3


def test_session_expiry_renews_once_transparently(sandbox: IntacctSandbox, clock: Clock) -> None:
    sandbox.store.insert_many("CUSTOMER", customers(2))
    with connect(sandbox) as client:
        assert len(list(client.read_changed("CUSTOMER", ["CUSTOMERID"], None))) == 2
        clock.now += dt.timedelta(hours=1)
        assert len(list(client.read_changed("CUSTOMER", ["CUSTOMERID"], None))) == 2
    assert client.counter.calls == {"getAPISession": 2, "readByQuery": 3}


def test_a_given_session_id_is_used_as_is(sandbox: IntacctSandbox) -> None:
    creds = sandbox.credentials
    client = IntacctClient(
        SenderCredentials(creds.sender_id, creds.sender_password),
        session_id=sandbox.open_session(),
        endpoint=sandbox.url,
        retry=FAST_RETRY,
    )
    with client:
        assert list(client.read_changed("CUSTOMER", ["CUSTOMERID"], None)) == []
    assert client.counter.calls == {"readByQuery": 1}


# --- writes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch"), [(23, 5), (10, 10), (1, 100), (0, 5)])
def test_n_creates_cost_ceil_n_over_batch_requests(
    sandbox: IntacctSandbox, n: int, batch: int
) -> None:
    with connect(sandbox, batch_size=batch) as client:
        client.open_session()
        before = requests(sandbox)
        results = client.create("CUSTOMER", customers(n))
    assert all(r.ok and r.created for r in results) and len(results) == n
    assert requests(sandbox) - before == math.ceil(n / batch)
    assert client.counter.calls.get("create", 0) == math.ceil(n / batch)
    assert sandbox.store.count("CUSTOMER") == n
    assert [r.key for r in results] == [c["CUSTOMERID"] for c in customers(n)]
    stored = {c["CUSTOMERID"]: c["RECORDNO"] for c in sandbox.store.list("CUSTOMER")}
    assert all(stored[str(r.key)] == r.record_id for r in results)


def test_per_record_errors_name_the_function_and_record(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert("CUSTOMER", customers(1)[0])
    bad = [customers(1)[0], {"CUSTOMERID": "NONAME", "DISPLAYCONTACT.PRINTAS": "x"}]
    good = customers(1, start=5)
    with connect(sandbox) as client:
        results = client.create("CUSTOMER", bad + good)
        update = client.update("CUSTOMER", [{"RECORDNO": "9999", "NAME": "x"}, {"NAME": "no id"}])
    dup, invalid, ok = results
    assert isinstance(dup.error, DuplicateRecord) and "CUSTOMERID=C0000" in str(dup.error)
    assert isinstance(invalid.error, ValidationFailed) and invalid.error.field == "NAME"
    assert invalid.error.operation == "create CUSTOMER" and ok.ok
    assert isinstance(update[0].error, NotFound) and "RECORDNO=9999" in str(update[0].error)
    assert isinstance(update[1].error, ValidationFailed)
    assert client.counter.calls["update"] == 1  # the record without an id never left


def test_update_and_delete(sandbox: IntacctSandbox) -> None:
    with connect(sandbox) as client:
        created = client.create("CUSTOMER", customers(3))
        ids = [str(r.record_id) for r in created]
        updated = client.update(
            "CUSTOMER",
            [
                {"RECORDNO": ids[0], "NAME": "Renamed", "COMMENTS": None},
                {"CUSTOMERID": "C0001", "CREDITLIMIT": Decimal("9.99")},
            ],
        )
        deleted = client.delete("CUSTOMER", [ids[2]])
    assert [u.ok for u in updated] == [True, True] and deleted[0].ok
    assert sandbox.store.get("CUSTOMER", int(ids[0]))["NAME"] == "Renamed"
    assert sandbox.store.count("CUSTOMER") == 2


def test_sales_order_create_and_update(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert("CUSTOMER", customers(1)[0])
    sandbox.store.insert("ITEM", {"ITEMID": "I1", "NAME": "Widget", "ITEMTYPE": "Non-Inventory"})
    header = {
        "DOCPARID": "Sales Order",
        "WHENCREATED": dt.date(2025, 1, 6),
        "CUSTVENDID": "C0000",
        "DOCNO": "SO-1",
        "PONUMBER": "PO-7",
    }
    with connect(sandbox) as client:
        created = client.create_sotransaction(header, [{"ITEMID": "I1", "QUANTITY": Decimal(2)}])
        assert created.ok and created.key == "Sales Order-SO-1"
        updated = client.update_sotransaction(
            str(created.key), {"PONUMBER": "PO-8"}, [{"LINE_NO": 0, "QUANTITY": Decimal(5)}]
        )
        lines = client.read_by_keys(
            "SODOCUMENTENTRY", "DOCHDRID", [str(created.key)], ["QUANTITY", "LINE_NO"]
        )
    assert updated.ok
    assert [(line["LINE_NO"], line["QUANTITY"]) for line in lines] == [(0, Decimal(5))]


# --- faults: retried and succeeded, or a typed error, never a duplicate --------------------


def test_429_and_500_are_retried_without_duplicates(sandbox: IntacctSandbox) -> None:
    sandbox.faults = faults("429:0.25,500:0.25")
    retry = RetryPolicy(attempts=10, base_delay=0.0, max_delay=0.0, sleep=lambda _: None)
    with connect(sandbox, batch_size=4, retry=retry) as client:
        results = client.create("CUSTOMER", customers(24))
        rows = list(client.read_changed("CUSTOMER", ["CUSTOMERID"], None))
    assert all(r.ok for r in results)
    assert sandbox.store.count("CUSTOMER") == 24 and len(rows) == 24
    injected = sandbox.stats_snapshot()["faults"]
    assert injected.get("429", 0) > 0 and injected.get("500", 0) > 0
    # Each injected fault cost exactly one more attempt: 1 login + 6 batches + 1 page.
    assert client.counter.total == 8 + injected["429"] + injected["500"]
    assert requests(sandbox) == client.counter.total


def test_524_is_not_retried_and_a_replay_is_recognised_not_repeated(
    sandbox: IntacctSandbox,
) -> None:
    records = customers(3)
    with connect(sandbox) as client:
        client.open_session()
        sandbox.faults = faults("524:1")
        first = client.create("CUSTOMER", records)
        sandbox.faults = FaultPlan()
        replay = client.create("CUSTOMER", records)
    assert all(isinstance(r.error, StillProcessing) for r in first)
    assert client.counter.calls["create"] == 2  # one try under 524, one replay
    assert sandbox.store.count("CUSTOMER") == 3  # 524 ran the work once; replay ran nothing
    stored = {c["CUSTOMERID"]: c["RECORDNO"] for c in sandbox.store.list("CUSTOMER")}
    assert [(r.ok, r.created, r.record_id) for r in replay] == [
        (True, True, stored[c["CUSTOMERID"]]) for c in records
    ]
    assert client.counter.calls["readByQuery"] == 1  # one look-up for the whole batch


def test_truncated_body_is_a_protocol_error_and_a_replay_converges(
    sandbox: IntacctSandbox,
) -> None:
    with connect(sandbox) as client:
        client.open_session()
        sandbox.faults = faults("truncate:1")
        first = client.create("CUSTOMER", customers(2))
        sandbox.faults = FaultPlan()
        replay = client.create("CUSTOMER", customers(2))
    assert all(isinstance(r.error, ProtocolError) for r in first)
    assert all(r.ok for r in replay) and sandbox.store.count("CUSTOMER") == 2


def test_html_page_is_a_protocol_error_and_nothing_ran(sandbox: IntacctSandbox) -> None:
    with connect(sandbox) as client:
        client.open_session()
        sandbox.faults = faults("html:1")
        results = client.create("CUSTOMER", customers(2))
    assert all(isinstance(r.error, ProtocolError) for r in results)
    assert "cf-error-details" in str(results[0].error) or "api.intacct.com" in str(results[0].error)
    assert sandbox.store.count("CUSTOMER") == 0
    assert client.counter.calls["create"] == 1


def test_server_faults_that_never_pass_fail_each_record(sandbox: IntacctSandbox) -> None:
    with connect(sandbox) as client:
        client.open_session()
        sandbox.faults = faults("503:1")
        results = client.create("CUSTOMER", customers(2))
    assert all(isinstance(r.error, ServerFault) and r.error.transient for r in results)
    assert client.counter.calls["create"] == FAST_RETRY.attempts
    assert sandbox.store.count("CUSTOMER") == 0


def test_expired_session_mid_run_is_renewed(sandbox: IntacctSandbox) -> None:
    with connect(sandbox) as client:
        client.open_session()
        sandbox.faults = faults("expire:1")
        first = client.create("CUSTOMER", customers(1))
        sandbox.faults = FaultPlan()
        second = client.create("CUSTOMER", customers(1, start=1))
    # Every request under the fault expires, so the one renewal is spent and the error is typed.
    assert type(first[0].error).__name__ == "SessionExpired" and first[0].error.transient
    assert second[0].ok and sandbox.store.count("CUSTOMER") == 1
    assert client.counter.calls["getAPISession"] == 3  # open, one renewal per create call


# --- de-duplication paths -----------------------------------------------------------------


def test_replayed_create_of_a_record_deleted_since_is_sent_again(sandbox: IntacctSandbox) -> None:
    records = customers(1)
    with connect(sandbox) as client:
        (first,) = client.create("CUSTOMER", records)
        sandbox.store.delete("CUSTOMER", int(str(first.record_id)))
        (again,) = client.create("CUSTOMER", records)
    assert again.ok and again.created and again.record_id != first.record_id
    assert sandbox.store.count("CUSTOMER") == 1
    assert client.counter.calls["create"] == 3  # first, refused replay, fresh resend


def test_replayed_update_is_resent_and_delete_is_verified(sandbox: IntacctSandbox) -> None:
    with connect(sandbox) as client:
        (created,) = client.create("CUSTOMER", customers(1))
        change = [{"RECORDNO": created.record_id, "NAME": "Second name"}]
        client.update("CUSTOMER", change)
        sandbox.store.update("CUSTOMER", int(str(created.record_id)), {"NAME": "Edited"})
        (again,) = client.update("CUSTOMER", change)
        (gone,) = client.delete("CUSTOMER", [str(created.record_id)])
        (gone_again,) = client.delete("CUSTOMER", [str(created.record_id)])
    assert again.ok and sandbox.store.count("CUSTOMER") == 0
    assert gone.ok and gone_again.ok
    assert client.counter.calls["update"] == 3  # first, refused repeat, fresh resend
    assert client.counter.calls["delete"] == 2  # the repeat is verified by a read, not resent


def test_replayed_sales_order_is_found_by_document_number(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert("CUSTOMER", customers(1)[0])
    sandbox.store.insert("ITEM", {"ITEMID": "I1", "NAME": "Widget", "ITEMTYPE": "Non-Inventory"})
    header = {
        "transactiontype": "Sales Order",
        "datecreated": dt.date(2025, 1, 6),
        "customerid": "C0000",
        "documentno": "SO-9",
    }
    lines = [{"itemid": "I1", "quantity": 1}]
    with connect(sandbox) as client:
        first = client.create_sotransaction(header, lines)
        again = client.create_sotransaction(header, lines)
    assert first.ok and again.ok and again.key == first.key == "Sales Order-SO-9"
    assert sandbox.store.count("SODOCUMENT") == 1
