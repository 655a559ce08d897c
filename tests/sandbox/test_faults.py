"""Fault specs parse, reject bad text, and draw repeatably from a seed."""

import pytest

from mapsync.engine.sandbox.faults import CallStats, FaultPlan, FaultSpecError


def test_parse_and_draw_repeat_with_seed() -> None:
    first = FaultPlan.parse("429:0.3,500:0.2", seed=7)
    second = FaultPlan.parse("429:0.3,500:0.2", seed=7)
    draws = [first.draw("op") for _ in range(200)]
    assert draws == [second.draw("op") for _ in range(200)]
    assert {"429", "500", None} == set(draws)


@pytest.mark.parametrize("spec", ["429", "teapot:0.1", "500:x", "500:1.5"])
def test_bad_spec_is_rejected(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        FaultPlan.parse(spec)


def test_empty_spec_never_faults_and_exempt_ops_are_spared() -> None:
    assert FaultPlan.parse("").draw("x") is None
    plan = FaultPlan(rates=(("500", 1.0),), exempt=frozenset({"login"}))
    assert plan.draw("login") is None
    assert plan.draw("query") == "500"


def test_call_stats_snapshot() -> None:
    stats = CallStats()
    stats.count("query", records=3)
    stats.count("query")
    stats.fault("429")
    assert stats.snapshot()["calls"] == {"query": 2}
    assert stats.snapshot()["records"] == {"query": 3}
    assert stats.snapshot()["total"] == {"calls": 2}
