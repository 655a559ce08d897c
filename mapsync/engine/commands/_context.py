"""What the commands that talk to both services share: config, plan, state, clients.

    with RunContext.open(args.config, plan_path=args.plan) as ctx:
        report = ctx.run(Options(), only=args.only)

The plan is compiled from the configured rules, or read from a file `mapsync compile -o`
wrote (`--plan`), which then runs exactly as compiled.

Configuration and rule problems become `ContextError` with a message fit for the
terminal (the commands print it and exit 1), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapsync.engine.errors import MapsyncError

if TYPE_CHECKING:  # imported where used, so that `mapsync --help` stays quick
    from mapsync.engine.catalog import Catalogs
    from mapsync.engine.config import Config
    from mapsync.engine.connectors.intacct.client import IntacctClient
    from mapsync.engine.connectors.salesforce.client import SalesforceClient
    from mapsync.engine.plan import Plan
    from mapsync.engine.runner.pairing import Options
    from mapsync.engine.runner.report import RunReport
    from mapsync.engine.state import StateStore

DEFAULT_CONFIG = "mapsync.yaml"


class ContextError(MapsyncError):
    """The run cannot start: the message says what to fix (config, rules, state)."""


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    """`-c/--config FILE` (default mapsync.yaml)."""
    parser.add_argument(
        "-c",
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help="configuration file (default: mapsync.yaml)",
    )


def add_plan_argument(parser: argparse.ArgumentParser) -> None:
    """`--plan FILE`: run a plan `mapsync compile -o FILE` wrote instead of the rules."""
    parser.add_argument(
        "--plan",
        metavar="FILE",
        help="run this compiled plan (from `mapsync compile -o FILE`) instead of the "
        "configured rules",
    )


def load_plan(rules: Path, schema_dir: Path | None = None) -> Plan:
    """Compile the rule set; rule errors become a ContextError listing the diagnostics."""
    return compile_with_catalogs(rules, schema_dir)[0]


def compile_with_catalogs(rules: Path,
                          schema_dir: Path | None = None) -> tuple[Plan, Catalogs]:
    """The plan of the rule set and the catalogs it was checked against (the rule set's
    schema snapshot over the shipped catalogs); rule errors become a ContextError."""
    from mapsync.engine.diagnostics import render
    from mapsync.engine.language import compile_paths

    plan, loaded = compile_paths([rules], schema_dir=schema_dir)
    if plan is None or loaded.catalogs is None:
        text = render(loaded.diagnostics, "text", loaded.sources)
        raise ContextError(f"the rules in {rules} have errors:\n{text}")
    return plan, loaded.catalogs


def read_plan(path: Path) -> Plan:
    """A compiled plan from its JSON file; an unreadable or invalid file is a ContextError."""
    from mapsync.engine.plan import PlanError, load

    try:
        return load(path.read_text("utf-8"))
    except OSError as exc:
        raise ContextError(f"{path}: cannot read the plan: {exc.strerror}") from None
    except PlanError as exc:
        raise ContextError(f"{path}: {exc}") from None


def snapshot_beside(config: Config, rules: Path | None = None) -> Path | None:
    """The schema snapshot of a configuration: schema/ beside the rules, else beside the file."""
    from mapsync.engine.schema.snapshot import SNAPSHOT_DIR, find_snapshot

    found = find_snapshot([rules or config.rules])
    if found is None and (config.file.parent / SNAPSHOT_DIR).is_dir():
        found = config.file.parent / SNAPSHOT_DIR
    return found


def open_config_store(config: Config) -> StateStore:
    """The state store a configuration names (file or PostgreSQL); ContextError if unusable."""
    from mapsync.engine.state import StateError, open_store

    try:
        return open_store(config.state.url or config.state.path, namespace=config.state.pair)
    except StateError as exc:
        raise ContextError(str(exc)) from None


@dataclass
class RunContext:
    """An open configuration: the compiled plan, the state store and both clients."""

    config: Config
    plan: Plan
    state: StateStore
    intacct: IntacctClient
    salesforce: SalesforceClient
    catalogs: Catalogs | None = None

    @classmethod
    def open(
        cls,
        config_path: str | Path,
        rules: str | Path | None = None,
        *,
        plan_path: str | Path | None = None,
    ) -> RunContext:
        """Load and check everything a run needs; raises ContextError.

        `rules` replaces the configuration's rule folder (the configuration page runs the
        rules it shows); `plan_path` is a compiled plan to run instead of compiling rules.
        """
        from mapsync.engine.commands._connect import intacct_client, salesforce_client
        from mapsync.engine.config import ConfigError, load_config, preflight
        from mapsync.engine.schema.snapshot import catalogs_for

        path = Path(config_path)
        if not path.exists():
            raise ContextError(f"{path}: no such configuration file (run `mapsync init`)")
        try:
            config = load_config(path)
            preflight(config)
            folder = Path(rules) if rules else config.rules
            schema_dir = snapshot_beside(config, folder)
            if plan_path:
                plan = read_plan(Path(plan_path))
                catalogs = catalogs_for([folder], schema_dir)[0]
            else:
                plan, catalogs = compile_with_catalogs(folder, schema_dir)
            intacct = intacct_client(config.intacct, config, catalogs)
            salesforce = salesforce_client(config.salesforce, config, catalogs)
        except ConfigError as exc:
            raise ContextError(str(exc)) from None
        state = open_config_store(config)
        return cls(config, plan, state, intacct, salesforce, catalogs)

    def __enter__(self) -> RunContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close both clients and the state store."""
        self.intacct.close()
        self.salesforce.close()
        self.state.close()

    def reach(self) -> None:
        """Connect and log in to both services now: an outage raises ServiceUnreachable (a
        ContextError naming the service and host) within seconds, before any mapping runs."""
        from mapsync.engine.commands._reach import reach

        reach(self.intacct, self.salesforce)

    def options(self, **overrides: Any) -> Options:
        """Run options from the configuration, with command-line overrides."""
        from zoneinfo import ZoneInfo

        from mapsync.engine.runner.pairing import Options

        at_once = self.config.options.concurrency
        settings: dict[str, Any] = {
            "at_once": (at_once.mappings, at_once.intacct, at_once.salesforce),
            **overrides,
        }
        return Options(
            overlap=dt.timedelta(seconds=self.config.options.overlap_seconds),
            timezone=ZoneInfo(self.config.intacct.timezone),
            relationship=self.config.options.sales_document_relationship,
            **settings,
        )

    def effective_plan(self) -> Plan:
        """The plan as the configuration's options shape it (what sync and reconcile use)."""
        from mapsync.engine.commands._settings import apply_options

        return apply_options(self.plan, self.config.options)

    def only(self, names: Collection[str] | None) -> Collection[str] | None:
        """Mappings to run: the command line's, else the config's, else all."""
        return names or self.config.mappings

    def run(
        self,
        options: Options,
        *,
        only: Collection[str] | None = None,
        command: str = "sync",
        progress: Any = None,
        clock: Any = None,
    ) -> RunReport:
        """Run the plan with these options (`clock`: the run's time, the wall clock if None).

        Only a MapsyncError is an expected failure (an unknown `--only` name raises
        UnknownMapping; an unusable shared-budget database, StateError); any other
        exception is a bug and reaches the CLI as one.
        """
        from mapsync.engine.commands._budget import shared_budget
        from mapsync.engine.runner.lock import StateLock
        from mapsync.engine.runner.reader import utc_now
        from mapsync.engine.runner.run import run_plan

        lock = None if options.dry_run else StateLock(self.config.state.path).hold
        before = self.calls()
        with shared_budget(self.config, self.intacct, self.salesforce):
            report = run_plan(
                self.effective_plan(),
                self.intacct,
                self.salesforce,
                self.state,
                options,
                only=self.only(only),
                command=command,
                progress=progress,
                timezone=self.config.intacct.timezone,
                lock=lock,
                catalogs=self.catalogs,
                clock=clock or utc_now,
            )
        report.api_calls = {side: n - before[side] for side, n in self.calls().items()}
        if options.dry_run:
            from mapsync.engine.runner.cost import Limits, price

            price(report, Limits.of(self.intacct, self.salesforce), report.api_calls)
        return report

    def calls(self) -> dict[str, int]:
        """API calls each client has made so far."""
        return {"intacct": self.intacct.counter.total,
                "salesforce": self.salesforce.counter.total}
