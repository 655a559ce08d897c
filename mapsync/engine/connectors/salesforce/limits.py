"""API usage from `Sforce-Limit-Info` and a daily budget that stops a run before the limit.

Salesforce reports the org's rolling 24-hour API usage on most responses
(`Sforce-Limit-Info: api-usage=18/5000; per-app-api-usage=17/250(appName=x)`). The budget
refuses a call *before* it is sent when the calls it needs would pass either our own daily
budget or the org's limit minus a reserve kept for other integrations and people.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from mapsync.engine.errors import LimitExceeded

_API_USAGE = re.compile(r"(?<![-\w])api-usage=(\d+)/(\d+)")
_PER_APP = re.compile(r"per-app-api-usage=(\d+)/(\d+)\(appName=([^)]*)\)")


@dataclass(frozen=True, slots=True)
class Usage:
    """Calls used and allowed in the rolling 24-hour window."""

    used: int
    total: int

    @property
    def remaining(self) -> int:
        """Calls left before the limit."""
        return max(self.total - self.used, 0)


@dataclass(frozen=True, slots=True)
class LimitInfo:
    """One parsed `Sforce-Limit-Info` header."""

    api: Usage | None = None
    per_app: dict[str, Usage] = field(default_factory=dict)


def parse_limit_info(header: str) -> LimitInfo:
    """Parse `api-usage=N/M` and any `per-app-api-usage=N/M(appName=X)` parts."""
    api = _API_USAGE.search(header)
    apps = {m.group(3): Usage(int(m.group(1)), int(m.group(2))) for m in _PER_APP.finditer(header)}
    return LimitInfo(
        api=Usage(int(api.group(1)), int(api.group(2))) if api else None, per_app=apps
    )


@dataclass(frozen=True, slots=True)
class ApiBudget:
    """How many calls a run may spend.

    `daily_calls`: the highest org-wide 24-hour API usage (as Salesforce reports it) a run may
    reach; before any header was seen, the calls this client made stand in for it.
    `reserve`: calls always left to the org (we stop at `limit - reserve`). None/0 disable
    each rule.
    """

    daily_calls: int | None = None
    reserve: int = 0


@dataclass(slots=True)
class UsageTracker:
    """Latest known org usage plus the calls this client made; enforces an ApiBudget."""

    budget: ApiBudget = field(default_factory=ApiBudget)
    latest: LimitInfo | None = None
    calls_made: int = 0
    calls_since_header: int = 0
    in_flight: int = 0  # requests sent and not answered yet (mappings run side by side)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def observe(self, header: str | None) -> None:
        """Record one response's `Sforce-Limit-Info` header (if any)."""
        if header:
            info = parse_limit_info(header)
            with self._lock:
                self.latest = info
                self.calls_since_header = 0

    def reserve(self, calls: int = 1, *, operation: str = "") -> None:
        """Check the budget for one request and count it, as one step: requests sent at
        the same time by mappings running side by side cannot both take the last call."""
        with self._lock:
            self.check(calls, operation=operation)
            self.count_call()
            self.in_flight += 1

    def answered(self, header: str | None) -> None:
        """A reserved request got its response (with `Sforce-Limit-Info`, or None).

        The header counts the org's calls up to this one, from every process using the
        org (so the budget is shared by every worker touching it); the requests still in
        flight may not be in it yet and stay counted on top."""
        with self._lock:
            self.in_flight = max(self.in_flight - 1, 0)
            info = parse_limit_info(header) if header else None
            if info is not None and not self._older(info):
                self.latest = info
                self.calls_since_header = self.in_flight

    def _older(self, info: LimitInfo) -> bool:
        # With requests in flight side by side, an answer can arrive after a later one that
        # already counted it: its lower usage would undercount. Keep the higher count (also
        # when old calls leave the rolling window mid-run: that errs on the safe side).
        seen = self.api_usage
        return bool(seen and info.api and info.api.used < seen.used)

    def count_call(self) -> None:
        """Record one request sent."""
        with self._lock:
            self.calls_made += 1
            self.calls_since_header += 1

    @property
    def api_usage(self) -> Usage | None:
        """The org's API usage from the latest header, or None when none was seen."""
        return self.latest.api if self.latest else None

    def _used_after(self, calls: int) -> int:
        # The header counts the call that carried it; later calls are not in it yet.
        usage = self.api_usage
        known = usage.used + self.calls_since_header if usage else self.calls_made
        return known + calls

    def check(self, calls: int = 1, *, operation: str = "") -> None:
        """Raise LimitExceeded if `calls` more requests would break the budget."""
        after = self._used_after(calls)
        daily = self.budget.daily_calls
        if daily and after > daily:
            raise LimitExceeded(
                f"daily API budget of {daily} calls would be exceeded ({after} needed); "
                "the run stopped before sending",
                system="salesforce", operation=operation, code="BUDGET",
            )
        usage = self.api_usage
        if usage and after > usage.total - self.budget.reserve:
            raise LimitExceeded(
                f"org API limit {usage.total} (keeping {self.budget.reserve} in reserve) "
                f"would be exceeded: {usage.used} used, {calls} more needed",
                system="salesforce", operation=operation, code="ORG_LIMIT",
            )
