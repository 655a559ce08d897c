"""A schedule per pair (pairs/worker.yaml): how schedules read, bad ones named with their
line, and ticks driven through procrastinate's own periodic deferrer at given timestamps
(never the wall clock): one tick per pair and time however many workers defer it, and a
pair already waiting or running is not queued twice. The queue parts need PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from state_backends import fresh_database

from mapsync.cli import main
from mapsync.engine.config_yaml import ConfigError
from mapsync.engine.worker.queue import TASK, WorkerSettings, build_app, prepare
from mapsync.engine.worker.schedule import TICK, load_schedules, queue_unless_busy, to_cron

MIDNIGHT = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())


def folder(tmp_path: Path, worker_yaml: str, *pairs: str) -> Path:
    for pair in pairs:
        (tmp_path / pair).mkdir()
        (tmp_path / pair / "mapsync.yaml").write_text("version: 1\n")
    (tmp_path / "worker.yaml").write_text(worker_yaml)
    return tmp_path


def test_schedules_read_as_cron_lines(tmp_path: Path) -> None:
    pairs = folder(tmp_path, "schedule:\n  acme: every 15 minutes\n  globex: '0 */2 * * *'\n"
                             "  initech: Every  hour\n", "acme", "globex", "initech", "hooli")
    assert load_schedules(pairs, ["acme", "globex", "hooli", "initech"]) == {
        "acme": "*/15 * * * *", "globex": "0 */2 * * *", "initech": "0 * * * *",
    }
    assert (to_cron("every minute"), to_cron("every 2 hours"), to_cron("every day")) == (
        "* * * * *", "0 */2 * * *", "0 0 * * *")
    assert load_schedules(tmp_path / "acme", []) == {}  # no worker.yaml: nothing scheduled


@pytest.mark.parametrize("text", ["every 7 minutes", "sometimes", "61 * * * *", "every 0 hours"])
def test_a_bad_schedule_is_named_with_its_line_and_how_to_write_it(
    tmp_path: Path, text: str
) -> None:
    pairs = folder(tmp_path, f"schedule:\n  acme: every hour\n  globex: '{text}'\n",
                   "acme", "globex")
    with pytest.raises(ConfigError) as caught:
        load_schedules(pairs, ["acme", "globex"])
    message = str(caught.value)
    assert "worker.yaml:3:" in message and "error[config-schedule]" in message
    assert f"cannot read the schedule {text!r}" in message
    assert 'write "every 15 minutes"' in message


def test_a_schedule_for_an_unknown_pair_suggests_the_close_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = folder(tmp_path, "schedule:\n  acmee: every hour\n", "acme", "globex")
    assert main(["worker", "--db", "postgresql://127.0.0.1:1/q", "--pairs", str(pairs)]) == 2
    err = capsys.readouterr().err
    assert "worker.yaml:2:" in err and "no pair 'acmee'" in err and "did you mean acme?" in err
    assert "Traceback" not in err


@pytest.fixture
def db() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def run(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def ticks(url: str) -> list[tuple[str, int]]:
    return [(pair, int(at)) for pair, at in rows(
        url, f"SELECT args->>'pair', args->>'timestamp' FROM procrastinate_jobs "
             f"WHERE task_name = '{TICK}' ORDER BY id")]


def test_ticks_come_once_per_pair_and_time_and_never_queue_a_busy_pair(
    db: str, tmp_path: Path
) -> None:
    asyncio.run(ticking(db, tmp_path))


async def ticking(url: str, pairs: Path) -> None:
    from procrastinate.periodic import PeriodicDeferrer

    schedules = {"acme": "*/15 * * * *", "globex": "0 * * * *"}
    await prepare(url)
    app = build_app(WorkerSettings(url, pairs, 5, "w1", schedules), url)
    async with app.open_async():
        workers = [PeriodicDeferrer(app.periodic_registry) for _ in range(2)]
        for deferrer in workers:  # two workers see the same moment: one tick each pair
            await deferrer.defer_jobs(deferrer.get_previous_tasks(at=MIDNIGHT + 30))
        assert ticks(url) == [("acme", MIDNIGHT), ("globex", MIDNIGHT)]

        assert (await queue_unless_busy(app, TASK, "acme")).startswith("queued as job")
        assert await queue_unless_busy(app, TASK, "acme") == "already queued or running"
        run(url, f"UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = '{TASK}'")
        assert await queue_unless_busy(app, TASK, "acme") == "already queued or running"
        run(url, "UPDATE procrastinate_jobs SET status = 'succeeded'")
        assert (await queue_unless_busy(app, TASK, "acme")).startswith("queued as job")

        first = workers[0]
        await first.defer_jobs(first.get_previous_tasks(at=MIDNIGHT + 14 * 60))
        assert len(ticks(url)) == 2  # nothing due yet
        await first.defer_jobs(first.get_previous_tasks(at=MIDNIGHT + 15 * 60 + 1))
        assert ticks(url)[2:] == [("acme", MIDNIGHT + 15 * 60)]
