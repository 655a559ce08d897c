"""`mapsync reconcile [-c FILE] [--only MAPPING ...] [--json]`: are both sides in step?

Reads every record of both services for each mapping, joins them through the
cross-reference and reports records missing on one side and field values that differ.
Writes nothing. Exit 0 in step, 2 when something is missing or differs, 1 on errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from mapsync.engine.commands._context import RunContext, add_config_argument
from mapsync.engine.errors import MapsyncError

if TYPE_CHECKING:
    from mapsync.engine.runner.reconcile_report import ReconcileReport

HEADERS = [
    "mapping",
    "kind",
    "intacct",
    "salesforce",
    "linked",
    "missing_in_sf",
    "missing_in_intacct",
    "differences",
    "not_synced",
    "status",
]


def register(subparsers: Any) -> None:
    """Add the `reconcile` sub-command."""
    parser = subparsers.add_parser(
        "reconcile",
        help="compare both services and report what differs",
        description="Read both sides of every mapping, join them through the "
        "cross-reference and report records missing on one side and field values that "
        "differ. Nothing is written. Exit 0 in step, 2 when they differ, 1 on errors.",
    )
    add_config_argument(parser)
    parser.add_argument(
        "--only", nargs="+", metavar="MAPPING", help="compare only these mappings"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=20,
        metavar="N",
        help="list at most N missing records and differences per mapping (default 20)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=handle)


def run_reconcile(
    ctx: RunContext, only: list[str] | None = None, sample: int = 20
) -> ReconcileReport:
    """The reconcile report of an open context (raises UnknownMapping on unknown mappings)."""
    from mapsync.engine.runner.reconcile import reconcile

    return reconcile(
        ctx.effective_plan(),
        ctx.intacct,
        ctx.salesforce,
        ctx.state,
        only=ctx.only(only),
        timezone=ctx.config.intacct.timezone,
        sample=max(sample, 0),
        catalogs=ctx.catalogs,
    )


def handle(args: argparse.Namespace) -> int:
    """Run `reconcile`."""
    from mapsync.engine.commands._render import print_json

    try:
        with RunContext.open(args.config) as ctx:
            ctx.reach()
            report = run_reconcile(ctx, args.only, args.sample)
    except MapsyncError as exc:  # ContextError, UnknownMapping; anything else is a bug
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    summary = report.to_dict()
    if args.json:
        print_json(summary)
    else:
        print_report(summary)
    return report.exit_code()


def _row(m: dict[str, Any]) -> list[str]:
    not_synced = m["not_synced_by_rule"]
    status = "error: " + m["error"] if m["error"] else ("in step" if m["in_step"] else "DIFFERS")
    return [
        m["name"],
        m["kind"],
        str(m["intacct_records"]),
        str(m["salesforce_records"]),
        str(m["linked"]),
        str(m["missing_in_salesforce_count"] or "-"),
        str(m["missing_in_intacct_count"] or "-"),
        str(m["differences_count"] or "-"),
        f"{not_synced['intacct']} / {not_synced['salesforce']}"
        if any(not_synced.values())
        else "-",
        status,
    ]


def print_report(summary: dict[str, Any], stream: TextIO | None = None) -> None:
    """The per-mapping table, then examples of what is missing or differs, then a verdict."""
    out = stream or sys.stdout
    rows = [_row(m) for m in summary["mappings"]]
    if out.isatty():
        from mapsync.engine.commands._render import print_table

        print_table("mapsync reconcile", HEADERS, rows, out)
    else:
        for row in rows:
            cells = [_plain_cell(h, c) for h, c in zip(HEADERS[2:-1], row[2:-1], strict=True)
                     if c != "-"]
            out.write(f"{row[0]} ({row[1]}): {' '.join(cells)} [{row[-1]}]\n")
    for mapping in summary["mappings"]:
        for line in sample_lines(mapping):
            out.write(line + "\n")
    out.write(verdict(summary) + "\n")


def _plain_cell(heading: str, cell: str) -> str:
    """`heading=value`; a pair of counts names its sides (`not_synced=intacct:3,salesforce:4`)."""
    if " / " in cell:
        intacct, salesforce = cell.split(" / ")
        cell = f"intacct:{intacct},salesforce:{salesforce}"
    return f"{heading}={cell}"


def _listed(items: list[Any], count: int) -> str:
    more = f" ... and {count - len(items)} more" if count > len(items) else ""
    return ", ".join(str(i) for i in items) + more


def sample_lines(m: dict[str, Any]) -> list[str]:
    """Readable lines for a mapping's missing records and differing values."""
    lines: list[str] = []
    name = m["name"]
    if m["missing_in_salesforce_count"]:
        listed = _listed(m["missing_in_salesforce"], m["missing_in_salesforce_count"])
        lines.append(f"  {name}: missing in Salesforce (Intacct keys): {listed}")
    if m["missing_in_intacct_count"]:
        listed = _listed(m["missing_in_intacct"], m["missing_in_intacct_count"])
        lines.append(f"  {name}: missing in Intacct (Salesforce Ids): {listed}")
    for diff in m["differences"]:
        detail = (
            f"cannot compare: {diff['error']}"
            if diff.get("error")
            else f"Intacct {diff['intacct']!r}, Salesforce {diff['salesforce']!r}, "
            f"rule gives {diff['expected']!r} for {diff['target']}"
        )
        lines.append(f"  {name} {diff['key']}: {diff['rule']} ({diff['source']}): {detail}")
    hidden = m["differences_count"] - len(m["differences"])
    if hidden > 0:
        lines.append(f"  {name}: ... and {hidden} more difference(s)")
    return lines


def verdict(summary: dict[str, Any]) -> str:
    """One closing line."""
    if summary.get("fatal"):
        return f"reconcile: fatal: {summary['fatal']}"
    failed = [m["name"] for m in summary["mappings"] if m["error"]]
    if failed:
        return f"reconcile: could not compare {', '.join(failed)}"
    if summary["in_step"]:
        return "reconcile: both sides are in step"
    differ = [m["name"] for m in summary["mappings"] if not m["in_step"]]
    return f"reconcile: {len(differ)} mapping(s) out of step: {', '.join(differ)}"
