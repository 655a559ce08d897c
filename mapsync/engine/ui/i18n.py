"""The page's own words in English, French, German and Spanish.

Texts are keyed by their English wording; `i18n/<lang>.json` holds the translations
(English needs none). The language comes from the selector's cookie, else the browser's
`Accept-Language`, else English. Mapping and field labels are not here: they come from
the rule set's own `label` translations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr", "de", "es")
NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español"}
# The rule language's codes are Salesforce's: English is en_US.
RULE_CODES = {"en": "en_US", "fr": "fr", "de": "de", "es": "es"}
_FOLDER = Path(__file__).resolve().parent / "i18n"


@cache
def catalog(language: str) -> dict[str, str]:
    """The translations of one language (empty for English)."""
    if language == "en":
        return {}
    data: dict[str, str] = json.loads((_FOLDER / f"{language}.json").read_text("utf-8"))
    return data


def translator(language: str) -> Callable[[str], str]:
    """`_(text)` for templates: the translation of `text`, or `text` itself."""
    table = catalog(language)

    def translate(text: str) -> str:
        return table.get(text, text)

    return translate


def negotiate(accept_language: str | None) -> str:
    """The best of LANGUAGES for an `Accept-Language` header (English when none fits)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and quality > 0:
            choices.append((-quality, position, base))
    return min(choices)[2] if choices else "en"
