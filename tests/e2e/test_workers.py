"""Three worker processes share ten company pairs: every pair ends reconciled, a worker
SIGKILLed mid-run has its pair finished by another, and the run log shows that no pair
was ever synced by two workers at once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from tests.runner.state_backends import fresh_database

from .workers import (
    attempts,
    enqueue,
    job_states,
    pairs,
    query,
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
