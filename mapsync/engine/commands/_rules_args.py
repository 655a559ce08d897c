"""What the commands that read rule files share: their arguments, and compiling them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used, so that `mapsync --help` stays quick
    from mapsync.engine.diagnostics import Format
    from mapsync.engine.plan import Plan

USAGE_ERROR = 2


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    """`PATH ...` (files or folders, default `rules/`) and `--format`."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="rule files or folders of .map files (default: rules/)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="how to print diagnostics (default: text)")
    parser.add_argument("--schema", metavar="DIR", default=None,
                        help="the org's schema snapshot (default: the schema/ folder beside "
                             "the rules, if any; else the shipped catalogs)")


def catalogs_used(loaded: object) -> str:
    """One line saying which catalogs a check used, for standard error."""
    catalogs = getattr(loaded, "catalogs", None)
    origin = getattr(catalogs, "origin", "the shipped catalogs")
    return f"checked against {origin}"


def rule_paths(given: Sequence[str]) -> list[str] | None:
    """The paths to read, or None (after printing why) when one does not exist."""
    if not given:
        return [_default_rules()]
    missing = [p for p in given if not Path(p).exists()]
    for path in missing:
        print(f"mapsync: error: no such file or folder: {path}", file=sys.stderr)
    return None if missing else list(given)


def checked_inputs(args: argparse.Namespace) -> list[str] | None:
    """The rule paths of a command that takes `add_rule_arguments`, or None (after printing
    why) when a path or the `--schema` folder does not exist."""
    paths = rule_paths(args.paths)
    if paths is not None and args.schema is not None and not Path(args.schema).is_dir():
        print(f"mapsync: error: no such schema folder: {args.schema}", file=sys.stderr)
        return None
    return paths


def compile_or_report(paths: Sequence[str | Path], fmt: Format = "text",
                      schema_dir: str | None = None) -> Plan | None:
    """The plan of the rules under `paths` (checked against the rule set's schema snapshot,
    or `schema_dir`), or None after printing their diagnostics and what they were checked
    against."""
    from mapsync.engine.diagnostics import render
    from mapsync.engine.language import compile_paths

    plan, loaded = compile_paths(paths, schema_dir=schema_dir)
    if plan is None:
        sys.stderr.write(render(list(loaded.diagnostics), fmt, loaded.sources))
        if fmt == "text":
            print(catalogs_used(loaded), file=sys.stderr)
    return plan


def _default_rules() -> str:
    if Path("rules").is_dir():
        return "rules"
    from mapsync.engine.resources import rules_dir

    return str(rules_dir())
