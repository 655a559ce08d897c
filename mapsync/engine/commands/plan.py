"""`mapsync plan [--json]`: what a sync would do, without writing anything.

Exit 0 when nothing would happen; 2 when the sync would write, link or fail any record (a CI
gate); 1 when a service cannot be reached, a login fails, or the configuration is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
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
        "the API calls spent. Nothing is written. Exit 2 when the sync would write, "
        "link or fail anything, 1 when a service cannot be reached.",
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
            ctx.reach()
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
                    f"{shown(change['before'])} -> {shown(change['after'])}"
                )
        print_cost(report)
    if report.fatal:
        return 1
    return 2 if would_act(report) else 0


SIDE_NAMES = {"intacct": "Intacct", "salesforce": "Salesforce"}


def cost_lines(report: Any) -> list[str]:
    """Per side, the calls the sync will make against the minimum for the same work."""
    if not report.cost:
        return []
    lines = [
        "API calls the sync will make, against the minimum for the same work:",
        f"  {'side':<12}{'calls':>8}{'minimum':>9}{'(read':>8}{'write)':>8}{'ratio':>7}",
    ]
    for side, cost in report.cost.items():
        ratio = f"{cost.ratio:.2f}" if cost.ratio is not None else "-"
        lines.append(
            f"  {SIDE_NAMES[side]:<12}{cost.calls:>8}{cost.minimum:>9}"
            f"{cost.read_minimum:>8}{cost.write_minimum:>8}{ratio:>7}"
        )
    made = report.api_calls or {}
    lines += [
        "  Minimum: reads in pages of 1,000 (Intacct) or 2,000 (Salesforce) records and",
        "  one request a side for the changes of all mappings; writes in batches of 100",
        "  (Intacct) or the cheaper of Collections and Bulk API 2.0 (Salesforce).",
        f"  This plan itself made {made.get('intacct', 0)} Intacct and "
        f"{made.get('salesforce', 0)} Salesforce calls, all reads.",
    ]
    return lines


def print_cost(report: Any) -> None:
    """Print `cost_lines`."""
    for line in cost_lines(report):
        print(line)


def would_act(report: Any) -> bool:
    """True when the sync would create, update, delete, link or fail any record."""
    linked = sum(m.total("linked") for m in report.mappings)
    return bool(report.changes or report.failed or linked)


def shown(value: Any) -> str:
    """A field value as a user reads it: text quoted, numbers plain, nothing as `(empty)`."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        # A rule's values come as a tuple, one per field of its side; most sides have one.
        if len(value) == 1:
            return shown(value[0])
        return "(" + ", ".join(shown(v) for v in value) + ")"
    return json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
