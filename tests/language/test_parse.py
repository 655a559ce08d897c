"""Parsing: spans, labels, literals, and what syntax errors say."""

from __future__ import annotations

import pytest

from mapsync.engine.language import LanguageError, ast, parse_text

HEADER = "mapping Customer {\n    intacct CUSTOMER key CUSTOMERID\n    salesforce Account\n"


def rules_of(text: str) -> tuple[ast.Statement, ...]:
    block = parse_text(HEADER + text + "}\n", "t.map").items[0]
    assert isinstance(block, ast.Block)
    return block.statements[2:]


def error_of(text: str) -> LanguageError:
    with pytest.raises(LanguageError) as info:
        parse_text(text, "t.map")
    return info.value


def test_span_is_ignored_by_equality() -> None:
    first = rules_of("    NAME <- Name\n")
    moved = rules_of("\n\n      NAME   <-   Name   # moved, with a comment\n")
    assert first == moved
    assert isinstance(first[0], ast.FieldRule) and isinstance(moved[0], ast.FieldRule)
    assert (first[0].span.line, moved[0].span.line) == (4, 6)


def test_indented_label_belongs_to_the_rule_above() -> None:
    rule, label = rules_of('    NAME <- Name\n        label en_US "N"\n    label fr "C"\n')
    assert isinstance(rule, ast.FieldRule) and rule.labels == (ast.Label("en_US", "N"),)
    assert label == ast.LabelDecl((ast.Label("fr", "C"),))


def test_literals_and_escapes() -> None:
    (rule,) = rules_of('    CURRENCY <- "a\\"b\\\\c\\n\\td" | default(1.5) | bool("Y", "N")\n')
    assert isinstance(rule, ast.FieldRule)
    assert rule.salesforce == ast.Constant('a"b\\c\n\td')
    assert rule.steps[0] == ast.CallStep("default", (ast.Constant(1.5),))


def test_condition_tree() -> None:
    (rule,) = rules_of('    NAME <- Name when salesforce not A in ["x", null] or B >= 2 and C\n')
    assert isinstance(rule, ast.FieldRule) and rule.when is not None
    expr = rule.when.expr
    assert isinstance(expr, ast.BoolOp) and expr.op == "or"
    assert expr.args[0] == ast.Not(ast.InList(False, ast.PathExpr("A"), ("x", None)))


def test_unclosed_block_names_the_block() -> None:
    error = error_of("\n\nmapping Customer {\n    NAME <- Name\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "unclosed-block"
    assert "inside `mapping Customer {` opened at 3:1" in diagnostic.message


def test_missing_brace_before_next_mapping() -> None:
    (diagnostic,) = error_of("mapping A {\n    X -> Y\n\nmapping B {\n}\n").diagnostics
    assert (diagnostic.code, diagnostic.line) == ("syntax-error", 4)
    assert "inside `mapping A {` opened at 1:1" in diagnostic.message


def test_expected_tokens_are_what_a_user_types() -> None:
    (diagnostic,) = error_of("mapping A {\n    X = Y\n}\n").diagnostics
    assert diagnostic.hints == ("expected one of: `->`, `<->`, `<-`, `off`",)


def test_keywords_can_be_field_names_after_the_arrow() -> None:
    (rule,) = rules_of("    NAME <- key\n")
    assert isinstance(rule, ast.FieldRule) and rule.salesforce == ast.FieldRef("key")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment", "\ufeff"])
def test_empty_files_parse(text: str) -> None:
    assert parse_text(text, "t.map").items == ()


def test_very_deep_nesting_is_a_diagnostic() -> None:
    deep = "not (" * 3000 + "A == 1" + ")" * 3000
    error = error_of(f"mapping A {{\n    when intacct {deep}\n}}\n")
    assert error.diagnostics[0].code == "too-deep"
