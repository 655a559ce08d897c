"""Fault tests: injected API faults and a killed sync both converge to what a clean run makes.

Each test runs a clean control on a fresh directory seeded identically, then the faulty
scenario on another, and compares the two directories' final data record by record (modulo
generated Ids and timestamps; see datacheck.py), besides checking for duplicates and running
`reconcile` with the sandboxes restarted without faults.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mapsync import cli
from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.state import open_store

from .calls import wait_then_kill
from .datacheck import differences, inspect, raw

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FAULTS = "429:0.1,500:0.05,expire:0.02"


def demo(directory: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = cli.main(["demo", "--dir", str(directory), "--records", "20", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def failed(summary: dict[str, Any]) -> list[str]:
    return [
        f"{m['name']}: {m.get('fatal') or m['failed']}"
        for m in summary["mappings"]
        if m["failed"] or m.get("fatal")
    ]


def assert_converged(clean: Path, other: Path, *, same_values: bool = True) -> None:
    """`other` ended in step, without duplicates or open errors, with the records of the
    clean run `clean` (and, with `same_values`, the same values in every field)."""
    expected, found = inspect(clean), inspect(other)
    assert expected.out_of_step() == [] and expected.duplicates == []
    assert found.out_of_step() == []
    assert found.duplicates == []
    assert found.open_errors == 0
    assert differences(expected.identities, found.identities) == []
    if same_values:
        assert differences(expected.snapshot, found.snapshot) == []


def test_demo_with_injected_faults_converges_to_the_clean_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = demo(tmp_path / "clean", capsys)
    assert (code, failed(summary["sync"])) == (0, [])
    faulty = tmp_path / "faulty"
    runs = []
    for _ in range(5):
        code, summary = demo(faulty, capsys, "--faults", FAULTS)
        runs.append(summary)
        if not failed(summary["sync"]):
            break
    assert failed(runs[-1]["sync"]) == [], f"still failing after {len(runs)} runs"
    assert code == 0 and runs[-1]["in_step"]
    # The faults did happen, on both services, and each run's retries absorbed them.
    for system in ("intacct", "salesforce"):
        injected = sum(sum(r["sandbox_calls"][system]["faults"].values()) for r in runs)
        assert injected > 0, system
    assert_converged(tmp_path / "clean", faulty)


def sync_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "mapsync", "sync", "-c", str(config), "--json"]


def sync_killed_after(boxes: Sandboxes, config: Path, calls: int) -> bool:
    """Start `mapsync sync` and SIGKILL it once the sandboxes have answered `calls` more
    calls; False when it finished first."""
    process = subprocess.Popen(
        sync_command(config), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return wait_then_kill(boxes, process, lambda answered: answered >= calls)


def sync(config: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        sync_command(config), cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_sync_killed_at_random_points_converges_with_nothing_duplicated_or_lost(
    tmp_path: Path,
) -> None:
    records = 50
    clean = tmp_path / "clean"
    report = run_in_process(clean, records=records)
    full_run = sum(
        m["api_calls"]["intacct"] + m["api_calls"]["salesforce"] for m in report["mappings"]
    )
    killed = tmp_path / "killed"
    # Slow answers keep requests in flight, so kills also land mid-call, not only between.
    with Sandboxes(killed, records=records, faults="slow:0.3", slow_seconds=0.02) as boxes:
        config = write_config(killed, boxes.connection_info(), None)
        points = sorted(random.Random(6).sample(range(1, full_run), 5))
        landed = [p for p in points if sync_killed_after(boxes, config, p)]
        assert len(landed) >= 3, (points, landed)
        code, summary = sync(config)
        assert (code, failed(summary)) == (0, [])
        before = raw(boxes)
        code, summary = sync(config)
        assert (code, failed(summary)) == (0, [])
        changed = {
            m["name"]: m
            for m in summary["mappings"]
            if m["created"] or m["updated"] or m["linked"] or m["deleted"]
        }
        assert changed == {}
        assert raw(boxes) == before  # the last run wrote nothing at all
    # Not the same values: where both sides of a first link differ, `conflict newest` picks the
    # side modified last, and a killed run's writes move those times (see the report).
    assert_converged(clean, killed, same_values=False)


def sync_killed_once_created(
    boxes: Sandboxes, config: Path, intacct_object: str, mapping: str
) -> None:
    """Run `mapsync sync --only MAPPING` and SIGKILL it as soon as Intacct holds one more
    `intacct_object` record: the create ran, the run has not stored its link yet (every
    answer is slow, so the read-back and write-back that come before the link hold it)."""
    store = boxes.intacct.store
    before = store.count(intacct_object)
    process = subprocess.Popen(
        [*sync_command(config), "--only", mapping],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = wait_then_kill(boxes, process, lambda _: store.count(intacct_object) > before)
    assert killed, "the sync ended before it created the record"


def new_salesforce_record(boxes: Sandboxes, sf_object: str) -> str:
    store = boxes.salesforce.store
    if sf_object == "Account":
        return store.insert("Account", {"Name": "Globex Killed", "BillingCity": "Lyon"})
    project = store.list("Intacct_Project__c")[0]
    return store.insert("Intacct_Task__c", {"Name": "Killed kick-off", "Project__c": project["Id"]})


def run_in_process(directory: Path, records: int = 10) -> dict[str, Any]:
    """`mapsync sync` in this process on the sandboxes of `directory` (started here)."""
    with Sandboxes(directory, records=records) as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        with RunContext.open(config) as ctx:
            report = ctx.run(ctx.options()).to_dict()
        assert failed(report) == []
        return report


@pytest.mark.parametrize(
    ("mapping", "sf_object", "intacct_object"),
    [
        ("Customer", "Account", "CUSTOMER"),
        ("Task", "Intacct_Task__c", "TASK"),
    ],
)
def test_a_sync_killed_between_an_intacct_create_and_its_link_links_it_on_the_next_run(
    tmp_path: Path, mapping: str, sf_object: str, intacct_object: str
) -> None:
    directory = tmp_path / "sandboxes"
    run_in_process(directory)
    with Sandboxes(directory, faults="slow:1.0", slow_seconds=0.05) as boxes:
        sf_id = new_salesforce_record(boxes, sf_object)
        count = boxes.intacct.store.count(intacct_object)
        config = write_config(directory, boxes.connection_info(), None)
        sync_killed_once_created(boxes, config, intacct_object, mapping)
    with open_store(directory / "state.db") as state:
        assert sf_id not in state.links_by_salesforce_ids(mapping, [sf_id])
    run_in_process(directory)
    with Sandboxes(directory) as boxes:
        assert boxes.intacct.store.count(intacct_object) == count + 1
        key = boxes.salesforce.store.get(sf_object, sf_id)["Intacct_ID__c"]
        created = [
            r
            for r in boxes.intacct.store.list(intacct_object)
            if key in (r.get("CUSTOMERID"), r.get("RECORDNO"))
        ]
        assert len(created) == 1
        before = raw(boxes)
    assert run_in_process(directory) and raw_of(directory) == before
    found = inspect(directory)
    assert (found.out_of_step(), found.duplicates, found.open_errors) == ([], [], 0)


def raw_of(directory: Path) -> dict[str, list[dict[str, Any]]]:
    with Sandboxes(directory) as boxes:
        return raw(boxes)
