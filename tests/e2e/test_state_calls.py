"""The state store is reached a bounded number of times per chunk, whatever its size.

A counting proxy forwards every call to the real store (it changes no behaviour) and counts
the calls by method. Two companies differing only in how many records a chunk holds (20
accounts in chunks of 10, 60 in chunks of 30: two chunks each) make exactly the same calls:
per chunk one read of links with their shadows, the reads of the `match` rule, and one
write of the chunk (links, shadows, resolved errors, failures and conflicts together).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.state import StateStore

pytestmark = pytest.mark.e2e

PER_RUN = {"start_run", "ref_resolver", "finish_run", "errors", "watermark", "window_read_at",
           "transaction", "set_watermark"}


class CountingStore:
    """A StateStore that forwards every call to the real one and counts them by name."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return value(*args, **kwargs)

        return counted


def _first_sync(directory: Path, accounts: int, chunk: int) -> tuple[Counter[str], int]:
    """State calls of the first Customer sync of `accounts` new Salesforce accounts."""
    with Sandboxes(directory, seed_profile="none") as boxes:
        boxes.salesforce.store.insert_many(
            "Account", [{"Name": f"Account {n:03d}", "BillingCity": "Lyon"}
                        for n in range(accounts)])
        config = write_config(directory, boxes.connection_info(), None)
        with RunContext.open(config) as ctx:
            counting = CountingStore(ctx.state)
            ctx.state = counting  # type: ignore[assignment]
            report = ctx.run(ctx.options(chunk=chunk), only=["Customer"])
        created = report.to_dict()["mappings"][0]["created"]
    return counting.calls, created


def _per_chunk(calls: Counter[str]) -> Counter[str]:
    return Counter({name: n for name, n in calls.items() if name not in PER_RUN})


def test_state_calls_per_chunk_do_not_grow_with_the_chunk(tmp_path: Path) -> None:
    small, created_small = _first_sync(tmp_path / "small", accounts=20, chunk=10)
    large, created_large = _first_sync(tmp_path / "large", accounts=60, chunk=30)
    assert (created_small, created_large) == (20, 60)
    assert small == large, (small, large)
    chunks = 2
    per_chunk = _per_chunk(large)
    assert per_chunk["write_chunk"] == chunks
    assert per_chunk["links_with_shadows"] == chunks
    assert sum(per_chunk.values()) <= 4 * chunks, per_chunk


