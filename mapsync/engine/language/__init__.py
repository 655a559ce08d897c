"""The mapping language, one public function per stage.

    parse_text(text, path, name) / parse_file(path) -> RuleFile   (raise LanguageError)
    load_rule_set(paths)                            -> Loaded      (files, folders)
    check(rule_set, catalogs=None)                  -> list[Diagnostic]
    compile_rules(rule_set, catalogs=None)          -> Plan        (raises LanguageError)
    validate_paths(paths, catalogs=None)            -> Loaded      (parse + check)
    compile_paths(paths, catalogs=None)             -> (Plan | None, Loaded)
    validate_texts(files) / compile_texts(files)    -> the same for in-memory text
                                                       (files: (shown path, name, text))

`catalogs=None` means the shipped catalogs (`engine.catalog.load_catalogs()`).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.diagnostics import Diagnostic, has_errors, sort_diagnostics
from mapsync.engine.language import check as _check
from mapsync.engine.language.ast import RuleFile, RuleSet
from mapsync.engine.language.errors import LanguageError
from mapsync.engine.language.loader import Loaded, load_rule_set, load_texts
from mapsync.engine.language.parser import parse_file, parse_text

if TYPE_CHECKING:
    from mapsync.engine.plan import Plan

__all__ = [
    "LanguageError",
    "Loaded",
    "RuleFile",
    "RuleSet",
    "check",
    "compile_paths",
    "compile_rules",
    "compile_texts",
    "load_rule_set",
    "parse_file",
    "parse_text",
    "validate_paths",
    "validate_texts",
]


def check(rule_set: RuleSet, catalogs: Catalogs | None = None) -> list[Diagnostic]:
    """Every semantic problem of `rule_set`, sorted by position."""
    return _check.check(rule_set, catalogs or load_catalogs())


def compile_rules(rule_set: RuleSet, catalogs: Catalogs | None = None) -> Plan:
    """The plan of `rule_set`; raises LanguageError when it has errors."""
    from mapsync.engine.language import compile as _compile

    return _compile.compile_rules(rule_set, catalogs or load_catalogs())


def validate_paths(paths: Sequence[str | Path], catalogs: Catalogs | None = None,
                   schema_dir: str | Path | None = None) -> Loaded:
    """Parse and check the rule files under `paths`; `.diagnostics` holds every problem.

    Without `catalogs`, the rule set's schema snapshot (`schema_dir`, else the `schema/`
    folder beside the rules) is laid over the shipped catalogs; `.catalogs` is what was used,
    and a broken snapshot file is one more diagnostic.
    """
    with _gc_paused():
        loaded = load_rule_set(paths)
        if catalogs is not None or has_errors(loaded.diagnostics):
            return _checked(loaded, catalogs)
        from mapsync.engine.schema.snapshot import catalogs_for

        catalogs, snapshot = catalogs_for(paths, schema_dir)
        loaded = dataclasses.replace(loaded, sources={**loaded.sources, **snapshot.sources})
        return _checked(loaded, catalogs, snapshot.diagnostics)


def validate_texts(files: Sequence[tuple[str, str, str]],
                   catalogs: Catalogs | None = None) -> Loaded:
    """Parse and check rule files given as `(shown path, plan name, text)`."""
    with _gc_paused():
        return _checked(load_texts(files), catalogs)


def _checked(loaded: Loaded, catalogs: Catalogs | None,
             extra: Sequence[Diagnostic] = ()) -> Loaded:
    if has_errors(loaded.diagnostics):
        return loaded
    catalogs = catalogs or load_catalogs()
    problems = [*extra, *check(loaded.rule_set, catalogs)]
    return dataclasses.replace(loaded, diagnostics=tuple(sort_diagnostics(problems)),
                               catalogs=catalogs)


def compile_paths(paths: Sequence[str | Path], catalogs: Catalogs | None = None,
                  schema_dir: str | Path | None = None) -> tuple[Plan | None, Loaded]:
    """The plan of the rule files under `paths`, or None with the diagnostics that stop it."""
    return _planned(validate_paths(paths, catalogs, schema_dir), catalogs)


def compile_texts(files: Sequence[tuple[str, str, str]],
                  catalogs: Catalogs | None = None) -> tuple[Plan | None, Loaded]:
    """The plan of rule files given as `(shown path, plan name, text)`, or None with the
    diagnostics that stop it."""
    return _planned(validate_texts(files, catalogs), catalogs)


def _planned(loaded: Loaded, catalogs: Catalogs | None) -> tuple[Plan | None, Loaded]:
    from mapsync.engine.language import compile as _compile

    if has_errors(loaded.diagnostics):
        return None, loaded
    catalogs = loaded.catalogs or catalogs or load_catalogs()
    plan = _compile.build_plan(loaded.rule_set, catalogs)
    return dataclasses.replace(plan, source_hash=source_hash(loaded, catalogs)), loaded


def source_hash(loaded: Loaded, catalogs: Catalogs) -> str:
    """`sha256:<hex>` of the rule files (by their plan names) and the catalogs a plan used.

    The same rules and catalogs give the same hash wherever the plan is compiled.
    """
    names = {f.path: f.name for f in loaded.rule_set.files}
    digest = hashlib.sha256()
    # Rule files only: a schema snapshot counts through the catalogs it changes.
    for name, text in sorted((names[p], t) for p, t in loaded.sources.items() if p in names):
        digest.update(f"rule {name}\0{text}\0".encode())
    for system in ("intacct", "salesforce"):
        objects = catalogs.system(system)
        for name in sorted(objects):
            digest.update(f"catalog {system} {objects[name]!r}\0".encode())
    return f"sha256:{digest.hexdigest()}"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while parsing and checking.

    They build many small objects that all stay alive (tokens, AST nodes, catalog entries);
    the collector's passes would only re-scan them, about a tenth of a cold `mapsync validate`.
    Nothing is lost: the collector runs again as soon as the block ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
