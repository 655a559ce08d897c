"""The plan of every shipped rule file, compiled with the whole shipped rule set so that
references across files resolve. Refresh after an intended change with
`python -m pytest tests/language/test_plan_snapshots.py --snapshot-update`."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest

from mapsync.engine.diagnostics import render
from mapsync.engine.language import compile_paths
from mapsync.engine.plan import Plan, dump, dumps_json, load
from mapsync.engine.resources import rules_dir, schema_file

RULE_FILES = sorted(p.name for p in rules_dir().glob("*.map"))


@lru_cache(maxsize=1)
def shipped_plan() -> Plan:
    plan, loaded = compile_paths([rules_dir()])
    if plan is None:
        pytest.fail("shipped rules do not compile:\n" + render(list(loaded.diagnostics), "text",
                                                              loaded.sources))
    return plan


@pytest.mark.parametrize("name", RULE_FILES)
def test_plan_of_rule_file(name: str, snapshot: object) -> None:
    plan = shipped_plan()
    mine = [m.to_dict() for m in plan.mappings if m.source.path == f"rules/{name}"]
    assert dumps_json(mine) == snapshot


def test_shipped_plan_round_trips_and_matches_schema() -> None:
    plan = shipped_plan()
    assert load(dump(plan)) == plan
    assert dump(load(dump(plan))) == dump(plan)
    schema = json.loads(schema_file("plan.schema.json").read_text("utf-8"))
    jsonschema.validate(json.loads(dump(plan)), schema)


def test_managed_mappings_are_written_first() -> None:
    kinds = [m.kind for m in shipped_plan().mappings]
    assert kinds == sorted(kinds, key=lambda k: k != "managed")


def test_the_plan_carries_a_deterministic_hash_of_its_rules_and_catalogs(
    tmp_path: Path,
) -> None:
    first = shipped_plan().source_hash
    again, _ = compile_paths([rules_dir()])
    assert first is not None and again is not None and first == again.source_hash
    assert load(dump(shipped_plan())).source_hash == first
    rules = tmp_path / "rules"
    rules.mkdir()
    for source in rules_dir().glob("*.map"):
        text = source.read_text("utf-8")
        edited = text + "\n# a comment changes the text, not the mappings\n"
        (rules / source.name).write_text(edited if source.name == "items.map" else text)
    changed, _ = compile_paths([rules])
    assert changed is not None and changed.source_hash not in (None, first)
    assert changed.mappings == shipped_plan().mappings
