"""`mapsync sandbox serve|stats`: run the local Intacct and Salesforce sandboxes together.

    mapsync sandbox serve [--dir DIR] [--seed demo|none] [--records N] [--faults SPEC] [--json]
                          [--schema DIR]
    mapsync sandbox stats [--dir DIR] [--json]

`serve` prints the endpoints and credentials (with `--json`: one JSON object on the first
line of stdout) and runs until SIGINT or SIGTERM, then stops cleanly (exit 0). Data persists
in DIR; a new DIR is seeded first. `--schema DIR` adds a rule set's custom fields and objects
(its schema snapshot) to what the sandboxes serve. `stats` asks the servers running on DIR
for their call counts. Exit codes: 0 done, 1 no sandbox running (stats) or a start failure, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

DEFAULT_DIR = ".mapsync/sandbox"
USAGE_ERROR = 2


def register(subparsers: Any) -> None:
    """Add the `sandbox` sub-command and its `serve` and `stats` actions."""
    parser = subparsers.add_parser(
        "sandbox", help="run the local Intacct and Salesforce sandboxes",
        description="Local servers that speak the Intacct XML gateway and Salesforce REST "
        "protocols, backed by SQLite files in one directory.")
    actions = parser.add_subparsers(dest="sandbox_action", metavar="ACTION")
    serve = actions.add_parser(
        "serve", help="start both sandboxes and run until interrupted",
        description="Start both sandboxes, print their endpoints and credentials, and serve "
        "until SIGINT/SIGTERM. A new directory is seeded first; data persists between runs.")
    _add_dir(serve)
    serve.add_argument("--seed", choices=("demo", "none"), default="demo",
                       help="data to load into a new directory (default: demo)")
    serve.add_argument("--records", type=_positive, default=100, metavar="N",
                       help="demo size: number of customers, the rest scales (default: 100)")
    serve.add_argument("--faults", metavar="SPEC", default=None,
                       help="inject faults, e.g. 429:0.05,500:0.02,expire:0.01,slow:0.1")
    serve.add_argument("--fault-seed", type=int, default=0, metavar="N",
                       help="seed of the fault draws, for repeatable runs (default: 0)")
    serve.add_argument("--json", action="store_true",
                       help="print one JSON object with endpoints and credentials, then serve")
    serve.add_argument("--schema", metavar="DIR", default=None,
                       help="also serve the custom fields and objects of this schema snapshot "
                            "(a rule set's schema/ folder)")
    serve.set_defaults(handler=handle_serve)
    stats = actions.add_parser(
        "stats", help="call counts of the sandboxes serving a directory",
        description="Ask the sandboxes started by `mapsync sandbox serve` on DIR for their "
        "calls per operation and injected faults.")
    _add_dir(stats)
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(handler=handle_stats)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=DEFAULT_DIR, metavar="DIR",
                        help=f"data directory (default: {DEFAULT_DIR})")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return USAGE_ERROR


# -- serve ---------------------------------------------------------------------------------


def handle_serve(args: argparse.Namespace) -> int:
    """Run `sandbox serve`; returns the exit code once interrupted."""
    from mapsync.engine.sandbox.faults import FaultSpecError
    from mapsync.engine.sandbox.launcher import Sandboxes

    catalogs = _schema_catalogs(args.schema)
    if catalogs is False:
        return USAGE_ERROR
    try:
        boxes = Sandboxes(args.dir, seed_profile=args.seed, records=args.records,
                          faults=args.faults, fault_seed=args.fault_seed,
                          catalogs=catalogs or None)
    except FaultSpecError as err:
        print(f"mapsync sandbox serve: {err}", file=sys.stderr)
        return USAGE_ERROR
    stop = threading.Event()
    with _stop_on_signals(stop):
        started = time.monotonic()
        boxes.start()
        try:
            _announce(boxes, args.json, time.monotonic() - started)
            stop.wait()
        finally:
            boxes.stop()
    print("sandboxes stopped", file=sys.stderr)
    return 0


def _schema_catalogs(schema: str | None) -> Any:
    """The catalogs with the snapshot in `schema` laid over them; None without one, False
    (after printing the diagnostics) when the folder is missing or a file is broken."""
    if schema is None:
        return None
    from pathlib import Path

    from mapsync.engine.diagnostics import render
    from mapsync.engine.schema.snapshot import catalogs_for

    if not Path(schema).is_dir():
        print(f"mapsync sandbox serve: no such schema folder: {schema}", file=sys.stderr)
        return False
    catalogs, snapshot = catalogs_for([], schema)
    if snapshot.diagnostics:
        sys.stderr.write(render(list(snapshot.diagnostics), "text", snapshot.sources))
        return False
    return catalogs


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` (instead of raising) while the block runs."""

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _announce(boxes: Any, as_json: bool, seconds: float) -> None:
    info = boxes.connection_info()
    if as_json:
        payload = {**info, "data_dir": str(boxes.data_dir), "stats": boxes.stats_urls()}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        sys.stdout.write(_describe(info, boxes))
        sys.stdout.flush()
    report = boxes.seeded
    if report is not None:
        print(f"seeded {report.records} customers: {sum(report.intacct.values())} Intacct and "
              f"{sum(report.salesforce.values())} Salesforce records", file=sys.stderr)
    print(f"serving {boxes.data_dir} (started in {seconds:.1f}s); press Ctrl+C to stop",
          file=sys.stderr, flush=True)


def _describe(info: dict[str, dict[str, str]], boxes: Any) -> str:
    lines = [f"Sandboxes on {boxes.data_dir}", ""]
    for system, title in (("intacct", "Intacct XML gateway"), ("salesforce", "Salesforce org")):
        lines.append(title)
        lines.extend(f"  {name:<16} {value}" for name, value in info[system].items())
        lines.append(f"  {'stats':<16} {boxes.stats_urls()[system]}")
        lines.append("")
    return "\n".join(lines)


# -- stats ---------------------------------------------------------------------------------


def handle_stats(args: argparse.Namespace) -> int:
    """Run `sandbox stats`: print the running servers' call counts."""
    import ssl

    import httpx

    from mapsync.engine.sandbox.launcher import read_serve_file

    serving = read_serve_file(args.dir)
    if serving is None:
        print(f"mapsync sandbox stats: no sandbox is serving {args.dir}; start one with "
              "`mapsync sandbox serve`", file=sys.stderr)
        return 1
    urls: dict[str, str] = serving["stats"]
    counts: dict[str, Any] = {}
    try:
        trust = ssl.create_default_context(cafile=serving["ca_bundle"])
        with httpx.Client(verify=trust, trust_env=False, timeout=10) as client:
            for system, url in urls.items():
                response = client.get(url)
                response.raise_for_status()
                counts[system] = response.json()
    except httpx.HTTPError as err:
        print(f"mapsync sandbox stats: the sandbox on {args.dir} did not answer ({err}); "
              "is it still running?", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(counts, indent=2) + "\n" if args.json else _table(counts))
    return 0


def _table(counts: dict[str, Any]) -> str:
    lines = []
    for system, snapshot in counts.items():
        total = snapshot.get("total", {}).get("calls", 0)
        lines.append(f"{system}: {total} calls")
        for operation, number in snapshot.get("calls", {}).items():
            lines.append(f"  {operation:<28} {number}")
        faults = snapshot.get("faults", {})
        if faults:
            lines.append("  faults: " + ", ".join(f"{k} {v}" for k, v in faults.items()))
    return "\n".join(lines) + "\n"
