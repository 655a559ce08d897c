"""A create that already ran (its answer lost) is found again, not re-sent, also without a key.

RECORDNO-keyed objects (TASK, SODOCUMENTENTRY...) have no business key to look a repeated
create up by; the client finds the one record holding every value sent instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from iaconn_support import sandbox_client as connect

from mapsync.engine.errors import DuplicateRecord
from mapsync.engine.sandbox.intacct import IntacctSandbox

TASK: dict[str, Any] = {
    "NAME": "Kick-off meeting",
    "PROJECTID": "P-0001",
    "PBEGINDATE": dt.date(2025, 1, 6),
    "BILLABLE": True,
    "PRIORITY": 2,
}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "company.db") as server:
        server.store.insert("PROJECT", {"PROJECTID": "P-0001", "NAME": "Rollout"})
        yield server


def test_a_repeated_create_without_a_key_returns_the_record_the_first_one_made(
    sandbox: IntacctSandbox,
) -> None:
    with connect(sandbox) as first_run, connect(sandbox) as next_run:
        [created] = first_run.create("TASK", [TASK])
        # The same values again (a run killed before it stored the answer, started again):
        # the gateway refuses the repeated controlid and the client finds the first record.
        [again] = next_run.create("TASK", [dict(TASK)])
    assert created.ok and created.record_id
    assert again.ok and again.created and again.record_id == created.record_id
    assert sandbox.store.count("TASK") == 1


def test_a_repeated_create_matching_several_records_stays_unknown_and_is_not_resent(
    sandbox: IntacctSandbox,
) -> None:
    sandbox.store.insert("TASK", TASK)  # someone made an identical task by hand
    with connect(sandbox) as client:
        [created] = client.create("TASK", [TASK])
        [again] = client.create("TASK", [TASK])
    assert created.ok
    assert not again.ok and isinstance(again.error, DuplicateRecord)
    assert sandbox.store.count("TASK") == 2
