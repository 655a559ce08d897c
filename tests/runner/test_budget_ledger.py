"""The API-call ledger shared by every worker on one org (PostgreSQL; skipped without a
server): workers in parallel never take more than the allowance between them, the org's
own count is the ground truth, orgs are apart, and a window ends after 24 hours."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from state_backends import fresh_database

from mapsync.engine.errors import LimitExceeded
from mapsync.engine.state import StateError
from mapsync.engine.state.budget import BLOCK, ApiLedger, Reported, open_ledger


@pytest.fixture
def db() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def spend_until_refused(ledger: ApiLedger, spent: list[int], meet: threading.Barrier) -> None:
    meet.wait()
    try:
        while True:
            ledger.take("query")
            spent.append(1)
    except LimitExceeded:
        return


def test_workers_on_one_org_never_pass_the_allowance_between_them(db: str) -> None:
    workers = [open_ledger(db, "salesforce", "00D000000000001", 130) for _ in range(3)]
    spent: list[int] = []
    meet = threading.Barrier(len(workers), timeout=60)
    threads = [threading.Thread(target=spend_until_refused, args=(w, spent, meet))
               for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(spent) == 130  # partial blocks: the last calls are shared out, none lost
    with pytest.raises(LimitExceeded, match="shared API budget of salesforce 00D000000000001 "
                                            "is spent: 130 of 130 calls") as caught:
        workers[0].take("query")
    assert caught.value.code == "BUDGET"
    for worker in workers:
        worker.close()
    other = open_ledger(db, "salesforce", "00D000000000002", 130)  # another org: its own
    other.take("query")
    assert other.used() == BLOCK
    other.close()


def test_calls_reserved_and_not_spent_are_given_back(db: str) -> None:
    first = open_ledger(db, "intacct", "acme", 100)
    first.take("readByQuery", calls=3)
    assert first.used() == BLOCK
    first.close()
    second = open_ledger(db, "intacct", "acme", 100)
    assert second.used() == 3
    second.close()


def test_the_orgs_own_count_is_the_ground_truth(db: str) -> None:
    truth: list[Reported | None] = [None]
    ledger = open_ledger(db, "salesforce", "00D000000000003", None, reserve=10,
                         reported=lambda: truth[0])
    ledger.take("query")
    assert ledger.used() == BLOCK
    truth[0] = Reported(used=30, total=100)  # other integrations used the org too
    ledger.take("query", calls=BLOCK)  # more than is left: the next block is reserved
    assert ledger.used() == 30 + (BLOCK - 1) + BLOCK  # the org's count, what we hold, more
    truth[0] = Reported(used=75, total=100)
    ledger.take("query", calls=BLOCK - 1)  # what we held
    ledger.take("query", calls=15)  # the last calls below the org's limit minus the reserve
    with pytest.raises(LimitExceeded, match="90 of 90 calls"):
        ledger.take("query")
    ledger.close()


def test_a_new_window_starts_after_24_hours(db: str) -> None:
    ledger = open_ledger(db, "intacct", "acme", 20)
    ledger.take("readByQuery", calls=20)
    with pytest.raises(LimitExceeded):
        ledger.take("readByQuery")
    with psycopg.connect(db, autocommit=True) as conn:  # a day passes (the database's clock)
        conn.execute("UPDATE mapsync_shared.api_budget "
                     "SET window_start = window_start - interval '25 hours'")
    ledger.take("readByQuery")
    assert ledger.used() == 20
    ledger.close()


def test_an_unreachable_database_names_the_url_without_its_password() -> None:
    with pytest.raises(StateError, match=r"postgresql://u:\*\*\*@127.0.0.1:1/q: cannot connect"):
        open_ledger("postgresql://u:pw@127.0.0.1:1/q", "intacct", "acme", 10)
