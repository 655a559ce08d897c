"""Fault injection (each kind as the client sees it), seeded repeatability, and the call
statistics from Python and from GET /__sandbox/stats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceGeneralError

from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

Start = Callable[..., tuple[SalesforceSandbox, Salesforce]]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Start]:
    running: list[tuple[SalesforceSandbox, requests.Session]] = []

    def start(faults: str, seed: int = 0) -> tuple[SalesforceSandbox, Salesforce]:
        box = SalesforceSandbox(tmp_path / f"sf{len(running)}.sqlite",
                                faults=FaultPlan.parse(faults, seed=seed, slow_seconds=0.01))
        box.start()
        http = box.requests_session()
        running.append((box, http))
        sf = Salesforce(instance_url=box.instance_url, session_id=box.session_id,
                        version="59.0", session=http)
        return box, sf

    yield start
    for box, http in running:
        http.close()
        box.stop()


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("429", 429, "REQUEST_LIMIT_EXCEEDED"), ("500", 500, "UNKNOWN_EXCEPTION"),
     ("503", 503, "SERVER_UNAVAILABLE")],
)
def test_json_faults(make: Start, kind: str, status: int, code: str) -> None:
    box, sf = make(f"{kind}:1")
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.status == status
    assert caught.value.content[0]["errorCode"] == code
    assert box.stats.snapshot()["faults"] == {kind: 1}


@pytest.mark.parametrize(("kind", "status"), [("502", 502), ("524", 524)])
def test_gateway_faults_answer_html(make: Start, kind: str, status: int) -> None:
    _, sf = make(f"{kind}:1")
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.limits()
    assert caught.value.status == status
    assert "<html>" in caught.value.content


def test_html_fault_is_a_200_page(make: Start) -> None:
    _, sf = make("html:1")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        sf.query("SELECT Id FROM Account")


def test_expire_ends_the_session(make: Start) -> None:
    box, sf = make("expire:1")
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.Account.describe()
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert not box.app.sessions.valid(box.session_id)


def test_truncate_cuts_the_body_after_the_write(make: Start) -> None:
    box, sf = make("truncate:1")
    with pytest.raises(requests.exceptions.RequestException):
        sf.Account.create({"Name": "written anyway"})
    assert [r["Name"] for r in box.store.list("Account")] == ["written anyway"]


def test_slow_still_answers(make: Start) -> None:
    box, sf = make("slow:1")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert box.stats.snapshot()["faults"] == {"slow": 1}


def test_login_is_never_faulted(make: Start) -> None:
    box, _ = make("500:1")
    with box.requests_session() as http:
        sf = Salesforce(username=box.credentials.username, password=box.credentials.password,
                        security_token="", domain=box.login_domain, version="59.0",
                        session=http)
        assert sf.session_id


def test_same_seed_same_faults(make: Start) -> None:
    outcomes = []
    for _ in range(2):
        _, sf = make("500:0.3,429:0.2", seed=11)
        seen = []
        for _ in range(30):
            try:
                sf.query("SELECT COUNT() FROM Account")
                seen.append(200)
            except SalesforceGeneralError as err:
                seen.append(err.status)
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]
    assert {200, 429, 500} <= set(outcomes[0])


def test_stats_endpoint_and_reset(make: Start) -> None:
    box, sf = make("")
    sf.Account.create({"Name": "a"})
    sf.query("SELECT Id FROM Account")
    sf.restful("composite/sobjects", method="POST", json={"records": [
        {"attributes": {"type": "Account"}, "Name": "b"},
        {"attributes": {"type": "Account"}, "Name": "c"}]})
    with box.requests_session() as http:
        stats = http.get(f"{box.instance_url}/__sandbox/stats").json()
        assert stats["calls"] == {"collections.create": 1, "query": 1, "sobject.create": 1}
        assert stats["records"]["collections.create"] == 2
        assert stats["total"] == {"calls": 3} and stats["system"] == "salesforce"
        assert stats["api_usage"]["used"] == 3
        reset = http.post(f"{box.instance_url}/__sandbox/reset-stats").json()
        assert reset["calls"] == {}
    assert box.stats_snapshot()["calls"] == {}
