"""The page's words in four languages, language negotiation, and in-place YAML edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mapsync.engine.ui import app, i18n
from mapsync.engine.ui.yamledit import YamlEditError, remove_key, set_value

TEMPLATES = Path(app.__file__).parent / "templates"


def words_of_the_page() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        found |= set(re.findall(r'_\("([^"]+)"\)', template.read_text("utf-8")))
    found |= set(app.WORDS.values()) | set(app.CONFLICTS.values())
    found |= {name for _, name in app.PAGES}
    return found


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_every_word_of_the_page_is_translated(language: str) -> None:
    table = i18n.catalog(language)
    missing = sorted(w for w in words_of_the_page() if w not in table)
    assert missing == []
    assert all(table[w].strip() for w in words_of_the_page())


@pytest.mark.parametrize(("header", "expected"), [
    ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    ("en-US,de;q=0.9", "en"),
    ("it-IT,es;q=0.5,de;q=0.7", "de"),
    ("ja", "en"),
    (None, "en"),
    ("es;q=0, fr;q=0.1", "fr"),
])
def test_the_language_follows_accept_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


CONFIG = """\
# top comment
version: 1
options:
  overlap_seconds: 2   # kept
state: {path: state.db}
"""


def test_a_value_is_replaced_in_place_and_comments_stay() -> None:
    edited = set_value(CONFIG, ("options", "overlap_seconds"), 30)
    assert edited == CONFIG.replace("overlap_seconds: 2 ", "overlap_seconds: 30 ")


def test_a_missing_key_is_added_under_its_parent() -> None:
    edited = set_value(CONFIG, ("options", "price_source"), "contract")
    assert edited == CONFIG.replace("# kept\n", "# kept\n  price_source: contract\n")
    flow = set_value(CONFIG, ("state", "url"), "postgresql://db/x")
    assert 'state: {path: state.db, url: "postgresql://db/x"}' in flow


def test_a_top_level_list_is_added_then_removed() -> None:
    edited = set_value(CONFIG, ("mappings",), ["Customer", "Contact"])
    assert edited == CONFIG + "mappings: [Customer, Contact]\n"
    assert remove_key(edited, ("mappings",)) == CONFIG


def test_a_block_cannot_be_replaced_by_a_value() -> None:
    with pytest.raises(YamlEditError):
        set_value(CONFIG, ("options",), "x")


@pytest.mark.parametrize("text", ["options: &o [*o]\n", "options: &o {a: {b: *o}}\n",
                                  "options: {a: [" + "[" * 100 + "]" * 100 + "]}\n"])
def test_a_loop_or_deep_nesting_is_refused_not_walked(text: str) -> None:
    with pytest.raises(YamlEditError, match="endless|nested deeper"):
        set_value(text, ("options", "price_source"), "contract")
    with pytest.raises(YamlEditError, match="endless|nested deeper"):
        remove_key(text, ("mappings",))
