"""`mapsync sync [--only MAPPING ...] [--full] [--plan FILE] [--json]`: apply the rules."""

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
    """Add the `sync` sub-command."""
    parser = subparsers.add_parser(
        "sync",
        help="sync both services now",
        description="Apply the rules: read both sides' changes, write what they require. "
        "Exit 0 when every record synced, 3 when some failed (see `mapsync "
        "errors`), 1 on a configuration or authentication error.",
    )
    add_config_argument(parser)
    add_plan_argument(parser)
    parser.add_argument("--only", nargs="+", metavar="MAPPING", help="run only these mappings")
    parser.add_argument(
        "--full", action="store_true", help="ignore watermarks: read every record of both sides"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `sync`."""
    from mapsync.engine.commands._render import Progress, print_json, print_summary

    try:
        with RunContext.open(args.config, plan_path=args.plan) as ctx:
            ctx.reach()
            with Progress(enabled=not args.json) as progress:
                progress.set_total(len(ctx.plan.mappings))
                report = ctx.run(ctx.options(full=args.full), only=args.only, progress=progress)
    except ContextError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json(report.to_dict())
    else:
        print_summary(report)
    return report.exit_code()
