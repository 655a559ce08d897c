"""Sync status on the records: a failure shows on the record in its owner's language, a
later success clears it, and a quiet run still writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.engine.runner.status_texts import LANGUAGES, TEXTS
from tests.runner.cli_env import CliEnv, start

pytestmark = pytest.mark.e2e

TOO_LONG = "Consolidated " * 10  # 130 characters: Intacct's customer NAME holds 100
STATUS, ERROR, LAST = "Intacct_Sync_Status__c", "Intacct_Sync_Error__c", "Intacct_Last_Sync__c"


@pytest.fixture
def env(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CliEnv]:
    yield from start(tmp_path / "sb", capsys)


def test_every_error_kind_has_every_language() -> None:
    assert all(set(texts) == set(LANGUAGES) for texts in TEXTS.values())


def test_a_failure_shows_in_the_owners_language_and_clears_after_replay(env: CliEnv) -> None:
    marie = env.salesforce.insert("User", {"Username": "marie@example.fr", "LastName": "Curie",
                                           "LanguageLocaleKey": "fr"})
    hans = env.salesforce.insert("User", {"Username": "hans@example.de", "LastName": "Meyer",
                                          "LanguageLocaleKey": "de"})
    french = env.salesforce.insert("Account", {"Name": TOO_LONG, "OwnerId": marie})
    german = env.salesforce.insert("Account", {"Name": TOO_LONG + "GmbH", "OwnerId": hans})
    fine = env.salesforce.insert("Account", {"Name": "Fjord Supplies", "OwnerId": marie})
    assert env.run("sync") == 3

    shown = env.salesforce.get("Account", french)
    assert shown[STATUS] == "Error" and shown[LAST]
    assert shown[ERROR].startswith("Intacct a refusé la valeur du champ « Nom du compte » : ")
    assert "100" in shown[ERROR]
    assert env.salesforce.get("Account", german)[ERROR].startswith("Intacct hat den Wert von")
    synced = env.salesforce.get("Account", fine)
    assert (synced[STATUS], synced[ERROR]) == ("Synced", None) and synced[LAST]
    assert env.json("reconcile", "--only", "Customer")[1]["in_step"] is False  # failed ones

    env.salesforce.update("Account", french, {"Name": "Consolidated Fjords"})
    env.salesforce.update("Account", german, {"Name": "Konsolidierte Fjorde"})
    assert env.run("replay") == 0
    for account in (french, german):
        cleared = env.salesforce.get("Account", account)
        assert (cleared[STATUS], cleared[ERROR]) == ("Synced", None)
    code, quiet = env.json("sync")
    assert (code, quiet["changes"]) == (0, 0)
    before = env.boxes.salesforce.stats.snapshot()["calls"]
    assert env.run("sync") == 0
    after = env.boxes.salesforce.stats.snapshot()["calls"]
    writes = [op for op in after if op.startswith(("collections.", "sobject.", "bulk2."))
              and op not in ("collections.retrieve",) and after[op] != before.get(op)]
    assert writes == []
    assert env.json("reconcile", "--only", "Customer")[1]["in_step"] is True


def test_an_update_failure_is_cleared_by_a_replay_that_writes_only_intacct(env: CliEnv) -> None:
    assert env.run("sync") == 0
    account = next(a for a in env.salesforce.list("Account") if a.get("Intacct_ID__c"))
    env.salesforce.update("Account", account["Id"], {"Name": TOO_LONG})
    assert env.run("sync") == 3
    failed = env.salesforce.get("Account", account["Id"])
    assert failed[STATUS] == "Error" and failed[ERROR].startswith("Intacct rejected the value")
    env.salesforce.update("Account", account["Id"], {"Name": "Renamed Trading"})
    assert env.run("replay") == 0
    cleared = env.salesforce.get("Account", account["Id"])
    assert (cleared[STATUS], cleared[ERROR]) == ("Synced", None)
