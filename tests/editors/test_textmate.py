"""The TextMate grammar (editors/textmate/mapsync.tmLanguage.json) tokenises every shipped
rule file with known scopes only, and knows every keyword and step the parser knows.

It runs through textmate-grammar-python, a port of vscode-textmate on the same Oniguruma
regular expressions VS Code uses, so what passes here highlights the same in the editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.language import steps
from mapsync.engine.resources import grammar_file, rules_dir

REPO = Path(__file__).resolve().parents[2]
GRAMMAR = REPO / "editors" / "textmate" / "mapsync.tmLanguage.json"
RULE_FILES = sorted(rules_dir().glob("*.map"))
# The standard top-level scope names of TextMate grammars (what themes colour).
KNOWN_ROOTS = {"comment", "constant", "entity", "keyword", "punctuation", "storage",
               "string", "support", "variable"}


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import logging
    import os

    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("textmate"))  # the library makes a cache folder at import
    try:
        from textmate_grammar.parsers.base import LanguageParser
        from textmate_grammar.utils.logger import LOGGER
    finally:
        os.chdir(here)
    LOGGER.logger.setLevel(logging.ERROR)  # it logs every unscoped string character
    return LanguageParser(json.loads(GRAMMAR.read_text("utf-8")))


def tokens(tokenizer: Any, text: str) -> Iterator[tuple[tuple[int, int], str, list[str]]]:
    element = tokenizer.parse_string(text)
    assert element is not None
    yield from element.flatten()


def test_the_grammar_is_a_textmate_grammar() -> None:
    grammar = json.loads(GRAMMAR.read_text("utf-8"))
    assert grammar["scopeName"] == "source.mapsync"
    assert grammar["fileTypes"] == ["map"]


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_shipped_rules_tokenise_with_known_scopes(tokenizer: Any, path: Path) -> None:
    text = path.read_text("utf-8")
    lines = text.splitlines()
    seen: dict[int, str] = {}
    for (line, column), token, scopes in tokens(tokenizer, text):
        assert scopes[0] == "source.mapsync"
        if token.strip():
            assert len(scopes) > 1, f"{path.name}:{line + 1}:{column + 1}: `{token}` has no scope"
        for scope in scopes[1:]:
            assert scope.split(".")[0] in KNOWN_ROOTS, scope
            assert scope.endswith(".mapsync"), scope
        assert lines[line][column:column + len(token)] == token
        seen[line] = seen.get(line, "") + token
    assert all(seen.get(i, "").strip() == lines[i].strip() for i in range(len(lines)))


def keywords_of_the_parser() -> set[str]:
    """Every word the lark grammar writes in quotes (its keywords)."""
    text = grammar_file().read_text("utf-8")
    return set(re.findall(r'"([a-z_]+)"', text))


@pytest.mark.parametrize("word", sorted(keywords_of_the_parser() | set(steps.STEPS)))
def test_every_keyword_and_step_is_highlighted(tokenizer: Any, word: str) -> None:
    text = f"mapping M {{\n    X -> Y | {word}\n}}\n"
    scopes = {tuple(s) for _, token, s in tokens(tokenizer, text) if token == word}
    assert scopes, word
    assert all(s[-1] != "variable.other.field.mapsync" for s in scopes), (word, scopes)


def test_field_paths_and_mapping_names(tokenizer: Any) -> None:
    text = "mapping Customer {\n    DISPLAYCONTACT.PRINTAS <- Name | ref Account\n}\n"
    found = {token: s[-1] for _, token, s in tokens(tokenizer, text)}
    assert found["Customer"] == "entity.name.type.mapping.mapsync"
    assert found["DISPLAYCONTACT.PRINTAS"] == "variable.other.field.mapsync"
    assert found["Account"] == "entity.name.type.mapping.mapsync"
    assert found["<-"] == "keyword.operator.arrow.mapsync"
