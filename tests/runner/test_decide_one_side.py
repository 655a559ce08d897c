"""A pair read on one side decides the same through the shadow watch as rule by rule.

`decide` takes a short way when only one side's record changed (`ShadowWatch`: only the
rules whose value moved from the shadow, and the one-way rules from that side). Over the
shipped Customer and Contact mappings and random edits of either side, after a first link
and after edits of the other side, it must give the same patches, shadow, changes and
failures as visiting every rule.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.runner.shipped_mappings import (
    BACK,
    LINKS,
    both_ways,
    first_link,
    mapping,
    paths,
)

ODD = st.one_of(st.none(), st.just(""), st.sampled_from(["K-unlinked", "zz-bad"]),
                st.integers(-3, 3))


@cache
def values(name: str, side: str, path: str) -> st.SearchStrategy[Any]:
    """Values the rule reading `path` accepts, now and then an odd one."""
    m = mapping(name)
    rule = next(r for r in m.plan.fields if path in (
        r.intacct if side == "intacct" else r.salesforce or ()))
    ops = {s.op: dict(s.args) for s in rule.transforms}
    good: st.SearchStrategy[Any] = st.sampled_from(["a", "b", "Lyon"])
    if "ref" in ops:
        good = st.sampled_from(list(LINKS if side == "intacct" else BACK))
    elif "map" in ops:
        table = ops["map"].get("table") or {}
        good = st.sampled_from(list(table if side == "intacct" else table.values()))
    elif "currency" in ops or "decimal" in ops:
        good = st.decimals(-99, 99, places=2).map(Decimal)
    elif "bool" in ops:
        good = st.booleans()
    # one value in forty is odd (a failure or a pending reference), one in ten null
    return st.integers(0, 39).flatmap(lambda n: ODD if n == 0 else st.none() if n < 4 else good)


@pytest.mark.parametrize("name", ["Customer", "Contact"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_one_side_decides_like_every_rule(name: str, data: st.DataObject) -> None:
    m = mapping(name)
    intacct = {p: data.draw(values(name, "intacct", p)) for p in paths(m, "intacct")}
    salesforce = {p: data.draw(values(name, "salesforce", p)) for p in paths(m, "salesforce")}
    intacct, salesforce, shadow = first_link(m, intacct, salesforce)
    side = data.draw(st.sampled_from(["intacct", "salesforce"]))
    record = intacct if side == "intacct" else salesforce
    edits = data.draw(st.lists(st.sampled_from(paths(m, side)), max_size=4))
    record = {**record, **{p: data.draw(values(name, side, p)) for p in edits}}
    pair = (record, None) if side == "intacct" else (None, record)
    fast, every_rule = both_ways(m, pair, shadow)
    assert fast == every_rule
