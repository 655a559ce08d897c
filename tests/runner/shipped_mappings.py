"""The shipped mappings compiled for the decision tests, with a fixed set of links, and the
comparable outcome of a decision."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.commands._context import load_plan
from mapsync.engine.program import CompiledMapping, RefPending, TransformError, compile_mapping
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.decide import Decision, Shadow, decide

LINKS = {f"K{i}": f"a0B{i:015d}" for i in range(3)}  # Intacct key -> Salesforce Id
BACK = {v: k for k, v in LINKS.items()}


def resolver(mapping: str, side: str) -> dict[str, str]:
    """The cross-references of every mapping: LINKS toward Salesforce, BACK toward Intacct."""
    return LINKS if side == "salesforce" else BACK


@cache
def mapping(name: str) -> CompiledMapping:
    """The shipped mapping `name`, compiled as the runner compiles it."""
    return compile_mapping(load_plan(rules_dir()).mapping(name), load_catalogs(), resolver)


def paths(m: CompiledMapping, side: str) -> list[str]:
    """The field paths the rules of `m` read or write on `side`."""
    found = [f for r in m.rules for f in (r.intacct_fields if side == "intacct"
                                          else r.salesforce_fields)]
    return sorted(set(found))


def outcome(decide: Callable[[], Decision]) -> Any:
    """What a decision made (patches, shadow, changes, conflicts), or the failure it raised."""
    try:
        made = decide()
    except (TransformError, RefPending) as exc:
        return type(exc).__name__, str(exc)
    return (made.salesforce_patch, made.intacct_patch, made.shadow.to_json(), made.changes,
            made.conflicts)


def first_link(
    m: CompiledMapping, intacct: dict[str, Any], salesforce: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], Shadow]:
    """Both records as a first sync that linked them leaves them, with its shadow (the
    records as they were and an empty shadow when that decision failed)."""
    try:
        first = decide(m.rules, intacct, salesforce, Shadow(), programs=m.programs)
    except (TransformError, RefPending):
        return intacct, salesforce, Shadow()
    return ({**intacct, **first.intacct_patch}, {**salesforce, **first.salesforce_patch},
            first.shadow)


def both_ways(
    m: CompiledMapping, pair: tuple[dict[str, Any] | None, dict[str, Any] | None],
    shadow: Shadow,
) -> tuple[Any, Any]:
    """The outcome of deciding a pair read on one side through the mapping's update
    functions (`watches`), and rule by rule: they must be equal."""

    def every_rule() -> Decision:
        return decide(m.rules, *pair, shadow, policy=m.conflict, programs=m.programs)

    def one_side() -> Decision:
        return decide(m.rules, *pair, shadow, policy=m.conflict, programs=m.programs,
                      watches=m.watches)

    return outcome(one_side), outcome(every_rule)
