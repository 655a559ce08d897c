"""Intacct connector throughput against the local sandbox, and the batch size behind the default.

    python bench/connectors_intacct.py [--records N] [--latency SECONDS] [--faults SPEC]

Starts an Intacct sandbox on 127.0.0.1 with every request delayed by `--latency` (the
sandbox's `slow` fault at rate 1, standing in for the round trip to api.intacct.com), then
measures with the production IntacctClient:

- reads: readByQuery at pagesize 100 (the gateway's default; the baseline), readByQuery at
  1000 (what read_changed uses) and `query` at 2000 (query_changed);
- writes: creates at batch sizes 1 (the baseline: one function per request) up to 500, and
  updates at the default batch size;

and prints records/s, calls per 1,000 records and the ratio to the baseline of the same run.

Choosing the default batch size. Against the sandbox a bigger batch is always faster, because
the sandbox spends about a millisecond per record while every request pays the round trip.
The real gateway spends far longer per record, so the bench fits the measured request time
to `overhead + per_record * batch` and projects each batch size's share of the best possible
throughput when Intacct spends more per record. The default is the smallest batch that keeps
90% of that throughput at 10 ms per record (a conservative floor for a real create), capped
so that a request stays under the 100 s after which Cloudflare cuts it with a 524 even at
1 s per record. A bigger batch would buy little speed, and every record of a batch shares a
lost answer (524, cut connection) and waits for the replay.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapsync.engine.connectors.intacct import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    IntacctClient,
    RetryPolicy,
    SenderCredentials,
    UserLogin,
)
from mapsync.engine.sandbox.faults import FaultPlan  # noqa: E402
from mapsync.engine.sandbox.intacct import IntacctSandbox  # noqa: E402

BATCH_SIZES = (1, 10, 25, 50, 100, 200, 500)
KEEP = 0.90  # share of the best throughput the default must keep ...
FLOOR_MS = 10.0  # ... when Intacct spends this long per record
CUTOFF_S = 100.0  # Cloudflare answers 524 after this long ...
WORST_MS = 1000.0  # ... which a batch must not reach at this cost per record
PROJECTED_MS = (0.0, 10.0, 50.0, 200.0)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured configuration."""

    label: str
    records: int
    seconds: float
    calls: int

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def calls_per_1000(self) -> float:
        return 1000.0 * self.calls / self.records if self.records else 0.0


def customers(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "CUSTOMERID": f"{prefix}{i:05d}",
            "NAME": f"Customer {prefix}{i}",
            "DISPLAYCONTACT.PRINTAS": f"Customer {i}",
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon",
            "CREDITLIMIT": Decimal("2500.00"),
            "ONHOLD": False,
        }
        for i in range(n)
    ]


def connect(sandbox: IntacctSandbox, **options: Any) -> IntacctClient:
    creds = sandbox.credentials
    client = IntacctClient(
        SenderCredentials(creds.sender_id, creds.sender_password),
        login=UserLogin(creds.user_id, creds.company_id, creds.user_password),
        endpoint=sandbox.url,
        retry=RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.1),
        **options,
    )
    client.open_session()
    return client


def measure(label: str, client: IntacctClient, work: Callable[[], int]) -> Figure:
    before = client.counter.total
    start = time.perf_counter()
    records = work()
    seconds = time.perf_counter() - start
    return Figure(label, records, seconds, client.counter.total - before)


def read_figures(sandbox: IntacctSandbox, n: int) -> list[Figure]:
    sandbox.store.insert_many("CUSTOMER", customers("R", n))
    fields = ["CUSTOMERID", "NAME", "CREDITLIMIT", "ONHOLD", "DISPLAYCONTACT.MAILADDRESS.CITY"]
    figures = []
    for label, options, method in (
        ("readByQuery pagesize 100 (baseline)", {"page_size": 100}, "read_changed"),
        ("readByQuery pagesize 1000", {}, "read_changed"),
        ("query pagesize 2000", {}, "query_changed"),
    ):
        with connect(sandbox, **options) as client:
            read = getattr(client, method)

            def count(read: Any = read) -> int:
                return sum(1 for _ in read("CUSTOMER", fields, None))

            figures.append(measure(label, client, count))
    return figures


