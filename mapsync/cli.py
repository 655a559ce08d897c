"""The `mapsync` command line: parses arguments and hands off to one engine stage.

Each sub-command lives in `mapsync/engine/commands/<name>.py` and exposes
`register(subparsers)`; modules import their heavy dependencies lazily. A command line
that names a sub-command imports only that module, so `mapsync validate` starts fast
whatever the other commands import; help and usage errors register them all.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import Any

COMMAND_MODULES = (
    "validate",
    "compile",
    "fmt",
    "lsp",
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
    "listen",
    "ui",
    "state",
    "worker",
    "enqueue",
    "schema",
)

# Commands that only read files and print: nothing of theirs needs finalising at exit.
READ_ONLY_COMMANDS = frozenset({"validate", "compile"})


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser for `argv`: only the sub-command it names when it starts with
    one (so `mapsync validate` imports nothing it does not use), otherwise every available
    sub-command (for help and "invalid choice" errors)."""
    parser = argparse.ArgumentParser(
        prog="mapsync",
        description="Keep a Sage Intacct company and a Salesforce org in step.",
    )
    parser.add_argument("--version", action="version", version="mapsync 0.1.0")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = argv[0] if argv and argv[0] in COMMAND_MODULES else None
    if named is None or not _register(subparsers, named):
        for name in COMMAND_MODULES:
            _register(subparsers, name)
    return parser


def _register(subparsers: Any, name: str) -> bool:
    """Register the sub-command of `mapsync/engine/commands/<name>.py`; False when not shipped."""
    try:
        module = importlib.import_module(f"mapsync.engine.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"mapsync.engine.commands.{name}":
            raise
        return False
    module.register(subparsers)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mapsync` console script; returns the process exit code.

    Without `argv` this call is the program itself (it reads `sys.argv`), so after a
    command that only reads files and prints, the process is about to end: the objects
    left are frozen so the collector's shutdown passes skip them (they are freed anyway).
    """
    program = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from mapsync.engine.errors import MapsyncError

    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MapsyncError as exc:  # every error mapsync raises on purpose has this root
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # anything else is a bug: say so, with its trace
        return _bug(exc)
    if program and args.command in READ_ONLY_COMMANDS:
        gc.freeze()
    return code


def _bug(exc: Exception) -> int:
    """Report an exception mapsync did not raise on purpose as the bug it is (exit 1)."""
    import traceback

    traceback.print_exception(exc, file=sys.stderr)
    print(f"mapsync: internal error: {type(exc).__name__}: {exc}\n"
          "This is a bug in mapsync, not a problem with your rules, data or configuration: "
          "please report it with the traceback above.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
