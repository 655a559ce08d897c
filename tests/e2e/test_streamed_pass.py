"""A mapping whose Intacct side has no change writes Salesforce's changes as it reads them.

No Salesforce record can meet a changed Intacct partner, so nothing is held for pairing
(`MappingSync.salesforce_pass`): each chunk is decided and written while the read goes on.
A record read twice must still make one partner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.commands._context import RunContext
from mapsync.engine.runner.pipeline import unique_chunks
from tests.e2e.test_sync import Env, counts, start

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from start(tmp_path)


def test_a_read_started_again_midway_creates_each_record_once(env: Env) -> None:
    """The probe's first page is written before the read goes on; its cursor is then gone
    (Salesforce drops idle cursors) and the read starts again: the records of that page,
    read again unchanged, are not written twice, and every account gets one customer."""
    from mapsync.engine.sandbox.salesforce.cursors import Cursors

    env.salesforce.insert_many("Account", [{"Name": f"Twice {i:04d}"} for i in range(2300)])
    app = env.boxes.salesforce.app

    def progress(name: str, outcome: Any) -> None:
        if name == "Customer" and outcome is None:
            app.rest.cursors = Cursors()

    with RunContext.open(env.config) as ctx:
        report = ctx.run(ctx.options(), only=["Customer"], progress=progress)
    made = counts(report, "Customer")
    assert made["read"]["salesforce"] == 2300
    assert made["sides"]["intacct"]["created"] == 2300 and made["failed"] == 0
    names = Counter(c["NAME"] for c in env.intacct.list("CUSTOMER"))
    assert len(names) == 2300 and set(names.values()) == {1}
    again = counts(env.sync("Customer"), "Customer")
    assert again["created"] == 0 and again["updated"] == 0


def test_chunks_hold_one_version_of_each_record() -> None:
    records = [{"Id": "a", "v": 1}, {"Id": "b", "v": 1}, {"Id": "a", "v": 2},
               {"Id": "c", "v": 1}, {"Id": "a", "v": 3}]
    assert list(unique_chunks(records, 3)) == [
        [{"Id": "a", "v": 2}, {"Id": "b", "v": 1}, {"Id": "c", "v": 1}],
        [{"Id": "a", "v": 3}],
    ]
    assert list(unique_chunks([], 3)) == []
