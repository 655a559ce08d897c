"""The company pairs a worker serves: one folder each, holding that pair's mapsync.yaml.

    pairs/acme/mapsync.yaml      pair "acme"
    pairs/globex/mapsync.yaml    pair "globex"

Each pair keeps its own state (its own SQLite file, or its own schema of the shared
PostgreSQL database: `state.pair`), its own credentials and rules, so one pair's
failure is its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mapsync.engine.errors import MapsyncError

CONFIG_NAME = "mapsync.yaml"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class UnknownPair(MapsyncError):
    """A job named a pair this worker has no configuration for: fix the name or the folder.

    Such a job fails at once and is never retried."""


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """How one pair's sync ended: `status` ok, partial (some records failed), failed, or
    budget (stopped cleanly: the shared API budget of one of its orgs is spent)."""

    status: str
    message: str
    exit_code: int


def config_of(pairs: Path, pair: str) -> Path:
    """The configuration file of `pair` under `pairs`; UnknownPair when there is none."""
    path = pairs / pair / CONFIG_NAME
    if not _NAME.match(pair) or not path.is_file():
        raise UnknownPair(f"unknown pair {pair!r}: no {pair}/{CONFIG_NAME} under {pairs}")
    return path


def known_pairs(pairs: Path) -> list[str]:
    """Every pair under `pairs`, by name."""
    found = (path.parent.name for path in pairs.glob(f"*/{CONFIG_NAME}"))
    return sorted(name for name in found if _NAME.match(name))


def sync_pair(config: Path, command: str = "worker") -> SyncOutcome:
    """One run of the pair's plan, as `mapsync sync -c config` would do it."""
    from mapsync.engine.commands._context import ContextError, RunContext

    try:
        with RunContext.open(config) as ctx:
            report = ctx.run(ctx.options(), command=command)
    except ContextError as exc:
        return SyncOutcome("failed", str(exc), 1)
    code = report.exit_code()
    status = {0: "ok", 1: "failed"}.get(code, "partial")
    if report.budget_spent:
        status = "budget"
    summary = f"{report.changes} change(s), {report.failed} record(s) failed"
    return SyncOutcome(status, report.fatal or summary, code)
