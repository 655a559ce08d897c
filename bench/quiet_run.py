"""What a run costs when nothing changed: all 30 standard mappings on a demo company.

    python bench/quiet_run.py [--accounts 300] [--json]

Seeds both sandboxes with the demo company (`--accounts` accounts with their contacts,
items, price lists, projects, contracts and documents), then runs every standard mapping:

1. the initial sync;
2. the run that reads the initial sync's own writes back once;
3. a run 75 s later (on the sandbox org's clock, which the runner shares: nothing sleeps),
   past the overlap window, that reads the window a last time and settles it;
4. a run one more minute later, with nothing changed: the quiet run.

It prints the quiet run's API calls and records as the sandboxes answered them (logins
apart: authentication calls, not counted against Salesforce's API usage), against the
target of at most 3 calls and 0 records (docs/quiet-runs.md). Run from an older checkout
(without the org clock) it moves only the runner's clock, which is all the older runner
needs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path.cwd()))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

LOGINS = ("getAPISession", "login.oauth", "login.soap")
TARGET_CALLS, TARGET_RECORDS = 3, 0


def snapshot(boxes: Any) -> dict[str, Any]:
    """Calls (logins apart), requests and records each sandbox answered so far."""
    out: dict[str, Any] = {}
    for side in ("intacct", "salesforce"):
        stats = getattr(boxes, side).stats_snapshot()
        calls = dict(stats["calls"])
        logins = sum(calls.pop(name, 0) for name in LOGINS)
        requests = stats.get("requests", sum(calls.values()) + logins) - logins
        out[side] = {"calls": calls, "requests": requests,
                     "records": sum(stats.get("records", {}).values())}
    return out


def spent(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What was answered between two snapshots."""
    out: dict[str, Any] = {}
    for side, now in after.items():
        was = before[side]
        calls = {k: v - was["calls"].get(k, 0) for k, v in now["calls"].items()}
        out[side] = {"calls": {k: v for k, v in calls.items() if v},
                     "requests": now["requests"] - was["requests"],
                     "records": now["records"] - was["records"]}
    return out


def measure(accounts: int) -> dict[str, Any]:
    """Seed, sync three times, let time pass, and measure the quiet run."""
    from mapsync.engine.commands._context import RunContext
    from mapsync.engine.commands.demo import write_config
    from mapsync.engine.runner.run import run_plan
    from mapsync.engine.sandbox.launcher import Sandboxes

    with tempfile.TemporaryDirectory() as folder, Sandboxes(
        Path(folder), seed_profile="demo", records=accounts
    ) as boxes:
        config = write_config(Path(folder), boxes.connection_info(), None)
        advance, clock = _clocks(boxes)

        def sync() -> Any:
            # The whole plan: every standard mapping, not only those `price_source` keeps.
            with RunContext.open(config) as ctx:
                return run_plan(ctx.plan, ctx.intacct, ctx.salesforce, ctx.state,
                                ctx.options(), catalogs=ctx.catalogs, clock=clock,
                                timezone=ctx.config.intacct.timezone)

        first = sync()
        second = sync()
        advance(75)
        third = sync()
        advance(60)
        before = snapshot(boxes)
        quiet = sync()
        used = spent(before, snapshot(boxes))
        return {"accounts": accounts, "mappings": len(quiet.mappings),
                "synced": first.changes, "later_changes": second.changes + third.changes,
                "quiet_changes": quiet.changes, "quiet": used}


def _clocks(boxes: Any) -> tuple[Callable[[float], None], Callable[[], dt.datetime]]:
    org = getattr(boxes.salesforce.store, "time", None)
    if org is not None:
        # One clock for the runner and both services (the Intacct company stamps naive UTC).
        boxes.intacct.store.clock = lambda: org.now().replace(tzinfo=None)
        return org.advance, org.now
    offset = [0.0]

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance, lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset[0])


def report(result: Mapping[str, Any]) -> None:
    """Print the quiet run against the target."""
    quiet = result["quiet"]
    intacct, salesforce = quiet["intacct"], quiet["salesforce"]
    calls = intacct["requests"] + salesforce["requests"]
    records = intacct["records"] + salesforce["records"]
    print(f"demo company: {result['accounts']} accounts, {result['synced']:,} records synced "
          f"by the initial run, {result['mappings']} mappings")
    print(f"quiet run: {calls} API calls (Intacct {intacct['requests']} requests, Salesforce "
          f"{salesforce['requests']} calls; target <= {TARGET_CALLS}), "
          f"{records:,} records read (Intacct {intacct['records']:,}, Salesforce "
          f"{salesforce['records']:,}; target {TARGET_RECORDS}), "
          f"{result['quiet_changes']} writes")
    print(f"  ratio to the target: calls {calls / TARGET_CALLS:.2f}")
    for side in ("intacct", "salesforce"):
        detail = ", ".join(f"{k} {v}" for k, v in sorted(quiet[side]["calls"].items()))
        print(f"  {side:<10} {detail or 'nothing'}  (logins not counted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.accounts)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)


if __name__ == "__main__":
    main()
