"""`mapsync schema pull|diff`: the orgs' own fields and objects, as a snapshot beside the rules.

    mapsync schema pull [-c mapsync.yaml] [--object NAME ...] [--schema DIR]
    mapsync schema diff [-c mapsync.yaml] [--object NAME ...] [--schema DIR]

`pull` reads every object the rules name (plus `--object`) from both orgs (Intacct `lookup`
and `inspect`, Salesforce `describeGlobal` and `describe`) and writes one file per object
under DIR (default: `schema/` beside the configuration file). `diff` compares the snapshot
with the orgs. Exit codes: pull 0 written, 1 config/connection error, 2 usage; diff 0 no
drift, 1 config/connection error, 2 drift.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapsync.engine.commands._context import add_config_argument

if TYPE_CHECKING:
    from mapsync.engine.catalog import System
    from mapsync.engine.config import Config

DRIFT = 2
ERROR = 1


def register(subparsers: Any) -> None:
    """Add `schema` and its `pull` and `diff` actions."""
    parser = subparsers.add_parser(
        "schema", help="read the orgs' own fields and objects into a snapshot",
        description="Pull the live object definitions of both orgs into a snapshot beside the "
        "rules (validate uses it offline), or compare the snapshot with the orgs.")
    actions = parser.add_subparsers(dest="schema_action", metavar="ACTION", required=True)
    pull = actions.add_parser("pull", help="write the snapshot from the live orgs",
                              description="Write schema/<system>/<OBJECT>.json for every object "
                              "the rules name, plus --object.")
    diff = actions.add_parser("diff", help="compare the snapshot with the live orgs (exit 2 "
                              "on drift)", description="List fields added, removed or retyped "
                              "and pick-list values changed since the snapshot; exit 2 if any.")
    for action, handler in ((pull, handle_pull), (diff, handle_diff)):
        add_config_argument(action)
        action.add_argument("--object", action="append", default=[], metavar="NAME",
                            help="also this object: intacct:NAME, salesforce:Name, or a bare "
                                 "name (upper case is Intacct)")
        action.add_argument("--schema", metavar="DIR", default=None,
                            help="snapshot folder (default: schema/ beside the configuration)")
        action.set_defaults(handler=handler)


def _extra(names: list[str]) -> dict[System, set[str]]:
    found: dict[System, set[str]] = {"intacct": set(), "salesforce": set()}
    for given in names:
        system, _, name = given.rpartition(":")
        if system not in ("", "intacct", "salesforce"):
            raise ValueError(f"--object {given}: the system is intacct or salesforce")
        chosen: System = "intacct" if system == "intacct" or (
            not system and name.isupper()) else "salesforce"
        found[chosen].add(name)
    return found


def _snapshot_dir(args: argparse.Namespace, config: Config) -> Path:
    return Path(args.schema) if args.schema else config.file.parent / "schema"


def _live(args: argparse.Namespace, extra_snapshot: bool) -> tuple[Any, list[dict[str, Any]]]:
    """(config, live documents) for the rules' objects, --object, and (for diff) the
    objects already in the snapshot."""
    from mapsync.engine.commands._connect import intacct_client, salesforce_client
    from mapsync.engine.config import load_config
    from mapsync.engine.language import load_rule_set
    from mapsync.engine.schema.pull import objects_named, pull_documents
    from mapsync.engine.schema.snapshot import catalogs_for, read_snapshot

    config = load_config(args.config)
    loaded = load_rule_set([config.rules])
    catalogs, _ = catalogs_for([config.rules], _snapshot_dir(args, config))
    wanted = objects_named(loaded.rule_set, catalogs)
    for system, names in _extra(args.object).items():
        wanted[system] |= names
    if extra_snapshot:
        for _path, data in read_snapshot(_snapshot_dir(args, config)).documents:
            wanted[data["system"]].add(data["object"])
    intacct = intacct_client(config.intacct, config)
    salesforce = salesforce_client(config.salesforce, config)
    try:
        documents = pull_documents(intacct, salesforce, wanted)
    finally:
        intacct.close()
        salesforce.close()
    found = {(d["system"], d["object"]) for d in documents}
    for system, names in sorted(wanted.items()):
        for name in sorted(names):
            if (system, name) not in found:
                print(f"mapsync schema: {system} has no object {name}", file=sys.stderr)
    return (config, loaded), documents


def _fail(action: str, exc: Exception) -> int:
    print(f"mapsync schema {action}: {exc}", file=sys.stderr)
    return ERROR


def handle_pull(args: argparse.Namespace) -> int:
    """Run `schema pull`; returns the exit code."""
    from mapsync.engine.config import ConfigError
    from mapsync.engine.errors import SyncError
    from mapsync.engine.schema.snapshot import write_snapshot

    try:
        (config, _loaded), documents = _live(args, extra_snapshot=False)
        root = _snapshot_dir(args, config)
        written = write_snapshot(root, documents)
    except ValueError as exc:
        print(f"mapsync schema pull: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, SyncError, OSError) as exc:
        return _fail("pull", exc)
    for path in written:
        print(path)
    print(f"wrote {len(written)} object{'s' * (len(written) != 1)} to {root}", file=sys.stderr)
    return 0


def handle_diff(args: argparse.Namespace) -> int:
    """Run `schema diff`; returns 0 (no drift), 2 (drift) or 1 (error)."""
    from mapsync.engine.config import ConfigError
    from mapsync.engine.errors import SyncError
    from mapsync.engine.schema.diff import diff_documents, render_changes
    from mapsync.engine.schema.pull import field_uses
    from mapsync.engine.schema.snapshot import read_snapshot

    try:
        (config, loaded), live = _live(args, extra_snapshot=True)
    except ValueError as exc:
        print(f"mapsync schema diff: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, SyncError, OSError) as exc:
        return _fail("diff", exc)
    snapshot = read_snapshot(_snapshot_dir(args, config))
    documents = [data for _path, data in snapshot.documents]
    changes = diff_documents(documents, live)
    sys.stdout.write(render_changes(changes, field_uses(loaded.rule_set)))
    print(f"{len(changes)} change{'s' * (len(changes) != 1)} between "
          f"{snapshot.root} and the orgs", file=sys.stderr)
    return DRIFT if changes else 0
