"""Mutated shipped rule files never make the language pipeline raise: every outcome is a
list of diagnostics (possibly empty) that renders in all three formats."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.diagnostics import Diagnostic, has_errors, render
from mapsync.engine.language import LanguageError, check, compile_rules, parse_text
from mapsync.engine.language.ast import RuleSet
from mapsync.engine.language.parser import decode_source
from mapsync.engine.resources import rules_dir
from tests.language.corpus import RULE_FILES, mutated, shipped


def outcome(name: str, data: bytes) -> list[Diagnostic]:
    try:
        text = decode_source(data, name)
        rule_file = parse_text(text, name, name)
    except LanguageError as exc:
        return list(exc.diagnostics)
    others = [f for n, f in shipped().items() if n != name]
    rule_set = RuleSet((rule_file, *others))
    found = check(rule_set, load_catalogs())
    if not has_errors(found):
        compile_rules(rule_set, load_catalogs())  # the compiler walks what the checker passed
    return found


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


# --- hostile generators: huge literals, deep nesting, line endings, NUL, BOM, bad UTF-8 ------

HEAD = "mapping X {\n intacct CUSTOMER key CUSTOMERID\n salesforce Account key Intacct_ID__c\n"


def deep_lines(depth: int) -> bytes:
    opened = "".join(f"lines L{i} {{\n NAME <- Name\n" for i in range(depth))
    return (HEAD + opened + "}\n" * depth + "}\n").encode()


def deep_condition(depth: int) -> bytes:
    return (HEAD + " when salesforce " + "(" * depth + "Name == 1" + ")" * depth
            + "\n NAME <- Name\n}\n").encode()


def huge_literal(digits: int, where: str) -> bytes:
    number = "9" * digits if where != "decimal" else "1." + "9" * digits
    return (HEAD + f" NAME <- Name | truncate({number})\n"
            f" when salesforce AnnualRevenue > {number}\n}}\n").encode()


@strat.composite
def hostile(draw: strat.DrawFn) -> tuple[str, bytes]:
    kind = draw(strat.sampled_from(["literal", "lines", "condition", "endings", "bytes"]))
    if kind == "literal":
        return "huge.map", huge_literal(draw(strat.integers(30, 6000)),
                                        draw(strat.sampled_from(["int", "decimal"])))
    if kind == "lines":
        return "deep.map", deep_lines(draw(strat.integers(1, 1500)))
    if kind == "condition":
        return "deep.map", deep_condition(draw(strat.integers(1, 1500)))
    path = draw(strat.sampled_from(RULE_FILES))
    data = path.read_bytes()
    if kind == "endings":
        newline = draw(strat.sampled_from(["\r", "\r\n", "\u2028", "\u2029"]))
        return path.name, data.decode("utf-8").replace("\n", newline).encode("utf-8")
    at = draw(strat.integers(0, len(data)))
    noise = draw(strat.sampled_from([b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3(",
                                     b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]))
    return path.name, data[:at] + noise + data[at:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile())
def test_hostile_rule_files_give_diagnostics_not_tracebacks(case: tuple[str, bytes]) -> None:
    name, data = case
    diagnostics = outcome(name, data)
    assert all(isinstance(d, Diagnostic) and d.code for d in diagnostics)
    for fmt in ("text", "json", "github"):
        render(diagnostics, fmt, {name: data.decode("utf-8", "replace")})  # type: ignore[arg-type]


def test_line_endings_do_not_change_what_a_file_means() -> None:
    path = rules_dir() / "customers.map"
    text = path.read_text("utf-8")
    expected = parse_text(text, path.name, path.name)
    for newline in ("\r", "\r\n", "\u2028", "\u2029"):
        variant = parse_text(text.replace("\n", newline), path.name, path.name)
        assert variant == expected, repr(newline)
        assert [b.span.line for b in variant.items] == [b.span.line for b in expected.items]


def test_huge_literals_and_deep_nesting_are_diagnostics() -> None:
    (literal,) = outcome("huge.map", huge_literal(5000, "int"))
    assert (literal.code, literal.line) == ("literal-too-large", 4)
    (lines,) = outcome("deep.map", deep_lines(990))
    assert lines.code == "too-deep"
    assert "nested more than 8 deep" in lines.message and lines.line > 4
    # parentheses build no nodes, so deep ones parse (lark's LALR stack is not recursive)
    assert all(d.code != "syntax-error" for d in outcome("deep.map", deep_condition(990)))
