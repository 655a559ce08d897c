"""`mapsync lsp`: the Language Server for `.map` files, over standard input and output.

Editors start it (see editors/vscode); it needs the `lsp` extra (`pip install
"mapsync[lsp]"`, which brings pygls). Exit codes: 0 when the client ends the session,
1 when pygls is missing, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `lsp` sub-command."""
    parser = subparsers.add_parser(
        "lsp", help="run the Language Server for .map files (stdio)",
        description="Speak the Language Server Protocol on standard input and output: "
                    "diagnostics as you type, completion of objects and fields, hover, "
                    "go-to-definition of `ref Mapping`.")
    parser.add_argument("--stdio", action="store_true",
                        help="accepted for editors that pass it; stdio is the only transport")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the server until the client exits."""
    try:
        from mapsync.engine.lsp.server import serve
    except ModuleNotFoundError as exc:
        if exc.name not in ("pygls", "lsprotocol"):
            raise
        print('mapsync: error: the language server needs pygls: pip install "mapsync[lsp]"',
              file=sys.stderr)
        return 1
    serve()
    return 0
