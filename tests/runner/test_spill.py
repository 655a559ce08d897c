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
