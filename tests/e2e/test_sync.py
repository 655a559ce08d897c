"""End-to-end sync against both sandboxes with the real clients and the standard rules.

Each test starts both sandboxes on a fresh directory, writes the config `mapsync demo`
writes, and runs the plan through the same code as `mapsync sync`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.report import RunReport
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.sandbox.salesforce.values import format_datetime

pytestmark = pytest.mark.e2e


@dataclass
class Env:
    """Two running sandboxes and a config file pointing at them."""

    boxes: Sandboxes
    config: Path

    def sync(self, *only: str, clock: Any = None, **options: Any) -> RunReport:
        with RunContext.open(self.config) as ctx:
            return ctx.run(ctx.options(**options), only=list(only) or None, clock=clock)

    def conflicts(self) -> list[Any]:
        with RunContext.open(self.config) as ctx:
            return ctx.state.conflicts()

    @property
    def intacct(self) -> Any:
        return self.boxes.intacct.store

    @property
    def salesforce(self) -> Any:
        return self.boxes.salesforce.store


def start(
    directory: Path, *, records: int = 10, profile: str = "none", rules: Path | None = None
) -> Iterator[Env]:
    with Sandboxes(directory, seed_profile=profile, records=records) as boxes:
        config = write_config(directory, boxes.connection_info(), str(rules) if rules else None)
        yield Env(boxes, config)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from start(tmp_path / "sandboxes")


def counts(report: RunReport, name: str) -> dict[str, Any]:
    return next(m for m in report.to_dict()["mappings"] if m["name"] == name)


def one(records: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_demo_company_syncs_every_mapping_then_a_second_run_writes_nothing(
    tmp_path: Path,
) -> None:
    for env in start(tmp_path / "demo", records=20, profile="demo"):
        first = env.sync()
        summary = first.to_dict()
        assert first.fatal is None
        assert [m["name"] for m in summary["mappings"] if m["failed"]] == []
        idle = [
            m["name"]
            for m in summary["mappings"]
            if m["kind"] != "action" and not (m["created"] or m["linked"])
        ]
        assert idle == []
        # Sales documents arrive with their lines, matched to their headers.
        orders = env.salesforce.list("Intacct_Sales_Order__c")
        lines = env.salesforce.list("Intacct_Sales_Order_Line__c")
        intacct_lines = [
            r
            for r in env.intacct.list("SODOCUMENTENTRY")
            if r.get("DOCHDRID", "").startswith("Sales Order-")
        ]
        assert len(lines) == len(intacct_lines) > 0
        assert {line["Sales_Order__c"] for line in lines} <= {o["Id"] for o in orders}
        # The Create Sales Order button's opportunities became Intacct orders, linked back.
        requested = [
            o for o in env.salesforce.list("Opportunity") if o.get("Intacct_Sales_Order_ID__c")
        ]
        assert requested and not any(o["Intacct_Create_Sales_Order__c"] for o in requested)
        for opportunity in requested:
            assert env.intacct.find("SODOCUMENT", opportunity["Intacct_Sales_Order_ID__c"])
        second = env.sync()
        assert second.changes == 0 and second.failed == 0


def test_changes_flow_each_way_and_echoes_stop(env: Env) -> None:
    env.intacct.insert("ARTERM", {"NAME": "Net 30", "STATUS": "active"})
    account = env.salesforce.insert("Account", {"Name": "Globex", "BillingCity": "Lyon"})
    assert counts(env.sync("ARTerm", "Customer"), "Customer")["created"] == 1
    customer = one(env.intacct.list("CUSTOMER"), NAME="Globex")
    assert customer["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Lyon"
    assert env.salesforce.get("Account", account)["Intacct_ID__c"] == customer["CUSTOMERID"]

    env.intacct.update(
        "CUSTOMER",
        int(customer["RECORDNO"]),
        {"DISPLAYCONTACT.MAILADDRESS.CITY": "Paris", "TERMNAME": "Net 30"},
    )
    report = env.sync("ARTerm", "Customer")
    assert counts(report, "Customer")["updated"] == 1
    synced = env.salesforce.get("Account", account)
    assert synced["BillingCity"] == "Paris"
    term = one(env.salesforce.list("Intacct_AR_Term__c"), Name="Net 30")
    assert synced["Intacct_Payment_Term__c"] == term["Id"]

    env.salesforce.update("Account", account, {"Phone": "+33 1 23 45 67 89"})
    assert counts(env.sync("Customer"), "Customer")["updated"] == 1
    customer = one(env.intacct.list("CUSTOMER"), NAME="Globex")
    assert customer["DISPLAYCONTACT.PHONE1"] == "+33 1 23 45 67 89"

    quiet = env.sync("ARTerm", "Customer")
    assert quiet.changes == 0


def test_child_account_waits_for_its_parent_created_in_the_same_run(env: Env) -> None:
    parent = env.salesforce.insert("Account", {"Name": "Initech Holding"})
    env.salesforce.insert("Account", {"Name": "Initech France", "ParentId": parent})
    report = env.sync("Customer")
    assert counts(report, "Customer")["created"] == 2
    assert counts(report, "Customer")["failed"] == 0
    holding = one(env.intacct.list("CUSTOMER"), NAME="Initech Holding")
    child = one(env.intacct.list("CUSTOMER"), NAME="Initech France")
    assert child["PARENTID"] == holding["CUSTOMERID"]


def test_matching_records_are_linked_not_duplicated(env: Env) -> None:
    env.intacct.insert("ITEM", {"ITEMID": "WIDGET", "NAME": "Widget", "ITEMTYPE": "Inventory"})
    product = env.salesforce.insert("Product2", {"Name": "Widget", "ProductCode": "WIDGET"})
    report = counts(env.sync("Item"), "Item")
    assert (report["linked"], report["created"]) == (1, 0)
    assert len(env.intacct.list("ITEM")) == 1
    assert len(env.salesforce.list("Product2")) == 1
    assert env.salesforce.get("Product2", product)["Intacct_ID__c"] == "WIDGET"


def test_a_first_run_links_from_its_own_read_without_a_look_up(env: Env) -> None:
    """The first run reads every product: linking by external id and by natural key takes
    them from that read (runner/pairer.py `salesforce_by`), with no query of its own, and
    matches exactly as the look-up did (a code differing in case is not the same item)."""
    for item in ("WIDGET", "GADGET", "GIZMO"):
        env.intacct.insert("ITEM", {"ITEMID": item, "NAME": item.title(),
                                    "ITEMTYPE": "Inventory"})
    by_code = env.salesforce.insert("Product2", {"Name": "Widget", "ProductCode": "WIDGET"})
    by_key = env.salesforce.insert("Product2", {"Name": "Gadget", "Intacct_ID__c": "GADGET"})
    env.salesforce.insert("Product2", {"Name": "Gizmo", "ProductCode": "gizmo"})
    with RunContext.open(env.config) as ctx:
        report = counts(ctx.run(ctx.options(), only=["Item"]), "Item")
        calls = ctx.salesforce.counter.calls
        reads = calls.get("query", 0) + calls.get("queryAll", 0) + calls.get("composite", 0)
    assert (report["linked"], report["created"]) == (2, 1)
    assert reads == 1  # the read (in the probe's call); no look-up by key or ProductCode
    assert env.salesforce.get("Product2", by_code)["Intacct_ID__c"] == "WIDGET"
    assert env.salesforce.get("Product2", by_key)["Intacct_ID__c"] == "GADGET"
    assert len(env.salesforce.list("Product2")) == 4


def test_the_first_reads_of_several_mappings_share_one_composite_call(env: Env) -> None:
    """Mappings that must read Salesforce get their first page from the probe's composite
    calls (runner/probe.py), five to a call, then go on from it: three managed lists cost
    one read call, and their later reads (the overlap window) one more."""
    from mapsync.engine.sandbox.demo.vocabulary import AR_TERMS, CUSTOMER_TYPES

    env.intacct.insert_many("ARTERM", [dict(t) for t in AR_TERMS])
    env.intacct.insert_many("CUSTTYPE", [dict(t) for t in CUSTOMER_TYPES])
    lists = ["ARTerm", "CustomerType", "Territory"]
    for run in range(2):
        with RunContext.open(env.config) as ctx:
            report = ctx.run(ctx.options(), only=lists)
            calls = dict(ctx.salesforce.counter.calls)
        reads = {op: n for op, n in calls.items() if op in ("query", "queryAll", "composite")}
        assert reads == {"composite": 1}, (run, calls)
    assert counts(report, "ARTerm")["read"]["salesforce"] == len(AR_TERMS)


def test_a_read_whose_first_page_went_stale_reads_again(env: Env) -> None:
    """When the query cursor of a first page read by the probe is gone by the time its
    mapping runs (Salesforce drops idle cursors), the mapping reads from the start again:
    every record is read, once."""
    from mapsync.engine.sandbox.salesforce.cursors import Cursors

    env.salesforce.insert_many("Account", [{"Name": f"Stale {i:04d}"} for i in range(2100)])
    app = env.boxes.salesforce.app

    def progress(name: str, outcome: Any) -> None:
        if name == "Customer" and outcome is None:  # it starts: forget every open cursor
            app.rest.cursors = Cursors()

    with RunContext.open(env.config) as ctx:
        report = ctx.run(ctx.options(dry_run=True), only=["Customer"], progress=progress)
        calls = dict(ctx.salesforce.counter.calls)
    assert counts(report, "Customer")["read"]["salesforce"] == 2100
    # the probe's page, the refused next page, then the read again: two pages
    assert (calls["composite"], calls["query"]) == (1, 3)


def test_deleted_product_deactivates_its_item(env: Env) -> None:
    env.intacct.insert("ITEM", {"ITEMID": "OLD", "NAME": "Old kit", "ITEMTYPE": "Kit"})
    env.sync("Item")
    product = one(env.salesforce.list("Product2"), ProductCode="OLD")
    env.salesforce.delete("Product2", product["Id"])
    report = counts(env.sync("Item"), "Item")
    assert report["deleted"] == 1
    assert one(env.intacct.list("ITEM"), ITEMID="OLD")["STATUS"] == "inactive"
    # The deactivated item is not copied back to Salesforce as a new product.
    again = counts(env.sync("Item", full=True), "Item")
    assert again["created"] == 0
    assert env.salesforce.list("Product2") == []


def rules_with_conflict(tmp_path: Path, policy: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    customers = folder / "customers.map"
    text = customers.read_text("utf-8").replace("conflict newest", f"conflict {policy}")
    customers.write_text(text, "utf-8")
    return folder


@pytest.mark.parametrize(
    ("policy", "winner"),
    [("intacct", "intacct"), ("salesforce", "salesforce"), ("newest", "salesforce")],
)
def test_both_sides_changed_the_same_field(tmp_path: Path, policy: str, winner: str) -> None:
    rules = rules_with_conflict(tmp_path, policy)
    for env in start(tmp_path / "sandboxes", rules=rules):
        account = env.salesforce.insert("Account", {"Name": "Umbrella", "BillingCity": "Rome"})
        env.sync("Customer")
        customer = one(env.intacct.list("CUSTOMER"), NAME="Umbrella")
        env.intacct.update(
            "CUSTOMER", int(customer["RECORDNO"]), {"DISPLAYCONTACT.MAILADDRESS.CITY": "Milan"}
        )
        # Salesforce stamps whole seconds: date its edit later so that it is the newest.
        later = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2))
        env.salesforce.clock = lambda stamp=later: stamp
        env.salesforce.update("Account", account, {"BillingCity": "Turin"})
        report = counts(env.sync("Customer"), "Customer")
        assert report["conflicts"] == 1
        expected = "Milan" if winner == "intacct" else "Turin"
        customer = one(env.intacct.list("CUSTOMER"), NAME="Umbrella")
        assert customer["DISPLAYCONTACT.MAILADDRESS.CITY"] == expected
        assert env.salesforce.get("Account", account)["BillingCity"] == expected
        logged = env.conflicts()
        assert [(c.winner, c.policy) for c in logged] == [(winner, policy)]
        assert (logged[0].intacct_value, logged[0].salesforce_value) == ("Milan", "Turin")


def test_propagated_deletes_reach_the_other_side(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    items = folder / "items.map"
    items.write_text(
        items.read_text("utf-8").replace('delete deactivate STATUS "inactive"', "delete propagate"),
        "utf-8",
    )
    for env in start(tmp_path / "sandboxes", rules=folder):
        for code in ("KEEP", "GONE-IN-INTACCT", "GONE-IN-SALESFORCE"):
            env.intacct.insert("ITEM", {"ITEMID": code, "NAME": code, "ITEMTYPE": "Kit"})
        env.sync("Item")
        assert len(env.salesforce.list("Product2")) == 3

        gone = one(env.intacct.list("ITEM"), ITEMID="GONE-IN-INTACCT")
        env.intacct.delete("ITEM", int(gone["RECORDNO"]))
        assert counts(env.sync("Item"), "Item")["deleted"] == 0  # invisible incrementally
        report = counts(env.sync("Item", full=True), "Item")
        assert report["sides"]["salesforce"]["deleted"] == 1
        assert sorted(p["ProductCode"] for p in env.salesforce.list("Product2")) == [
            "GONE-IN-SALESFORCE",
            "KEEP",
        ]

        product = one(env.salesforce.list("Product2"), ProductCode="GONE-IN-SALESFORCE")
        env.salesforce.delete("Product2", product["Id"])
        report = counts(env.sync("Item"), "Item")
        assert report["sides"]["intacct"]["deleted"] == 1
        assert [i["ITEMID"] for i in env.intacct.list("ITEM")] == ["KEEP"]


def test_a_quiet_org_costs_one_probe_per_side_once_the_overlap_has_passed(env: Env) -> None:
    # One clock for the runner and both services, so that where minute boundaries fall (the
    # unit of getUpdated) is the test's choice, not the wall clock's.
    org_time = env.boxes.salesforce.store.time
    env.intacct.clock = lambda: org_time.now().replace(tzinfo=None)
    for name in ("Soylent", "Tyrell", "Wayne Enterprises"):
        env.salesforce.insert("Account", {"Name": name})
    assert counts(env.sync("Customer", clock=org_time.now), "Customer")["created"] == 3
    # Reads its own writes back once.
    assert env.sync("Customer", clock=org_time.now).changes == 0
    # Past the demo config's 2-second overlap window and a minute boundary: the next run
    # reads the window one last time and settles it.
    org_time.advance(75)
    assert env.sync("Customer", clock=org_time.now).changes == 0
    with RunContext.open(env.config) as ctx:
        assert ctx.state.window_read_at("Customer", "intacct") is not None
        assert ctx.state.window_read_at("Customer", "salesforce") is not None
    org_time.advance(60)
    with RunContext.open(env.config) as ctx:
        run = ctx.run(ctx.options(), only=["Customer"], clock=org_time.now)
        quiet = counts(run, "Customer")
        calls = {
            "intacct": dict(ctx.intacct.counter.calls),
            "salesforce": dict(ctx.salesforce.counter.calls),
        }
    # One probe per side (runner/probe.py), plus each side's login of this new process;
    # the mapping itself reads nothing.
    assert calls == {
        "intacct": {"getAPISession": 1, "probe": 1},
        "salesforce": {"login.oauth": 1, "composite": 1},
    }
    assert run.to_dict()["probe_calls"] == {"intacct": 2, "salesforce": 2}
    assert quiet["api_calls"] == {"intacct": 0, "salesforce": 0}
    assert quiet["read"] == {"intacct": 0, "salesforce": 0}

    account = one(env.salesforce.list("Account"), Name="Tyrell")
    env.salesforce.update("Account", account["Id"], {"BillingCity": "Los Angeles"})
    # getUpdated answers for whole minutes: the change is seen by the first run that starts
    # in a later minute (docs/quiet-runs.md).
    org_time.advance(60)
    assert counts(env.sync("Customer", clock=org_time.now), "Customer")["updated"] == 1
    assert (
        one(env.intacct.list("CUSTOMER"), NAME="Tyrell")["DISPLAYCONTACT.MAILADDRESS.CITY"]
        == "Los Angeles"
    )


def test_the_error_of_a_record_deleted_since_it_failed_is_closed_by_replay(env: Env) -> None:
    bad = env.salesforce.insert("Account", {"Name": "Consolidated " * 10})  # NAME holds 100
    assert counts(env.sync("Customer"), "Customer")["failed"] == 1
    with RunContext.open(env.config) as ctx:
        assert [e.record_key for e in ctx.state.errors()] == [bad]
    env.salesforce.delete("Account", bad)
    replayed = env.sync("Customer", replay=True)
    assert replayed.failed == 0
    with RunContext.open(env.config) as ctx:
        assert ctx.state.errors() == []
    assert env.intacct.list("CUSTOMER") == []


def test_reconcile_compares_the_lines_of_linked_documents(tmp_path: Path) -> None:
    from mapsync.engine.runner.reconcile import reconcile

    def check(env: Env) -> dict[str, Any]:
        with RunContext.open(env.config) as ctx:
            report = reconcile(
                ctx.effective_plan(), ctx.intacct, ctx.salesforce, ctx.state, only=["SalesInvoice"]
            )
        return report.to_dict()["mappings"][0]

    for env in start(tmp_path / "demo", records=10, profile="demo"):
        env.sync()
        assert check(env)["in_step"] is True
        edited, deleted = [
            r
            for r in env.intacct.list("SODOCUMENTENTRY")
            if r.get("DOCHDRID", "").startswith("Sales Invoice-")
        ][:2]
        env.intacct.update("SODOCUMENTENTRY", int(edited["RECORDNO"]), {"MEMO": "changed"})
        copy = one(
            env.salesforce.list("Intacct_Sales_Invoice_Line__c"), Intacct_ID__c=deleted["RECORDNO"]
        )
        env.salesforce.delete("Intacct_Sales_Invoice_Line__c", copy["Id"])
        found = check(env)
        assert found["in_step"] is False
        assert found["missing_in_salesforce"] == [f"{deleted['DOCHDRID']}/{deleted['RECORDNO']}"]
        assert [(d["key"], d["rule"], d["expected"]) for d in found["differences"]] == [
            (f"{edited['DOCHDRID']}/{edited['RECORDNO']}", "MEMO|Memo__c", "changed")
        ]


def test_random_edits_on_both_sides_converge_to_reconciled_data(tmp_path: Path) -> None:
    import random

    from mapsync.engine.runner.reconcile import reconcile

    rng = random.Random(7)
    for env in start(tmp_path / "demo", records=20, profile="demo"):
        env.sync()
        for round_ in range(3):
            for c in rng.sample(env.intacct.list("CUSTOMER"), 5):
                field = rng.choice(["DISPLAYCONTACT.MAILADDRESS.CITY", "DISPLAYCONTACT.PHONE1"])
                env.intacct.update(
                    "CUSTOMER", int(c["RECORDNO"]), {field: f"I{round_}-{rng.randint(0, 99)}"}
                )
            for a in rng.sample(env.salesforce.list("Account"), 5):
                field = rng.choice(["BillingCity", "Phone", "Description"])
                env.salesforce.update("Account", a["Id"], {field: f"S{round_}"})
            for p in rng.sample(env.salesforce.list("Product2"), 3):
                env.salesforce.update("Product2", p["Id"], {"Description": f"P{round_}"})
            for i in rng.sample(env.intacct.list("ITEM"), 3):
                env.intacct.update("ITEM", int(i["RECORDNO"]), {"SODESCRIPTION": f"Q{round_}"})
            report = env.sync()
            assert report.failed == 0 and report.changes > 0
        assert env.sync().changes == 0
        with RunContext.open(env.config) as ctx:
            check = reconcile(ctx.effective_plan(), ctx.intacct, ctx.salesforce, ctx.state)
        assert check.to_dict()["in_step"] is True
