"""`mapsync enqueue --db URL [--pairs DIR] (PAIR ... | --all)`: queue a sync of each pair.

Adds one job per pair to the queue that `mapsync worker` takes from; a pair that already
has a waiting job keeps that one. For a sync on demand; pairs with a schedule in
DIR/worker.yaml are queued by the workers. With `--pairs`, names are checked against DIR
(and `--all` queues every pair there).
Exit 0 when queued; 1 when the database cannot be used (URL shown with its password
masked); 2 usage or a pair not under DIR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapsync.engine.commands.worker import QUEUE_ENV, add_db_argument


def register(subparsers: Any) -> None:
    """Add the `enqueue` sub-command."""
    parser = subparsers.add_parser(
        "enqueue", help="queue a sync job per company pair for the workers",
        description="Queue one sync job per pair in the PostgreSQL queue of `mapsync worker`.",
    )
    add_db_argument(parser)
    parser.add_argument("pair", nargs="*", help="pair names (folders under --pairs)")
    parser.add_argument("--pairs", metavar="DIR", help="check names against this folder")
    parser.add_argument("--all", action="store_true", help="every pair under --pairs")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `enqueue`."""
    import asyncio

    from mapsync.engine.state import StateError
    from mapsync.engine.worker.pairs import UnknownPair, config_of, known_pairs
    from mapsync.engine.worker.queue import enqueue

    if not args.db:
        print(f"mapsync: error: give --db URL or set ${QUEUE_ENV}", file=sys.stderr)
        return 2
    names = list(args.pair)
    if args.pairs:
        names += known_pairs(Path(args.pairs)) if args.all else []
        try:
            for name in names:
                config_of(Path(args.pairs), name)
        except UnknownPair as exc:
            print(f"mapsync: error: {exc}", file=sys.stderr)
            return 2
    if not names:
        print("mapsync: error: name at least one pair (or --all with --pairs)", file=sys.stderr)
        return 2
    try:
        results = asyncio.run(enqueue(args.db, names))
    except StateError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    for pair, result in results.items():
        print(f"{pair}: {result}")
    return 0
