"""The buffer of changed Salesforce records: same answers in memory and spilled to SQLite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mapsync.engine.runner.spill import SpillingRecords


def record(n: int) -> dict[str, object]:
    return {
        "Id": f"001{n:015d}",
        "Name": f"Account {n}",
        "Intacct_Credit_Limit__c": Decimal("1234.50"),
        "SystemModstamp": dt.datetime(2024, 6, 1, 12, 0, n % 60, tzinfo=dt.UTC),
        "IsDeleted": False,
        "Phone": None,
    }


@pytest.mark.parametrize("limit", [1000, 3], ids=["in-memory", "spilled"])
def test_dict_behaviour_is_the_same_either_way(limit: int) -> None:
    with SpillingRecords(limit=limit) as buffer:
        for n in range(10):
            buffer[record(n)["Id"]] = record(n)  # type: ignore[index]
        assert buffer.spilled is (limit < 10)
        assert len(buffer) == 10
        assert buffer[record(4)["Id"]] == record(4)  # type: ignore[index]
        assert buffer.get("missing") is None
        assert buffer.pop(str(record(2)["Id"])) == record(2)
        assert str(record(2)["Id"]) not in buffer
        buffer[str(record(5)["Id"])] = {**record(5), "Name": "renamed"}
        assert list(buffer) == [str(record(n)["Id"]) for n in range(10) if n != 2]
        chunks = list(buffer.chunks(4))
        assert [len(c) for c in chunks] == [4, 4, 1]
        assert [r["Name"] for c in chunks for r in c][4] == "renamed"
        with pytest.raises(KeyError):
            del buffer["missing"]


def test_close_drops_the_records() -> None:
    buffer = SpillingRecords(limit=1)
    buffer["a"] = {"Id": "a"}
    buffer["b"] = {"Id": "b"}
    assert buffer.spilled
    buffer.close()
    assert len(buffer) == 0 and not buffer.spilled


def test_batched_writes_keep_dict_order_and_values() -> None:
    """Past the limit, records set are written to disk in batches: whatever mix of sets,
    re-sets and deletes hits records still waiting or already on disk, the buffer answers
    as a dict would (values, order of iteration and of chunks)."""
    import random

    from mapsync.engine.runner.spill import WRITE_BATCH

    rng = random.Random(7)
    model: dict[str, dict[str, object]] = {}
    with SpillingRecords(limit=50) as buffer:
        for step in range(WRITE_BATCH * 5):
            key = f"001{rng.randrange(WRITE_BATCH * 3):015d}"
            action = rng.random()
            if action < 0.6:
                value = {**record(step), "Id": key}
                buffer[key] = value
                model[key] = value
            elif action < 0.8 and key in model:
                del buffer[key]
                del model[key]
            else:
                assert buffer.get(key) == model.get(key)
        assert buffer.spilled
        assert len(buffer) == len(model)
        assert list(buffer) == list(model)
        assert [r for c in buffer.chunks(97) for r in c] == list(model.values())
