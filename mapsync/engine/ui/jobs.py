"""Runs started from the page (plan, sync, replay, reconcile), one at a time, in a worker thread.

    jobs = Jobs(config_path, rules)
    job = jobs.start("sync")        # returns at once; the thread runs `RunContext.run`
    jobs.current.progress           # per mapping: waiting, running or its counts

Each kind calls the same engine function as its command (`RunContext.run`, `replay`,
`run_reconcile`), so the page and the CLI cannot disagree. The clock is passed in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mapsync.engine.commands._context import RunContext

from mapsync.engine.errors import MapsyncError

KINDS = ("plan", "sync", "replay", "reconcile")
HISTORY = 20


class JobBusy(MapsyncError, RuntimeError):
    """A run is already going on: wait for it to finish."""


@dataclass
class Job:
    """One run from the page: its progress while it runs, its result when done."""

    id: int
    kind: str
    started: float
    total: int = 0
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "running"  # running, done, failed
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        """Whether the run has ended (well or not)."""
        return self.status != "running"

    def duration(self, now: float) -> float:
        """Seconds from start to end (or to `now` while running)."""
        return (self.finished or now) - self.started

    def counts(self) -> dict[str, int]:
        """Totals over the mappings that finished."""
        totals: dict[str, int] = {}
        for entry in self.progress.values():
            for key, value in (entry.get("counts") or {}).items():
                totals[key] = totals.get(key, 0) + value
        return totals


class Jobs:
    """The page's runs: at most one at a time, the latest kept as history."""

    def __init__(self, config_path: Path, rules: Path | None,
                 clock: Callable[[], float]) -> None:
        self.config_path = config_path
        self.rules = rules
        self.clock = clock
        self.history: list[Job] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def current(self) -> Job | None:
        """The latest run, running or not."""
        return self.history[0] if self.history else None

    def get(self, job_id: int) -> Job | None:
        """The run with this id, if still in the history."""
        return next((j for j in self.history if j.id == job_id), None)

    def start(self, kind: str, ids: list[int] | None = None) -> Job:
        """Start a run of `kind` in a worker thread; raises JobBusy while one runs."""
        if kind not in KINDS:
            raise ValueError(f"unknown run `{kind}` (one of {', '.join(KINDS)})")
        with self._lock:
            if self.current is not None and not self.current.done:
                raise JobBusy(f"a {self.current.kind} is still running")
            job = Job(id=(self.current.id + 1 if self.current else 1), kind=kind,
                      started=self.clock())
            self.history.insert(0, job)
            del self.history[HISTORY:]
        thread = threading.Thread(target=self._run, args=(job, ids), name=f"mapsync-{kind}",
                                  daemon=True)
        self._threads.append(thread)
        thread.start()
        return job

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the worker threads (used when the server stops)."""
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, job: Job, ids: list[int] | None) -> None:
        from mapsync.engine.commands._context import ContextError, RunContext
        from mapsync.engine.commands.replay import ReplayError
        from mapsync.engine.errors import SyncError

        try:
            with RunContext.open(self.config_path, self.rules) as ctx:
                job.total = _mappings_to_run(ctx) if job.kind in ("plan", "sync") else 0
                job.result = _work(ctx, job, ids, self._progress(job))
            job.status = "done"
        except (ContextError, ReplayError, SyncError, ValueError) as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # a run must never take the server down with it
            job.error, job.status = f"{type(exc).__name__}: {exc}", "failed"
        finally:
            job.total = max(job.total, len(job.progress))
            job.finished = self.clock()

    def _progress(self, job: Job) -> Callable[[str, Any], None]:
        # The page renders job.progress from another thread while the run reports into it:
        # each report swaps in a new dict, so a reader iterates a dict nobody changes. The
        # lock keeps two mappings reporting at once from losing one of the two.
        lock = threading.Lock()

        def report(name: str, outcome: Any) -> None:
            if outcome is None:
                entry: dict[str, Any] = {"state": "running"}
            else:
                counts = {k: v for k, v in outcome.to_dict().items() if isinstance(v, int)}
                entry = {"state": "failed" if outcome.fatal else "done",
                         "counts": counts, "fatal": outcome.fatal}
            with lock:
                job.progress = {**job.progress, name: entry}
        return report


def _mappings_to_run(ctx: RunContext) -> int:
    """How many mappings a plan or sync of this context runs (what the progress bar counts)."""
    selected = ctx.only(None)
    return sum(1 for m in ctx.effective_plan().mappings if not selected or m.name in selected)


def _work(ctx: RunContext, job: Job, ids: list[int] | None,
          progress: Callable[[str, Any], None]) -> dict[str, Any]:
    if job.kind == "replay":
        from mapsync.engine.commands.replay import replay

        outcome = replay(ctx, ids, progress=progress)
        return {"replayed": outcome.replayed, "resolved": outcome.resolved,
                "still_open": outcome.still_open,
                "sync": outcome.report.to_dict() if outcome.report else None}
    if job.kind == "reconcile":
        from mapsync.engine.commands.reconcile import run_reconcile

        summary: dict[str, Any] = run_reconcile(ctx).to_dict()
        return summary
    options = ctx.options(dry_run=True) if job.kind == "plan" else ctx.options()
    report = ctx.run(options, command=job.kind, progress=progress)
    out: dict[str, Any] = report.to_dict()
    return out
