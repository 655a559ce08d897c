"""`mapsync plan [--json]`: what a sync would do, without writing anything.

Exit 0 when nothing would change, 2 when there are changes (a CI gate), 1 on errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mapsync.engine.commands._context import (
    ContextError,
    RunContext,
    add_config_argument,
    add_plan_argument,
)


def register(subparsers: Any) -> None:
    """Add the `plan` sub-command."""
    parser = subparsers.add_parser(
        "plan",
        help="dry run: show what a sync would change",
        description="Read both sides and show, per mapping, the records a sync would "
        "create, update, link or delete, sample field changes, conflicts and "
        "the API calls spent. Nothing is written. Exit 2 when there are changes.",
    )
    add_config_argument(parser)
    add_plan_argument(parser)
    parser.add_argument("--only", nargs="+", metavar="MAPPING", help="plan only these mappings")
    parser.add_argument("--full", action="store_true", help="ignore watermarks")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `plan`."""
    from mapsync.engine.commands._render import print_json, print_summary

    try:
        with RunContext.open(args.config, plan_path=args.plan) as ctx:
            report = ctx.run(
                ctx.options(full=args.full, dry_run=True), only=args.only, command="plan"
            )
    except ContextError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json(report.to_dict())
    else:
        print_summary(report, title="plan")
        for mapping in report.mappings:
            for change in mapping.samples:
                print(
                    f"  {mapping.name} {change['action']} {change['key']}: {change['rule']} "
                    f"{change['before']!r} -> {change['after']!r}"
                )
    if report.fatal:
        return 1
    return 2 if report.changes else 0
