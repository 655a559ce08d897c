"""Salesforce connector throughput against the local sandbox, and the Collections vs Bulk API
2.0 crossover behind `DEFAULT_BULK_THRESHOLD`.

    python bench/connectors_salesforce.py [--records N] [--latency SECONDS] [--poll SECONDS]

Starts a Salesforce sandbox on 127.0.0.1 with every API call delayed by `--latency` (the
sandbox's `slow` fault at rate 1, standing in for the round trip to a real org; logins are
not delayed), then measures with the production SalesforceClient:

- baseline: one `SELECT Id FROM Account LIMIT 1` round trip (calls/s);
- writes: Collections upserts (create pass, then update pass) and one Bulk API 2.0 upsert;
- reads: `read_changed` of every record written (pages of 2,000);
- crossover: Collections and Bulk 2.0 upserts of growing sizes, time and calls of each.

Every figure is printed with records/s, calls per 1,000 records and its ratio to the
baseline's calls/s measured in the same run (records written or read per round-trip time).

Choosing the threshold. A Bulk 2.0 job costs a fixed handful of calls (create, upload,
close, one poll or more, job info, three result files) and a fixed wait (the first poll
comes after `bulk_poll_interval`), while Collections cost one call per 200 records. The
calls crossover is therefore about 1,400 records whatever the machine; the time crossover
depends on the round trip and the poll interval and is fitted from the measured points as
`fixed + per_record * N` for each path. The default threshold is the time crossover at the
default poll interval and a 100 ms round trip, rounded up to a multiple of 200: there Bulk
costs fewer calls *and* no more time. The sandbox finishes a job as soon as it is closed;
real orgs queue jobs for seconds, which only moves the true crossover higher.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapsync.engine.connectors.salesforce import (  # noqa: E402
    DEFAULT_BULK_THRESHOLD,
    ClientCredentials,
    SalesforceClient,
    soql,
)
from mapsync.engine.sandbox.faults import FaultPlan  # noqa: E402
from mapsync.engine.sandbox.salesforce import SalesforceSandbox  # noqa: E402

NEVER = 10**9
CROSSOVER_SIZES = (400, 800, 1600, 3200, 6400)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured operation."""

    label: str
    records: int
    seconds: float
    calls: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    @property
    def calls_per_1000(self) -> float:
        return 1000.0 * self.calls / self.records


def accounts(prefix: str, n: int, label: str) -> list[dict[str, Any]]:
    return [
        {"Intacct_ID__c": f"{prefix}{i:07d}", "Name": f"{label} {i}", "BillingCity": "Lyon",
         "Phone": "+33 4 00 00 00 00", "Type": "Customer - Direct"}
        for i in range(n)
    ]


def timed(client: SalesforceClient, label: str, records: int, action: Callable[[], Any]) -> Figure:
    before = client.counter.total
    start = time.perf_counter()
    action()
    return Figure(label, records, time.perf_counter() - start, client.counter.total - before)


def upsert(client: SalesforceClient, records: list[dict[str, Any]]) -> None:
    results = client.upsert("Account", "Intacct_ID__c", records)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"upsert failed: {failed[0].error}")


