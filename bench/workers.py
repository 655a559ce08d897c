"""Many pairs across worker processes, and one pair's mappings side by side.

    MAPSYNC_TEST_POSTGRES_URL=postgresql://… python bench/workers.py [--pairs 10]
        [--records 3] [--workers 1,2,3] [--faults slow:0.3] [--json]

1. Ten company pairs (each pair's two sandboxes in their own process, state in one
   PostgreSQL database, a schema per pair) synced from the queue by 1, 2 and 3
   `mapsync worker` processes: wall time from the workers' start until every job
   succeeded, and each as a ratio to 1 worker (higher is better: 1 worker / k workers).
2. One pair's standard mappings side by side (`options.concurrency.mappings: 4`) against
   one after another (`mappings: 1`), from fresh sandboxes each: wall time and the ratio.

`--faults slow:P` delays that share of sandbox calls by 0.2 s, standing in for the network
latency of the real services (the local sandboxes answer in about a millisecond, so without
it the machine's CPU, not waiting, is what the workers share). Each setting starts from new
sandboxes and a new database, so every run is an initial sync.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.workers import (  # noqa: E402
    enqueue,
    job_states,
    pairs,
    serve_sandboxes,
    start_worker,
    stop,
    wait_for,
)
from tests.runner.state_backends import ENV, fresh_database  # noqa: E402


def pairs_with_workers(count: int, records: int, workers: int, faults: str | None) -> float:
    """Seconds for `workers` processes to sync `count` fresh pairs from the queue."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        root = Path(tmp)
        slow = {f"p{i}": faults for i in range(count)} if faults else None
        with pairs(root, url, count, records, slow) as folder:
            enqueue(url, folder)
            started = time.perf_counter()
            procs = [start_worker(url, folder, f"w{i}", 30, root / f"w{i}.log")
                     for i in range(workers)]
            try:
                wait_for(url, lambda: set(job_states(url).values()) == {"succeeded"}, 1800,
                         "every job to succeed")
                return time.perf_counter() - started
            finally:
                for process in procs:
                    stop(process)


def one_pair(records: int, at_once: int, faults: str | None) -> float:
    """Seconds for one `mapsync sync` of a fresh pair with `at_once` mappings in flight."""
    import yaml

    from mapsync.engine.commands.demo import write_config

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        process, info = serve_sandboxes(directory / "sandboxes", records, faults)
        try:
            config = write_config(directory / "pair", info, None)
            data = yaml.safe_load(config.read_text("utf-8"))
            data["options"]["concurrency"] = {"mappings": at_once}
            config.write_text(yaml.safe_dump(data), encoding="utf-8")
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mapsync", "sync", "-c", str(config),
                                   "--json"], capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - started
            assert done.returncode == 0, done.stderr[-2000:]
            return elapsed
        finally:
            stop(process)


def main() -> int:
    """Run both measurements and print them with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--records", type=int, default=3)
    parser.add_argument("--pair-records", type=int, default=20,
                        help="size of the one pair of part 2 (default 20 customers)")
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--faults", default=None, help="sandbox faults, e.g. slow:0.3")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import os

    if not os.environ.get(ENV):
        print(f"set {ENV}=postgresql://… (a database this bench may create databases in)",
              file=sys.stderr)
        return 2
    counts = [int(n) for n in args.workers.split(",")]
    walls = {k: pairs_with_workers(args.pairs, args.records, k, args.faults) for k in counts}
    base = walls[counts[0]]
    sequential = one_pair(args.pair_records, 1, args.faults)
    parallel = one_pair(args.pair_records, 4, args.faults)
    result: dict[str, Any] = {
        "pairs": args.pairs, "faults": args.faults,
        "workers": {str(k): {"seconds": round(s, 2), "speedup_vs_1": round(base / s, 2)}
                    for k, s in walls.items()},
        "one_pair": {"sequential_s": round(sequential, 2), "parallel_s": round(parallel, 2),
                     "speedup": round(sequential / parallel, 2)},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.pairs} pairs from the queue (faults: {args.faults or 'none'}):")
    for k, figures in result["workers"].items():
        print(f"  {k} worker(s): {figures['seconds']:7.2f} s   x{figures['speedup_vs_1']:.2f} vs 1")
    one = result["one_pair"]
    print(f"one pair, {args.pair_records} customers: sequential {one['sequential_s']:.2f} s, "
          f"4 mappings at once {one['parallel_s']:.2f} s   x{one['speedup']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
