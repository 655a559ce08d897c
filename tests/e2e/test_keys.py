"""Keys of records created in Intacct from Salesforce: case-safe, and found again when an
earlier version created them under its legacy `SF-` key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.engine.salesforce_ids import colliding_legacy_keys, legacy_key, new_key, to18
from tests.e2e.test_sync import Env, counts, start

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from start(tmp_path / "sandboxes")


def test_ids_differing_only_by_case_give_keys_that_differ_without_case() -> None:
    lower, upper = "0015g00000000da", "0015g00000000dA"
    assert legacy_key(lower).lower() == legacy_key(upper).lower()
    assert new_key(lower).lower() != new_key(upper).lower()
    assert new_key(to18(upper)) == to18(upper) and len(new_key(upper)) == 18


def test_an_account_creates_a_customer_keyed_by_its_18_character_id(env: Env) -> None:
    account = env.salesforce.insert("Account", {"Name": "Globex"})
    report = counts(env.sync("Customer"), "Customer")
    assert (report["created"], report["failed"]) == (1, 0)
    customer = next(c for c in env.intacct.list("CUSTOMER") if c["NAME"] == "Globex")
    assert customer["CUSTOMERID"] == account and len(account) == 18
    assert env.salesforce.get("Account", account)["Intacct_ID__c"] == account


def test_a_customer_created_under_the_legacy_key_is_linked_not_duplicated(env: Env) -> None:
    account = env.salesforce.insert("Account", {"Name": "Initech"})
    env.intacct.insert("CUSTOMER", {"CUSTOMERID": legacy_key(account), "NAME": "Initech"})
    before = len(env.intacct.list("CUSTOMER"))
    report = counts(env.sync("Customer"), "Customer")
    assert (report["created"], report["linked"], report["failed"]) == (0, 1, 0)
    assert len(env.intacct.list("CUSTOMER")) == before
    assert env.salesforce.get("Account", account)["Intacct_ID__c"] == legacy_key(account)


def test_legacy_keys_that_collide_without_case_are_named() -> None:
    keys = ["SF-0015g00000000dA", "SF-0015g00000000da", "SF-0015g00000000dB", "ACME"]
    assert colliding_legacy_keys(keys) == ["SF-0015g00000000dA", "SF-0015g00000000da"]