def write_figures(sandbox: IntacctSandbox, n: int, sizes: Sequence[int]) -> list[Figure]:
    figures = []
    for size in sizes:
        count = n if size >= 10 else min(n, 100)
        records = customers(f"B{size}-", count)
        label = f"create, batch {size}" + (" (baseline)" if size == sizes[0] else "")
        with connect(sandbox, batch_size=size) as client:

            def create(c: IntacctClient = client, r: list[dict[str, Any]] = records) -> int:
                return _created(c.create("CUSTOMER", r))

            figures.append(measure(label, client, create))
    return figures


def update_figure(sandbox: IntacctSandbox, n: int) -> Figure:
    rows = sandbox.store.list("CUSTOMER")[:n]
    changes = [{"RECORDNO": r["RECORDNO"], "NAME": r["NAME"] + " (2)"} for r in rows]
    with connect(sandbox) as client:
        return measure(
            f"update, batch {client.batch_size}",
            client,
            lambda: _created(client.update("CUSTOMER", changes)),
        )


def _created(results: Sequence[Any]) -> int:
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{len(failed)} writes failed, first: {failed[0].error}")
    return len(results)


def table(title: str, figures: Sequence[Figure], baseline: Figure) -> None:
    print(f"\n{title:<40} {'records/s':>10} {'calls/1000':>11} {'x baseline':>11}")
    for f in figures:
        ratio = f.per_second / baseline.per_second if baseline.per_second else 0.0
        print(f"{f.label:<40} {f.per_second:>10.0f} {f.calls_per_1000:>11.1f} {ratio:>10.2f}x")


def fit(sizes: Sequence[int], figures: Sequence[Figure]) -> tuple[float, float]:
    """Least squares of seconds per request = overhead + per_record * batch size."""
    points = [(size, f.seconds / f.calls) for size, f in zip(sizes, figures, strict=True)]
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else 0.0
    return max(mean_y - slope * mean_x, 0.0), max(slope, 1e-6)


def share(size: int, overhead: float, per_record: float) -> float:
    """Throughput at `size` as a share of the asymptotic best (infinite batch)."""
    return per_record * size / (overhead + per_record * size)


def projection(sizes: Sequence[int], overhead: float, per_record: float) -> int:
    print(f"\nfit: {overhead * 1000:.1f} ms per request + {per_record * 1000:.2f} ms per record")
    header = "".join(f"{f'+{ms:.0f} ms/rec':>12}" for ms in PROJECTED_MS)
    print(f"{'share of best throughput':<28}{header}{'server s @1s/rec':>20}")
    for size in sizes:
        cells = "".join(
            f"{share(size, overhead, per_record + ms / 1000):>12.0%}" for ms in PROJECTED_MS
        )
        worst = size * WORST_MS / 1000
        print(f"{f'batch {size}':<28}{cells}{worst:>20.0f}")
    fits = [
        s
        for s in sizes
        if share(s, overhead, per_record + FLOOR_MS / 1000) >= KEEP
        and s * WORST_MS / 1000 <= CUTOFF_S
    ]
    return fits[0] if fits else max(s for s in sizes if s * WORST_MS / 1000 <= CUTOFF_S)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.05,
        help="seconds added to every request (emulated round trip)",
    )
    parser.add_argument("--faults", default="", help="extra sandbox faults, e.g. 500:0.05")
    parser.add_argument("--sizes", default=",".join(map(str, BATCH_SIZES)))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    spec = ",".join(p for p in ("slow:1" if args.latency > 0 else "", args.faults) if p)
    plan = FaultPlan.parse(spec, seed=1, slow_seconds=args.latency)
    with (
        tempfile.TemporaryDirectory() as folder,
        IntacctSandbox(Path(folder) / "bench.db", faults=plan) as sandbox,
    ):
        print(
            f"Intacct connector vs sandbox: {args.records} records, "
            f"{args.latency * 1000:.0f} ms per request, faults: {args.faults or 'none'}"
        )
        reads = read_figures(sandbox, args.records)
        table("reads", reads, reads[0])
        writes = write_figures(sandbox, args.records, sizes)
        table("writes", writes + [update_figure(sandbox, args.records)], writes[0])
        overhead, per_record = fit(sizes, writes)
        chosen = projection(sizes, overhead, per_record)
        print(
            f"\nsmallest batch keeping {KEEP:.0%} of the best throughput at +{FLOOR_MS:.0f} ms"
            f"/record and under {CUTOFF_S:.0f} s at {WORST_MS:.0f} ms/record: {chosen}"
            f" (default in force: {DEFAULT_BATCH_SIZE})"
        )
        print(f"sandbox faults injected: {sandbox.stats_snapshot()['faults']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
