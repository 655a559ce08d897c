"""`mapsync compile [PATH ...] [-o FILE]`: the plan JSON of a rule set, byte-identical per input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapsync.engine.commands._rules_args import (
    USAGE_ERROR,
    add_rule_arguments,
    checked_inputs,
    compile_or_report,
)


def register(subparsers: Any) -> None:
    """Add the `compile` sub-command."""
    parser = subparsers.add_parser(
        "compile", help="compile rule files into the plan JSON",
        description="Check .map rule files and print the compiled plan as JSON.")
    add_rule_arguments(parser)
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the plan to FILE instead of standard output")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `compile`; returns the exit code (0 plan written, 1 rule errors, 2 usage)."""
    paths = checked_inputs(args)
    if paths is None:
        return USAGE_ERROR
    from mapsync.engine.plan import dump

    plan = compile_or_report(paths, args.format, args.schema)
    if plan is None:
        return 1
    text = dump(plan)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"mapsync: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return USAGE_ERROR
    return 0
