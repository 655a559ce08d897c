"""Where Bulk API 2.0 starts to pay: Collections against Bulk 2.0 jobs, calls and wall time.

    python bench/bulk_crossover.py [--sizes 200,400,...] [--latency 0.1] [--poll 1.0]
                                   [--runner 5000]

Starts a Salesforce sandbox on 127.0.0.1 whose every answer is delayed by `--latency` (the
sandbox's `slow` fault at rate 1, standing in for the round trip to a real org), then writes
N records both ways with the production client, for each size N and for both writes the
runner holds for Bulk 2.0 (upserts of new records, updates of existing ones by Id):

- Collections: `SalesforceClient` with the threshold out of reach, 200 records a call;
- Bulk 2.0: the threshold at 1, one job (create, upload, close, polls, results), whose
  first poll comes after `--poll` seconds (the client's `bulk_poll_interval`).

Each row prints both figures and the ratios bulk/collections measured in this run. The
calls crossover is exact (a job costs 5 calls when every row succeeds, Collections one per
200 records); the time crossover comes from a least-squares fit `fixed + per_record * N`
of each path. The suggested threshold is the first multiple of 200 at or past both: there
Bulk 2.0 costs fewer calls and no more time. `DEFAULT_BULK_THRESHOLD` is set from it at the
defaults (100 ms, 1 s poll); real orgs queue jobs for seconds, which only moves the time
crossover higher, so the figure is a floor, and `options.batch_sizes.bulk_threshold` moves it.

Through the runner (`--runner N`, 0 to skip): the standard Item mapping syncs N new Intacct
items to Salesforce and N/4 new Salesforce products to Intacct (whose new ids are written
back), once with the threshold out of reach and once at the default, each on fresh
sandboxes without added latency; it prints the Salesforce calls and the wall time of both
syncs and their ratios.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors_salesforce import NEVER, slow_clients  # noqa: E402  (bench/connectors_salesforce.py)

from mapsync.engine.commands._context import RunContext  # noqa: E402
from mapsync.engine.commands.demo import write_config  # noqa: E402
from mapsync.engine.connectors.salesforce import (  # noqa: E402
    DEFAULT_BULK_THRESHOLD,
    SalesforceClient,
)
from mapsync.engine.connectors.salesforce.collections import MAX_RECORDS  # noqa: E402
from mapsync.engine.sandbox.launcher import Sandboxes  # noqa: E402

SIZES = "200,400,800,1600,3200,6400,12800"
_batch = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Figure:
    """One write of `records` records: wall seconds and API calls."""

    records: int
    seconds: float
    calls: int


def accounts(n: int) -> list[dict[str, Any]]:
    prefix = f"X{next(_batch):03d}-"
    return [{"Intacct_ID__c": f"{prefix}{i:07d}", "Name": f"Crossover {i}", "BillingCity": "Lyon",
             "Phone": "+33 4 00 00 00 00", "Type": "Customer - Direct"} for i in range(n)]


def timed(client: SalesforceClient, n: int, write: Callable[[], list[Any]]) -> Figure:
    before = client.counter.total
    start = time.perf_counter()
    results = write()
    seconds = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"a write failed: {failed[0].error}")
    return Figure(n, seconds, client.counter.total - before)


def measure(client: SalesforceClient, seeder: SalesforceClient, op: str, n: int) -> Figure:
    """Write `n` records with `client`: new ones (upsert), or existing ones (update) that
    `seeder` creates first, untimed."""
    records = accounts(n)
    if op == "upsert":
        return timed(client, n, lambda: client.upsert("Account", "Intacct_ID__c", records))
    created = seeder.upsert("Account", "Intacct_ID__c", records)
    updates = [{"Id": r.record_id, "Phone": "+33 4 11 11 11 11"} for r in created]
    return timed(client, n, lambda: client.update("Account", updates))


def crossover(rows: Sequence[tuple[Figure, Figure]]) -> tuple[int, float | None]:
    """The calls crossover (exact) and the fitted time crossover (None: bulk never faster)."""
    job_calls = min(b.calls for _, b in rows)  # one job (larger sizes may take several)
    calls_cross = job_calls * MAX_RECORDS + 1  # from here Collections need more calls
    # Least squares: seconds = fixed + per record * N, for each API.
    coll, bulk = [c for c, _ in rows], [b for _, b in rows]
    sc, fc = statistics.linear_regression([c.records for c in coll], [c.seconds for c in coll])
    sb, fb = statistics.linear_regression([b.records for b in bulk], [b.seconds for b in bulk])
    time_cross = (fb - fc) / (sc - sb) if sc > sb else None
    return calls_cross, time_cross


def report(op: str, rows: Sequence[tuple[Figure, Figure]]) -> int | None:
    """Print one operation's table; the suggested threshold for it."""
    print(f"\n{op}: N records, collections then bulk 2.0 (ratios bulk/collections)")
    print(f"  {'N':>6}  {'coll s':>7} {'calls':>5}  {'bulk s':>7} {'calls':>5}  "
          f"{'time ratio':>10} {'calls ratio':>11}")
    for c, b in rows:
        print(f"  {c.records:>6}  {c.seconds:>7.2f} {c.calls:>5}  {b.seconds:>7.2f} {b.calls:>5}  "
              f"{b.seconds / c.seconds:>10.2f} {b.calls / c.calls:>11.2f}")
    calls_cross, time_cross = crossover(rows)
    print(f"  calls crossover: bulk needs fewer calls from N = {calls_cross:,}")
    if time_cross is None:
        print("  time crossover: bulk never faster in this run")
        return None
    print(f"  time crossover: N = {time_cross:,.0f} (fitted fixed + per-record cost)")
    suggested = math.ceil(max(calls_cross, time_cross) / MAX_RECORDS) * MAX_RECORDS
    print(f"  bulk pays on both from N = {suggested:,}")
    return suggested


