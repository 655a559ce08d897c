"""The generated one-side update function decides as visiting every rule, for any value.

`ShadowWatch.update` canonicalises in line by the catalog type of each field and skips the
rules whose value equals the shadow's; the catalog type is only a speed hint. Over every
shipped mapping, values of any class in any field (text in a boolean, a Decimal in a text
field, empty text, True where the shadow holds "1"), and shadows with entries missing or
changed, a pair read on one side must give the same patches, shadows, changes and failures
as the rule-by-rule decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapsync.engine.program.canonical import canonical
from mapsync.engine.runner.decide import Decision, Shadow, decide
from tests.runner.shipped_mappings import (
    BACK,
    LINKS,
    both_ways,
    first_link,
    mapping,
    outcome,
    paths,
)

NAMES = ("Customer", "Contact", "PriceList", "Project", "Item", "SalesOrder", "ARTerm")

ANY = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-2, 2), st.sampled_from(list(LINKS)),
    st.sampled_from(list(BACK)), st.sampled_from(["a", "Lyon", "Actual", "Base Price List",
                                                  "Template", "1", "true", "active"]),
    st.decimals(-99, 99, places=2), st.just(Decimal("1.50")), st.just(dt.date(2024, 2, 29)),
    st.just(dt.datetime(2024, 2, 29, 12, 30, tzinfo=dt.UTC)), st.just(1.5),
)
# Canonical values, which are never '' (the update functions rely on it; see
# test_canonical_is_never_empty_text).
ODD_SHADOW = st.sampled_from(["1", True, "a", "1.5", "true", None])


def shaken(data: st.DataObject, shadow: dict[str, Any], sizes: dict[str, int]) -> dict[str, Any]:
    """`shadow` with some entries dropped or replaced by other canonical values in the form
    every shadow written holds: a single-field rule's value itself (now and then a list, as
    a field holding a list gives), a list as long as its fields for a rule of several."""
    out = dict(shadow)
    for rule_id in data.draw(st.lists(st.sampled_from(sorted(sizes)), max_size=3)):
        if data.draw(st.booleans()):
            out.pop(rule_id, None)
        elif sizes[rule_id] == 1:
            out[rule_id] = data.draw(st.one_of(ODD_SHADOW, st.lists(ODD_SHADOW, max_size=2)))
        else:
            out[rule_id] = [data.draw(ODD_SHADOW) for _ in range(sizes[rule_id])]
    return out


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_update_function_decides_like_every_rule(name: str, data: st.DataObject) -> None:
    m = mapping(name)
    intacct = {p: data.draw(ANY) for p in paths(m, "intacct")}
    salesforce = {p: data.draw(ANY) for p in paths(m, "salesforce")}
    intacct, salesforce, shadow = first_link(m, intacct, salesforce)
    shadow = Shadow(
        shaken(data, shadow.intacct, {r.id: len(r.intacct_fields) for r in m.rules}),
        shaken(data, shadow.salesforce, {r.id: len(r.salesforce_fields) for r in m.rules}),
    )
    side = data.draw(st.sampled_from(["intacct", "salesforce"]))
    record = intacct if side == "intacct" else salesforce
    edits = data.draw(st.lists(st.sampled_from(paths(m, side)), max_size=4))
    record = {**record, **{p: data.draw(ANY) for p in edits}}
    pair = (record, None) if side == "intacct" else (None, record)
    before = shadow.to_json()
    fast, every_rule = both_ways(m, pair, shadow)
    assert fast == every_rule
    assert shadow.to_json() == before  # the shadow passed in is never changed


def test_the_update_function_is_used_and_readable() -> None:
    m = mapping("Customer")
    watch = m.watches["intacct"]
    assert watch.program is m.programs["salesforce"]
    assert watch.source.startswith("def tolerant(record, shadow):")
    assert "\ndef update(record, shadow):" in watch.source
    assert "return tolerant(record, shadow)" in watch.source
    # text fields are compared in line, numbers canonicalised by their catalog type
    assert "_decimal(w0) if w0.__class__ is _Decimal" in watch.source


TRICKY = [None, "", "a", "1", 1, 0, True, False, 1.0, Decimal("1"), Decimal("1.50"),
          dt.date(2024, 2, 29), ["a"], ("a", None), [None], []]
ABSENT = object()
FIRSTS = [ABSENT, None, "a", "1", True, "1.5", ["a"], ["a", None], [None]]


def empty(fields: tuple[str, ...]) -> Any:
    """The shadow value of a rule whose fields are all empty."""
    return None if len(fields) == 1 else [None] * len(fields)


@pytest.mark.parametrize("name", ["Customer", "PriceList", "Contact"])
def test_each_value_against_each_shadow_value(name: str) -> None:
    """Every single-field rule, each side: tricky values against tricky shadow values."""
    m = mapping(name)
    base = {"intacct": dict.fromkeys(paths(m, "intacct"), "a"),
            "salesforce": dict.fromkeys(paths(m, "salesforce"), "a")}
    compared = 0
    for side in ("intacct", "salesforce"):
        for rule in m.rules:
            fields = rule.intacct_fields if side == "intacct" else rule.salesforce_fields
            if len(fields) != 1:
                continue
            for value in TRICKY:
                for first in FIRSTS:
                    store = {r.id: empty(r.intacct_fields if side == "intacct"
                                         else r.salesforce_fields) for r in m.rules}
                    if first is ABSENT:
                        del store[rule.id]
                    else:
                        store[rule.id] = first
                    shadow = Shadow(store, {}) if side == "intacct" else Shadow({}, store)
                    record = {**base[side], fields[0]: value}
                    pair = (record, None) if side == "intacct" else (None, record)

                    def every_rule() -> Decision:
                        return decide(m.rules, *pair, shadow, programs=m.programs)  # noqa: B023

                    def one_side() -> Decision:
                        return decide(m.rules, *pair, shadow, programs=m.programs,  # noqa: B023
                                      watches=m.watches)

                    assert outcome(one_side) == outcome(every_rule), (side, rule.id, value,
                                                                      first)
                    compared += 1
    assert compared > 500


def test_the_update_function_sets_every_field_of_its_decision() -> None:
    """The Decision and its Shadow are built with their slots set in line: every field is
    set, and equal to the rule-by-rule decision's."""
    m = mapping("Customer")
    intacct = {**dict.fromkeys(paths(m, "intacct")), "NAME": "a", "CUSTOMERID": "C-1"}
    salesforce = {**dict.fromkeys(paths(m, "salesforce")), "Name": "a", "BillingCity": "a"}
    first = decide(m.rules, intacct, salesforce, Shadow(), programs=m.programs)
    records = {"intacct": {**intacct, **first.intacct_patch, "NAME": "b"},
               "salesforce": {**salesforce, **first.salesforce_patch, "BillingCity": "b"}}
    for side, record in records.items():
        made = m.watches[side].update(record, first.shadow)
        assert made is not None
        assert {f: getattr(made, f) for f in Decision.__slots__}  # every slot set
        assert {f: getattr(made.shadow, f) for f in Shadow.__slots__}
        pair = (record, None) if side == "intacct" else (None, record)
        assert made == decide(m.rules, *pair, first.shadow, programs=m.programs)
        assert made.changes


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(ANY, st.text(max_size=3), st.lists(ANY, max_size=3),
                       st.tuples(ANY, st.just("")), st.floats(allow_nan=False)))
def test_canonical_is_never_empty_text(value: Any) -> None:
    """A shadow holds canonical values only, never '' at any depth: the update functions
    take a text value equal to the shadow's as unchanged without testing it for ''."""

    def texts(found: Any) -> list[Any]:
        if isinstance(found, list):
            return [t for item in found for t in texts(item)]
        return [found]

    assert "" not in texts(canonical(value))
