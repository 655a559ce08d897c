"""Mutated shipped rule files never make the language pipeline raise: every outcome is a
list of diagnostics (possibly empty) that renders in all three formats."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.diagnostics import Diagnostic, render
from mapsync.engine.language import LanguageError, check, parse_text
from mapsync.engine.language.ast import RuleFile, RuleSet
from mapsync.engine.language.parser import decode_source
from mapsync.engine.resources import rules_dir

RULE_FILES = sorted(rules_dir().glob("*.map"))
NOISE = strat.sampled_from([b"{", b"}", b"(", b")", b'"', b"\\", b"|", b"->", b"<-", b"<->",
                            b"off", b"map", b"ref", b"when", b"label", b"\n", b"#", b".",
                            b"\x00", b"\xff", b"\xc3", b"mapping X {", b"lines L {", b"key",
                            b"1.5", b"null", b"not", b"in [", b"==", b"\t", b"\r"])


@lru_cache(maxsize=1)
def shipped() -> dict[str, RuleFile]:
    files = {}
    for path in RULE_FILES:
        try:
            files[path.name] = parse_text(path.read_text("utf-8"), path.name, path.name)
        except LanguageError:
            continue
    return files


@strat.composite
def mutated(draw: strat.DrawFn) -> tuple[str, bytes]:
    path = draw(strat.sampled_from(RULE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(strat.integers(1, 4))):
        at = draw(strat.integers(0, len(data)))
        action = draw(strat.sampled_from(["insert", "delete", "truncate", "duplicate"]))
        if action == "insert":
            data[at:at] = draw(NOISE)
        elif action == "delete":
            del data[at:at + draw(strat.integers(1, 40))]
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at:at + draw(strat.integers(1, 200))]
    return path.name, bytes(data)


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
