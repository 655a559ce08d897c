"""A mapping large enough for the Bulk API 2.0 threshold (lowered through
`options.batch_sizes.bulk_threshold`) writes Salesforce through Bulk 2.0 jobs, not sObject
Collections: a record Salesforce refuses in a job is recorded against that record with the
API's error and replayed once fixed, the rest syncs in step, and the next run writes nothing.
A sync killed while a job runs leaves records in Salesforce the state does not know; the
next run links them instead of creating them again.

The items carry a unit of measure, copied to Product2's QuantityUnitOfMeasure by a rule
this test adds to the standard rules: a restricted pick list that allows only "Each", which
the client does not check and Salesforce refuses row by row ("Count" below).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from mapsync import cli
from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.runner.reconcile import reconcile
from mapsync.engine.runner.report import RunReport
from mapsync.engine.sandbox.gate import Gate
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.state import open_store

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "mapsync" / "rules"
ITEMS = 1500
THRESHOLD = 400
BAD = "IT00017"
UNIT_RULE = "    UOMGRP                ->  QuantityUnitOfMeasure\n"


def rules_with_units(directory: Path) -> Path:
    """The standard rules, with items' units of measure copied to their products."""
    rules = directory / "rules"
    shutil.copytree(RULES, rules)
    items = rules / "items.map"
    text = items.read_text(encoding="utf-8")
    anchor = "    UOMGRP                <-> Intacct_Unit_Group__c\n"
    assert anchor in text
    items.write_text(text.replace(anchor, anchor + UNIT_RULE), encoding="utf-8")
    return rules


def seed(boxes: Sandboxes, products: int) -> None:
    """ITEMS Intacct items (one with a unit Salesforce refuses) and `products` products."""
    items = [
        {"ITEMID": f"IT{i:05d}", "NAME": f"Item {i}", "ITEMTYPE": "Non-Inventory",
         "STATUS": "active", "BASEPRICE": "10.50", "UOMGRP": "Each"}
        for i in range(ITEMS)
    ]
    items[int(BAD[2:])]["UOMGRP"] = "Count"
    boxes.intacct.store.insert_many("ITEM", items)
    for i in range(products):
        boxes.salesforce.store.insert("Product2", {
            "Name": f"Product {i}", "ProductCode": f"PR{i:05d}", "IsActive": True,
            "Intacct_Item_Type__c": "Non-Inventory",
        })


def configure(directory: Path, boxes: Sandboxes) -> Path:
    config = write_config(directory, boxes.connection_info(), str(rules_with_units(directory)))
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["options"]["batch_sizes"] = {"bulk_threshold": THRESHOLD}
    data["mappings"] = ["Item"]
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def sync(config: Path, waits: list[float], **options: Any) -> RunReport:
    """One sync in this process; the client's Bulk 2.0 polls wait through `waits`."""
    with RunContext.open(config) as ctx:
        ctx.salesforce.sleep = waits.append
        return ctx.run(ctx.options(**options))


def reconciled(config: Path) -> dict[str, Any]:
    with RunContext.open(config) as ctx:
        report = reconcile(ctx.effective_plan(), ctx.intacct, ctx.salesforce, ctx.state,
                           timezone=ctx.config.intacct.timezone).to_dict()
    [item] = [m for m in report["mappings"] if m["name"] == "Item"]
    return dict(item)


def salesforce_writes(boxes: Sandboxes) -> Counter[str]:
    calls = boxes.salesforce.stats.calls
    return Counter({op: n for op, n in calls.items()
                    if op.startswith(("collections.", "sobject.", "bulk2.ingest.create"))})


def products_by_key(boxes: Sandboxes) -> Counter[str]:
    return Counter(str(p["Intacct_ID__c"]) for p in boxes.salesforce.store.list("Product2"))


