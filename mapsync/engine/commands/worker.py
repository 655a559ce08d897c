"""`mapsync worker --db URL --pairs DIR [--ttl S] [--once]`: sync pairs from the job queue.

Takes sync jobs (one pair, one run) from the procrastinate queue in the PostgreSQL
database `--db` (or $MAPSYNC_QUEUE_URL) and syncs each pair from DIR/<pair>/mapsync.yaml
while holding the pair's lease. Pairs with a `schedule` in DIR/worker.yaml are queued by
the workers themselves at each scheduled time. Runs until SIGINT/SIGTERM (or, with
`--once`, until the queue is empty). Exit 0 when stopped; 1 when the database cannot be
used (the URL is shown with its password masked); 2 usage or a bad DIR/worker.yaml.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

QUEUE_ENV = "MAPSYNC_QUEUE_URL"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """`--db URL` (default $MAPSYNC_QUEUE_URL)."""
    parser.add_argument(
        "--db", metavar="URL", default=os.environ.get(QUEUE_ENV),
        help=f"PostgreSQL database of the queue (default: ${QUEUE_ENV}); the password "
        "may come from PGPASSWORD or ~/.pgpass",
    )


def register(subparsers: Any) -> None:
    """Add the `worker` sub-command."""
    parser = subparsers.add_parser(
        "worker", help="sync company pairs taken from the PostgreSQL job queue",
        description="Take sync jobs from the queue and sync each pair under a lease, so no "
        "pair is synced by two workers at once.",
    )
    add_db_argument(parser)
    parser.add_argument("--pairs", metavar="DIR", required=True,
                        help="folder with one sub-folder per pair holding its mapsync.yaml")
    parser.add_argument("--ttl", type=float, default=60.0, metavar="S",
                        help="seconds before a silent worker's pair is taken over (default 60)")
    parser.add_argument("--budget-retry", type=float, default=1800.0, metavar="S",
                        help="seconds before a pair stopped by a spent API budget runs again "
                        "(default 1800)")
    parser.add_argument("--once", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--name", metavar="NAME", help="this worker's name in the logs")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `worker`."""
    import asyncio
    import logging

    from mapsync.engine.config_yaml import ConfigError
    from mapsync.engine.state import StateError
    from mapsync.engine.worker.pairs import known_pairs
    from mapsync.engine.worker.queue import WorkerSettings, work
    from mapsync.engine.worker.schedule import load_schedules

    if not args.db:
        print(f"mapsync: error: give --db URL or set ${QUEUE_ENV}", file=sys.stderr)
        return 2
    pairs = Path(args.pairs)
    try:
        schedules = load_schedules(pairs, known_pairs(pairs))
    except ConfigError as exc:
        print(exc.render("text"), end="", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    settings = WorkerSettings(args.db, pairs, args.ttl, schedules=schedules,
                              budget_retry=args.budget_retry)
    if args.name:
        settings = WorkerSettings(args.db, pairs, args.ttl, args.name, schedules,
                                  args.budget_retry)
    try:
        asyncio.run(work(settings, once=args.once))
    except StateError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    return 0
