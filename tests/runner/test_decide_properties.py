"""Properties of pair decisions: applying a decision converges, whatever the values."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mapsync.engine.program import FieldRule
from mapsync.engine.runner.decide import Shadow, decide

VALUES = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]), st.integers(0, 3))
DIRECTIONS = ("to_salesforce", "to_intacct", "both")


def rule(n: int, direction: str) -> FieldRule:
    i, s = f"I{n}", f"S{n}"
    # An invertible pipeline with a visible effect: numbers shift by 10 on the way out.
    out = lambda v: v + 10 if isinstance(v, int) else v  # noqa: E731
    back = lambda v: v - 10 if isinstance(v, int) else v  # noqa: E731
    return FieldRule(
        id=f"{i}|{s}",
        direction=direction,
        intacct_fields=(i,),
        salesforce_fields=(s,),
        to_salesforce=lambda r: {s: out(r.get(i))},
        to_intacct=lambda r: {i: back(r.get(s))},
        source="rules/x.map:1:1",
    )


@st.composite
def cases(draw: Any) -> tuple[list[FieldRule], dict, dict, str, str]:
    directions = draw(st.lists(st.sampled_from(DIRECTIONS), min_size=1, max_size=4))
    rules = [rule(n, d) for n, d in enumerate(directions)]
    intacct = {f"I{n}": draw(VALUES) for n in range(len(rules))}
    salesforce = {f"S{n}": draw(VALUES) for n in range(len(rules))}
    salesforce = {k: v + 10 if isinstance(v, int) else v for k, v in salesforce.items()}
    return (
        rules,
        intacct,
        salesforce,
        draw(st.sampled_from(["intacct", "salesforce", "newest"])),
        draw(st.sampled_from(["intacct", "salesforce"])),
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_applying_a_decision_leaves_nothing_to_do(case: tuple) -> None:
    rules, intacct, salesforce, policy, newest = case
    first = decide(rules, intacct, salesforce, Shadow(), policy=policy, newest=lambda: newest)
    intacct = {**intacct, **first.intacct_patch}
    salesforce = {**salesforce, **first.salesforce_patch}
    again = decide(rules, intacct, salesforce, first.shadow, policy=policy, newest=lambda: newest)
    assert again.empty, (again.intacct_patch, again.salesforce_patch)
    # ... and the two sides now agree on every rule.
    for r in rules:
        assert r.to_salesforce(intacct) == {
            r.salesforce_fields[0]: salesforce[r.salesforce_fields[0]]
        }


@settings(max_examples=200, deadline=None)
@given(cases())
def test_an_echo_of_what_was_written_is_not_sent_back(case: tuple) -> None:
    rules, intacct, salesforce, policy, newest = case
    first = decide(rules, intacct, salesforce, Shadow(), policy=policy, newest=lambda: newest)
    intacct = {**intacct, **first.intacct_patch}
    salesforce = {**salesforce, **first.salesforce_patch}
    # Each side reads back only what it holds now (the other side did not change).
    for echo_i, echo_s in ((intacct, None), (None, salesforce)):
        again = decide(rules, echo_i, echo_s, first.shadow, policy=policy, newest=lambda: newest)
        assert again.empty
