"""`mapsync state migrate|export|import`: the state store itself.

    mapsync state migrate [-c FILE]             bring the store's schema up to date
    mapsync state export  [-c FILE] [-o DUMP]   every table as JSON lines (stdout by default)
    mapsync state import  [-c FILE] DUMP        load a dump into an empty store

`--store PATH|URL` (with `--pair NAME` for PostgreSQL) names a store instead of the one in
the configuration, so a SQLite store moves to PostgreSQL with
`state export --store .mapsync/state.db -o dump.jsonl` then
`state import --store postgresql://… --pair acme dump.jsonl`.
Exit 0 on success; 1 when the store cannot be used (unreachable, wrong credentials,
newer schema, a non-empty store to import into) or the configuration cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapsync.engine.commands._context import add_config_argument

if TYPE_CHECKING:
    from mapsync.engine.state import SqlStore


def register(subparsers: Any) -> None:
    """Add the `state` sub-command and its actions."""
    parser = subparsers.add_parser(
        "state",
        help="migrate, export or import the state store",
        description="Work on the state store: apply migrations, or move it between SQLite "
        "and PostgreSQL as JSON lines.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser("migrate", help="apply the schema migrations")
    export = actions.add_parser("export", help="write every table as JSON lines")
    export.add_argument("-o", "--output", metavar="DUMP", help="file to write (default: stdout)")
    load = actions.add_parser("import", help="load an export into an empty store")
    load.add_argument("dump", metavar="DUMP", help="a file written by `mapsync state export`")
    for sub in (migrate, export, load):
        add_config_argument(sub)
        sub.add_argument("--store", metavar="PATH|URL", help="this store, not the config's")
        sub.add_argument("--pair", metavar="NAME", help="the pair's schema in PostgreSQL")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `state <action>`."""
    from mapsync.engine.commands._context import ContextError
    from mapsync.engine.state import StateError

    try:
        with _open(args) as store:
            return int(_ACTIONS[args.action](store, args))
    except (StateError, ContextError, OSError) as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1


def _open(args: argparse.Namespace) -> SqlStore:
    from mapsync.engine.commands._context import ContextError
    from mapsync.engine.config import ConfigError, load_config
    from mapsync.engine.state import open_store

    if args.store:
        return open_store(args.store, namespace=args.pair or "default")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise ContextError(str(exc)) from None
    target = config.state.url or config.state.path
    return open_store(target, namespace=args.pair or config.state.pair)


def _migrate(store: SqlStore, args: argparse.Namespace) -> int:
    now, was = store.schema_version, store.migrated_from
    change = "up to date" if was == now else f"migrated from version {was}"
    print(f"{store.label}: schema version {now} ({change})")
    return 0


def _export(store: SqlStore, args: argparse.Namespace) -> int:
    from mapsync.engine.state.transfer import export_lines

    lines = export_lines(store)
    if args.output:
        with Path(args.output).open("w", encoding="utf-8") as out:
            count = sum(out.write(line + "\n") > 0 for line in lines) - 1
        print(f"exported {count} rows from {store.label} to {args.output}", file=sys.stderr)
    else:
        for line in lines:
            sys.stdout.write(line + "\n")
    return 0


def _import(store: SqlStore, args: argparse.Namespace) -> int:
    from mapsync.engine.state.transfer import import_lines

    with Path(args.dump).open(encoding="utf-8") as dump:
        count = import_lines(store, dump, source=args.dump)
    print(f"imported {count} rows from {args.dump} into {store.label}")
    return 0


_ACTIONS = {"migrate": _migrate, "export": _export, "import": _import}
