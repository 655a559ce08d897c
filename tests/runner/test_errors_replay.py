"""A record Intacct rejects fails while the rest syncs, `mapsync errors` shows it with its
rule, and `mapsync replay` syncs it once the data is fixed, without duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.commands._context import load_plan
from mapsync.engine.resources import rules_dir
from tests.runner.cli_env import CliEnv, mapping, start

pytestmark = pytest.mark.e2e

TOO_LONG = "Consolidated " * 10  # 130 characters: Intacct's customer NAME holds 100


@pytest.fixture
def env(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CliEnv]:
    yield from start(tmp_path / "sb", capsys)


def name_rule() -> str:
    """`path:line` of the Customer rule that writes NAME, read from the compiled plan."""
    customer = load_plan(rules_dir()).mapping("Customer")
    field = next(f for f in customer.fields if f.intacct == "NAME")
    return f"{field.source.path}:{field.source.line}"


def customers_named(env: CliEnv, name: str) -> list[dict[str, Any]]:
    return [c for c in env.intacct.list("CUSTOMER") if c["NAME"] == name]


def test_a_rejected_account_waits_for_replay_then_syncs_once(env: CliEnv) -> None:
    bad = env.salesforce.insert("Account", {"Name": TOO_LONG, "BillingCity": "Oslo"})
    good = env.salesforce.insert("Account", {"Name": "Fjord Supplies", "BillingCity": "Bergen"})
    code, summary = env.json("sync")
    assert code == 3
    assert summary["failed"] == 1 and mapping(summary, "Customer")["created"] >= 1
    assert env.salesforce.get("Account", good)["Intacct_ID__c"]

    code, listed = env.json("errors")
    assert (code, listed["count"]) == (0, 1)
    [error] = listed["errors"]
    assert error["mapping"] == "Customer" and error["side"] == "salesforce"
    assert error["record_key"] == bad
    assert error["rule"] == name_rule()
    assert error["error_type"] == "ValidationFailed" and error["transient"] is False
    assert "NAME" in error["message"] and "100" in error["message"]
    assert error["payload"]["NAME"] == TOO_LONG and error["attempts"] == 1

    assert env.run("sync") == 3  # not transient: a plain sync does not retry it
    env.salesforce.update("Account", bad, {"Name": "Consolidated Fjords"})
    code, replayed = env.json("replay")
    assert code == 0
    assert replayed["replayed"] == replayed["resolved"] == [error["id"]]
    assert replayed["still_open"] == []

    [customer] = customers_named(env, "Consolidated Fjords")
    assert customer["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Oslo"
    assert env.salesforce.get("Account", bad)["Intacct_ID__c"] == customer["CUSTOMERID"]
    assert env.json("errors")[1]["count"] == 0
    [closed] = env.json("errors", "--all")[1]["errors"]
    assert (closed["id"], closed["status"]) == (error["id"], "resolved")
    code, again = env.json("sync")
    assert (code, again["changes"]) == (0, 0)
    assert len(customers_named(env, "Consolidated Fjords")) == 1
    assert env.json("reconcile", "--only", "Customer")[1]["in_step"] is True


def test_a_rejected_update_is_replayed_by_id(env: CliEnv) -> None:
    assert env.run("sync") == 0
    account = next(a for a in env.salesforce.list("Account") if a.get("Intacct_ID__c"))
    key = account["Intacct_ID__c"]
    env.salesforce.update("Account", account["Id"], {"Name": TOO_LONG, "Phone": "555-0100"})
    assert env.run("sync") == 3
    [error] = env.json("errors", "--mapping", "Customer")[1]["errors"]
    assert (error["record_key"], error["rule"]) == (account["Id"], name_rule())
    assert env.json("errors", "--mapping", "Item")[1]["count"] == 0

    assert env.run("replay", "--id", str(error["id"] + 1000)) == 1  # unknown id
    code, replayed = env.json("replay", "--id", str(error["id"]))
    assert (code, replayed["still_open"]) == (3, [error["id"]])  # data not fixed yet
    assert env.json("errors")[1]["errors"][0]["attempts"] == 2

    env.salesforce.update("Account", account["Id"], {"Name": "Renamed Trading"})
    code, replayed = env.json("replay", "--id", str(error["id"]))
    assert (code, replayed["resolved"]) == (0, [error["id"]])
    customer = env.intacct.find("CUSTOMER", key)
    assert (customer["NAME"], customer["DISPLAYCONTACT.PHONE1"]) == ("Renamed Trading", "555-0100")
    assert len(customers_named(env, "Renamed Trading")) == 1
    assert env.json("reconcile", "--only", "Customer")[1]["in_step"] is True


def test_replay_decides_a_pair_from_both_records(env: CliEnv) -> None:
    """A linked account waiting for a parent that failed is replayed with its Salesforce
    record read again, so its new parent reaches Intacct (not only its Intacct change)."""
    assert env.run("sync") == 0
    child = next(a for a in env.salesforce.list("Account") if a.get("Intacct_ID__c"))
    key = child["Intacct_ID__c"]
    customer = env.intacct.find("CUSTOMER", key)
    parent = env.salesforce.insert("Account", {"Name": TOO_LONG})
    env.salesforce.update("Account", child["Id"], {"ParentId": parent})
    env.intacct.update(
        "CUSTOMER", int(customer["RECORDNO"]), {"DISPLAYCONTACT.MAILADDRESS.CITY": "Tromso"}
    )
    assert env.run("sync") == 3
    errors = {e["record_key"]: e for e in env.json("errors")[1]["errors"]}
    assert errors[parent]["error_type"] == "ValidationFailed"
    assert errors[key]["transient"] is True and "waiting for Customer" in errors[key]["message"]

    env.salesforce.update("Account", parent, {"Name": "Arctic Holding"})
    code, replayed = env.json("replay")
    assert (code, replayed["still_open"]) == (0, [])
    [holding] = customers_named(env, "Arctic Holding")
    customer = env.intacct.find("CUSTOMER", key)
    assert customer["PARENTID"] == holding["CUSTOMERID"]
    assert env.salesforce.get("Account", child["Id"])["BillingCity"] == "Tromso"
    assert env.json("reconcile", "--only", "Customer")[1]["in_step"] is True


def test_a_failed_line_keeps_its_header_open_until_the_line_syncs(env: CliEnv) -> None:
    assert env.run("sync") == 0
    order = next(o for o in env.intacct.list("SODOCUMENT") if o["DOCID"].startswith("Sales Order-"))
    line = next(r for r in env.intacct.list("SODOCUMENTENTRY") if r["DOCHDRID"] == order["DOCID"])
    env.intacct.insert("LOCATION", {"LOCATIONID": "FJORD", "NAME": "Fjord", "STATUS": "active"})
    env.intacct.update("SODOCUMENTENTRY", int(line["RECORDNO"]), {"LOCATIONID": "FJORD"})
    env.intacct.update("SODOCUMENT", int(order["RECORDNO"]), {"MESSAGE": "ship from Fjord"})

    assert env.run("sync", "--only", "SalesOrder") == 3  # the new location is not synced yet
    [error] = env.json("errors")[1]["errors"]
    assert (error["mapping"], error["record_key"]) == ("SalesOrder", order["DOCID"])
    assert error["transient"] is True and "FJORD" in error["message"]

    assert env.run("sync") == 0  # Location first, then the waiting order's lines again
    assert env.json("errors")[1]["count"] == 0
    [location] = [r for r in env.salesforce.list("Intacct_Location__c")
                  if r.get("Intacct_ID__c") == "FJORD"]
    [synced] = [r for r in env.salesforce.list("Intacct_Sales_Order_Line__c")
                if r["Intacct_ID__c"] == line["RECORDNO"]]
    assert synced["Location__c"] == location["Id"]
