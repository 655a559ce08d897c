"""Intacct creates cost one request per batch: no look-up before, no read-back after.

Counted by the sandbox (HTTP requests it answered) and by the client (requests per
operation): a sync creating a few thousand customers and contacts from Salesforce makes
one create request per batch of `batch_size` records, each also reading its records back,
plus the one read of changed records each mapping starts with.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.engine.commands._context import RunContext
from tests.e2e.test_sync import Env, counts, start

pytestmark = pytest.mark.e2e

ACCOUNTS = 2500
TARGET = 1.1  # requests per batch of creates, against the minimum of one


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from start(tmp_path / "sandboxes")


def load(env: Env, n: int) -> None:
    """N accounts with an account number (the customer ID) and one contact each."""
    ids = env.salesforce.insert_many(
        "Account",
        [{"Name": f"Calls {i:05d}", "AccountNumber": f"C-{i:05d}", "BillingCity": "Lyon"}
         for i in range(n)],
    )
    env.salesforce.insert_many(
        "Contact",
        [{"AccountId": a, "FirstName": "Ada", "LastName": f"Calls{i:05d}"}
         for i, a in enumerate(ids)],
    )


@pytest.mark.timeout(900)
def test_creating_thousands_costs_one_intacct_request_per_batch(env: Env) -> None:
    load(env, ACCOUNTS)
    before = env.boxes.intacct.stats_snapshot()["requests"]
    with RunContext.open(env.config) as ctx:
        ctx.intacct.open_session()
        login = ctx.intacct.counter.total
        report = ctx.run(ctx.options(), only=["Customer", "Contact"]).to_dict()
        calls = dict(ctx.intacct.counter.calls)
        size = ctx.intacct.batch_size
    answered = env.boxes.intacct.stats_snapshot()["requests"] - before
    assert answered == sum(calls.values())  # the sandbox saw every request the client counted
    mappings = [counts_of(report, name) for name in ("Customer", "Contact")]
    batches = sum(math.ceil(m["created"] / size) for m in mappings)
    assert [m["created"] for m in mappings] == [ACCOUNTS, ACCOUNTS]
    assert [m["failed"] for m in mappings] == [0, 0]
    # Each mapping reads its changed records once; everything else is a create request.
    assert calls == {"getAPISession": login, "readByQuery": 2, "create": batches}
    spent = sum(m["api_calls"]["intacct"] for m in mappings)
    minimum = batches + len(mappings)
    assert spent / minimum <= TARGET
    assert (spent - len(mappings)) / batches <= TARGET
    # What Intacct computed reached Salesforce in the same run (read back, not re-read).
    account = env.salesforce.list("Account")[0]
    customer = next(c for c in env.intacct.list("CUSTOMER") if c["NAME"] == account["Name"])
    assert account["Intacct_Record_No__c"] == float(customer["RECORDNO"])
    assert account["Intacct_Status__c"] == "Active"


def counts_of(report: dict[str, object], name: str) -> dict[str, object]:
    mappings = report["mappings"]
    assert isinstance(mappings, list)
    found: dict[str, object] = next(m for m in mappings if m["name"] == name)
    return found


def test_a_contact_whose_key_intacct_already_holds_is_linked_without_a_look_up(
    env: Env,
) -> None:
    # A crashed run's create (or a record made in Intacct): the key is taken, not linked.
    env.intacct.insert(
        "CONTACT",
        {"CONTACTNAME": "Ada Lovelace", "PRINTAS": "Ada Lovelace", "FIRSTNAME": "Ada",
         "LASTNAME": "Byron"},
    )
    contact = env.salesforce.insert("Contact", {"FirstName": "Ada", "LastName": "Lovelace"})
    before = len(env.intacct.list("CONTACT"))
    with RunContext.open(env.config) as ctx:
        ctx.intacct.open_session()
        report = counts(ctx.run(ctx.options(), only=["Contact"]), "Contact")
        calls = dict(ctx.intacct.counter.calls)
    assert (report["created"], report["linked"], report["failed"]) == (0, 1, 0)
    assert len(env.intacct.list("CONTACT")) == before
    # The read of changed records and the refused create (which read the holder back in its
    # own request): no look-up before the create. The pair's differences are then written
    # as for any first link (`conflict newest`), as updates.
    assert (calls["readByQuery"], calls["create"]) == (1, 1)
    assert set(calls) <= {"getAPISession", "readByQuery", "create", "update"}
    synced = env.salesforce.get("Contact", contact)
    held = next(c for c in env.intacct.list("CONTACT") if c["CONTACTNAME"] == "Ada Lovelace")
    assert synced["Intacct_ID__c"] == "Ada Lovelace"
    assert synced["LastName"] == held["LASTNAME"]
