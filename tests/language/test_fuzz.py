"""Mutated shipped rule files never make the language pipeline raise: every outcome is a
list of diagnostics (possibly empty) that renders in all three formats."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.diagnostics import Diagnostic, render
from mapsync.engine.language import LanguageError, check, parse_text
from mapsync.engine.language.ast import RuleSet
from mapsync.engine.language.parser import decode_source
from tests.language.corpus import mutated, shipped


def outcome(name: str, data: bytes) -> list[Diagnostic]:
    try:
        text = decode_source(data, name)
        rule_file = parse_text(text, name, name)
    except LanguageError as exc:
        return list(exc.diagnostics)
    others = [f for n, f in shipped().items() if n != name]
    return check(RuleSet((rule_file, *others)), load_catalogs())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_give_diagnostics_not_tracebacks(case: tuple[str, bytes]) -> None:
    name, data = case
    diagnostics = outcome(name, data)
    assert all(isinstance(d, Diagnostic) and d.code for d in diagnostics)
    sources = {name: data.decode("utf-8", "replace")}
    for fmt in ("text", "json", "github"):
        render(diagnostics, fmt, sources)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(strat.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    diagnostics = outcome("noise.map", data)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
