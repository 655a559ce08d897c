"""`mapsync demo [--dir DIR] [--records N] [--faults SPEC] [--json]`: the product, end to end.

Starts both sandboxes on DIR (seeded with a believable company the first time), writes a
configuration pointing at them (secrets in files under DIR/secrets), runs `sync`, then
`reconcile`, and prints both. Running it again on the same DIR is an incremental sync that
finds nothing to do. Exit codes as `sync`: 0 all synced and in step, 3 some records failed
or the two sides differ, 1 on a fatal error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEFAULT_DIR = ".mapsync/demo"
CONFIG_NAME = "mapsync.yaml"


def register(subparsers: Any) -> None:
    """Add the `demo` sub-command."""
    parser = subparsers.add_parser(
        "demo", help="run a full sync between the two local sandboxes",
        description="Start the local Intacct and Salesforce sandboxes (seeded), sync them "
                    "with the standard rules and check that they are in step.")
    parser.add_argument("--dir", default=DEFAULT_DIR, metavar="DIR",
                        help=f"where the sandboxes, config and state live (default {DEFAULT_DIR})")
    parser.add_argument("--records", type=int, default=100, metavar="N",
                        help="customers to seed on first start (default 100)")
    parser.add_argument("--faults", metavar="SPEC",
                        help="inject faults, e.g. 429:0.1,500:0.05,expire:0.02")
    parser.add_argument("--rules", metavar="PATH", help="rule folder (default: the standard rules)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary")
    parser.set_defaults(handler=handle)


def write_config(directory: Path, info: dict[str, dict[str, str]], rules: str | None) -> Path:
    """A mapsync.yaml for the sandboxes, secrets kept in files beside it."""
    import yaml

    secrets = directory / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    values = {
        "intacct-sender.txt": info["intacct"]["sender_password"],
        "intacct-user.txt": info["intacct"]["user_password"],
        "salesforce-client-secret.txt": info["salesforce"]["client_secret"],
    }
    for name, value in values.items():
        path = secrets / name
        path.write_text(value + "\n", encoding="utf-8")
        path.chmod(0o600)
    config: dict[str, Any] = {
        "version": 1,
        "connections": {
            "intacct": {
                "endpoint": info["intacct"]["endpoint"],
                "sender_id": info["intacct"]["sender_id"],
                "sender_password_file": "secrets/intacct-sender.txt",
                "company_id": info["intacct"]["company_id"],
                "user_id": info["intacct"]["user_id"],
                "user_password_file": "secrets/intacct-user.txt",
                "timezone": "UTC",
            },
            "salesforce": {
                "login_url": info["salesforce"]["login_url"],
                "auth": "client_credentials",
                "client_id": info["salesforce"]["client_id"],
                "client_secret_file": "secrets/salesforce-client-secret.txt",
                "ca_bundle": str(Path(info["salesforce"]["ca_bundle"]).resolve()),
            },
        },
        "state": {"path": "state.db"},
        "options": {"overlap_seconds": 2},
    }
    if rules:
        config["rules"] = str(Path(rules).resolve())
    path = directory / CONFIG_NAME
    header = "# Written by `mapsync demo` for the local sandboxes; rewritten on every run.\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def handle(args: argparse.Namespace) -> int:
    """Run the demo."""
    from mapsync.engine.commands._context import ContextError, RunContext
    from mapsync.engine.commands._render import Progress, print_json, print_summary
    from mapsync.engine.runner.reconcile import reconcile
    from mapsync.engine.sandbox.faults import FaultSpecError
    from mapsync.engine.sandbox.launcher import Sandboxes

    directory = Path(args.dir)
    try:
        boxes = Sandboxes(directory, records=args.records, faults=args.faults)
    except (ValueError, FaultSpecError) as exc:
        print(f"mapsync: error: {exc}", file=sys.stderr)
        return 2
    with boxes:
        if not args.json:
            seeded = "seeded a new company" if boxes.seeded else "reusing its data"
            print(f"sandboxes on {directory} ({seeded})", file=sys.stderr)
        legacy = [] if boxes.seeded else _legacy_collisions(boxes)
        if legacy:
            print(f"mapsync: error: {directory} holds demo data from an earlier mapsync whose "
                  f"keys for records created from Salesforce (`SF-` + 15-character Id) collide "
                  f"when letter case is ignored ({len(legacy)} records, e.g. {legacy[0]}); "
                  f"remove {directory} or pass another --dir to seed a new company",
                  file=sys.stderr)
            return 1
        config = write_config(directory, boxes.connection_info(), args.rules)
        try:
            with RunContext.open(config) as ctx:
                with Progress(enabled=not args.json) as progress:
                    progress.set_total(len(ctx.plan.mappings))
                    report = ctx.run(ctx.options(), progress=progress, command="demo")
                check = reconcile(ctx.effective_plan(), ctx.intacct, ctx.salesforce, ctx.state,
                                  timezone=ctx.config.intacct.timezone)
        except ContextError as exc:
            print(f"mapsync: error: {exc}", file=sys.stderr)
            return 1
        stats = boxes.stats()
    summary = check.to_dict()
    if args.json:
        print_json({"dir": str(directory), "sync": report.to_dict(), "reconcile": summary,
                    "in_step": summary["in_step"], "sandbox_calls": stats})
    else:
        print_summary(report, title="demo sync")
        state = "in step" if summary["in_step"] else "NOT in step (see `mapsync reconcile`)"
        print(f"reconcile: both sides are {state}")
    code = report.exit_code()
    if code == 0 and not summary["in_step"]:
        return 3
    return code


def _legacy_collisions(boxes: Any) -> list[str]:
    """Intacct keys an earlier version derived from 15-character Ids that now collide."""
    from mapsync.engine.salesforce_ids import colliding_legacy_keys

    store = boxes.intacct.store
    keys = [row.get(field, "") for obj, field in _CREATED_FROM_SALESFORCE
            for row in store.list(obj)]
    return colliding_legacy_keys(keys)


# The demo objects Salesforce records create in Intacct under a derived key.
_CREATED_FROM_SALESFORCE = (("CUSTOMER", "CUSTOMERID"), ("ITEM", "ITEMID"),
                            ("PROJECT", "PROJECTID"))