def baseline(client: SalesforceClient, repeat: int = 15) -> float:
    """Median seconds of one minimal query round trip."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        list(client.query("SELECT Id FROM Account LIMIT 1"))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_pair(
    make: Callable[[int], SalesforceClient], prefix: str, n: int
) -> tuple[Figure, Figure]:
    """Time an upsert of `n` new records through Collections and through Bulk 2.0."""
    with make(NEVER) as coll, make(0) as bulk:
        coll.connect()
        bulk.connect()
        c = timed(coll, "collections", n, lambda: upsert(coll, accounts(f"{prefix}C{n}-", n, "x")))
        b = timed(bulk, "bulk 2.0", n, lambda: upsert(bulk, accounts(f"{prefix}B{n}-", n, "x")))
    return c, b


def crossover(
    make: Callable[[int], SalesforceClient], prefix: str
) -> tuple[list[tuple[int, Figure, Figure]], float | None, int | None]:
    """Measured pairs, the fitted time crossover and the calls crossover."""
    rows = [(n, *measure_pair(make, prefix, n)) for n in CROSSOVER_SIZES]
    sizes = [n for n, _, _ in rows]
    # Least squares: seconds = fixed + per record * N, for each API.
    sc, fc = statistics.linear_regression(sizes, [c.seconds for _, c, _ in rows])
    sb, fb = statistics.linear_regression(sizes, [b.seconds for _, _, b in rows])
    time_cross = (fb - fc) / (sc - sb) if sc > sb else None
    bulk_calls = statistics.median(b.calls for _, _, b in rows)
    calls_cross = next((n for n in range(1, 100_000) if math.ceil(n / 200) >= bulk_calls), None)
    return rows, time_cross, calls_cross


def line(figure: Figure, base_rate: float) -> str:
    return (f"  {figure.label:<34} {figure.records:>6} rec {figure.rate:>9,.0f} rec/s "
            f"{figure.calls_per_1000:>6.2f} calls/1000  x{figure.rate / base_rate:>6.1f} baseline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=4000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per API call")
    parser.add_argument("--poll", type=float, default=1.0, help="bulk_poll_interval (seconds)")
    args = parser.parse_args(argv)

    with slow_clients(args.latency, args.poll) as make:
        run(make, args)
    return 0


@contextmanager
def slow_clients(latency: float, poll: float) -> Iterator[Callable[[int], SalesforceClient]]:
    """A Salesforce sandbox adding `latency` seconds to every call, and a maker of production
    clients to it with a given Bulk 2.0 threshold (`poll`: bulk_poll_interval), not yet
    connected."""
    with tempfile.TemporaryDirectory() as tmp:
        slow = (("slow", 1.0),) if latency else ()
        plan = FaultPlan(rates=slow, slow_seconds=latency)
        with SalesforceSandbox(Path(tmp) / "bench.sqlite", faults=plan) as box:
            creds = ClientCredentials(box.credentials.client_id, box.credentials.client_secret)

            def make(threshold: int) -> SalesforceClient:
                return SalesforceClient(creds, login_url=box.login_url, ca_bundle=box.ca_bundle,
                                        bulk_threshold=threshold, bulk_poll_interval=poll)

            yield make


def run(make: Callable[[int], SalesforceClient], args: argparse.Namespace) -> None:
    n = args.records
    with make(NEVER) as client, make(0) as bulk:
        client.connect()
        bulk.connect()
        base = baseline(client)
        base_rate = 1.0 / base
        print(f"Salesforce connector vs sandbox, {args.latency * 1000:.0f} ms added per call, "
              f"bulk poll {args.poll:.2f} s")
        print(f"baseline: one query round trip {base * 1000:.1f} ms = {base_rate:,.1f} calls/s")
        print("writes:")
        print(line(timed(client, "collections upsert (create)", n,
                         lambda: upsert(client, accounts("W", n, "first"))), base_rate))
        print(line(timed(client, "collections upsert (update)", n,
                         lambda: upsert(client, accounts("W", n, "second"))), base_rate))
        print(line(timed(bulk, "bulk 2.0 upsert (create)", n,
                         lambda: upsert(bulk, accounts("B", n, "bulk"))), base_rate))
        print("reads:")
        where = soql.starts_with("Intacct_ID__c", "W")
        print(line(timed(client, "read_changed (pages of 2000)", n, lambda: sum(
            1 for _ in client.read_changed("Account", ["Name", "Intacct_ID__c"], None,
                                           where=where))), base_rate))
    rows, time_cross, calls_cross = crossover(make, "X")
    print("crossover (upsert of N records; time s / calls):")
    for size, c, b in rows:
        print(f"  N={size:>5}  collections {c.seconds:6.2f} s {c.calls:>3} calls   "
              f"bulk 2.0 {b.seconds:6.2f} s {b.calls:>3} calls   bulk/collections time "
              f"{b.seconds / c.seconds:5.2f}")
    print(f"  calls crossover: bulk needs no more calls from N = {calls_cross}")
    if time_cross is None:
        print("  time crossover: bulk never faster in this run")
    else:
        suggested = max(200, math.ceil(max(time_cross, calls_cross or 0) / 200) * 200)
        print(f"  time crossover: N = {time_cross:,.0f} (fitted fixed + per-record cost)")
        print(f"  suggested threshold: {suggested} (DEFAULT_BULK_THRESHOLD = "
              f"{DEFAULT_BULK_THRESHOLD})")


if __name__ == "__main__":
    raise SystemExit(main())
