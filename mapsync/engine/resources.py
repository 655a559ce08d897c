"""Locate the data folders shipped with mapsync (grammar/, rules/, schemas/).

They are installed as top-level folders next to the `engine` package, in a source
checkout, an editable install and a plain `pip install .` alike, so a path relative
to this package finds them in all three (importlib.resources cannot: they are
namespace folders, and 3.11's editable finder mishandles those).
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def grammar_file(name: str = "mapping.lark") -> Path:
    """The grammar file shipped in `grammar/`."""
    return _ROOT / "grammar" / name


def schemas_dir() -> Path:
    """The `schemas/` folder: catalogs and JSON Schemas."""
    return _ROOT / "schemas"


def schema_file(name: str) -> Path:
    """One JSON Schema document in `schemas/`, e.g. `plan.schema.json`."""
    return _ROOT / "schemas" / name


def rules_dir() -> Path:
    """The shipped standard rules folder."""
    return _ROOT / "rules"
