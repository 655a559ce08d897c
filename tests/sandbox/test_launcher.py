"""Both sandboxes from one data directory: real clients, seeding once, persistence, the CLI."""

from __future__ import annotations

import json
import os
import queue
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from lxml import etree
from simple_salesforce import Salesforce

from mapsync.engine.sandbox.demo import DemoData
from mapsync.engine.sandbox.faults import FaultSpecError
from mapsync.engine.sandbox.launcher import SEED_FILE, SERVE_FILE, SandboxDataError, Sandboxes

RECORDS = 20
REPO = Path(__file__).resolve().parents[2]
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def intacct_request(info: dict[str, str], function: str) -> bytes:
    """One request with login authentication and one function."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<request>
  <control>
    <senderid>{info["sender_id"]}</senderid><password>{info["sender_password"]}</password>
    <controlid>launcher-test</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>
  </control>
  <operation>
    <authentication><login>
      <userid>{info["user_id"]}</userid><companyid>{info["company_id"]}</companyid>
      <password>{info["user_password"]}</password>
    </login></authentication>
    <content><function controlid="f1">{function}</function></content>
  </operation>
</request>""".encode()


def intacct_call(info: dict[str, str], function: str) -> etree._Element:
    """POST one function and return its `<result>`."""
    response = httpx.post(info["endpoint"], content=intacct_request(info, function),
                          headers={"Content-Type": "application/xml"}, timeout=10)
    response.raise_for_status()
    root = etree.fromstring(response.content, PARSER)
    result = root.find("operation/result")
    assert result is not None, response.text
    assert result.findtext("status") == "success", response.text
    return result


def salesforce_client(info: dict[str, str]) -> tuple[Salesforce, requests.Session]:
    """simple-salesforce with a token from the OAuth client-credentials flow."""
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    token = session.post(
        info["login_url"] + "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": info["client_id"],
              "client_secret": info["client_secret"]},
        timeout=10,
    )
    token.raise_for_status()
    body = token.json()
    client = Salesforce(instance_url=body["instance_url"], session_id=body["access_token"],
                        version="59.0", session=session)
    return client, session


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandboxes]:
    boxes = Sandboxes(tmp_path_factory.mktemp("boxes") / "data", records=RECORDS)
    with boxes:
        yield boxes


def test_connection_info_has_the_documented_shape(running: Sandboxes) -> None:
    info = running.connection_info()
    assert set(info) == {"intacct", "salesforce"}
    assert set(info["intacct"]) == {"endpoint", "sender_id", "sender_password", "company_id",
                                    "user_id", "user_password"}
    assert set(info["salesforce"]) == {"instance_url", "login_url", "client_id",
                                       "client_secret", "username", "password", "ca_bundle"}
    assert info["intacct"]["endpoint"].startswith("http://127.0.0.1:")
    assert info["salesforce"]["instance_url"].startswith("https://127.0.0.1:")
    ca_bundle = Path(info["salesforce"]["ca_bundle"])
    assert ca_bundle.parent == running.data_dir / "tls" and ca_bundle.exists()
    assert {p.name for p in running.data_dir.iterdir()} >= {
        "intacct.db", "salesforce.db", "tls", SEED_FILE, SERVE_FILE
    }


def test_intacct_answers_with_the_seeded_company(running: Sandboxes) -> None:
    info = running.connection_info()["intacct"]
    result = intacct_call(info, "<readByQuery><object>CUSTOMER</object><fields>CUSTOMERID, NAME"
                          "</fields><query></query><pagesize>100</pagesize></readByQuery>")
    data = result.find("data")
    assert data is not None and data.get("totalcount") == str(RECORDS)
    assert data.findtext("customer/CUSTOMERID") == "C-00001"
    expected = DemoData(RECORDS).counts()["intacct"]
    orders = intacct_call(info, "<readByQuery><object>SODOCUMENT</object><fields>DOCID</fields>"
                          "<query>DOCPARID = 'Sales Order'</query><pagesize>100</pagesize>"
                          "</readByQuery>").find("data")
    assert orders is not None
    assert int(orders.get("totalcount", "0")) == DemoData(RECORDS).core.documents("Sales Order")
    assert expected["SODOCUMENT"] > int(orders.get("totalcount", "0"))


def test_new_sales_orders_continue_the_seeded_numbering(running: Sandboxes) -> None:
    info = running.connection_info()["intacct"]
    result = intacct_call(info, """<create_sotransaction>
        <transactiontype>Sales Order</transactiontype>
        <datecreated><year>2024</year><month>07</month><day>01</day></datecreated>
        <customerid>C-00002</customerid><termname>Net 30</termname>
        <sotransitems><sotransitem><itemid>HW-1000</itemid><quantity>2</quantity></sotransitem>
        </sotransitems></create_sotransaction>""")
    next_number = DemoData(RECORDS).core.documents("Sales Order") + 1
    assert result.findtext("key") == f"Sales Order-SO{next_number:04d}"


