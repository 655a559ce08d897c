"""`mapsync reconcile` against both sandboxes: in step after a sync, then exactly what was
changed or deleted behind mapsync's back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.cli import main
from tests.runner.cli_env import CliEnv, linked, mapping, start

pytestmark = pytest.mark.e2e

CITY = "DISPLAYCONTACT.MAILADDRESS.CITY|BillingCity"


@pytest.fixture
def env(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CliEnv]:
    for env in start(tmp_path / "sb", capsys):
        assert env.run("sync") == 0
        yield env


def out_of_step(summary: dict[str, object]) -> list[str]:
    return [m["name"] for m in summary["mappings"] if not m["in_step"]]  # type: ignore[attr-defined]


def test_a_synced_company_is_in_step(env: CliEnv) -> None:
    code, summary = env.json("reconcile")
    assert (code, summary["in_step"], out_of_step(summary)) == (0, True, [])
    customers = mapping(summary, "Customer")
    assert customers["linked"] == len(linked(env.salesforce.list("Account"))) > 0
    # Intacct customers without an account are not missing: accounts create customers.
    unlinked = len(env.intacct.list("CUSTOMER")) - customers["linked"]
    assert customers["not_synced_by_rule"]["intacct"] == unlinked
    assert "CreateSalesOrder" not in [m["name"] for m in summary["mappings"]]


def test_a_value_changed_in_salesforce_is_the_one_difference(env: CliEnv) -> None:
    account = linked(env.salesforce.list("Account"))[0]
    customer = env.intacct.find("CUSTOMER", account["Intacct_ID__c"])
    env.salesforce.update("Account", account["Id"], {"BillingCity": "Nowhere Springs"})

    code, summary = env.json("reconcile")
    assert (code, summary["in_step"], out_of_step(summary)) == (2, False, ["Customer"])
    customers = mapping(summary, "Customer")
    assert customers["differences_count"] == 1
    assert customers["missing_in_salesforce_count"] == customers["missing_in_intacct_count"] == 0
    [difference] = customers["differences"]
    assert difference == {
        "key": account["Intacct_ID__c"],
        "rule": CITY,
        "source": difference["source"],
        "target": "salesforce",
        "intacct": customer["DISPLAYCONTACT.MAILADDRESS.CITY"],
        "salesforce": "Nowhere Springs",
        "expected": customer["DISPLAYCONTACT.MAILADDRESS.CITY"],
    }
    assert difference["source"].startswith("rules/customers.map:")


def test_a_value_changed_in_intacct_is_reported_from_the_rule(env: CliEnv) -> None:
    item = next(i for i in env.intacct.list("ITEM") if i.get("BASEPRICE"))
    env.intacct.update("ITEM", int(item["RECORDNO"]), {"BASEPRICE": "1234.5"})

    code, summary = env.json("reconcile", "--only", "Item", "Customer")
    assert [m["name"] for m in summary["mappings"]] == ["Customer", "Item"]
    assert (code, out_of_step(summary)) == (2, ["Item"])
    [difference] = mapping(summary, "Item")["differences"]
    assert difference["key"] == item["ITEMID"]
    assert difference["rule"] == "BASEPRICE|Intacct_Base_Price__c"
    assert (difference["intacct"], difference["expected"]) == ("1234.5", "1234.5")
    assert difference["salesforce"] != "1234.5"


def test_deleted_records_are_missing_on_their_side(env: CliEnv) -> None:
    account = linked(env.salesforce.list("Account"))[0]
    env.salesforce.delete("Account", account["Id"])
    product = linked(env.salesforce.list("Product2"))[0]
    item = env.intacct.find("ITEM", product["Intacct_ID__c"])
    env.intacct.delete("ITEM", int(item["RECORDNO"]))

    code, summary = env.json("reconcile", "--only", "Customer", "Item")
    assert code == 2
    customers, items = mapping(summary, "Customer"), mapping(summary, "Item")
    assert customers["missing_in_salesforce"] == [account["Intacct_ID__c"]]
    assert (customers["missing_in_intacct_count"], customers["differences_count"]) == (0, 0)
    assert items["missing_in_intacct"] == [product["Id"]]
    assert (items["missing_in_salesforce_count"], items["differences_count"]) == (0, 0)


def test_text_output_and_unknown_mappings(
    env: CliEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    account = linked(env.salesforce.list("Account"))[0]
    env.salesforce.update("Account", account["Id"], {"BillingCity": "Elsewhere"})
    capsys.readouterr()
    assert env.run("reconcile", "--only", "Nope") == 1
    assert main(["reconcile", "-c", str(env.config), "--only", "Customer"]) == 2
    text = capsys.readouterr().out
    assert "Customer (sync): " in text and "differences=1" in text and "[DIFFERS]" in text
    assert f"Customer {account['Intacct_ID__c']}: {CITY}" in text
    assert "'Elsewhere'" in text
    assert text.rstrip().endswith("reconcile: 1 mapping(s) out of step: Customer")
