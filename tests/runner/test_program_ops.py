"""The program stage's step classes match the language's step list and the plan schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mapsync.engine.language import steps as language
from mapsync.engine.program.step import OPS, invertible, op, ops
from mapsync.engine.resources import schema_file

SAMPLE_ARGS: dict[str, dict[str, Any]] = {
    "map": {"table": {"a": "A"}, "else": {"mode": "fail", "value": None}},
    "ref": {"mapping": "ARTerm"},
}


def test_every_language_step_has_one_class_and_no_more() -> None:
    assert ops() == set(language.STEPS) | set(language.SPECIAL)
    assert all(OPS[name].name == name for name in OPS)


def test_every_plan_schema_op_can_be_built() -> None:
    schema = json.loads(schema_file("plan.schema.json").read_text("utf-8"))
    assert set(schema["$defs"]["step"]["properties"]["op"]["enum"]) <= ops()


@pytest.mark.parametrize("name", sorted(set(language.STEPS) | set(language.SPECIAL)))
def test_inverse_agrees_with_the_language(name: str) -> None:
    undone = language.inverse(name, SAMPLE_ARGS.get(name, {}))
    kind = op(name)
    assert kind is not None
    assert (undone is not None) == (name in invertible())
    if undone is not None:
        assert kind.inverse == undone[0]


@pytest.mark.parametrize("name", sorted(language.STEPS))
def test_argument_names_agree_with_the_language(name: str) -> None:
    built_op, built_args = language.build_call(name, _sample_values(name))
    kind = op(built_op)  # currency() is written as decimal(places=2)
    assert kind is not None
    assert set(kind.arguments) >= set(built_args)


def _sample_values(name: str) -> tuple[Any, ...]:
    values = {"string": "x", "integer": 2, "scalar": "x"}
    return tuple(values[p.type] for p in language.STEPS[name].params if not p.optional)


# Keys only the plan has (`intacct`, `fields`... also name per-side counters and catalogs).
PLAN_KEYS = ("mappings", "transforms", "direction", "depends_on", "docparid", "delete",
             "match", "when", "filter", "args", "expr", "constant", "relationship")
CONSUMERS = ("program", "runner", "package", "listen")


def test_no_plan_consumer_reads_plan_json_by_key() -> None:
    import re
    from pathlib import Path

    import mapsync.engine

    engine = Path(mapsync.engine.__file__).parent
    keys = "|".join(PLAN_KEYS)
    pattern = re.compile(rf"""\[["']({keys})["']\]|\.get\(["']({keys})["']""")
    found = [
        f"{path.relative_to(engine)}:{number}: {line.strip()}"
        for folder in CONSUMERS
        for path in sorted((engine / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
