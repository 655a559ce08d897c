"""`mapsync errors [-c FILE] [--all] [--mapping M] [--json]`: records that failed to sync.

Lists the open errors of the state store (with `--all`, resolved ones too), newest last:
id, mapping, the side whose record failed, the rule (file:line), the record key, the
error's type and code, its message, attempts and whether it is transient (retried by the
next run by itself) or waits for `mapsync replay`. Reads only the state store: no
connection is made. Exit 0, or 1 when the configuration cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from mapsync.engine.commands._context import add_config_argument

HEADERS = ["id", "mapping", "side", "record", "rule", "error", "attempts", "retry", "message"]


def register(subparsers: Any) -> None:
    """Add the `errors` sub-command."""
    parser = subparsers.add_parser(
        "errors",
        help="list records that failed to sync",
        description="List the records that failed, with the rule, the service's error and "
        "the record. Transient failures are retried by the next sync; the others wait for "
        "`mapsync replay` once the data or the rules are fixed.",
    )
    add_config_argument(parser)
    parser.add_argument("--all", action="store_true", help="include resolved errors")
    parser.add_argument("--mapping", metavar="M", help="only the errors of mapping M")
    parser.add_argument("--json", action="store_true", help="print the errors as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `errors`."""
    from mapsync.engine.commands._render import print_json
    from mapsync.engine.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    from mapsync.engine.state import StateError

    target = config.state.url or config.state.path
    try:
        found = read_errors(
            target, include_resolved=args.all, mapping=args.mapping, pair=config.state.pair
        )
    except StateError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"count": len(found), "errors": found})
    else:
        print_errors(found, resolved=args.all)
    return 0


def read_errors(
    path: Path | str,
    *,
    include_resolved: bool = False,
    mapping: str | None = None,
    pair: str = "default",
) -> list[dict[str, Any]]:
    """The stored errors as JSON-ready dicts, newest (last failed) last."""
    from mapsync.engine.state import open_store

    if isinstance(path, Path) and not path.exists():
        return []  # nothing has run yet: no state, no errors (and no file created)
    with open_store(path, namespace=pair) as state:
        records = state.errors(status=None if include_resolved else "open", mapping=mapping)
    ordered = sorted(records, key=lambda e: (e.updated_at, e.id))
    return [error_dict(e) for e in ordered]


def rule_position(rule: str | None) -> str | None:
    """`path:line` of a stored `path:line:column` rule position."""
    if not rule:
        return None
    path, _, rest = rule.rpartition(":")
    return path if path and rest.isdigit() and ":" in path else rule


def error_dict(error: Any) -> dict[str, Any]:
    """One `engine.state.ErrorRecord` as `errors --json` prints it."""
    return {
        "id": error.id,
        "run_id": error.run_id,
        "mapping": error.mapping,
        "side": error.side,
        "rule": rule_position(error.rule),
        "rule_position": error.rule,
        "record_key": error.record_key,
        "error_type": error.error_type,
        "error_code": error.error_code,
        "message": error.message,
        "attempts": error.attempts,
        "transient": error.transient,
        "status": error.status,
        "created_at": error.created_at,
        "updated_at": error.updated_at,
        "payload": error.payload,
    }


def _row(e: dict[str, Any]) -> list[str]:
    kind = e["error_type"] + (f" [{e['error_code']}]" if e["error_code"] else "")
    retry = "next sync" if e["transient"] else "replay"
    if e["status"] != "open":
        retry = e["status"]
    return [
        str(e["id"]),
        e["mapping"],
        e["side"],
        e["record_key"] or "-",
        e["rule"] or "-",
        kind,
        str(e["attempts"]),
        retry,
        e["message"],
    ]


def print_errors(
    errors: list[dict[str, Any]], *, resolved: bool = False, stream: TextIO | None = None
) -> None:
    """A table on a terminal, one block per error otherwise, and a count."""
    out = stream or sys.stdout
    if not errors:
        out.write("no errors\n" if resolved else "no open errors\n")
        return
    rows = [_row(e) for e in errors]
    if out.isatty():
        from mapsync.engine.commands._table import Column, render_table

        # The message goes under its row, across the whole width.
        columns = [Column(h, numeric=h in ("id", "attempts")) for h in HEADERS[:-1]]
        table = render_table(columns, [r[:-1] for r in rows], notes=[r[-1] for r in rows])
        out.write("mapsync errors\n" + table)
    else:
        for row in rows:
            fields = " ".join(f"{h}={c}" for h, c in zip(HEADERS[1:-1], row[1:-1], strict=True))
            out.write(f"#{row[0]} {fields}\n    {row[-1]}\n")
    waiting = sum(1 for e in errors if e["status"] == "open" and not e["transient"])
    hint = f"; {waiting} wait for `mapsync replay`" if waiting else ""
    out.write(f"{len(errors)} error(s){hint}\n")
