"""`mapsync fmt [--check] [PATH ...]`: lay rule files out the canonical way.

Files are rewritten in place (`-` reads standard input and prints the result, for editors);
`--check` writes nothing, prints a unified diff of what would change and exits 1 when
anything would. A file that does not parse is left alone and its syntax error shown.
Exit codes: 0 formatted (or already so), 1 changes under `--check` or files with errors,
2 usage.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from mapsync.engine.commands._rules_args import USAGE_ERROR


def register(subparsers: Any) -> None:
    """Add the `fmt` sub-command."""
    parser = subparsers.add_parser(
        "fmt", help="lay rule files out the canonical way",
        description="Align arrows and pipelines and normalise spacing in .map files, keeping "
                    "comments and the order of everything. Rewrites the files in place.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="rule files or folders of .map files, `-` for standard input "
                             "(default: rules/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; print a diff and exit 1 if a file would change")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `fmt`; returns the exit code."""
    given: list[str] = args.paths or ["rules"]
    if given == ["-"]:
        return _stdin(args.check)
    missing = [p for p in given if not Path(p).exists()]
    for path in missing:
        hint = " (name the rule files or folders to format)" if not args.paths else ""
        print(f"mapsync: error: no such file or folder: {path}{hint}", file=sys.stderr)
    if missing:
        return USAGE_ERROR
    from mapsync.engine.language.loader import find_rule_files

    files, problems = find_rule_files(given)
    changed = failed = 0
    for item in files:
        outcome = _one(item.path, item.shown, args.check)
        changed += outcome == "changed"
        failed += outcome == "failed"
    for problem in problems:
        print(f"{problem.path}: {problem.message}", file=sys.stderr)
    _summary(len(files), changed, failed, args.check)
    return 1 if failed or problems or (args.check and changed) else 0


def _one(path: Path, shown: str, check: bool) -> str:
    """Format one file: "changed", "same" or "failed" (after printing why)."""
    from mapsync.engine.language.errors import LanguageError
    from mapsync.engine.language.parser import decode_source

    try:
        before = decode_source(path.read_bytes(), shown)
        after = _format(before, shown)
    except (LanguageError, OSError) as exc:
        _report(exc, shown)
        return "failed"
    if after == before:
        return "same"
    if check:
        sys.stdout.writelines(difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            f"{shown} (as written)", f"{shown} (formatted)"))
    else:
        path.write_text(after, encoding="utf-8")
        print(f"formatted {shown}", file=sys.stderr)
    return "changed"


def _format(text: str, shown: str) -> str:
    from mapsync.engine.language.fmt import FormatError, format_text
    from mapsync.engine.language.parser import parse_text

    parse_text(text, shown)  # a syntax error names the real file, not the formatter's copy
    try:
        return format_text(text)
    except FormatError as exc:  # the file stays as it is
        raise OSError(f"cannot format without changing its meaning ({exc}); "
                      "please report this with the file") from exc


def _report(exc: Exception, shown: str) -> None:
    from mapsync.engine.diagnostics import render
    from mapsync.engine.language.errors import LanguageError

    if isinstance(exc, LanguageError):
        sys.stderr.write(render(list(exc.diagnostics), "text"))
    else:
        print(f"mapsync: error: {shown}: {exc}", file=sys.stderr)


def _stdin(check: bool) -> int:
    from mapsync.engine.language.errors import LanguageError

    text = sys.stdin.read()
    try:
        after = _format(text, "<stdin>")
    except (LanguageError, OSError) as exc:
        _report(exc, "<stdin>")
        return 1
    if check:
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(keepends=True), after.splitlines(keepends=True),
            "<stdin> (as written)", "<stdin> (formatted)"))
        return 1 if after != text else 0
    sys.stdout.write(after)
    return 0


def _summary(total: int, changed: int, failed: int, check: bool) -> None:
    verb = "would be reformatted" if check else "reformatted"
    parts = [f"{changed} file{'s' * (changed != 1)} {verb}",
             f"{total - changed - failed} unchanged"]
    if failed:
        parts.append(f"{failed} with errors")
    print(", ".join(parts), file=sys.stderr)
