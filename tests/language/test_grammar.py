"""The grammar is conflict-free LALR, and every rule has an AST builder."""

from __future__ import annotations

import pytest
from lark import Lark, Tree

from mapsync.engine.language.parser import get_parser
from mapsync.engine.language.transformer import Builder
from mapsync.engine.resources import grammar_file


def test_grammar_builds_in_strict_mode() -> None:
    Lark(grammar_file().read_text("utf-8"), parser="lalr", lexer="contextual", strict=True)


def test_every_grammar_rule_has_a_builder() -> None:
    names = set()
    for rule in get_parser().rules:
        if rule.options.expand1 and rule.alias is None:
            continue  # `?rule` alternatives with one child are inlined, never built
        name = rule.alias or rule.origin.name
        if not str(name).startswith("_"):
            names.add(str(name))
    missing = sorted(n for n in names if not hasattr(Builder, n))
    assert missing == []


def test_unhandled_rule_fails_loudly() -> None:
    with pytest.raises(NotImplementedError, match="no AST builder"):
        Builder().transform(Tree("mystery", []))


def test_parser_is_built_once() -> None:
    assert get_parser() is get_parser()
