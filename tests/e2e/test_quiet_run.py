"""A quiet org costs at most 3 API calls for all 30 standard mappings and reads no record.

A demo company is synced with every standard mapping; once the runner's own writes have
been read back and the overlap window has passed, a run in which nothing changed asks both
services once (runner/probe.py): one Intacct request and two Salesforce composite calls,
reading nothing. The counts come from the sandboxes themselves (calls and records they
answered), logins aside: a login is an authentication call, not a data call (Salesforce
does not count it against the org's API usage; see docs/quiet-runs.md). Then one record
changes on each side, and the next run syncs both: the probe hides no change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.runner.report import RunReport
from mapsync.engine.runner.run import run_plan
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e

ACCOUNTS = 300  # with their contacts, items, price lists, projects and documents: thousands
LOGINS = ("getAPISession", "login.oauth", "login.soap")


def answered(boxes: Sandboxes) -> dict[str, dict[str, Any]]:
    """Calls and records each sandbox answered so far, logins left out."""
    out = {}
    for side, box in (("intacct", boxes.intacct), ("salesforce", boxes.salesforce)):
        snapshot = box.stats_snapshot()
        calls = {k: v for k, v in snapshot["calls"].items() if k not in LOGINS}
        requests = snapshot.get("requests")
        out[side] = {"calls": calls, "records": sum(snapshot["records"].values()),
                     "requests": requests}
    return out


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the sandboxes answered between two snapshots."""
    out = {}
    for side in ("intacct", "salesforce"):
        calls = {k: v - before[side]["calls"].get(k, 0) for k, v in after[side]["calls"].items()}
        out[side] = {"calls": {k: v for k, v in calls.items() if v},
                     "records": after[side]["records"] - before[side]["records"]}
    return out


@pytest.mark.timeout(900)
def test_a_quiet_run_of_all_30_mappings_costs_3_calls_and_reads_no_record(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "demo"
    with Sandboxes(directory, seed_profile="demo", records=ACCOUNTS) as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        org_time = boxes.salesforce.store.time
        # One clock for the runner and both services (the Intacct company stamps naive UTC).
        boxes.intacct.store.clock = lambda: org_time.now().replace(tzinfo=None)

        def sync(clock: Callable[[], Any] = org_time.now) -> RunReport:
            # Every standard mapping: the whole plan, not the one `price_source` shapes
            # (which leaves out the order-entry or the contract price entries).
            with RunContext.open(config) as ctx:
                assert len(ctx.plan.mappings) == 30
                return run_plan(ctx.plan, ctx.intacct, ctx.salesforce, ctx.state,
                                ctx.options(), catalogs=ctx.catalogs, clock=clock,
                                timezone=ctx.config.intacct.timezone)

        first = sync()
        assert first.fatal is None and first.failed == 0 and first.changes > 1000
        assert sync().changes == 0  # reads the first run's own writes back once
        # Time passes (the org's clock, which the runner shares): past the overlap window
        # and a minute boundary, so the next run reads the window a last time and settles.
        org_time.advance(75)
        assert sync().changes == 0
        # getUpdated answers for whole minutes from a minute after what the last read
        # covered: a run in the same minute asks exact queries instead (5 a call).
        org_time.advance(60)

        before = answered(boxes)
        before["logins"] = boxes.intacct.stats_snapshot()["calls"]["getAPISession"]
        quiet = sync()
        spent = delta(before, answered(boxes))
        assert (quiet.fatal, quiet.changes, len(quiet.mappings)) == (None, 0, 30)
        intacct_requests = spent["intacct"]["calls"]
        salesforce_calls = spent["salesforce"]["calls"]
        # Intacct counts functions: one `query` function per mapping side, in ONE request.
        assert set(intacct_requests) == {"query"}
        assert salesforce_calls == {"composite": 2}
        logins = boxes.intacct.stats_snapshot()["calls"]["getAPISession"] - before["logins"]
        requests = boxes.intacct.stats_snapshot()["requests"] - before["intacct"]["requests"]
        assert (requests - logins, sum(salesforce_calls.values())) == (1, 2)
        assert spent["intacct"]["records"] == spent["salesforce"]["records"] == 0
        # The runner's own count agrees: the probe's calls (with this process's one login
        # per side), and none in any mapping.
        assert quiet.probe_calls == {"intacct": 1 + 1, "salesforce": 2 + 1}
        assert [m.name for m in quiet.mappings if m.intacct.api_calls or m.salesforce.api_calls
                ] == []
        assert all(m.read == {"intacct": 0, "salesforce": 0} for m in quiet.mappings)

        # One change on each side, made by someone else: the next run syncs both.
        account = next(a for a in boxes.salesforce.store.list("Account") if a["Intacct_ID__c"])
        boxes.salesforce.store.update("Account", account["Id"], {"BillingCity": "Quietville"})
        item = boxes.intacct.store.list("ITEM")[0]
        boxes.intacct.store.update("ITEM", int(item["RECORDNO"]), {"NAME": "Quiet Widget"})
        # getUpdated answers for whole minutes: a change is seen by the first run that
        # starts in a later minute (docs/quiet-runs.md).
        org_time.advance(60)
        changed = sync()
        assert changed.fatal is None and changed.failed == 0
        by_name = {m.name: m for m in changed.mappings}
        assert by_name["Customer"].intacct.updated == 1
        assert by_name["Item"].salesforce.updated == 1
        customer = next(c for c in boxes.intacct.store.list("CUSTOMER")
                        if c["CUSTOMERID"] == account["Intacct_ID__c"])
        assert customer["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Quietville"
        product = next(p for p in boxes.salesforce.store.list("Product2")
                       if p["ProductCode"] == item["ITEMID"])
        assert product["Name"] == "Quiet Widget"


def test_a_deletion_in_a_quiet_org_is_seen_and_a_quiet_item_mapping_reads_nothing(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "items"
    with Sandboxes(directory, seed_profile="none") as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        org_time = boxes.salesforce.store.time
        boxes.intacct.store.clock = lambda: org_time.now().replace(tzinfo=None)
        for item in ("KEEP", "GONE"):
            boxes.intacct.store.insert("ITEM", {"ITEMID": item, "NAME": item, "ITEMTYPE": "Kit"})

        def sync() -> RunReport:
            with RunContext.open(config) as ctx:
                return ctx.run(ctx.options(), only=["Item"], clock=org_time.now)

        assert sync().mappings[0].salesforce.created == 2
        sync()
        org_time.advance(75)
        sync()
        org_time.advance(60)
        before = answered(boxes)
        quiet = sync()
        spent = delta(before, answered(boxes))
        assert quiet.mappings[0].read == {"intacct": 0, "salesforce": 0}
        # Item follows deletions: Product2 is asked with getUpdated and getDeleted, in one call.
        assert spent["salesforce"] == {"calls": {"composite": 1}, "records": 0}
        assert spent["intacct"] == {"calls": {"query": 1}, "records": 0}

        products = boxes.salesforce.store.list("Product2")
        gone = next(p for p in products if p["ProductCode"] == "GONE")
        boxes.salesforce.store.delete("Product2", gone["Id"])
        org_time.advance(60)
        assert sync().mappings[0].intacct.deleted == 1
        status = {i["ITEMID"]: i["STATUS"] for i in boxes.intacct.store.list("ITEM")}
        assert status == {"KEEP": "active", "GONE": "inactive"}
