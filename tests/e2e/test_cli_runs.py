"""The run commands through the CLI entry point: demo, plan and sync, with their exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_demo_converges_then_finds_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = str(tmp_path / "demo")
    code, first = run_json(capsys, "demo", "--dir", directory, "--records", "10", "--json")
    assert code == 0
    assert first["in_step"] is True and first["reconcile"]["in_step"] is True
    assert first["sync"]["failed"] == 0 and first["sync"]["changes"] > 0
    customer = next(m for m in first["sync"]["mappings"] if m["name"] == "Customer")
    assert set(customer) >= {"created", "updated", "linked", "deleted", "skipped", "failed",
                             "conflicts", "api_calls"}
    code, second = run_json(capsys, "demo", "--dir", directory, "--json")
    assert code == 0
    assert second["sync"]["changes"] == 0 and second["in_step"] is True


def test_plan_shows_changes_without_writing_then_sync_applies_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Sandboxes(tmp_path / "sb", seed_profile="none") as boxes:
        config = str(write_config(tmp_path / "sb", boxes.connection_info(), None))
        boxes.salesforce.store.insert("Account", {"Name": "Stark Industries"})
        code, planned = run_json(capsys, "plan", "-c", config, "--only", "Customer", "--json")
        assert code == 2
        customer = planned["mappings"][0]
        assert customer["created"] == 1
        assert customer["written"]["intacct"] == {"CUSTOMER create": 1}
        assert customer["samples"][0]["action"] == "create intacct"
        assert boxes.intacct.store.list("CUSTOMER") == []  # a plan writes nothing

        code, synced = run_json(capsys, "sync", "-c", config, "--only", "Customer", "--json")
        assert code == 0
        assert synced["mappings"][0]["created"] == 1
        for side in ("intacct", "salesforce"):  # the calls the plan predicted (runner/cost.py)
            assert synced["api_calls"][side] == planned["cost"][side]["calls"], side
        assert [c["NAME"] for c in boxes.intacct.store.list("CUSTOMER")] == ["Stark Industries"]

        code, after = run_json(capsys, "plan", "-c", config, "--only", "Customer", "--json")
        assert code == 0 and after["changes"] == 0


def test_sync_reports_configuration_errors_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "mapsync.yaml"
    config.write_text("version: 1\nconnections:\n  intacct:\n    sender_password: hunter2\n")
    assert main(["sync", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert "mapsync.yaml:4:" in err and "sender_password" in err
    assert "hunter2" not in err and "Traceback" not in err
    assert main(["sync", "-c", str(tmp_path / "missing.yaml")]) == 1
    assert "mapsync init" in capsys.readouterr().err


def test_a_daily_api_budget_stops_the_run_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    with Sandboxes(tmp_path / "sb", records=10) as boxes:
        config = write_config(tmp_path / "sb", boxes.connection_info(), None)
        data = yaml.safe_load(config.read_text("utf-8"))
        data["connections"]["salesforce"]["daily_api_budget"] = 5
        config.write_text(yaml.safe_dump(data), "utf-8")
        boxes.salesforce.stats.reset()
        code, report = run_json(capsys, "sync", "-c", str(config), "--json")
        calls = boxes.salesforce.stats_snapshot()["calls"]
    assert code == 1
    assert "budget" in report["fatal"].lower()
    # Logins do not count against Salesforce's API usage; everything else stays in budget.
    assert sum(n for op, n in calls.items() if not op.startswith("login")) <= 5


def test_a_budget_spent_at_a_write_stops_the_run_and_the_next_run_catches_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from mapsync.engine.commands._context import RunContext

    with Sandboxes(tmp_path / "sb", seed_profile="none") as boxes:
        config = write_config(tmp_path / "sb", boxes.connection_info(), None)
        for name in ("Stark Industries", "Wayne Enterprises", "Tyrell"):
            boxes.salesforce.store.insert("Account", {"Name": name})
        only = ("--only", "Customer")
        code, planned = run_json(capsys, "plan", "-c", str(config), *only, "--json")
        assert code == 2
        needed = planned["cost"]["salesforce"]["calls"]
        data = yaml.safe_load(config.read_text("utf-8"))

        def budget(calls: int) -> None:
            data["connections"]["salesforce"]["daily_api_budget"] = calls
            config.write_text(yaml.safe_dump(data), "utf-8")

        # One call short (the connection check before the run counts one more than the
        # plan's): the last call, the write-back of the new customers' Intacct keys.
        budget(needed)
        code, stopped = run_json(capsys, "sync", "-c", str(config), *only, "--json")
        assert code == 1 and "[BUDGET]" in stopped["fatal"]
        assert "upsert" in stopped["fatal"] or "update" in stopped["fatal"]
        assert stopped["mappings"][0]["budget_spent"] is True
        with RunContext.open(config) as ctx:  # the records are not failures: nothing to replay
            assert [e for e in ctx.state.errors() if "BUDGET" in str(e)] == []

        budget(100_000)  # the next day
        code, synced = run_json(capsys, "sync", "-c", str(config), *only, "--json")
        assert code == 0 and synced["failed"] == 0
        code, checked = run_json(capsys, "reconcile", "-c", str(config), *only, "--json")
        assert code == 0 and checked["in_step"] is True


def test_sync_runs_the_compiled_plan_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapsync.engine.resources import rules_dir

    rules = tmp_path / "rules"
    rules.mkdir()
    for source in rules_dir().glob("*.map"):
        (rules / source.name).write_text(source.read_text("utf-8"), "utf-8")
    customers = rules / "customers.map"
    text = customers.read_text("utf-8")
    rule = re.compile(r"Description( +)\| truncate\(1000\)")  # aligned by `mapsync fmt`
    assert rule.search(text)
    customers.write_text(rule.sub(r"Description\1| upper", text))
    plan_file = tmp_path / "plan.json"
    assert main(["compile", str(rules), "-o", str(plan_file)]) == 0
    assert json.loads(plan_file.read_text("utf-8"))["source_hash"].startswith("sha256:")

    with Sandboxes(tmp_path / "sb", seed_profile="none") as boxes:
        config = str(write_config(tmp_path / "sb", boxes.connection_info(), None))
        boxes.salesforce.store.insert("Account", {"Name": "Wayne", "Description": "a note"})
        code, synced = run_json(
            capsys, "sync", "-c", config, "--plan", str(plan_file), "--only", "Customer", "--json"
        )
        assert code == 0 and synced["mappings"][0]["created"] == 1
        # The configured rules truncate; the plan's upper-cases: the plan ran, not the rules.
        assert [c["COMMENTS"] for c in boxes.intacct.store.list("CUSTOMER")] == ["A NOTE"]

        plan_file.write_text('{"version": 99}', "utf-8")
        assert main(["sync", "-c", config, "--plan", str(plan_file)]) == 1
        assert "plan version 99 is not supported" in capsys.readouterr().err
