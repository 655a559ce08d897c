"""The shared API budget around a run whose state is in PostgreSQL (see state/budget.py).

    with shared_budget(config, intacct, salesforce):
        run_plan(...)

Every request either client sends first takes a call from its org's ledger: the Salesforce
org (by its Id, known once logged in; logins do not count) and the Intacct company (by its
company id). A spent budget raises LimitExceeded before the request is sent, which stops the
run cleanly (exit 1, `budget_spent` in the JSON report; a worker retries the job later).
With SQLite state there is no ledger: each process keeps its own count, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from mapsync.engine.config import Config
from mapsync.engine.state.budget import ApiLedger, Reported, open_ledger


@contextmanager
def shared_budget(config: Config, intacct: Any, salesforce: Any) -> Iterator[None]:
    """Gate both clients' requests through their org's shared ledger for the block."""
    url = config.state.url
    if not url:
        yield
        return

    def reported() -> Reported | None:
        usage = salesforce.api_usage
        return Reported(usage.used, usage.total) if usage else None

    with ExitStack() as stack:
        sf = open_ledger(url, "salesforce", "", config.salesforce.daily_api_budget,
                         reserve=config.salesforce.api_reserve, reported=reported)
        stack.callback(sf.close)
        ia = open_ledger(url, "intacct", config.intacct.company_id,
                         config.intacct.daily_api_budget)
        stack.callback(ia.close)
        org = _Org(salesforce)
        for client, gate in ((salesforce, _gate(sf, org.resolve)), (intacct, _gate(ia, None))):
            client.counter.gate = gate
            stack.callback(setattr, client.counter, "gate", None)
        yield


class _Org:
    """The Salesforce org's key, resolved at the first request after the login."""

    def __init__(self, salesforce: Any) -> None:
        self._client = salesforce
        self._lock = threading.Lock()

    def resolve(self, ledger: ApiLedger) -> None:
        with self._lock:
            if not ledger.org:
                ledger.org = self._client.org_id or self._client.instance_url or "unknown"


def _gate(
    ledger: ApiLedger, resolve: Callable[[ApiLedger], None] | None
) -> Callable[[str], None]:
    def gate(operation: str) -> None:
        if operation.startswith("login."):  # logins do not count against the org's usage
            return
        if resolve is not None:
            resolve(ledger)
        ledger.take(operation)

    return gate
