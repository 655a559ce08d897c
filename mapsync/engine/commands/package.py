"""`mapsync package [PATH ...] [-o DIR] [--format source|mdapi]`: the Salesforce metadata the
rules need (custom objects and fields, the Create Sales Order button, translations,
package.xml); exit 0 written, 1 rule errors, 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapsync.engine.commands._rules_args import USAGE_ERROR, rule_paths

DEFAULT_OUTPUT = "salesforce-package"


def register(subparsers: Any) -> None:
    """Add the `package` sub-command."""
    parser = subparsers.add_parser(
        "package", help="generate the Salesforce metadata the rules need",
        description="Compile the rules and write the Salesforce metadata they need: custom "
                    "objects and fields, the Create Sales Order button, translations for "
                    "every declared language, package.xml.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="rule files or folders of .map files (default: rules/)")
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT, metavar="DIR",
                        help=f"folder to write (default: {DEFAULT_OUTPUT})")
    parser.add_argument("--format", choices=("source", "mdapi"), default="source",
                        help="SFDX source layout or Metadata API layout (default: source)")
    parser.add_argument("--listen-url", metavar="URL",
                        help="the public HTTPS URL of `mapsync listen` (with ?token=…): adds "
                             "the outbound message and the Flow that sends it")
    parser.add_argument("--integration-user", metavar="USERNAME",
                        help="the Salesforce username outbound messages are sent as "
                             "(with --listen-url)")
    parser.add_argument("--force", action="store_true",
                        help="write into a folder that already holds files")
    parser.add_argument("--schema", metavar="DIR", default=None,
                        help="the org's schema snapshot (default: schema/ beside the rules): "
                             "fields and objects it holds are not emitted again")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run `package`; returns the exit code."""
    paths = rule_paths(args.paths)
    if paths is None:
        return USAGE_ERROR
    from mapsync.engine.diagnostics import render
    from mapsync.engine.language import compile_paths
    from mapsync.engine.package import (
        OutputError,
        PackageError,
        build_model,
        package_files,
        write_files,
    )
    from mapsync.engine.package.automation import Trigger
    from mapsync.engine.schema.snapshot import catalogs_for, in_org

    if bool(args.listen_url) != bool(args.integration_user):
        print("mapsync: error: --listen-url and --integration-user go together", file=sys.stderr)
        return USAGE_ERROR
    trigger = Trigger(args.listen_url, args.integration_user) if args.listen_url else None

    plan, loaded = compile_paths(paths, schema_dir=args.schema)
    if plan is None or loaded.catalogs is None:
        sys.stderr.write(render(list(loaded.diagnostics), "text", loaded.sources))
        return 1
    existing = in_org(catalogs_for(paths, args.schema)[1], "salesforce")
    try:
        model = build_model(plan, loaded.catalogs, trigger, existing)
        files = package_files(model, args.format)
    except PackageError as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.output)
    try:
        written = write_files(files, out, force=args.force)
    except (OutputError, OSError) as exc:
        print(f"mapsync: error: cannot write the package: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(f"{len(written)} files written to {out} ({args.format} format)", file=sys.stderr)
    return 0
