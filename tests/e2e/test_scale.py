"""The standard rules at a real size: a demo company of 5,000 accounts with their contacts,
items, price lists, projects, contracts and sales documents syncs with no failure and in
step, and the next run writes nothing.

Every other test runs at about 100 records, where two 15-character Salesforce Ids that differ
only by letter case never occur; from a few thousand accounts on they do (see test_keys.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.runner.reconcile import reconcile
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e

ACCOUNTS = 5000


# About 90 s on two idle cores; the suite-wide 300 s limit is too tight on a shared machine.
@pytest.mark.timeout(900)
def test_5000_accounts_sync_in_step_then_a_second_run_is_a_no_op(tmp_path: Path) -> None:
    directory = tmp_path / "big"
    with Sandboxes(directory, seed_profile="demo", records=ACCOUNTS) as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        seeded = boxes.seeded.as_dict() if boxes.seeded else {}
        assert seeded["salesforce"]["Account"] >= ACCOUNTS
        for obj in ("CONTACT", "ITEM", "SOPRICELIST", "SOPRICELISTENTRY", "SODOCUMENT"):
            assert seeded["intacct"].get(obj, 0) > 0, obj
        with RunContext.open(config) as ctx:
            first = ctx.run(ctx.options())
        failed = {m.name: m.total("failed") for m in first.mappings if m.total("failed")}
        assert (first.fatal, failed) == (None, {})
        assert first.changes > ACCOUNTS
        with RunContext.open(config) as ctx:
            second = ctx.run(ctx.options())
            check = reconcile(ctx.effective_plan(), ctx.intacct, ctx.salesforce, ctx.state,
                              timezone=ctx.config.intacct.timezone).to_dict()
        assert (second.fatal, second.failed, second.changes) == (None, 0, 0)
        assert [m["name"] for m in check["mappings"] if not m["in_step"]] == []
        accounts = boxes.salesforce.store.list("Account")
        keys = [str(a["Intacct_ID__c"]).lower() for a in accounts]
        assert len(keys) == len(set(keys)) >= ACCOUNTS