def runner_sync(directory: Path, items: int, threshold: int) -> Figure:
    """One sync of the Item mapping on fresh sandboxes: Salesforce calls and wall seconds."""
    import yaml

    with Sandboxes(directory, seed_profile="none") as boxes:
        boxes.intacct.store.insert_many("ITEM", [
            {"ITEMID": f"IT{i:06d}", "NAME": f"Item {i}", "ITEMTYPE": "Non-Inventory",
             "STATUS": "active", "BASEPRICE": "10.50"} for i in range(items)])
        for i in range(items // 4):
            boxes.salesforce.store.insert("Product2", {
                "Name": f"Product {i}", "ProductCode": f"PR{i:06d}", "IsActive": True,
                "Intacct_Item_Type__c": "Non-Inventory"})
        config = write_config(directory, boxes.connection_info(), None)
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        data["options"]["batch_sizes"] = {"bulk_threshold": threshold}
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        with RunContext.open(config) as ctx:
            start = time.perf_counter()
            report = ctx.run(ctx.options(), only=["Item"])
            seconds = time.perf_counter() - start
        [item] = report.mappings
        if item.total("failed") or item.total("created") != items + items // 4:
            raise SystemExit(f"the {threshold} sync did not create every record: {item}")
        return Figure(items, seconds, item.salesforce.api_calls)


def runner(items: int) -> None:
    """The Item mapping through Collections and through Bulk 2.0; ratios bulk/collections."""
    with tempfile.TemporaryDirectory() as tmp:
        coll = runner_sync(Path(tmp) / "collections", items, NEVER)
        bulk = runner_sync(Path(tmp) / "bulk", items, DEFAULT_BULK_THRESHOLD)
    print(f"\nthrough the runner: Item mapping, {items:,} items to Salesforce and "
          f"{items // 4:,} products to Intacct, no added latency")
    print(f"  collections: {coll.calls:>5} Salesforce calls {coll.seconds:>7.1f} s")
    print(f"  bulk 2.0:    {bulk.calls:>5} Salesforce calls {bulk.seconds:>7.1f} s")
    print(f"  bulk/collections: calls {bulk.calls / coll.calls:.2f}, "
          f"time {bulk.seconds / coll.seconds:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=SIZES, help="comma-separated record counts")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per API call")
    parser.add_argument("--poll", type=float, default=1.0, help="bulk_poll_interval (seconds)")
    parser.add_argument("--runner", type=int, default=5000,
                        help="items for the sync through the runner (0: skip it)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    with slow_clients(args.latency, args.poll) as make:
        print(f"Collections vs Bulk API 2.0 against the Salesforce sandbox, "
              f"{args.latency * 1000:.0f} ms added per call, first poll after {args.poll:g} s")
        with make(NEVER) as coll, make(1) as bulk:
            coll.connect()
            bulk.connect()
            suggested = []
            for op in ("upsert", "update"):
                rows = [(measure(coll, coll, op, n), measure(bulk, coll, op, n)) for n in sizes]
                suggested.append(report(op, rows))
    found = [s for s in suggested if s is not None]
    if found:
        print(f"\nsuggested threshold: {max(found):,} records "
              f"(DEFAULT_BULK_THRESHOLD = {DEFAULT_BULK_THRESHOLD:,})")
    if args.runner:
        runner(args.runner)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
