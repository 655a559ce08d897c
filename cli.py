"""The `mapsync` command line: parses arguments and hands off to one engine stage.

Each sub-command lives in `engine/commands/<name>.py` and exposes
`register(subparsers)`; modules import their heavy dependencies lazily so that
`mapsync validate` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "validate",
    "compile",
    "rules",
    "sandbox",
    "init",
    "plan",
    "sync",
    "reconcile",
    "errors",
    "replay",
    "demo",
    "package",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="mapsync",
        description="Keep a Sage Intacct company and a Salesforce org in step.",
    )
    parser.add_argument("--version", action="version", version="mapsync 0.1.0")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"engine.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"engine.commands.{name}":
                raise
            continue  # command not shipped in this build
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mapsync` console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
