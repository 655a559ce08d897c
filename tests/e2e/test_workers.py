"""Three worker processes share ten company pairs: every pair ends reconciled, a worker
SIGKILLed mid-run has its pair finished by another, and the run log shows that no pair
was ever synced by two workers at once. Two workers on one org share its API budget: the
runs stop cleanly when it is spent, and their jobs wait for a retry instead of failing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from mapsync.engine.worker.queue import TASK
from tests.runner.state_backends import fresh_database

from .workers import (
    attempts,
    enqueue,
    job_states,
    pairs,
    query,
    set_salesforce_budget,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.e2e
TTL = 6.0  # seconds: long enough that a loaded machine never misses a renewal


def running_holder(url: str, pair: str) -> str | None:
    rows = query(url, f"SELECT worker FROM mapsync_worker.attempt WHERE pair = '{pair}' "
                      "AND status = 'running'")
    return rows[0][0] if rows else None


# Ten pairs mean twenty sandbox processes: about 60 s on two idle cores, but starting them
# alone can pass the suite's 300 s limit on a machine running several suites at once.
@pytest.mark.timeout(900)
def test_three_workers_ten_pairs_one_killed(tmp_path: Path) -> None:
    with fresh_database() as url, pairs(tmp_path, url, 10, faults={"p0": "slow:0.5"}) as folder:
        enqueue(url, folder)
        logs = {f"w{i}": tmp_path / f"w{i}.log" for i in range(3)}
        workers = {name: start_worker(url, folder, name, TTL, log) for name, log in logs.items()}
        try:
            wait_for(url, lambda: running_holder(url, "p0") is not None, 120, "p0 to start")
            victim = running_holder(url, "p0")
            assert victim is not None
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            wait_for(url, lambda: set(job_states(url).values()) == {"succeeded"}, 300,
                     "every job to succeed")
        finally:
            for process in workers.values():
                stop(process)
        log = attempts(url)

        p0 = [(worker, status) for pair, worker, _, _, status in log if pair == "p0"]
        assert p0[0] == (victim, "running")  # killed: never ended, its lease ran out
        assert p0[-1][1] == "ok" and p0[-1][0] != victim
        assert {pair for pair, *_ in log if _[-1] == "ok"} == {f"p{i}" for i in range(10)}
        assert len({worker for _, worker, _, _, status in log if status == "ok"}) >= 2

        for pair in {row[0] for row in log}:
            intervals = [(start, end) for p, _, start, end, _ in log if p == pair]
            for (_, end), (start, _) in pairwise(intervals):
                assert start >= end, f"{pair} was synced by two workers at once"

        for index in range(10):
            config = folder / f"p{index}" / "mapsync.yaml"
            done = subprocess.run(
                [sys.executable, "-m", "mapsync", "reconcile", "-c", str(config), "--json"],
                capture_output=True, text=True, timeout=120, check=False,
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
            assert json.loads(done.stdout)["in_step"] is True


def reconciled(config: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "mapsync", "reconcile", "-c", str(config), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    return done.returncode == 0 and json.loads(done.stdout)["in_step"] is True


BUDGET = 70  # Salesforce calls: a fresh pair's first sync takes about 47, so two do not fit


def stopped_or_done(url: str) -> bool:
    """Every job succeeded or waits for a retry after a run (none running or failed)."""
    rows = query(url, "SELECT status, attempts FROM procrastinate_jobs "
                      f"WHERE task_name = '{TASK}'")
    return bool(rows) and all(
        str(status) == "succeeded" or (str(status) == "todo" and attempts > 0)
        for status, attempts in rows
    )


@pytest.mark.timeout(900)  # two pairs, two runs each, and reconcile: see above
def test_two_workers_on_one_org_share_its_api_budget(tmp_path: Path) -> None:
    # Every sandbox org has the same org Id, so both pairs are on one Salesforce org.
    with fresh_database() as url, pairs(tmp_path, url, 2) as folder:
        configs = [folder / f"p{i}" / "mapsync.yaml" for i in range(2)]
        for config in configs:
            set_salesforce_budget(config, BUDGET)
        enqueue(url, folder)
        workers = [start_worker(url, folder, f"w{i}", TTL, tmp_path / f"w{i}.log",
                                "--budget-retry", "3600") for i in range(2)]
        try:
            wait_for(url, lambda: stopped_or_done(url), 300, "both runs to end")
            [(spent,)] = query(url, "SELECT used FROM mapsync_shared.api_budget "
                                    "WHERE service = 'salesforce'")
            assert spent <= BUDGET
            stopped = query(url, "SELECT pair, message FROM mapsync_worker.attempt "
                                 "WHERE status = 'budget'")
            assert stopped, "the budget never ran out"
            assert all("shared API budget of salesforce 00D5g0000000001 is spent" in message
                       for _, message in stopped)
            waiting = query(url, "SELECT args->>'pair' FROM procrastinate_jobs WHERE "
                                 "status = 'todo' AND scheduled_at > now() + interval '50 min'")
            assert {pair for pair, _ in stopped} == {pair for (pair,) in waiting}

            # The next day: a budget that fits, and the retry brought forward to now.
            for config in configs:
                set_salesforce_budget(config, 100_000)
            query(url, "UPDATE procrastinate_jobs SET scheduled_at = now() "
                       "WHERE status = 'todo' RETURNING id")
            wait_for(url, lambda: set(job_states(url).values()) == {"succeeded"}, 300,
                     "the stopped pairs to finish")
        finally:
            for process in workers:
                stop(process)
        assert all(reconciled(config) for config in configs)


def test_a_sync_stops_cleanly_when_the_shared_budget_is_spent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapsync.cli import main
    from mapsync.engine.state.budget import open_ledger

    with fresh_database() as url, pairs(tmp_path, url, 1) as folder:
        config = folder / "p0" / "mapsync.yaml"
        set_salesforce_budget(config, 30)
        elsewhere = open_ledger(url, "salesforce", "00D5g0000000001", 30)
        elsewhere.take("query", calls=20)  # another worker on the org spent 20 calls
        elsewhere.close()
        assert main(["sync", "-c", str(config), "--json"]) == 1
        report = json.loads(capsys.readouterr().out)
        # Whichever Salesforce call comes first past the budget names itself.
        assert re.match(r"salesforce [\w.]+: \[BUDGET\] the shared API budget of salesforce "
                        r"00D5g0000000001 is spent: 30 of 30 calls", report["fatal"])
        assert any(m.get("budget_spent") for m in report["mappings"])
        [(spent,)] = query(url, "SELECT used FROM mapsync_shared.api_budget "
                                "WHERE service = 'salesforce'")
        assert spent == 30  # this run sent 10 calls, the 10 the other worker left
