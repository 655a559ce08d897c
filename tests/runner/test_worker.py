"""Leases, enqueueing and the fate of bad jobs (PostgreSQL; skipped without a server)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from state_backends import fresh_database

from mapsync.cli import main
from mapsync.engine.worker.lease import Lease, LeaseHeld, install
from mapsync.engine.worker.pairs import UnknownPair
from mapsync.engine.worker.queue import WorkerSettings, run_job


@pytest.fixture
def db() -> Iterator[str]:
    with fresh_database() as url:
        install(url)
        yield url


def test_a_held_lease_keeps_a_second_worker_out_until_released(db: str) -> None:
    first, second = Lease(db, "acme", "w1", 60), Lease(db, "acme", "w2", 60)
    with first.held():
        assert first.renew()
        with pytest.raises(LeaseHeld, match="'acme' is being synced by another worker"), \
                second.held():
            pass
        other = Lease(db, "globex", "w2", 60)
        assert other.acquire()  # other pairs are free
        other.release("ok")
    assert second.acquire()
    second.release("ok")


def test_an_expired_lease_is_taken_over_and_the_old_holder_learns_it(db: str) -> None:
    dead = Lease(db, "acme", "w1", 0)  # expires at once: a worker that stopped renewing
    assert dead.acquire()
    taker = Lease(db, "acme", "w2", 60)
    assert taker.acquire()
    assert not dead.renew()
    dead.abandon()
    taker.release("ok")


def test_a_job_for_an_unknown_pair_fails_with_a_message(db: str, tmp_path: Path) -> None:
    settings = WorkerSettings(db, tmp_path, 5, "w1")
    with pytest.raises(UnknownPair, match=r"unknown pair 'nope': no nope/mapsync.yaml under"):
        run_job(settings, "nope", 7)


def test_the_worker_fails_an_unknown_pair_once_and_never_retries_it(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["enqueue", "--db", db, "nope"]) == 0
    assert main(["enqueue", "--db", db, "nope"]) == 0
    assert capsys.readouterr().out.splitlines() == ["nope: queued as job 1",
                                                    "nope: already queued"]
    done = subprocess.run(
        [sys.executable, "-m", "mapsync", "worker", "--db", db, "--pairs", str(tmp_path),
         "--once", "--ttl", "2"], capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "unknown pair 'nope'" in done.stderr
    import psycopg

    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT status, attempts FROM procrastinate_jobs").fetchall()
        log = conn.execute("SELECT status, message FROM mapsync_worker.attempt").fetchall()
    assert [(str(s), a) for s, a in rows] == [("failed", 1)]
    assert log == [("failed", f"unknown pair 'nope': no nope/mapsync.yaml under {tmp_path}")]


def test_enqueue_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "mapsync.yaml").write_text("version: 1\n")
    assert main(["enqueue", "--db", "postgresql://u:pw@127.0.0.1:1/q", "acme"]) == 1
    err = capsys.readouterr().err
    assert "postgresql://u:***@127.0.0.1:1/q: cannot connect" in err and ":pw@" not in err
    assert main(["enqueue", "--db", "postgresql://127.0.0.1:1/q", "--pairs", str(tmp_path),
                 "acme", "nope"]) == 2
    assert "unknown pair 'nope'" in capsys.readouterr().err
    assert main(["worker", "--db", "", "--pairs", str(tmp_path)]) == 2
    assert "give --db URL or set $MAPSYNC_QUEUE_URL" in capsys.readouterr().err
