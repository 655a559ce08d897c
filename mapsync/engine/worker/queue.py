"""The job queue: procrastinate on the same PostgreSQL database as the state.

A job is one pair and one run (`sync_pair`). Jobs carry the pair as procrastinate's
`lock` (two jobs of one pair never run at once) and `queueing_lock` (one waiting job per
pair is enough). A job whose pair another live worker holds is retried after the lease's
ttl, a bounded number of times; a job whose run stopped on a spent API budget is retried
after `budget_retry` seconds, however often; a job for an unknown pair, or whose pair
fails as a whole, fails with the reason and is not retried forever. Each worker also
retries the jobs of workers whose heartbeat stopped (killed, or cut off) for longer than
the ttl, and the pair's state lets the new run resume where the dead one committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapsync.engine.errors import MapsyncError
from mapsync.engine.worker.lease import (
    ANNOUNCE_JOBS,
    Lease,
    LeaseHeld,
    install,
    log_failure,
)
from mapsync.engine.worker.pairs import UnknownPair, config_of, sync_pair
from mapsync.engine.worker.schedule import TICK, queue_unless_busy, register

log = logging.getLogger("mapsync.worker")

QUEUE = "mapsync"
TASK = "mapsync.sync_pair"
DEFAULT_TTL = 60.0  # seconds without a heartbeat before a pair's lease and job are taken over
LEASE_RETRIES = 20  # attempts of a job whose pair stays held by a live worker
DEFAULT_BUDGET_RETRY = 1800.0  # seconds before a job stopped by a spent API budget runs again


class PairFailed(MapsyncError):
    """The pair's sync failed as a whole (auth, configuration): see the message."""


class BudgetSpent(MapsyncError):
    """The pair's sync stopped cleanly on a spent API budget: the job is tried again after
    `budget_retry` seconds, as often as it takes (never failed for it)."""


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How a worker runs: its database, pairs folder, lease ttl, name and the pairs'
    schedules (pair: cron line, from pairs/worker.yaml)."""

    url: str
    pairs: Path
    ttl: float = DEFAULT_TTL
    name: str = f"{socket.gethostname()}-{os.getpid()}"
    schedules: dict[str, str] = field(default_factory=dict)
    budget_retry: float = DEFAULT_BUDGET_RETRY


def build_app(settings: WorkerSettings | None, url: str) -> Any:
    """The procrastinate app, with the sync task bound to `settings` (None: enqueue only)."""
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url)
    )
    retry = _retry_strategy(settings.ttl if settings else DEFAULT_TTL,
                            settings.budget_retry if settings else DEFAULT_BUDGET_RETRY)

    @app.task(name=TASK, queue=QUEUE, retry=retry, pass_context=True)
    def sync_pair_task(context: Any, pair: str) -> str:
        if settings is None:
            raise RuntimeError("this app only enqueues")
        return run_job(settings, pair, context.job.id)

    @app.task(name=TICK, queue=QUEUE, pass_context=True)
    async def schedule_tick(context: Any, timestamp: int, pair: str) -> str:
        result = await queue_unless_busy(context.app, TASK, pair)
        log.info("schedule of %s at %s: %s", pair, timestamp, result)
        return f"{pair}: {result}"

    del sync_pair_task, schedule_tick
    if settings is not None:
        register(app, settings.schedules)
    return app


def run_job(settings: WorkerSettings, pair: str, job_id: int | None) -> str:
    """Sync one pair under its lease; the returned text is the job's result."""
    try:
        config = config_of(settings.pairs, pair)
    except UnknownPair as exc:
        log.error("job %s: %s", job_id, exc)
        log_failure(settings.url, pair, settings.name, job_id, str(exc))
        raise
    lease = Lease(settings.url, pair, settings.name, settings.ttl, job_id)
    with lease.held():
        log.info("job %s: syncing %s", job_id, pair)
        outcome = sync_pair(config)
        lease.outcome, lease.note = outcome.status, outcome.message
    if outcome.status == "failed":
        raise PairFailed(f"pair {pair!r}: {outcome.message}")
    if outcome.status == "budget":
        raise BudgetSpent(f"pair {pair!r}: {outcome.message}")
    return f"{pair}: {outcome.status}: {outcome.message}"


def _retry_strategy(ttl: float, budget_retry: float) -> Any:
    """When a failed job runs again: a held lease after the ttl (a bounded number of
    times), a spent API budget after `budget_retry` seconds (always); nothing else."""
    from procrastinate.retry import BaseRetryStrategy, RetryDecision

    class Retry(BaseRetryStrategy):
        def get_retry_decision(self, *, exception: BaseException, job: Any) -> Any:
            if isinstance(exception, BudgetSpent):
                seconds = budget_retry
            elif isinstance(exception, LeaseHeld) and job.attempts < LEASE_RETRIES:
                seconds = ttl
            else:
                return None
            return RetryDecision(retry_in={"seconds": max(int(seconds), 1)})

    return Retry()


async def prepare(url: str) -> None:
    """Create procrastinate's tables and ours when the database has none yet."""
    import psycopg

    install(url)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext('mapsync_queue'))")
        found = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if found is None or found[0] is None:
            import procrastinate

            await conn.execute(procrastinate.schema.SchemaManager.get_schema())
        await conn.execute(ANNOUNCE_JOBS)
        await conn.execute("SELECT pg_advisory_unlock(hashtext('mapsync_queue'))")


async def enqueue(url: str, pairs: Sequence[str]) -> dict[str, str]:
    """One sync job per pair; a pair that already has a waiting job keeps that one."""
    import procrastinate.exceptions

    await prepare(url)
    app = build_app(None, url)
    results: dict[str, str] = {}
    async with app.open_async():
        task = app.tasks[TASK]
        for pair in pairs:
            try:
                job_id = await task.configure(lock=pair, queueing_lock=pair).defer_async(pair=pair)
                results[pair] = f"queued as job {job_id}"
            except procrastinate.exceptions.AlreadyEnqueued:
                results[pair] = "already queued"
    return results


async def work(settings: WorkerSettings, *, once: bool = False, concurrency: int = 1) -> None:
    """Take jobs until stopped (SIGINT/SIGTERM), or with `once` until the queue is empty."""
    await prepare(settings.url)
    app = build_app(settings, settings.url)
    async with app.open_async():
        reaper = asyncio.create_task(_retry_stalled(app, settings.ttl))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                name=settings.name,
                concurrency=concurrency,
                wait=not once,
                update_heartbeat_interval=max(settings.ttl / 3, 0.2),
                stalled_worker_timeout=settings.ttl,
                fetch_job_polling_interval=min(settings.ttl / 3, 5.0),
            )
        finally:
            reaper.cancel()


async def _retry_stalled(app: Any, ttl: float) -> None:
    """Put back the jobs of workers silent for longer than `ttl` (their leases expired)."""
    while True:
        stalled = await app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=ttl
        )
        for job in stalled:
            log.warning("job %s of pair %s: its worker stopped; retrying", job.id,
                        job.task_kwargs.get("pair"))
            await app.job_manager.retry_job(job)
        await asyncio.sleep(ttl / 2)
