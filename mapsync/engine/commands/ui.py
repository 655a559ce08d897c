"""`mapsync ui [-c FILE] [--rules DIR] [--port N]`: the configuration page in a browser.

Serves a local web page on 127.0.0.1 and prints its address with a one-time token. The
page shows and edits the same files the other commands read (`mapsync.yaml` and the
`.map` rules, in place) and runs the same engine functions. Exit 0 when stopped with
Ctrl-C, 1 when the page cannot start (port taken), 2 on a usage error (a non-loopback
address without --allow-remote).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapsync.engine.commands._context import add_config_argument

DEFAULT_PORT = 8765


def register(subparsers: Any) -> None:
    """Add the `ui` sub-command."""
    parser = subparsers.add_parser(
        "ui", help="open the configuration page (a local web page)",
        description="Serve the configuration page on 127.0.0.1: connections, mappings and "
                    "their field directions, options, plan and sync, errors and replay, "
                    "reconcile. Edits are saved in place in the rule files and mapsync.yaml.")
    add_config_argument(parser)
    parser.add_argument("--rules", metavar="DIR",
                        help="rule folder to show and edit (default: the configuration's)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow an address other than the loopback (anyone who can reach "
                             "it and has the token can change the rules)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `ui`."""
    from mapsync.engine.ui.serve import is_loopback

    loopback = is_loopback(args.host)
    if not loopback and not args.allow_remote:
        print(f"mapsync: error: {args.host} is not a loopback address; the page edits your "
              "rules and runs syncs, so pass --allow-remote to serve it there", file=sys.stderr)
        return 2
    from mapsync.engine.ui import Access, Server, Settings, create_app

    hosts = ["127.0.0.1", "localhost", "[::1]"] if loopback else ["*"]
    settings = Settings(config=Path(args.config),
                        rules=Path(args.rules) if args.rules else None, allowed_hosts=hosts)
    access = Access()
    try:
        server = Server(create_app(settings, access), args.host, args.port)
    except OSError as exc:
        print(f"mapsync: error: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 1
    if not loopback:
        print(f"mapsync: warning: serving on {args.host}, reachable from other machines; "
              "the traffic is not encrypted", file=sys.stderr)
    print(f"mapsync ui: open {server.url}/?token={access.token}", flush=True)
    print("(the token works once; press Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        print("mapsync ui: stopped", file=sys.stderr)
    return 0
