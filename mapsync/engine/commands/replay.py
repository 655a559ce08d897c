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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mapsync.engine.commands._context import ContextError, RunContext, add_config_argument
from mapsync.engine.errors import MapsyncError

if TYPE_CHECKING:
    from mapsync.engine.runner.report import RunReport


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


class ReplayError(MapsyncError):
    """The ids asked for cannot be replayed; the message says which and why."""


@dataclass
class ReplayOutcome:
    """What a replay retried and what came of it (`report` is None when nothing was open)."""

    replayed: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    still_open: list[int] = field(default_factory=list)
    already_resolved: list[int] = field(default_factory=list)
    report: RunReport | None = None

    def exit_code(self) -> int:
        """0 all synced, 3 some still fail, 1 a fatal error."""
        if self.report is None:
            return 0
        if self.report.fatal:
            return 1
        return 3 if self.still_open or self.report.failed else 0


def targets(ctx: RunContext, ids: list[int] | None) -> tuple[list[Any], list[int]]:
    """The open errors to replay (all, or the ones with these ids; unknown ids raise) and
    the ids asked for that are already resolved."""
    if not ids:
        return ctx.state.errors(), []
    found = {e.id: e for e in ctx.state.errors(status=None, ids=ids)}
    unknown = sorted(set(ids) - set(found))
    if unknown:
        raise ReplayError(f"no error with id {', '.join(map(str, unknown))}")
    closed = sorted(i for i, e in found.items() if e.status != "open")
    return [e for e in found.values() if e.status == "open"], closed


def replay(ctx: RunContext, ids: list[int] | None = None, *, progress: Any = None) -> ReplayOutcome:
    """Retry the open errors (all, or `ids`) under the current rules; raises ReplayError."""
    errors, closed = targets(ctx, ids)
    if not errors:
        return ReplayOutcome(already_resolved=closed)
    wanted = frozenset(e.id for e in errors)
    mappings = list(dict.fromkeys(e.mapping for e in errors))
    options = ctx.options(replay=True, retry_ids=wanted)
    report = ctx.run(options, only=mappings, command="replay", progress=progress)
    still_open = sorted(e.id for e in ctx.state.errors(ids=wanted))
    return ReplayOutcome(sorted(wanted), sorted(wanted - set(still_open)), still_open, closed,
                         report)


def handle(args: argparse.Namespace) -> int:
    """Run `replay`."""
    from mapsync.engine.commands._render import print_json, print_summary

    try:
        with RunContext.open(args.config) as ctx:
            ctx.reach()
            outcome = replay(ctx, args.ids)
    except (ContextError, ReplayError) as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    if outcome.already_resolved:
        closed = ", ".join(map(str, outcome.already_resolved))
        print(f"mapsync: already resolved: {closed}", file=sys.stderr)
    report = outcome.report
    if report is None:
        print("replay: no open errors to retry")
        return 0
    if args.json:
        print_json(
            {
                "replayed": outcome.replayed,
                "resolved": outcome.resolved,
                "still_open": outcome.still_open,
                "sync": report.to_dict(),
            }
        )
    else:
        print_summary(report, title="replay")
        print(
            f"replay: {len(outcome.replayed)} record(s) retried, {len(outcome.resolved)} "
            f"synced, {len(outcome.still_open)} still failing"
            + ("; see `mapsync errors`" if outcome.still_open else "")
        )
    return outcome.exit_code()
