"""`mapsync listen [-c FILE] [--port N] [--host H]`: act on Salesforce outbound messages."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from mapsync.engine.commands._context import ContextError, add_config_argument


def register(subparsers: Any) -> None:
    """Add the `listen` sub-command."""
    parser = subparsers.add_parser(
        "listen",
        help="act on Salesforce outbound messages as they arrive",
        description="Serve the endpoint that Salesforce outbound messages post to: the "
        "Create Sales Order button and changed records are synced within seconds. Exit 0 "
        "when stopped by SIGINT/SIGTERM, 1 on a configuration error or an address it may "
        "not bind.",
    )
    add_config_argument(parser)
    parser.add_argument("--host", help="address to bind (default: listen.host or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default: listen.port or 8642)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `listen` until interrupted."""
    from mapsync.engine.commands.sandbox import _stop_on_signals
    from mapsync.engine.listen.app import open_server
    from mapsync.engine.listen.guard import ExposureError

    path = Path(args.config)
    if not path.exists():
        print(f"mapsync: error: {path}: no such configuration file (run `mapsync init`)",
              file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        server = open_server(path, host=args.host, port=args.port)
    except (ContextError, ExposureError) as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mapsync: error: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    with _stop_on_signals(stop):
        server.start()
        print(f"listening on {server.url}", file=sys.stderr, flush=True)
        stop.wait()
    server.stop()
    print("listener stopped", file=sys.stderr)
    return 0
