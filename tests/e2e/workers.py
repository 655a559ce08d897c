"""Many company pairs for the worker tests and bench/workers.py: each pair's sandboxes in
their own process, one folder per pair with a mapsync.yaml whose state is that pair's
schema of one PostgreSQL database, and workers as processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import yaml

from mapsync.engine.commands.demo import write_config
from mapsync.engine.worker.lease import CHANNEL


def serve_sandboxes(directory: Path, records: int, faults: str | None = None) -> tuple[
    subprocess.Popen[str], dict[str, Any]
]:
    """`mapsync sandbox serve` in its own process; its connection info."""
    argv = [sys.executable, "-m", "mapsync", "sandbox", "serve", "--dir", str(directory),
            "--records", str(records), "--json"]
    if faults:
        argv += ["--faults", faults]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


@contextmanager
def pairs(root: Path, url: str, count: int, records: int = 3,
          faults: dict[str, str] | None = None) -> Iterator[Path]:
    """`count` pairs (p0, p1...) under root/pairs, each with running sandboxes."""
    folder = root / "pairs"
    with ExitStack() as stack:
        for index in range(count):
            name = f"p{index}"
            process, info = serve_sandboxes(root / "sandboxes" / name, records,
                                            (faults or {}).get(name))
            stack.callback(stop, process)
            config = write_config(folder / name, info, None)
            data = yaml.safe_load(config.read_text("utf-8"))
            data["state"] = {"url": url, "pair": name}
            config.write_text(yaml.safe_dump(data), encoding="utf-8")
        yield folder


def set_salesforce_budget(config: Path, calls: int) -> None:
    """Give the pair's Salesforce org a daily API budget of `calls`."""
    data = yaml.safe_load(config.read_text("utf-8"))
    data["connections"]["salesforce"]["daily_api_budget"] = calls
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a process started here and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


def start_worker(url: str, folder: Path, name: str, ttl: float, log: Path,
                 *extra: str) -> subprocess.Popen[str]:
    """`mapsync worker` as a process, logging to `log`."""
    argv = [sys.executable, "-m", "mapsync", "worker", "--db", url, "--pairs", str(folder),
            "--ttl", str(ttl), "--name", name, *extra]
    with log.open("w") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True)


def enqueue(url: str, folder: Path) -> None:
    """Queue a sync of every pair."""
    subprocess.run([sys.executable, "-m", "mapsync", "enqueue", "--db", url, "--pairs",
                    str(folder), "--all"], check=True, capture_output=True, timeout=60)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one query on the queue database."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def job_states(url: str) -> dict[str, str]:
    """Each pair's latest job status."""
    rows = query(url, "SELECT args->>'pair', status FROM procrastinate_jobs ORDER BY id")
    return {pair: str(status) for pair, status in rows}


def wait_for(url: str, predicate: Any, timeout: float, what: str) -> None:
    """Until `predicate` (state held by other processes) holds, wake on each event the
    workers announce (`LISTEN mapsync_worker`: attempts and job states) and test it again;
    fail naming `what` once `timeout` seconds passed without it holding. Never sleeps."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")  # before the first test: no event is missed
        while not predicate():
            left = deadline - time.monotonic()
            assert left > 0, f"timed out waiting for {what}"
            for _ in conn.notifies(timeout=left, stop_after=1):
                pass


def attempts(url: str) -> list[tuple[str, str, Any, Any, str]]:
    """The run log: pair, worker, start, end (or lease expiry for a dead worker), status."""
    return query(url, "SELECT pair, worker, started_at, coalesce(ended_at, lease_until), "
                      "status FROM mapsync_worker.attempt ORDER BY pair, started_at")
