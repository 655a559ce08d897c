"""The API-call ledger shared by every worker touching one org (PostgreSQL state).

    ledger = open_ledger(url, "salesforce", "00D5g0000000001", allowance=15_000)
    ledger.take("query")           # before each request: LimitExceeded once the budget is spent
    ledger.close()                 # gives back the calls reserved and not spent

One row per service and org in `mapsync_shared.api_budget`, keyed by the Salesforce org id
or the Intacct company id (not by pair, so every pair and worker on one org shares it):

    service, org      'salesforce' / 'intacct', and the org id or company id
    window_start      start of the current 24-hour window (the database's clock)
    used              calls counted in the window: reserved by workers, or reported by the
                      org itself, whichever is higher
    reported_total    the org's own limit, from `Sforce-Limit-Info` (NULL until seen)
    updated_at

Workers reserve calls in blocks of `BLOCK` under the row's lock, so two workers never both
take the last calls, and give back what they did not spend when the run ends. The daily
allowance comes from the configuration (`daily_api_budget`); when Salesforce reports the
org's usage (`api-usage=used/total`) that is the ground truth: the count never stays below
what the org reports (calls by other integrations count too), and the org's limit minus
`api_reserve` caps the allowance. A new window starts 24 hours after the last one began.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mapsync.engine.errors import LimitExceeded
from mapsync.engine.state.db import Db
from mapsync.engine.state.schema import migrate

SCHEMA = "mapsync_shared"
BLOCK = 20  # calls reserved at once: one database round trip per 20 API calls
WINDOW_HOURS = 24


def _migrate_1(db: Db) -> None:
    db.execute(
        """CREATE TABLE api_budget (
            service TEXT NOT NULL,
            org TEXT NOT NULL,
            window_start TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            used BIGINT NOT NULL DEFAULT 0,
            reported_total BIGINT,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (service, org)
        )"""
    )


MIGRATIONS: Sequence[Callable[[Db], None]] = (_migrate_1,)
"""The shared schema's upgrades (its own `schema_version`, apart from the pairs' schemas)."""


@dataclass(frozen=True, slots=True)
class Reported:
    """An org's usage as the service reported it: calls used and allowed in 24 hours."""

    used: int
    total: int


class ApiLedger:
    """One process's view of the shared budget of one service and org."""

    def __init__(
        self,
        db: Db,
        service: str,
        org: str,
        allowance: int | None,
        *,
        reserve: int = 0,
        reported: Callable[[], Reported | None] = lambda: None,
    ) -> None:
        self.db, self.service, self.org = db, service, org
        self.allowance, self.reserve, self.reported = allowance, reserve, reported
        self._left = 0  # calls reserved in the ledger and not spent yet
        self._lock = threading.Lock()

    def take(self, operation: str = "", calls: int = 1) -> None:
        """Spend `calls` before a request; LimitExceeded (nothing sent) when spent."""
        with self._lock:
            if self._left < calls:
                self._left += self._reserve(max(BLOCK, calls), calls, operation)
            self._left -= calls

    def close(self) -> None:
        """Give back the calls reserved and not spent, and close the connection."""
        with self._lock:
            if self._left and not self.db.closed:
                self.db.execute(
                    "UPDATE api_budget SET used = greatest(used - ?, 0), "
                    "updated_at = clock_timestamp() WHERE service = ? AND org = ?",
                    (self._left, self.service, self.org),
                )
            self._left = 0
            if not self.db.closed:
                self.db.close()

    def used(self) -> int:
        """Calls counted in the current window, by every worker."""
        row = self.db.execute(
            "SELECT used FROM api_budget WHERE service = ? AND org = ?", (self.service, self.org)
        ).fetchone()
        return int(row[0]) if row else 0

    def _reserve(self, want: int, need: int, operation: str) -> int:
        truth = self.reported()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO api_budget (service, org) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (self.service, self.org),
            )
            row = self.db.execute(
                f"""SELECT used, reported_total,
                        window_start < clock_timestamp() - interval '{WINDOW_HOURS} hours'
                    FROM api_budget WHERE service = ? AND org = ? FOR UPDATE""",
                (self.service, self.org),
            ).fetchone()
            used, total, expired = int(row[0]), row[1], bool(row[2])
            if expired:
                used = 0
            if truth is not None:  # the org's own count, plus what we hold and did not spend
                used, total = max(used, truth.used + self._left), truth.total
            ceiling = self._ceiling(total)
            grant = want if ceiling is None else min(want, ceiling - used)
            if grant < need:
                self._save(used, total, expired)
                raise LimitExceeded(
                    f"the shared API budget of {self.service} {self.org} is spent: {used} of "
                    f"{ceiling} calls used in 24 hours by every worker on it; the run "
                    "stopped before sending",
                    system=self.service, operation=operation, code="BUDGET",
                )
            self._save(used + grant, total, expired)
            return grant

    def _ceiling(self, total: int | None) -> int | None:
        limits = [n for n in (self.allowance, None if total is None else total - self.reserve)
                  if n is not None]
        return min(limits) if limits else None

    def _save(self, used: int, total: int | None, expired: bool) -> None:
        window = ", window_start = clock_timestamp()" if expired else ""
        self.db.execute(
            f"UPDATE api_budget SET used = ?, reported_total = ?, "
            f"updated_at = clock_timestamp(){window} WHERE service = ? AND org = ?",
            (used, total, self.service, self.org),
        )


def open_ledger(
    url: str,
    service: str,
    org: str,
    allowance: int | None,
    *,
    reserve: int = 0,
    reported: Callable[[], Reported | None] = lambda: None,
) -> ApiLedger:
    """The ledger of `service`/`org` in the database at `url` (created and migrated as
    needed); StateError (URL masked) when the database cannot be used."""
    from mapsync.engine.state.postgres import connect, mask_url

    conn = connect(url)
    try:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"SET search_path TO {SCHEMA}")
        db = Db(conn, "postgres", f"{mask_url(url)} (schema {SCHEMA})")
        migrate(db, MIGRATIONS)
    except BaseException:
        conn.close()
        raise
    return ApiLedger(db, service, org, allowance, reserve=reserve, reported=reported)
