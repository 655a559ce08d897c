"""Records per second through the Salesforce sandbox over HTTPS (target: at least 5,000 each).

    python bench/sandbox_salesforce.py [--batches 50]

Measures, with the unmodified simple-salesforce client against a fresh SQLite file:
sObject Collections upserts of 200 Accounts by external ID (first pass creates, second pass
updates), Collections creates of 200, and REST query pages of 2000. Prints one line per
figure and its ratio to the target.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from simple_salesforce import Salesforce

from mapsync.engine.sandbox.salesforce import SalesforceSandbox

TARGET = 5000.0
BATCH = 200


def batch(start: int, label: str) -> list[dict[str, Any]]:
    return [
        {"attributes": {"type": "Account"}, "Intacct_ID__c": f"C{n:07d}", "Name": f"{label} {n}",
         "BillingCity": "Lyon", "Phone": "+33 4 00 00 00 00", "Type": "Customer - Direct"}
        for n in range(start, start + BATCH)
    ]


def upserts(sf: Salesforce, batches: int, label: str) -> float:
    start = time.perf_counter()
    for i in range(batches):
        results = sf.restful("composite/sobjects/Account/Intacct_ID__c", method="PATCH",
                             json={"allOrNone": False, "records": batch(i * BATCH, label)})
        if not all(r["success"] for r in results):
            raise SystemExit(f"upsert failed: {results[:2]}")
    return batches * BATCH / (time.perf_counter() - start)


def creates(sf: Salesforce, batches: int) -> float:
    start = time.perf_counter()
    for i in range(batches):
        records = [{"attributes": {"type": "Account"}, "Name": f"Created {i}-{n}"}
                   for n in range(BATCH)]
        results = sf.restful("composite/sobjects", method="POST", json={"records": records})
        if not all(r["success"] for r in results):
            raise SystemExit(f"create failed: {results[:2]}")
    return batches * BATCH / (time.perf_counter() - start)


def query_pages(sf: Salesforce) -> tuple[float, int]:
    start = time.perf_counter()
    seen = sum(1 for _ in sf.query_all_iter(
        "SELECT Id, Name, Intacct_ID__c, BillingCity, SystemModstamp FROM Account"))
    return seen / (time.perf_counter() - start), seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=50, help="Collections calls per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SalesforceSandbox(
        Path(tmp) / "bench.sqlite"
    ) as box, box.requests_session() as http:
        sf = Salesforce(instance_url=box.instance_url, session_id=box.session_id,
                        version="59.0", session=http)
        figures = [
            ("collections upsert 200 (create)", upserts(sf, args.batches, "New")),
            ("collections upsert 200 (update)", upserts(sf, args.batches, "Changed")),
            ("collections create 200", creates(sf, args.batches)),
        ]
        rate, seen = query_pages(sf)
        figures.append((f"query pages of 2000 ({seen} records)", rate))
    for name, value in figures:
        print(f"salesforce {name:<40} {value:>10,.0f} records/s  ({value / TARGET:.1f}x target)")


if __name__ == "__main__":
    main()
