"""Generated functions keep their source in `linecache` once per distinct source.

A long-running `mapsync listen` compiles the rules again whenever they change or a run
starts; the source kept for tracebacks must not grow with every compilation of the same
rules, while a traceback through a generated function still shows its lines.
"""

from __future__ import annotations

import linecache
import traceback

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.commands._context import load_plan
from mapsync.engine.program import CompiledMapping, compile_mapping
from mapsync.engine.program.generate import build, generated_filename
from mapsync.engine.resources import rules_dir


def resolver(mapping: str, side: str) -> dict[str, str]:
    return {}


def compiled_and_built() -> CompiledMapping:
    m = compile_mapping(load_plan(rules_dir()).mapping("Customer"), load_catalogs(), resolver)
    for side in ("intacct", "salesforce"):
        assert m.programs[side].source
        assert m.watches[side].source
    return m


def kept() -> set[str]:
    return {name for name in linecache.cache if name.startswith("<mapsync ")}


def test_compiling_the_same_rules_again_keeps_no_more_source() -> None:
    first = compiled_and_built()
    after_first = kept()
    for _ in range(5):
        again = compiled_and_built()
    assert kept() == after_first
    # the same names as the first compilation, each holding its function's text
    for side in ("intacct", "salesforce"):
        source = again.watches[side].source
        assert source == first.watches[side].source
        name = generated_filename(source, f"update Customer {side}")
        assert name in after_first
        assert linecache.getline(name, 1) == "def tolerant(record, shadow):\n"


def test_another_source_gets_its_own_entry_and_tracebacks_show_it() -> None:
    source = "def boom(value):\n    return 1 / value\n"
    other = "def boom(value):\n    return 2 / value\n"
    names = {generated_filename(source, "test boom"), generated_filename(other, "test boom")}
    assert len(names) == 2
    boom = build(source, {}, "test boom")["boom"]
    build(other, {}, "test boom")
    assert names <= kept()
    try:
        boom(0)
    except ZeroDivisionError as exc:
        shown = "".join(traceback.format_exception(exc))
    assert "return 1 / value" in shown
    assert generated_filename(source, "test boom") in shown