def open_errors(config: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert cli.main(["errors", "-c", str(config), "--json"]) == 0
    return list(json.loads(capsys.readouterr().out)["errors"])


@pytest.mark.timeout(900)
def test_a_large_sync_writes_salesforce_in_bulk_jobs_and_a_refused_record_is_replayed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = 600
    with Sandboxes(tmp_path, seed_profile="none") as boxes:
        seed(boxes, products)
        config = configure(tmp_path, boxes)
        waits: list[float] = []
        [planned] = sync(config, waits, dry_run=True).mappings
        # `plan` counts the two jobs the sync runs (5 calls each), not 11 Collections calls.
        assert planned.planned_write_calls["salesforce"] == 10
        boxes.salesforce.stats.reset()
        first = sync(config, waits)
        [item] = first.mappings
        assert (item.total("created"), item.total("failed")) == (ITEMS - 1 + products, 1)
        # One upsert job for the items, one update job writing the new items' ids back to
        # their products; no record went through Collections, and one poll each sufficed.
        assert salesforce_writes(boxes) == Counter({"bulk2.ingest.create": 2})
        assert waits == [1.0, 1.0]

        [error] = open_errors(config, capsys)
        assert (error["side"], error["record_key"], error["error_type"]) == (
            "intacct", BAD, "ValidationFailed")
        assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in error["message"]
        assert error["payload"]["QuantityUnitOfMeasure"] == "Count"
        rule_line = (tmp_path / "rules" / "items.map").read_text().splitlines().index(
            UNIT_RULE.rstrip("\n")) + 1
        assert error["rule"].endswith(f"items.map:{rule_line}")
        check = reconciled(config)
        assert (check["missing_in_salesforce_count"], check["missing_in_intacct_count"],
                check["differences_count"]) == (1, 0, 0)

        recordno = int(boxes.intacct.store.find("ITEM", BAD)["RECORDNO"])
        boxes.intacct.store.update("ITEM", recordno, {"UOMGRP": "Each"})
        assert cli.main(["replay", "-c", str(config), "--json"]) == 0
        capsys.readouterr()
        assert open_errors(config, capsys) == []
        assert reconciled(config)["in_step"]

        last = sync(config, waits)
        assert (last.changes, last.failed) == (0, 0)
        keys = products_by_key(boxes)
        assert len(keys) == ITEMS + products and set(keys.values()) == {1}
        assert boxes.intacct.store.count("ITEM") == ITEMS + products


class HeldOnce(Gate):
    """Holds the first request of its operation until opened; lets the others through."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False

    def hold(self) -> bool:
        if self.held:
            return True
        self.held = True
        return super().hold()


@pytest.mark.timeout(900)
def test_a_sync_killed_while_its_bulk_job_runs_links_the_records_on_the_next_run(
    tmp_path: Path,
) -> None:
    with Sandboxes(tmp_path, seed_profile="none") as boxes:
        seed(boxes, products=50)
        config = configure(tmp_path, boxes)
        gate = HeldOnce()
        boxes.salesforce.app.gates["bulk2.get"] = gate
        child = subprocess.Popen(
            [sys.executable, "-m", "mapsync", "sync", "-c", str(config), "--json"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            # The job is created, uploaded and closed (so Salesforce ran it); the child's
            # first poll is held: it dies before it learns any result.
            assert gate.arrived.wait(300), "the sync never polled a bulk job"
        finally:
            child.kill()
            child.wait()
            gate.open(apply=False)
        created = products_by_key(boxes)
        assert len(created) == ITEMS - 1 + 50
        with open_store(tmp_path / "state.db") as state:
            known = state.links_by_intacct_keys("Item", [f"IT{i:05d}" for i in range(ITEMS)])
        assert known == {}

        waits: list[float] = []
        again = sync(config, waits)
        [item] = again.mappings
        assert (item.total("created"), item.total("failed")) == (0, 1)
        assert products_by_key(boxes) == created
        check = reconciled(config)
        assert (check["missing_in_salesforce_count"], check["differences_count"]) == (1, 0)
        assert sync(config, waits).changes == 0
