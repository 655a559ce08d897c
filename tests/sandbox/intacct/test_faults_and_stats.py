"""Injected faults, call statistics (HTTP endpoint and Python API) and persistence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from intacct_wire import Clock, Wire, customer, errornos, fn, parse

from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.intacct import IntacctCredentials, IntacctSandbox

READ = fn("<readByQuery><object>CUSTOMER</object><query/></readByQuery>")


@pytest.fixture
def faulty(tmp_path: Path, clock: Clock, request: pytest.FixtureRequest) -> Iterator[Wire]:
    plan = FaultPlan(rates=((str(request.param), 1.0),), slow_seconds=0.01)
    with IntacctSandbox(tmp_path / "f.db", faults=plan, clock=clock) as sandbox:
        with httpx.Client() as client:
            yield Wire(sandbox, client)


@pytest.mark.parametrize("faulty", ["429"], indirect=True)
def test_rate_limit_fault(faulty: Wire) -> None:
    response = faulty.post(faulty.envelope(faulty.operation(READ)))
    assert response.status_code == 429
    root = parse(response.content)
    assert root.findtext("control/status") == "failure"
    assert errornos(root) == ["GW-0010"]


@pytest.mark.parametrize("faulty", ["500", "502", "503"], indirect=True)
def test_server_faults_run_nothing(faulty: Wire) -> None:
    body = faulty.envelope(faulty.operation(fn("<create>" + customer("C1", "A") + "</create>")))
    response = faulty.post(body)
    assert response.status_code >= 500
    assert response.headers["content-type"].startswith("text/html")
    assert faulty.sandbox.store.count("CUSTOMER") == 0


@pytest.mark.parametrize("faulty", ["524"], indirect=True)
def test_cdn_timeout_runs_the_request(faulty: Wire) -> None:
    body = faulty.envelope(faulty.operation(fn("<create>" + customer("C1", "A") + "</create>")))
    assert faulty.post(body).status_code == 524
    assert faulty.sandbox.store.count("CUSTOMER") == 1


@pytest.mark.parametrize("faulty", ["html"], indirect=True)
def test_html_fault(faulty: Wire) -> None:
    response = faulty.post(faulty.envelope(faulty.operation(READ)))
    assert response.status_code == 200
    assert "cf-error-details" in response.text


@pytest.mark.parametrize("faulty", ["truncate"], indirect=True)
def test_truncated_body_is_not_xml(faulty: Wire) -> None:
    response = faulty.post(faulty.envelope(faulty.operation(READ)))
    assert response.content.startswith(b"<?xml")
    assert not response.content.rstrip().endswith(b"</response>")


@pytest.mark.parametrize("faulty", ["expire"], indirect=True)
def test_expire_fault_ends_the_session(faulty: Wire) -> None:
    session_id = faulty.sandbox.open_session()
    root = faulty.call(READ, auth=faulty.session(session_id))
    assert root.findtext("operation/authentication/status") == "failure"
    assert errornos(root) == ["XL03000006"]


@pytest.mark.parametrize("faulty", ["slow"], indirect=True)
def test_slow_fault_still_answers(faulty: Wire) -> None:
    root = faulty.call(READ)
    assert root.findtext("operation/result/status") == "success"
    assert faulty.sandbox.stats_snapshot()["faults"] == {"slow": 1}


def test_exempt_operations_are_never_faulted(tmp_path: Path) -> None:
    plan = FaultPlan(rates=(("500", 1.0),), exempt=frozenset({"getAPISession"}))
    with IntacctSandbox(tmp_path / "e.db", faults=plan) as sandbox, httpx.Client() as client:
        wire = Wire(sandbox, client)
        assert wire.one("<getAPISession/>").findtext("status") == "success"
        assert wire.post(wire.envelope(wire.operation(READ))).status_code == 500


def test_faults_repeat_with_the_same_seed(tmp_path: Path) -> None:
    def statuses(name: str) -> list[int]:
        plan = FaultPlan.parse("503:0.5", seed=11)
        with IntacctSandbox(tmp_path / name, faults=plan) as sandbox, httpx.Client() as client:
            wire = Wire(sandbox, client)
            return [wire.post(wire.envelope(wire.operation(READ))).status_code for _ in range(12)]

    first = statuses("a.db")
    assert first == statuses("b.db")
    assert {200, 503} == set(first)


def test_stats_endpoint_and_reset(wire: Wire) -> None:
    wire.results(
        READ + fn("<create>" + customer("C1", "A") + customer("C2", "B") + "</create>", "c")
    )
    wire.one("<getAPISession/>")
    stats = wire.client.get(wire.sandbox.base_url + "/__sandbox/stats").json()
    assert stats["system"] == "intacct"
    assert stats["requests"] == 2
    assert stats["calls"] == {"create": 1, "getAPISession": 1, "readByQuery": 1}
    assert stats["records"] == {"create": 2}
    assert stats["total"] == {"calls": 3}
    assert stats["faults"] == {}
    assert stats == wire.sandbox.stats_snapshot()
    reset = wire.client.post(wire.sandbox.base_url + "/__sandbox/reset-stats", content=b"")
    assert reset.json() == {"reset": True}
    assert wire.sandbox.stats_snapshot()["calls"] == {}


def test_custom_credentials(tmp_path: Path) -> None:
    creds = IntacctCredentials("s", "sp", "co", "u", "up")
    with IntacctSandbox(tmp_path / "c.db", credentials=creds) as sandbox, httpx.Client() as client:
        wire = Wire(sandbox, client)
        assert wire.results(READ)[0].findtext("status") == "success"
        assert sandbox.credentials.as_dict()["company_id"] == "co"


def test_data_persists_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "keep.db"
    with IntacctSandbox(path) as first:
        created = first.store.insert(
            "CUSTOMER", {"CUSTOMERID": "C1", "NAME": "A", "DISPLAYCONTACT.PRINTAS": "A"}
        )
    with IntacctSandbox(path) as second, httpx.Client() as client:
        wire = Wire(second, client)
        record = wire.one("<readByName><object>CUSTOMER</object><keys>C1</keys></readByName>")
        assert record.findtext("data/CUSTOMER/RECORDNO") == created["RECORDNO"]
        assert second.store.objects() == {"CUSTOMER": 1}


def test_store_api_round_trip(sandbox: IntacctSandbox) -> None:
    store = sandbox.store
    row = store.insert(
        "ITEM", {"ITEMID": "I1", "NAME": "x", "ITEMTYPE": "Kit", "BASEPRICE": "12.50"}
    )
    assert row["BASEPRICE"] == "12.5" and row["STATUS"] == "active"
    updated = store.update("ITEM", int(row["RECORDNO"]), {"NAME": "y", "UPC": None})
    assert updated["NAME"] == "y"
    assert store.find("ITEM", "I1") == updated
    assert store.delete("ITEM", int(row["RECORDNO"])) is True
    assert store.get("ITEM", int(row["RECORDNO"])) is None
    with pytest.raises(KeyError):
        store.update("ITEM", 12345, {"NAME": "z"})
