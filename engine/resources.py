"""Locate the data folders shipped with mapsync (grammar/, rules/, schemas/).

They are installed as top-level resource packages, so the same lookup works from a
source checkout, an editable install and a plain `pip install .`.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def grammar_file(name: str = "mapping.lark") -> Traversable:
    """The grammar file shipped in `grammar/`."""
    return files("grammar").joinpath(name)


def schemas_dir() -> Traversable:
    """The `schemas/` folder: catalogs and JSON Schemas."""
    return files("schemas")


def schema_file(name: str) -> Traversable:
    """One JSON Schema document in `schemas/`, e.g. `plan.schema.json`."""
    return files("schemas").joinpath(name)


def rules_dir() -> Path:
    """The shipped standard rules folder as a filesystem path."""
    return Path(str(files("rules")))
