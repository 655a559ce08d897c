"""`mapsync validate [PATH ...]`: parse and check rule files; exit 0 clean, 1 problems, 2 usage."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mapsync.engine.commands._rules_args import (
    USAGE_ERROR,
    add_rule_arguments,
    catalogs_used,
    checked_inputs,
)


def register(subparsers: Any) -> None:
    """Add the `validate` sub-command."""
    parser = subparsers.add_parser(
        "validate", help="check rule files against the catalogs",
        description="Parse and check .map rule files; print every problem found.")
    add_rule_arguments(parser)
    parser.add_argument("-c", "--config", metavar="FILE",
                        help="also check this mapsync.yaml (its rules are not added)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `validate`; returns the exit code."""
    paths = checked_inputs(args)
    if paths is None:
        return USAGE_ERROR
    from mapsync.engine.diagnostics import has_errors, render, summary
    from mapsync.engine.language import validate_paths

    loaded = validate_paths(paths, schema_dir=args.schema)
    problems = list(loaded.diagnostics) + _config_problems(args.config)
    if args.format == "json":
        sys.stdout.write(_json(problems, loaded))
    elif problems:
        sys.stdout.write(render(problems, args.format, loaded.sources))
    if args.format == "text":
        files = len(loaded.rule_set.files)
        mappings = len(loaded.rule_set.blocks())
        state = summary(problems) if problems else "no problems"
        print(f"{files} file{'s' * (files != 1)}, {mappings} mapping{'s' * (mappings != 1)}: "
              f"{state} ({catalogs_used(loaded)})", file=sys.stderr)
    return 1 if has_errors(problems) else 0


def _json(problems: list[Any], loaded: Any) -> str:
    """`{"checked_against": ..., "diagnostics": [...]}`: the records and what they were
    checked against (null when a syntax error stopped the checks before any catalog was read).
    """
    import json

    catalogs = loaded.catalogs
    report = {"checked_against": None if catalogs is None else catalogs.checked_against(),
              "diagnostics": [d.to_dict() for d in problems]}
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _config_problems(path: str | None) -> list[Any]:
    """The diagnostics of a mapsync.yaml, in the same shape as the rules' ones."""
    if path is None:
        return []
    from mapsync.engine.config import ConfigError, load_config

    try:
        load_config(path)
    except ConfigError as exc:
        return list(exc.diagnostics)
    return []