def test_salesforce_answers_with_matching_accounts(running: Sandboxes) -> None:
    client, session = salesforce_client(running.connection_info()["salesforce"])
    try:
        linked = client.query("SELECT Id, Intacct_ID__c FROM Account WHERE Intacct_ID__c != null")
        prospects = client.query("SELECT Id FROM Account WHERE Type = 'Prospect'")
        assert linked["totalSize"] == 12
        assert prospects["totalSize"] == RECORDS // 5
        lines = client.query(
            "SELECT Opportunity.Name, PricebookEntry.Product2.ProductCode FROM OpportunityLineItem"
        )
        assert lines["totalSize"] == DemoData(RECORDS).counts()["salesforce"][
            "OpportunityLineItem"]
    finally:
        session.close()


def test_salesforce_username_password_login(running: Sandboxes) -> None:
    info = running.connection_info()["salesforce"]
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    try:
        client = Salesforce(username=info["username"], password=info["password"],
                            security_token="", domain=running.salesforce.login_domain,
                            session=session, version="59.0")
        assert client.query("SELECT COUNT() FROM Contact")["totalSize"] == (
            DemoData(RECORDS).counts()["salesforce"]["Contact"])
    finally:
        session.close()


def test_stats_count_calls_per_system(running: Sandboxes) -> None:
    before = running.stats()
    intacct_call(running.connection_info()["intacct"],
                 "<read><object>ARTERM</object><keys>1</keys><fields>*</fields></read>")
    after = running.stats()
    assert after["intacct"]["total"]["calls"] == before["intacct"]["total"]["calls"] + 1
    trust = ssl.create_default_context(cafile=running.salesforce.ca_bundle)
    with httpx.Client(verify=trust, trust_env=False) as client:
        served = client.get(running.stats_urls()["salesforce"]).json()
    assert served["system"] == "salesforce" and "calls" in served


def test_a_directory_is_seeded_once_and_keeps_its_data(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with Sandboxes(folder, records=5) as first:
        assert first.seeded is not None and first.seeded.intacct["CUSTOMER"] == 5
        first.intacct.store.insert("CUSTOMER", {"CUSTOMERID": "C-NEW", "NAME": "Added Later",
                                                "DISPLAYCONTACT.PRINTAS": "Added Later"})
        accounts = len(first.salesforce.store.list("Account"))
    assert not (folder / SERVE_FILE).exists()
    with Sandboxes(folder, records=50) as second:
        assert second.seeded is None
        assert second.intacct.store.count("CUSTOMER") == 6
        assert second.intacct.store.find("CUSTOMER", "C-NEW") is not None
        assert len(second.salesforce.store.list("Account")) == accounts
    assert json.loads((folder / SEED_FILE).read_text("utf-8"))["records"] == 5


def test_seed_none_leaves_the_directory_empty_for_good(tmp_path: Path) -> None:
    with Sandboxes(tmp_path / "empty", seed_profile="none") as boxes:
        assert boxes.seeded is None and boxes.intacct.store.objects() == {}
    with Sandboxes(tmp_path / "empty", seed_profile="demo", records=5) as boxes:
        assert boxes.seeded is None and boxes.intacct.store.objects() == {}


def test_an_interrupted_seed_is_reported_not_guessed(tmp_path: Path) -> None:
    with Sandboxes(tmp_path / "half", records=5):
        pass
    (tmp_path / "half" / SEED_FILE).unlink()
    with pytest.raises(SandboxDataError, match="interrupted"):
        Sandboxes(tmp_path / "half", records=5).start()
    assert not (tmp_path / "half" / SERVE_FILE).exists()


def test_bad_fault_spec_fails_before_starting(tmp_path: Path) -> None:
    with pytest.raises(FaultSpecError):
        Sandboxes(tmp_path / "x", faults="teapot:0.5")
    assert not (tmp_path / "x").exists()


def test_faults_are_injected_when_asked(tmp_path: Path) -> None:
    with Sandboxes(tmp_path / "faulty", seed_profile="none", faults="500:1") as boxes:
        info = boxes.connection_info()["intacct"]
        response = httpx.post(info["endpoint"], content=intacct_request(
            info, "<read><object>ARTERM</object><keys>1</keys><fields>*</fields></read>"))
        assert response.status_code == 500
        assert boxes.stats()["intacct"]["faults"] == {"500": 1}


# -- the command line ------------------------------------------------------------------------


def _first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def _mapsync(*args: str) -> list[str]:
    return [sys.executable, "-m", "mapsync", *args]


def test_serve_prints_json_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    folder = tmp_path / "cli"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        _mapsync("sandbox", "serve", "--json", "--dir", str(folder), "--records", "5"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        info: dict[str, Any] = json.loads(_first_line(process))
        assert info["data_dir"] == str(folder)
        assert set(info["salesforce"]) == {"instance_url", "login_url", "client_id",
                                           "client_secret", "username", "password", "ca_bundle"}
        result = intacct_call(info["intacct"], "<readByQuery><object>CUSTOMER</object><fields>"
                              "CUSTOMERID</fields><query></query></readByQuery>")
        assert result.find("data") is not None
        stats = subprocess.run(_mapsync("sandbox", "stats", "--json", "--dir", str(folder)),
                               cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
        counts = json.loads(stats.stdout)
        assert counts["intacct"]["total"]["calls"] >= 1
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "sandboxes stopped" in err
    assert not (folder / SERVE_FILE).exists()


def test_stats_without_a_running_sandbox_says_so(tmp_path: Path) -> None:
    done = subprocess.run(_mapsync("sandbox", "stats", "--dir", str(tmp_path)), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "no sandbox is serving" in done.stderr
