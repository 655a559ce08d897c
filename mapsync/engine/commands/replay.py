"""`mapsync replay [-c FILE] [--id N ...] [--json]`: retry failed records under the rules now.

Runs the mappings that have open errors, reading back only the failed records (all open
errors, or the ids given) and their linked partners, and syncing them as a sync would.
Watermarks do not move. Exit 0 when every replayed record synced, 3 when some still fail
(`mapsync errors` shows why), 1 on a configuration or authentication error or an
unknown id.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mapsync.engine.commands._context import ContextError, RunContext, add_config_argument


def register(subparsers: Any) -> None:
    """Add the `replay` sub-command."""
    parser = subparsers.add_parser(
        "replay",
        help="retry failed records under the current rules",
        description="Retry the records that failed (all open errors, or those given with "
        "--id) once the data or the rules are fixed. Exit 0 when all now synced, 3 when "
        "some still fail, 1 on errors.",
    )
    add_config_argument(parser)
    parser.add_argument(
        "--id",
        dest="ids",
        type=int,
        nargs="+",
        action="extend",
        metavar="N",
        help="retry only these errors (ids from `mapsync errors`)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=handle)


class ReplayError(Exception):
    """The ids asked for cannot be replayed; the message says which and why."""


def targets(ctx: RunContext, ids: list[int] | None) -> list[Any]:
    """The open errors to replay: all, or the ones with these ids (unknown ids raise)."""
    if not ids:
        return ctx.state.errors()
    found = {e.id: e for e in ctx.state.errors(status=None, ids=ids)}
    unknown = sorted(set(ids) - set(found))
    if unknown:
        raise ReplayError(f"no error with id {', '.join(map(str, unknown))}")
    closed = sorted(i for i, e in found.items() if e.status != "open")
    if closed:
        print(f"mapsync: already resolved: {', '.join(map(str, closed))}", file=sys.stderr)
    return [e for e in found.values() if e.status == "open"]


def handle(args: argparse.Namespace) -> int:
    """Run `replay`."""
    from mapsync.engine.commands._render import print_json, print_summary

    try:
        with RunContext.open(args.config) as ctx:
            errors = targets(ctx, args.ids)
            if not errors:
                print("replay: no open errors to retry")
                return 0
            wanted = frozenset(e.id for e in errors)
            mappings = list(dict.fromkeys(e.mapping for e in errors))
            options = ctx.options(replay=True, retry_ids=wanted)
            report = ctx.run(options, only=mappings, command="replay")
            still_open = sorted(e.id for e in ctx.state.errors(ids=wanted))
    except (ContextError, ReplayError) as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    resolved = sorted(wanted - set(still_open))
    if args.json:
        print_json(
            {
                "replayed": sorted(wanted),
                "resolved": resolved,
                "still_open": still_open,
                "sync": report.to_dict(),
            }
        )
    else:
        print_summary(report, title="replay")
        print(
            f"replay: {len(wanted)} record(s) retried, {len(resolved)} synced, "
            f"{len(still_open)} still failing"
            + ("; see `mapsync errors`" if still_open else "")
        )
    if report.fatal:
        return 1
    return 3 if still_open or report.failed else 0
