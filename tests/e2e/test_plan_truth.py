"""`plan` on fresh orgs: no failures the sync would not have, exit 2 whenever the sync would
write, link or fail anything, and sample changes shown as values."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.commands.plan import cost_lines, shown, would_act
from mapsync.engine.runner.cost import SideCost
from mapsync.engine.runner.report import MappingReport, RunReport
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e


def test_the_first_plan_fails_nothing_the_sync_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "demo"
    with Sandboxes(directory, seed_profile="demo", records=20) as boxes:
        config = str(write_config(directory, boxes.connection_info(), None))
        assert main(["plan", "-c", config, "--json"]) == 2
        planned = json.loads(capsys.readouterr().out)
        assert main(["sync", "-c", config, "--json"]) == 0
        synced = json.loads(capsys.readouterr().out)
        assert planned["failed"] == synced["failed"] == 0
        by_name = {m["name"]: m for m in synced["mappings"]}
        for mapping in planned["mappings"]:
            if mapping["kind"] != "action" and mapping["name"] != "SalesOrder":
                # Sales orders also come from the Create Sales Order action, which a plan
                # does not run; every other mapping plans what the sync then does.
                assert mapping["created"] == by_name[mapping["name"]]["created"], mapping["name"]
        assert_calls_predicted(planned, synced)
        assert main(["plan", "-c", config]) == 0
        out = capsys.readouterr().out
        assert "0 change(s), ok" in out
        assert "API calls the sync will make, against the minimum" in out


def assert_calls_predicted(planned: dict[str, Any], synced: dict[str, Any]) -> None:
    """The calls `plan` predicted are the calls the sync made: per mapping and side, and in
    all (runner/cost.py holds the model: change it with the runner or the connectors)."""
    by_name = {m["name"]: m for m in synced["mappings"]}
    for mapping in planned["mappings"]:
        made = by_name[mapping["name"]]["api_calls"]
        for side in ("intacct", "salesforce"):
            predicted = mapping["api_calls"][side] + mapping.get(
                "planned_write_calls", {}).get(side, 0)
            assert predicted == made[side], (mapping["name"], side, predicted, made[side])
            assert mapping["minimum_calls"][side] <= made[side], (mapping["name"], side)
    for side in ("intacct", "salesforce"):
        cost = planned["cost"][side]
        assert cost["calls"] == synced["api_calls"][side] > 0, side
        assert 0 < cost["minimum"] == cost["read_minimum"] + cost["write_minimum"]
        assert cost["minimum"] <= cost["calls"]


def test_plan_predicts_the_calls_of_the_run_after_edits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a sync and edits on both sides, the next plan still predicts its sync's calls."""
    directory = tmp_path / "demo"
    with Sandboxes(directory, seed_profile="demo", records=20) as boxes:
        config = str(write_config(directory, boxes.connection_info(), None))
        assert main(["sync", "-c", config, "--json"]) == 0
        capsys.readouterr()
        boxes.salesforce.store.insert("Account", {"Name": "Wayne Enterprises"})
        boxes.salesforce.store.insert("Account", {"Name": "Oscorp"})
        assert main(["plan", "-c", config, "--json", "--only", "Customer", "Contact"]) == 2
        planned = json.loads(capsys.readouterr().out)
        assert main(["sync", "-c", config, "--json", "--only", "Customer", "Contact"]) == 0
        synced = json.loads(capsys.readouterr().out)
        customer = next(m for m in planned["mappings"] if m["name"] == "Customer")
        assert customer["written"]["intacct"] == {"CUSTOMER create": 2}
        assert_calls_predicted(planned, synced)


def test_plan_text_shows_sample_values_not_python_reprs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "sb"
    with Sandboxes(directory, seed_profile="none") as boxes:
        config = str(write_config(directory, boxes.connection_info(), None))
        boxes.salesforce.store.insert(
            "Account", {"Name": "Stark Industries", "Intacct_Credit_Limit__c": 1250.5}
        )
        assert main(["plan", "-c", config, "--only", "Customer"]) == 2
        out = capsys.readouterr().out
        assert "(empty) -> \"Stark Industries\"" in out
        assert "Decimal(" not in out and "None" not in out and "'" not in out


def test_shown_values() -> None:
    assert shown(None) == shown("") == "(empty)"
    assert shown(Decimal("12.50")) == "12.50" and shown(3) == "3"
    assert shown(True) == "true" and shown("O'Brien") == '"O\'Brien"'
    assert shown(("a", None)) == "(\"a\", (empty))" and shown(("x",)) == "\"x\""


def test_plan_exit_2_for_links_and_failures_alone() -> None:
    quiet = RunReport(run_id=None, mappings=[MappingReport("Customer", "sync")])
    assert not would_act(quiet)
    linking = MappingReport("Customer", "sync")
    linking.salesforce.linked = 1
    assert would_act(RunReport(run_id=None, mappings=[linking]))
    failing = MappingReport("Customer", "sync")
    failing.intacct.failed = 1
    assert would_act(RunReport(run_id=None, mappings=[failing]))


def test_plan_prints_each_side_against_its_minimum_in_80_columns() -> None:
    report = RunReport(api_calls={"intacct": 35, "salesforce": 68})
    report.cost = {"intacct": SideCost(44, 32, 27, 5), "salesforce": SideCost(112, 45, 8, 37)}
    lines = cost_lines(report)
    assert all(len(line) <= 80 for line in lines)
    assert lines[2].split() == ["Intacct", "44", "32", "27", "5", "1.38"]
    assert lines[3].split() == ["Salesforce", "112", "45", "8", "37", "2.49"]
    assert "made 35 Intacct and 68 Salesforce calls" in lines[-1]
    assert cost_lines(RunReport()) == []
